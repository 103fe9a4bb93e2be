import Canonical
import Foundation

/// What an imported NeuronRecord file holds that the store has no place for: its random
/// samples, quantile boundaries, moments that are not all numbers, and the activations of top
/// excerpts that one stored record cannot reproduce. Kept as JSON in the catalog's `analyses`
/// table (method `openai-neuron-record`, one row per neuron), so that exporting an imported
/// store writes back the same files.
struct NeuronRecordExtras: Codable, Equatable {
    /// The `analyses.method` of these rows.
    static let method = "openai-neuron-record"

    var randomSample: [OpenAIActivationRecord] = []
    var randomSampleByQuantile: [[OpenAIActivationRecord]]?
    var quantileBoundaries: [Double]?
    /// mean, variance, skewness, kurtosis, when the catalog has no statistics row (one was null).
    var moments: [Double?]?
    /// Activations of top excerpts, by document id, for excerpts that are not "the record's
    /// activation and 0 elsewhere" (e.g. OpenAI's files, which have every activation).
    var excerptActivations: [String: [Double]] = [:]

    var isEmpty: Bool {
        randomSample.isEmpty && randomSampleByQuantile == nil && quantileBoundaries == nil && moments == nil
            && excerptActivations.isEmpty
    }

    func json() throws -> String {
        try CanonicalJSON.string(self)
    }

    init() {}

    init(json: String) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        self = try decoder.decode(Self.self, from: Data(json.utf8))
    }
}
