/// Which of the paper's analyses a report shows. All four are computed (and cached) together:
/// interleaving and homomorphism build on the top-down clustering and the bottom-up
/// segmentation, and most of the time goes into permutation tests either way.
public enum AnalysisMethod: String, Sendable, Hashable, CaseIterable {
    case all
    /// Categories → activation: clusters by cosine similarity and their activations.
    case topDown = "topdown"
    /// Are the clusters interleaved along the activation axis?
    case interleaving
    /// Activation → categories: homogeneity of activation segments.
    case bottomUp = "bottomup"
    /// Agreement of clusters and segments, Mantel test, on all and on the top core tokens.
    case homomorphism

    /// Whether a report for this choice shows `part`.
    public func shows(_ part: AnalysisMethod) -> Bool {
        self == .all || self == part
    }
}
