import Foundation

/// The safetensors weights of an HF model folder: one `model.safetensors`, or shards listed in
/// `model.safetensors.index.json` (`{"weight_map": {tensor: shard file}}`), looked up by name.
public final class SafetensorsCheckpoint {
    public let folder: URL
    /// The opened files (one, or each shard once).
    public let files: [SafetensorsFile]
    private let fileForTensor: [String: SafetensorsFile]

    /// Opens the weights in `folder`, preferring `model.safetensors` as transformers does.
    /// Throws `SafetensorsError` (`noWeights` when neither file exists).
    public init(folder: URL) throws {
        self.folder = folder
        let single = folder.appendingPathComponent("model.safetensors")
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafetensorsFile(url: single)
            files = [file]
            fileForTensor = Dictionary(uniqueKeysWithValues: file.tensors.keys.map { ($0, file) })
        } else if FileManager.default.fileExists(atPath: index.path) {
            (files, fileForTensor) = try Self.openShards(index: index, folder: folder)
        } else {
            throw SafetensorsError.noWeights(folder: folder.path)
        }
    }

    /// Names of all tensors, sorted.
    public var tensorNames: [String] { fileForTensor.keys.sorted() }

    /// The header entry of `name`, or nil.
    public func tensor(_ name: String) -> SafetensorsTensor? { fileForTensor[name]?.tensor(name) }

    /// The file holding `name`, or nil.
    public func file(containing name: String) -> SafetensorsFile? { fileForTensor[name] }

    /// Converts the tensor to floats into `destination` (exactly its element count).
    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try requireFile(name).read(name, into: destination)
    }

    /// The tensor converted to floats, row-major.
    public func floats(_ name: String) throws -> [Float] {
        try requireFile(name).floats(name)
    }

    private func requireFile(_ name: String) throws -> SafetensorsFile {
        guard let file = fileForTensor[name] else {
            throw SafetensorsError.missingTensor(file: folder.path, tensor: name)
        }
        return file
    }

    private struct Index: Decodable {
        var weightMap: [String: String]
        enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
    }

    private static func openShards(index: URL, folder: URL) throws
        -> ([SafetensorsFile], [String: SafetensorsFile])
    {
        let decoded: Index
        do {
            decoded = try JSONDecoder().decode(Index.self, from: Data(contentsOf: index))
        } catch let error as DecodingError {
            throw SafetensorsError.invalidIndex(file: index.path, detail: describe(error))
        } catch {
            throw SafetensorsError.cannotOpen(file: index.path, reason: error.localizedDescription)
        }
        var shards: [String: SafetensorsFile] = [:]
        var fileForTensor: [String: SafetensorsFile] = [:]
        for (tensor, shardName) in decoded.weightMap.sorted(by: { $0.key < $1.key }) {
            guard !shardName.isEmpty, shardName != ".", shardName != "..",
                  !shardName.contains("/"), !shardName.contains("\\") else {
                throw SafetensorsError.invalidIndex(file: index.path, detail: "shard name '\(shardName)' of tensor '\(tensor)' is not a file name in the model folder")
            }
            let shard: SafetensorsFile
            if let opened = shards[shardName] {
                shard = opened
            } else {
                shard = try SafetensorsFile(url: folder.appendingPathComponent(shardName))
                shards[shardName] = shard
            }
            guard shard.tensor(tensor) != nil else {
                throw SafetensorsError.missingTensor(file: shard.url.path, tensor: tensor)
            }
            fileForTensor[tensor] = shard
        }
        let files = shards.keys.sorted().compactMap { shards[$0] }
        return (files, fileForTensor)
    }
}
