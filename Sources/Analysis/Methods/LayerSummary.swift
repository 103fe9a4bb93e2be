/// A per-neuron test pooled over a layer.
public enum LayerTest: String, Codable, Sendable, Hashable, CaseIterable {
    /// Clusters differ in activation: Kruskal–Wallis p.
    case differentiation
    /// The highest-activation segment is categorically homogeneous: its permutation p.
    case homogeneity
    /// |Δ activation| tracks cosine distance on all core tokens: Mantel p.
    case homomorphism
    /// The same on the top subset: Mantel p.
    case homomorphismTopSubset = "homomorphism-top-subset"
    /// Clusters agree with segments: ARI permutation p on all core tokens.
    case clusterSegmentAgreement = "cluster-segment-agreement"
}

/// A per-neuron effect size pooled over a layer.
public enum LayerEffectSize: String, Codable, Sendable, Hashable, CaseIterable {
    case epsilonSquared = "epsilon-squared"
    case maxAbsCliffsDelta = "max-abs-cliffs-delta"
    case silhouette
    case topSegmentHomogeneityZ = "top-segment-homogeneity-z"
    case homogeneityTrendRho = "homogeneity-trend-rho"
    case mantelRho = "mantel-rho"
    case mantelRhoTopSubset = "mantel-rho-top-subset"
    case adjustedRandIndex = "ari"
    case normalizedMutualInformation = "nmi"

    /// The value of this effect size in one neuron's analysis, if defined.
    public func value(in analysis: NeuronAnalysis) -> Double? {
        switch self {
        case .epsilonSquared: analysis.topDown.differentiation.epsilonSquared
        case .maxAbsCliffsDelta: analysis.topDown.pairs.map { abs($0.cliffsDelta) }.max()
        case .silhouette: analysis.topDown.clustering.silhouette
        case .topSegmentHomogeneityZ: analysis.bottomUp.segments.last?.homogeneity?.z
        case .homogeneityTrendRho: analysis.bottomUp.trend?.coefficient
        case .mantelRho: analysis.homomorphism.full.mantel?.rho
        case .mantelRhoTopSubset: analysis.homomorphism.topSubset?.test.mantel?.rho
        case .adjustedRandIndex: analysis.homomorphism.full.adjustedRandIndex.observed
        case .normalizedMutualInformation: analysis.homomorphism.full.normalizedMutualInformation.observed
        }
    }
}

extension LayerTest {
    /// The p-value of this test in one neuron's analysis, if the test ran.
    public func pValue(in analysis: NeuronAnalysis) -> Double? {
        switch self {
        case .differentiation: analysis.topDown.differentiation.p
        case .homogeneity: analysis.bottomUp.segments.last?.homogeneity?.p
        case .homomorphism: analysis.homomorphism.full.mantel?.p
        case .homomorphismTopSubset: analysis.homomorphism.topSubset?.test.mantel?.p
        case .clusterSegmentAgreement: analysis.homomorphism.full.adjustedRandIndex.p
        }
    }
}

/// How many neurons of a layer pass one test after Benjamini–Hochberg over the layer.
public struct SignificanceShare: Codable, Sendable, Equatable {
    public var test: LayerTest
    /// Neurons for which the test ran.
    public var tested: Int
    /// Neurons with BH-adjusted p ≤ q.
    public var significant: Int
    /// significant / tested (0 when none was tested).
    public var share: Double
    /// [neurons] BH-adjusted p-value of each neuron, in input order (nil where the test did not run).
    public var adjusted: [Double?]
}

/// Distribution of one effect size over a layer's neurons.
public struct EffectSizeDistribution: Codable, Sendable, Equatable {
    public var effect: LayerEffectSize
    /// Neurons where it is defined.
    public var count: Int
    public var mean: Double?
    /// (probability, value) at 0, 5, 25, 50, 75, 95, 100 % (numpy linear); empty when count is 0.
    public var quantiles: [Quantile]
    /// [count] the values, in input order of the neurons that have one (for histograms).
    public var values: [Double]

    public struct Quantile: Codable, Sendable, Equatable {
        public var probability: Double
        public var value: Double
    }
}

/// Layer-level summary of many neurons' analyses (METHOD.md "Layer level").
public struct LayerSummary: Codable, Sendable, Equatable {
    public var neuronCount: Int
    /// False-discovery rate of the Benjamini–Hochberg procedure.
    public var fdr: Double
    public var significance: [SignificanceShare]
    public var effectSizes: [EffectSizeDistribution]
    /// Neurons per interleaving verdict.
    public var verdicts: [ActivationMappingVerdict: Int]
    /// Neurons whose only raised segment is the highest-activation one (per-neuron α, uncorrected).
    public var onlyTopRaised: Int

    public static let quantileProbabilities = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]

    public init(analyses: [NeuronAnalysis], fdr: Double = 0.05) {
        neuronCount = analyses.count
        self.fdr = fdr
        significance = LayerTest.allCases.map { test in
            let p = analyses.map { test.pValue(in: $0) }
            let tested = p.indices.filter { p[$0] != nil }
            let adjustedTested = benjaminiHochbergAdjusted(tested.map { p[$0]! })
            var adjusted = [Double?](repeating: nil, count: p.count)
            for (i, index) in tested.enumerated() { adjusted[index] = adjustedTested[i] }
            let significant = adjustedTested.count { $0 <= fdr }
            return SignificanceShare(test: test, tested: tested.count, significant: significant,
                                     share: tested.isEmpty ? 0 : Double(significant) / Double(tested.count),
                                     adjusted: adjusted)
        }
        effectSizes = LayerEffectSize.allCases.map { effect in
            let values = analyses.compactMap { effect.value(in: $0) }
            let sorted = values.sorted()
            return EffectSizeDistribution(
                effect: effect, count: values.count, mean: values.isEmpty ? nil : mean(values),
                quantiles: values.isEmpty ? [] : Self.quantileProbabilities.map {
                    .init(probability: $0, value: quantile(sorted: sorted, $0))
                },
                values: values)
        }
        var verdicts: [ActivationMappingVerdict: Int] = [:]
        for analysis in analyses { verdicts[analysis.interleaving.verdict, default: 0] += 1 }
        self.verdicts = verdicts
        onlyTopRaised = analyses.count { $0.bottomUp.onlyTopRaised }
    }
}
