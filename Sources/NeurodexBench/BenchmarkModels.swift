import Indexer
import Models

/// The GPT-2 sizes benchmarked, with the real models' shapes.
enum BenchmarkModel: String, CaseIterable {
    case small, xl

    var config: GPT2Config {
        switch self {
        case .small: GPT2Config(nLayer: 12, nEmbd: 768, nHead: 12, nPositions: 1024, vocabSize: 50257)
        case .xl: GPT2Config(nLayer: 48, nEmbd: 1600, nHead: 25, nPositions: 1024, vocabSize: 50257)
        }
    }

    var label: String { self == .small ? "GPT-2 small" : "GPT-2 XL" }

    static func parse(_ names: [String]) throws -> [BenchmarkModel] {
        try names.map { name in
            guard let model = BenchmarkModel(rawValue: name) else {
                throw BenchOptions.Invalid(description: "unknown model '\(name)' (small, xl)")
            }
            return model
        }
    }
}

/// One matrix product C[m, n] = A[m, k] · B[k, n].
struct MatrixShape: Hashable, CustomStringConvertible {
    var m: Int, n: Int, k: Int
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    var description: String { "\(m)×\(k) · \(k)×\(n)" }
}

/// The weight products of one GPT-2 block over `tokens` tokens: c_attn, attn.c_proj, c_fc,
/// mlp.c_proj. The last block of a forward that stops after its activations skips mlp.c_proj.
func blockProducts(_ config: GPT2Config, tokens: Int, includeMLPDown: Bool) -> [MatrixShape] {
    let (c, f) = (config.nEmbd, config.neuronCount)
    var shapes = [MatrixShape(m: tokens, n: 3 * c, k: c), MatrixShape(m: tokens, n: c, k: c),
                  MatrixShape(m: tokens, n: f, k: c)]
    if includeMLPDown { shapes.append(MatrixShape(m: tokens, n: c, k: f)) }
    return shapes
}

/// The indexer's default batch, which the benchmarks run: `batchWindows` windows of BOS +
/// `context` tokens (one place for the shape, from `IndexingOptions`' defaults).
enum IndexerBatch {
    static let defaults = IndexingOptions(modelPath: "", corpusPaths: [], layers: [0])
    static var windows: Int { defaults.batchWindows }
    static var context: Int { defaults.context }
    /// A window's rows: BOS and the context.
    static var windowRows: Int { defaults.context + 1 }
}
