import Foundation
import Testing
import ModelFiles

@Suite struct SafetensorsCheckpointTests {
    /// Writes two shards and an index mapping a, b → shard 1 and c → shard 2.
    func writeShardedFolder(_ folder: TemporaryFolder, index: String? = nil) throws {
        var first = SafetensorsWriter()
        first.add("a", shape: [2], floats: [1, 2])
        first.add("b", shape: [1, 1], floats: [3])
        try first.write(to: folder.file("model-00001-of-00002.safetensors"))
        var second = SafetensorsWriter()
        second.add("c", dtype: .f16, shape: [2], bytes: halfBytes([0x3C00, 0x4000]))
        try second.write(to: folder.file("model-00002-of-00002.safetensors"))
        let defaultIndex = """
        {"metadata": {"total_size": 18}, "weight_map": {
          "a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
          "c": "model-00002-of-00002.safetensors"}}
        """
        try Data((index ?? defaultIndex).utf8).write(to: folder.file("model.safetensors.index.json"))
    }

    @Test func readsShardedFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeShardedFolder(folder)
        let checkpoint = try SafetensorsCheckpoint(folder: folder.url)
        #expect(checkpoint.files.count == 2)
        #expect(checkpoint.tensorNames == ["a", "b", "c"])
        #expect(try checkpoint.floats("a") == [1, 2])
        #expect(try checkpoint.floats("b") == [3])
        #expect(try checkpoint.floats("c") == [1, 2])
        #expect(checkpoint.file(containing: "c")?.url.lastPathComponent == "model-00002-of-00002.safetensors")
        #expect(checkpoint.tensor("d") == nil)
    }

    @Test func readsShardedFixtureWrittenByTransformers() throws {
        let checkpoint = try SafetensorsCheckpoint(folder: fixturesFolder.appendingPathComponent("gpt2/sharded"))
        #expect(checkpoint.files.count > 1)
        #expect(checkpoint.tensorNames.count == 2 + 12 * 3 + 2)  // wte, wpe, 12 per block, ln_f
        for name in checkpoint.tensorNames {
            let tensor = try #require(checkpoint.tensor(name))
            #expect(try checkpoint.floats(name).count == tensor.shape.reduce(1, *))
        }
        #expect(checkpoint.tensor("transformer.h.2.mlp.c_fc.weight")?.shape == [48, 192])
    }

    @Test func prefersSingleFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeShardedFolder(folder)
        var single = SafetensorsWriter()
        single.add("only", shape: [1], floats: [5])
        try single.write(to: folder.file("model.safetensors"))
        #expect(try SafetensorsCheckpoint(folder: folder.url).tensorNames == ["only"])
    }

    @Test func indexNamingAMissingTensorFails() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeShardedFolder(folder, index: #"{"weight_map": {"zz": "model-00001-of-00002.safetensors"}}"#)
        let error = thrownError { _ = try SafetensorsCheckpoint(folder: folder.url) }
        guard case .missingTensor(let file, "zz")? = error as? SafetensorsError else {
            Issue.record("expected missingTensor, got \(String(describing: error))")
            return
        }
        #expect(file.hasSuffix("model-00001-of-00002.safetensors"))
    }

    @Test func indexNamingAMissingShardFails() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeShardedFolder(folder, index: #"{"weight_map": {"a": "model-00009.safetensors"}}"#)
        let error = thrownError { _ = try SafetensorsCheckpoint(folder: folder.url) }
        guard case .cannotOpen(let file, _)? = error as? SafetensorsError else {
            Issue.record("expected cannotOpen, got \(String(describing: error))")
            return
        }
        #expect(file.hasSuffix("model-00009.safetensors"))
    }

    @Test(arguments: [#"{"weight_map": {"a": "../model-00001-of-00002.safetensors"}}"#,
                      #"{"weight_map": ["a"]}"#, #"{"metadata": {}}"#])
    func malformedIndexFails(index: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeShardedFolder(folder, index: index)
        let error = thrownError { _ = try SafetensorsCheckpoint(folder: folder.url) }
        guard case .invalidIndex(let file, _)? = error as? SafetensorsError else {
            Issue.record("expected invalidIndex, got \(String(describing: error))")
            return
        }
        #expect(file.hasSuffix("model.safetensors.index.json"))
    }

    @Test func folderWithoutWeightsFails() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let error = thrownError { _ = try SafetensorsCheckpoint(folder: folder.url) }
        guard case .noWeights? = error as? SafetensorsError else {
            Issue.record("expected noWeights, got \(String(describing: error))")
            return
        }
    }
}
