import Foundation
import Testing
import ModelFiles
@testable import Models

/// Each broken model folder must give its own typed error, naming the file at fault.
@Suite struct BadModelFolderTests {
    /// A copy of the `tiny` fixture (single F32 file, unprefixed keys) to break.
    func copyOfTiny() throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: gpt2Fixtures.appendingPathComponent("tiny/\(file)"),
                to: scratch.url.appendingPathComponent(file))
        }
        return scratch
    }

    /// Rewrites model.safetensors, letting `change` rename, reshape or drop (nil) each tensor.
    func rewriteWeights(in folder: URL, _ change: (String, [Int]) -> (String, [Int])?) throws {
        let url = folder.appendingPathComponent("model.safetensors")
        let original = try SafetensorsFile(url: url)
        var writer = SafetensorsWriter()
        for name in original.tensorNames {
            let shape = try #require(original.tensor(name)).shape
            guard let (newName, newShape) = change(name, shape) else { continue }
            writer.add(newName, shape: newShape, floats: try original.floats(name))
        }
        try writer.write(to: url)
    }

    func load(_ folder: URL) -> Error? {
        errorThrown { _ = try ModelLoader.loadModel(at: folder, maxLayer: nil, threads: 1) }
    }

    @Test func intactCopyLoads() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        try rewriteWeights(in: scratch.url) { ($0, $1) }
        #expect(load(scratch.url) == nil)
    }

    @Test func missingConfig() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        try FileManager.default.removeItem(at: scratch.url.appendingPathComponent("config.json"))
        guard case .missingConfig(let folder)? = load(scratch.url) as? ModelLoadError else {
            Issue.record("expected missingConfig, got \(String(describing: load(scratch.url)))")
            return
        }
        #expect(folder == scratch.url.path)
    }

    @Test func unknownModelType() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        let configURL = scratch.url.appendingPathComponent("config.json")
        let config = try String(contentsOf: configURL, encoding: .utf8)
            .replacingOccurrences(of: "\"model_type\": \"gpt2\"", with: "\"model_type\": \"bert\"")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let error = load(scratch.url)
        guard case .unknownModelType(let file, "bert")? = error as? ModelLoadError else {
            Issue.record("expected unknownModelType, got \(String(describing: error))")
            return
        }
        #expect(file == configURL.path)
        #expect("\(error!)".contains("bert"))
    }

    @Test func truncatedInsideTheHeader() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        let weights = scratch.url.appendingPathComponent("model.safetensors")
        try Data(try Data(contentsOf: weights).prefix(100)).write(to: weights)
        let error = load(scratch.url)
        guard case .truncated(let file, _)? = error as? SafetensorsError else {
            Issue.record("expected truncated, got \(String(describing: error))")
            return
        }
        #expect(file == weights.path)
    }

    @Test func truncatedInsideTheData() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        let weights = scratch.url.appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: weights)
        try Data(bytes.prefix(bytes.count / 2)).write(to: weights)
        let error = load(scratch.url)
        guard case .offsetsPastEnd(let file, _, _, _)? = error as? SafetensorsError else {
            Issue.record("expected offsetsPastEnd, got \(String(describing: error))")
            return
        }
        #expect(file == weights.path)
    }

    @Test func headerOffsetsPastTheEnd() throws {
        // Same file size, but the header moves one tensor beyond the data.
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        let weights = scratch.url.appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: weights)
        let headerLength = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let file = try SafetensorsFile(url: weights)
        let tensor = try #require(file.tensor("ln_f.bias"))
        let begin = tensor.fileOffset - 8 - headerLength
        let dataSize = bytes.count - 8 - headerLength
        header = header.replacingOccurrences(
            of: "[\(begin),\(begin + tensor.byteCount)]",
            with: "[\(dataSize),\(dataSize + tensor.byteCount)]")
        var rewritten = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { rewritten.append(contentsOf: $0) }
        rewritten.append(contentsOf: Array(header.utf8))
        rewritten.append(bytes[(8 + headerLength)...])
        try rewritten.write(to: weights)

        let error = load(scratch.url)
        guard case .offsetsPastEnd(let path, "ln_f.bias", _, _)? = error as? SafetensorsError else {
            Issue.record("expected offsetsPastEnd, got \(String(describing: error))")
            return
        }
        #expect(path == weights.path)
    }

    @Test func wrongShape() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        // c_fc weight stored as [out, in] instead of Conv1D's [in, out]: same bytes, wrong shape.
        try rewriteWeights(in: scratch.url) { name, shape in
            name == "h.1.mlp.c_fc.weight" ? (name, shape.reversed()) : (name, shape)
        }
        let error = load(scratch.url)
        guard case .wrongShape(_, "h.1.mlp.c_fc.weight", [32, 96], [96, 32])? = error as? ModelLoadError else {
            Issue.record("expected wrongShape, got \(String(describing: error))")
            return
        }
    }

    @Test func missingTensor() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        try rewriteWeights(in: scratch.url) { name, shape in name == "h.1.ln_2.bias" ? nil : (name, shape) }
        let error = load(scratch.url)
        guard case .missingTensor(let folder, "h.1.ln_2.bias")? = error as? ModelLoadError else {
            Issue.record("expected missingTensor, got \(String(describing: error))")
            return
        }
        #expect(folder == scratch.url.path)
        // Loading only layer 0 does not need it.
        #expect(errorThrown { _ = try ModelLoader.loadModel(at: scratch.url, maxLayer: 0, threads: 1) } == nil)
    }

    @Test func missingWeights() throws {
        let scratch = try copyOfTiny()
        defer { scratch.remove() }
        try FileManager.default.removeItem(at: scratch.url.appendingPathComponent("model.safetensors"))
        guard case .noWeights? = load(scratch.url) as? SafetensorsError else {
            Issue.record("expected noWeights, got \(String(describing: load(scratch.url)))")
            return
        }
    }

    @Test func maxLayerOutOfRange() throws {
        let error = errorThrown { _ = try ModelLoader.loadModel(at: gpt2Fixtures.appendingPathComponent("tiny"), maxLayer: 2, threads: 1) }
        guard case .invalidMaxLayer(2, 2)? = error as? ModelLoadError else {
            Issue.record("expected invalidMaxLayer, got \(String(describing: error))")
            return
        }
    }

    @Test func otherFilesAndMissingPaths() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let file = scratch.url.appendingPathComponent("pytorch_model.bin")
        try Data("not a model".utf8).write(to: file)
        guard case .unsupportedFormat(let path, _)? = load(file) as? ModelLoadError else {
            Issue.record("expected unsupportedFormat, got \(String(describing: load(file)))")
            return
        }
        #expect(path == file.path)
        let absent = scratch.url.appendingPathComponent("absent")
        guard case .notFound? = load(absent) as? ModelLoadError else {
            Issue.record("expected notFound, got \(String(describing: load(absent)))")
            return
        }
    }
}
