import Export
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Indexer
import ModelFiles
import Models
import Tokenizers

/// One parser under fuzzing: seed inputs, a dictionary of format fragments, and how to feed it
/// an input. `feed` writes the input where the parser reads it (most parsers read files) and
/// returns true when the parser accepted it; thrown errors are rejections, a trap is a crash.
struct FuzzTarget: Sendable {
    var name: String
    var seeds: [[UInt8]]
    var dictionary: [[UInt8]]
    var feed: @Sendable (_ input: [UInt8], _ folder: URL) -> Bool

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Every target, by name.
    static func all() throws -> [FuzzTarget] {
        [try safetensors(), try gguf(), try hfConfig(), try tokenizerJSON(), try gpt2TokenizerFiles(), jsonlCorpus(),
         neuronRecord()]
    }

    static func named(_ name: String) throws -> FuzzTarget {
        guard let target = try all().first(where: { $0.name == name }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no fuzz target \(name)"])
        }
        return target
    }

    /// Runs `body`, turning a thrown error into false.
    static func accepts(_ body: () throws -> Void) -> Bool {
        do { try body(); return true } catch { return false }
    }

    /// POSIX write(2) (the name `write` is taken by this type's own function).
    private static func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
        #else
        Darwin.write(fd, bytes, count)
        #endif
    }

    /// Writes `bytes` to `url` in place (plain POSIX calls: no atomic rename, no sync — the
    /// harness writes millions of files).
    @discardableResult
    static func write(_ bytes: [UInt8], _ url: URL) -> URL {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return url }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
        close(fd)
        return url
    }

    static func fixture(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(path)))
    }

    static func words(_ texts: [String]) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    /// JSON fragments that stress number, string and nesting handling.
    static let jsonWords = words([
        "-1", "0", "1e308", "-1e308", "1e-400", "-0", "4294967296", "18446744073709551616", "9223372036854775807",
        "-9223372036854775808", "3.5", "null", "true", "false", "[]", "{}", "\"\"", "\"\\ud800\"", "\"\\u0000\"",
        "\"\\uDFFF\\uD800\"", ",", ":", "\"", "\\", "NaN", "Infinity", "-Infinity", "[[[[[[[[[[[[[[[[", "{\"a\":",
        "\u{FFFD}", "\u{0}",
    ])

    // MARK: - Safetensors

    static func safetensors() throws -> FuzzTarget {
        var a = SafetensorsWriter()
        a.metadata = ["format": "pt"]
        a.add("wte.weight", shape: [3, 4], floats: (0..<12).map { Float($0) / 3 })
        a.add("ln.bias", dtype: .f16, shape: [4], bytes: Data([0, 60, 0, 188, 0, 0, 0, 124]))
        a.add("ln.weight", dtype: .bf16, shape: [2, 2], bytes: Data([128, 63, 0, 64, 192, 127, 0, 0]))
        var b = SafetensorsWriter()
        b.add("scalar", shape: [], floats: [1.5])
        b.add("empty", shape: [0, 5], floats: [])
        b.add("ids", dtype: .i64, shape: [2], bytes: Data(count: 16))
        return FuzzTarget(
            name: "safetensors", seeds: [[UInt8](a.encoded()), [UInt8](b.encoded())],
            dictionary: jsonWords + words(["\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"",
                                           "\"F16\"", "\"BF16\"", "\"I64\"", "\"F64\"", "\"BOOL\"", "[0,0]", "[0,8]",
                                           "[8,0]", "[4294967296]"])) { input, folder in
            let url = write(input, folder.appendingPathComponent("model.safetensors"))
            return accepts {
                let file = try SafetensorsFile(url: url)
                for name in file.tensorNames {
                    if let tensor = file.tensor(name), [.f32, .f16, .bf16].contains(tensor.dtype) {
                        _ = try file.floats(name)
                    } else {
                        _ = try file.bytes(of: name)
                    }
                }
            }
        }
    }

    // MARK: - GGUF

    static func gguf() throws -> FuzzTarget {
        var dictionary: [[UInt8]] = words(["GGUF", "general.alignment", "tokenizer.ggml.tokens", "tokenizer.ggml.model",
                                           "tokenizer.ggml.merges", "gpt2", "llama"])
        for code in [0, 1, 2, 3, 6, 7, 8, 9, 10, 12, 13, 14, 15, 30, 99] as [UInt32] {
            dictionary.append(withUnsafeBytes(of: code.littleEndian, Array.init))
        }
        for length in [0, 1, 32, 1 << 31, 1 << 62] as [UInt64] {
            dictionary.append(withUnsafeBytes(of: length.littleEndian, Array.init))
        }
        return FuzzTarget(
            name: "gguf", seeds: [try fixture("gguf/metadata.gguf"), try fixture("gguf/quants.gguf")],
            dictionary: dictionary) { input, folder in
            let url = write(input, folder.appendingPathComponent("model.gguf"))
            return accepts {
                let file = try GGUFFile(path: url.path)
                for key in file.metadataKeys {
                    _ = try? file.string(key)
                    _ = try? file.integer(key)
                    _ = try? file.number(key)
                    _ = try? file.stringArray(key)
                    _ = try? file.integerArray(key)
                }
                for tensor in file.tensors where tensor.rowCount > 0 {
                    _ = try? file.floats(of: tensor, rows: 0..<1)
                }
                if let model = try? file.string("tokenizer.ggml.model") {
                    let tables = GGUFTokenizerTables(
                        model: model, pre: try? file.string("tokenizer.ggml.pre"),
                        tokens: try file.stringArray("tokenizer.ggml.tokens"),
                        merges: (try? file.stringArray("tokenizer.ggml.merges")) ?? [],
                        tokenTypes: (try? file.integerArray("tokenizer.ggml.token_type"))?.map { Int32(clamping: $0) },
                        beginOfSequence: (try? file.integer("tokenizer.ggml.bos_token_id")).flatMap { UInt32(exactly: $0) },
                        endOfSequence: (try? file.integer("tokenizer.ggml.eos_token_id")).flatMap { UInt32(exactly: $0) })
                    exercise(try Tokenizer(gguf: tables))
                }
            }
        }
    }

    // MARK: - HF config.json

    static func hfConfig() throws -> FuzzTarget {
        let seeds = try ["gpt2/tiny/config.json", "gpt2/f16/config.json"].map(fixture)
            + [Array(#"{"model_type":"gpt2","n_layer":2,"n_embd":8,"n_head":2,"n_positions":4,"vocab_size":10,"n_inner":null}"#.utf8)]
        return FuzzTarget(
            name: "config", seeds: seeds,
            dictionary: jsonWords + words(["\"n_layer\"", "\"n_embd\"", "\"n_head\"", "\"n_inner\"", "\"vocab_size\"",
                                           "\"n_positions\"", "\"model_type\"", "\"gpt2\"", "\"layer_norm_epsilon\""])) { input, folder in
            let url = write(input, folder.appendingPathComponent("config.json"))
            return accepts {
                _ = try HFConfig.modelType(at: url)
                let config = try GPT2Config.load(from: url)
                _ = (config.neuronCount, config.headDimension)
            }
        }
    }

    // MARK: - Tokenizer files

    /// Uses a tokenizer the way the indexer and queries do.
    static func exercise(_ tokenizer: Tokenizer) {
        let ids = tokenizer.encode("Hello wörld <|endoftext|> 12  tabs\t\n«FIN» 😀 ab")
        _ = tokenizer.decode(ids)
        for id in 0..<UInt32(min(tokenizer.vocabularySize, 1024)) { _ = tokenizer.tokenBytes(id) }
        _ = tokenizer.tokenID(bytes: Array("the".utf8))
    }

    static let tokenizerWords = jsonWords + words([
        "\"model\"", "\"vocab\"", "\"merges\"", "\"added_tokens\"", "\"id\"", "\"content\"", "\"special\"",
        "\"type\"", "\"BPE\"", "\"ByteLevel\"", "\"Sequence\"", "\"Split\"", "\"pretokenizers\"", "\"pre_tokenizer\"",
        "\"normalizer\"", "\"decoder\"", "\"post_processor\"", "\"<|endoftext|>\"", "\"Ġ\"", "\"Ġ Ġ\"", "\"a b\"",
        "\"ignore_merges\"", "\"byte_fallback\"", "\"unk_token\"",
    ])

    static func tokenizerJSON() throws -> FuzzTarget {
        FuzzTarget(name: "tokenizer.json", seeds: [try fixture("tokenizer/tiny-bpe/tokenizer.json")],
                   dictionary: tokenizerWords) { input, folder in
            let url = write(input, folder.appendingPathComponent("tokenizer.json"))
            return accepts { exercise(try Tokenizer(huggingFaceTokenizerFile: url)) }
        }
    }

    /// vocab.json and merges.txt in one input, separated by `gpt2FileSeparator`.
    static let gpt2FileSeparator = Array("\n=====\n".utf8)

    static func gpt2TokenizerFiles() throws -> FuzzTarget {
        // A small GPT-2-style pair made from the tiny-bpe vocabulary.
        struct Model: Decodable { var model: Inner; struct Inner: Decodable { var vocab: [String: Int]; var merges: [Merge] } }
        enum Merge: Decodable {
            case text(String), pair([String])
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let s = try? c.decode(String.self) { self = .text(s) } else { self = .pair(try c.decode([String].self)) }
            }
            var line: String { switch self { case .text(let s): s; case .pair(let p): p.joined(separator: " ") } }
        }
        let model = try JSONDecoder().decode(Model.self, from: Data(try fixture("tokenizer/tiny-bpe/tokenizer.json")))
        var vocabulary = model.model.vocab
        vocabulary["<|endoftext|>"] = vocabulary.count
        let vocabJSON = try JSONSerialization.data(withJSONObject: vocabulary, options: .sortedKeys)
        let merges = "#version: 0.2\n" + model.model.merges.prefix(300).map(\.line).joined(separator: "\n") + "\n"
        let seed = [UInt8](vocabJSON) + gpt2FileSeparator + Array(merges.utf8)
        return FuzzTarget(name: "vocab.json+merges.txt", seeds: [seed],
                          dictionary: tokenizerWords + words(["\n", "\r\n", " ", "#version: 0.2"])) { input, folder in
            let (vocab, merges) = split(input, at: gpt2FileSeparator)
            let vocabURL = write(vocab, folder.appendingPathComponent("vocab.json"))
            let mergesURL = write(merges, folder.appendingPathComponent("merges.txt"))
            return accepts { exercise(try Tokenizer(vocabularyFile: vocabURL, mergesFile: mergesURL)) }
        }
    }

    static func split(_ input: [UInt8], at separator: [UInt8]) -> ([UInt8], [UInt8]) {
        guard input.count >= separator.count else { return (input, []) }
        for start in 0...(input.count - separator.count) where input[start..<(start + separator.count)].elementsEqual(separator) {
            return (Array(input[..<start]), Array(input[(start + separator.count)...]))
        }
        return (input, [])
    }

    // MARK: - JSONL corpus

    static func jsonlCorpus() -> FuzzTarget {
        let first: String = #"{"text": "To be, or not to be", "id": 1}"# + "\n"
        let second: String = #"{"text": "caf\u00e9 \n line", "meta": {"a": [1, 2]}}"# + "\n\n"
        let third: String = #"{"text": ""}"# + "\r\n" + #"  {"title": "x", "text": "y"}"# + "\n"
        let seeds: [[UInt8]] = [Array((first + second).utf8), Array(third.utf8)]
        return FuzzTarget(name: "jsonl", seeds: seeds,
                          dictionary: jsonWords + words(["\"text\"", "\n", "\r", "\t", "\u{FEFF}"])) { input, folder in
            let url = write(input, folder.appendingPathComponent("corpus.jsonl"))
            return accepts {
                try Corpus(paths: [url.path]).forEachDocument { document in
                    _ = (document.text.utf8.count, document.metadataJSON)
                    return true
                }
            }
        }
    }

    // MARK: - OpenAI NeuronRecord

    static func neuronRecord() -> FuzzTarget {
        let record = OpenAINeuronRecord(
            layer: 3, neuron: 17,
            randomSample: [OpenAIActivationRecord(tokens: ["a", " b", "<0x0A>"], activations: [0.5, -1, 0])],
            randomSampleByQuantile: [[OpenAIActivationRecord(tokens: ["x"], activations: [2])]],
            quantileBoundaries: [0, 0.5, 1], mean: 0.1, variance: 2, skewness: nil, kurtosis: 3,
            mostPositiveActivationRecords: [OpenAIActivationRecord(tokens: ["the", " cat", " sat"], activations: [0, 4.25, 0]),
                                            OpenAIActivationRecord(tokens: ["q"], activations: [1])])
        let stringIDs = #"{"dataclass_name":"NeuronRecord","neuron_id":{"dataclass_name":"NeuronId","layer_index":"2","neuron_index":"5"},"random_sample":[],"mean":NaN,"variance":Infinity,"most_positive_activation_records":[{"dataclass_name":"ActivationRecord","tokens":["z"],"activations":[null]}]}"#
        return FuzzTarget(
            name: "neuron-record", seeds: [record.json(), Array(stringIDs.utf8)],
            dictionary: jsonWords + words(["\"neuron_id\"", "\"layer_index\"", "\"neuron_index\"", "\"tokens\"",
                                           "\"activations\"", "\"most_positive_activation_records\"", "\"random_sample\"",
                                           "\"random_sample_by_quantile\"", "\"quantile_boundaries\"", "\"dataclass_name\"",
                                           "\"NeuronRecord\"", "\"ActivationRecord\"", "\"mean\"", "\"kurtosis\""])) { input, folder in
            accepts {
                let parsed = try OpenAINeuronRecord(json: Data(input), path: "fuzz.json")
                _ = try OpenAINeuronRecord(json: Data(parsed.json()), path: "fuzz-roundtrip.json")
                // The importer builds a store: costly, so one accepted input in 16.
                if input.count % 16 == 0 { try importIntoStore(parsed, folder) }
            }
        }
    }

    static func importIntoStore(_ record: OpenAINeuronRecord, _ folder: URL) throws {
        let source = write(record.json() + [0x0A], folder.appendingPathComponent("records.jsonl"))
        let store = folder.appendingPathComponent("store")
        try? FileManager.default.removeItem(at: store)
        defer { try? FileManager.default.removeItem(at: store) }
        try NeuronRecordImporter().importRecords(from: source, into: store)
    }
}
