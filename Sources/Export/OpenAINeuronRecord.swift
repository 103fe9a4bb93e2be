import Foundation

/// OpenAI neuron-explainer's `NeuronRecord`: one neuron's moments, top-activating excerpts and
/// random samples, as published for GPT-2 XL under `collated-activations/{layer}/{neuron}.json`.
///
/// Written with the Python dataclasses' field order and `dataclass_name` tags, compact, so that
/// `neuron_explainer.activations.activations.load_neuron` reads the files; numbers exact,
/// moments that are not numbers (NaN) as `null`. Read leniently: layer and neuron indices may
/// be strings, moments and quantile fields may be null or missing, NaN and Infinity literals
/// (Python's `json.dumps`) are accepted.
public struct OpenAINeuronRecord: Sendable, Equatable {
    public var layer: Int
    public var neuron: Int
    /// Excerpts at uniformly sampled positions.
    public var randomSample: [OpenAIActivationRecord]
    /// Sampled excerpts per quantile range; nil when quantiles are not tracked.
    public var randomSampleByQuantile: [[OpenAIActivationRecord]]?
    /// The activation values that bound the quantile ranges; nil when not tracked.
    public var quantileBoundaries: [Double]?
    public var mean: Double?
    public var variance: Double?
    public var skewness: Double?
    public var kurtosis: Double?
    /// The top-activating excerpts, highest maximum activation first.
    public var mostPositiveActivationRecords: [OpenAIActivationRecord]

    public init(layer: Int, neuron: Int, randomSample: [OpenAIActivationRecord] = [],
                randomSampleByQuantile: [[OpenAIActivationRecord]]? = nil, quantileBoundaries: [Double]? = nil,
                mean: Double? = nil, variance: Double? = nil, skewness: Double? = nil, kurtosis: Double? = nil,
                mostPositiveActivationRecords: [OpenAIActivationRecord] = []) {
        self.layer = layer; self.neuron = neuron; self.randomSample = randomSample
        self.randomSampleByQuantile = randomSampleByQuantile; self.quantileBoundaries = quantileBoundaries
        self.mean = mean; self.variance = variance; self.skewness = skewness; self.kurtosis = kurtosis
        self.mostPositiveActivationRecords = mostPositiveActivationRecords
    }

    // MARK: Writing

    /// The record as compact JSON (no trailing newline).
    public func json() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024 + mostPositiveActivationRecords.count * 1200)
        func key(_ name: String) {
            JSONText.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func optionalNumber(_ value: Double?) {
            if let value { JSONText.appendNumber(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        func list(_ records: [OpenAIActivationRecord]) {
            out.append(UInt8(ascii: "["))
            for (i, r) in records.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                r.appendJSON(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"{"dataclass_name":"NeuronRecord","neuron_id":{"dataclass_name":"NeuronId","#.utf8)
        key("neuron_index"); JSONText.appendInteger(neuron, to: &out)
        out.append(UInt8(ascii: ","))
        key("layer_index"); JSONText.appendInteger(layer, to: &out)
        out.append(contentsOf: "},".utf8)
        key("random_sample"); list(randomSample)
        out.append(UInt8(ascii: ","))
        key("random_sample_by_quantile")
        if let groups = randomSampleByQuantile {
            out.append(UInt8(ascii: "["))
            for (i, group) in groups.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                list(group)
            }
            out.append(UInt8(ascii: "]"))
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(UInt8(ascii: ","))
        key("quantile_boundaries")
        if let boundaries = quantileBoundaries {
            out.append(UInt8(ascii: "["))
            for (i, b) in boundaries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendNumber(b, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        } else {
            out.append(contentsOf: "null".utf8)
        }
        for (name, value) in [("mean", mean), ("variance", variance), ("skewness", skewness), ("kurtosis", kurtosis)] {
            out.append(UInt8(ascii: ","))
            key(name); optionalNumber(value)
        }
        out.append(UInt8(ascii: ","))
        key("most_positive_activation_records"); list(mostPositiveActivationRecords)
        out.append(UInt8(ascii: "}"))
        return out
    }

    // MARK: Reading

    /// Reads one record from JSON; `path` names the source in errors.
    public init(json: Data, path: String) throws {
        // Foundation's JSON5 scanner traps on invalid UTF-8 in an unquoted key: check first.
        guard String(validating: json, as: UTF8.self) != nil else {
            throw ExportError.badNeuronRecord(path: path, reason: "not valid UTF-8")
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // NaN and Infinity literals, as Python's json module writes them
        let dto: NeuronRecordDTO
        do {
            dto = try decoder.decode(NeuronRecordDTO.self, from: json)
        } catch let error as DecodingError {
            throw ExportError.badNeuronRecord(path: path, reason: Self.describe(error))
        } catch {
            throw ExportError.badNeuronRecord(path: path, reason: "\(error)")
        }
        if let name = dto.dataclassName, name != "NeuronRecord" {
            throw ExportError.badNeuronRecord(path: path, reason: "dataclass_name is \"\(name)\", not \"NeuronRecord\"")
        }
        guard let layer = dto.neuronID.layer.value, layer >= 0, layer <= Int(UInt16.max),
              let neuron = dto.neuronID.neuron.value, neuron >= 0, neuron <= Int(UInt32.max) else {
            throw ExportError.badNeuronRecord(path: path, reason: "neuron_id needs non-negative integer layer_index and neuron_index")
        }
        func records(_ list: [ActivationRecordDTO], _ field: String) throws -> [OpenAIActivationRecord] {
            try list.enumerated().map { i, r in
                guard r.tokens.count == r.activations.count else {
                    throw ExportError.badNeuronRecord(
                        path: path, reason: "\(field)[\(i)] has \(r.tokens.count) tokens but \(r.activations.count) activations")
                }
                return OpenAIActivationRecord(tokens: r.tokens, activations: r.activations.map { $0 ?? .nan })
            }
        }
        self.init(layer: layer, neuron: neuron,
                  randomSample: try records(dto.randomSample ?? [], "random_sample"),
                  randomSampleByQuantile: try dto.randomSampleByQuantile.map { groups in
                      try groups.enumerated().map { try records($1, "random_sample_by_quantile[\($0)]") }
                  },
                  quantileBoundaries: dto.quantileBoundaries.map { $0.map { $0 ?? .nan } },
                  mean: Self.number(dto.mean), variance: Self.number(dto.variance),
                  skewness: Self.number(dto.skewness), kurtosis: Self.number(dto.kurtosis),
                  mostPositiveActivationRecords: try records(dto.mostPositiveActivationRecords ?? [],
                                                             "most_positive_activation_records"))
    }

    /// NaN (the dataclass default) reads as nil, like null.
    static func number(_ value: Double?) -> Double? {
        guard let value, !value.isNaN else { return nil }
        return value
    }

    static func describe(_ error: DecodingError) -> String {
        func located(_ context: DecodingError.Context, _ text: String) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? text : "\(path): \(text)"
        }
        switch error {
        case .keyNotFound(let key, let context): return located(context, "missing \"\(key.stringValue)\"")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return located(context, context.debugDescription)
        @unknown default: return "\(error)"
        }
    }
}

/// One excerpt: tokens as text and the neuron's activation on each.
public struct OpenAIActivationRecord: Sendable, Equatable, Codable {
    public var tokens: [String]
    public var activations: [Double]

    public init(tokens: [String], activations: [Double]) {
        self.tokens = tokens
        self.activations = activations
    }

    func appendJSON(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"dataclass_name":"ActivationRecord","activations":["#.utf8)
        for (i, a) in activations.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendNumber(a, to: &out)
        }
        out.append(contentsOf: #"],"tokens":["#.utf8)
        for (i, t) in tokens.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(t, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
    }
}

// MARK: - Decoding shapes

private struct NeuronRecordDTO: Decodable {
    var dataclassName: String?
    var neuronID: NeuronIDDTO
    var randomSample: [ActivationRecordDTO]?
    var randomSampleByQuantile: [[ActivationRecordDTO]]?
    var quantileBoundaries: [Double?]?
    var mean: Double?
    var variance: Double?
    var skewness: Double?
    var kurtosis: Double?
    var mostPositiveActivationRecords: [ActivationRecordDTO]?

    enum CodingKeys: String, CodingKey {
        case dataclassName = "dataclass_name", neuronID = "neuron_id", randomSample = "random_sample"
        case randomSampleByQuantile = "random_sample_by_quantile", quantileBoundaries = "quantile_boundaries"
        case mean, variance, skewness, kurtosis
        case mostPositiveActivationRecords = "most_positive_activation_records"
    }
}

private struct NeuronIDDTO: Decodable {
    var layer: IntegerOrString
    var neuron: IntegerOrString

    enum CodingKeys: String, CodingKey {
        case layer = "layer_index", neuron = "neuron_index"
    }
}

/// An integer written as a number or as a string (older files have "layer_index": "12").
private struct IntegerOrString: Decodable {
    var value: Int?

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let int = try? container.decode(Int.self) {
            value = int
        } else {
            value = Int(try container.decode(String.self))
        }
    }
}

private struct ActivationRecordDTO: Decodable {
    var tokens: [String]
    var activations: [Double?]
}
