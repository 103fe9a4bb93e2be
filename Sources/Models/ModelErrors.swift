/// Why a model could not be loaded. Errors inside the files themselves come as the readers'
/// own types (`SafetensorsError`, `ModelConfigError`), which also name the file.
public enum ModelLoadError: Error, CustomStringConvertible, Sendable {
    /// Nothing exists at the path.
    case notFound(path: String)
    /// The folder has no config.json.
    case missingConfig(folder: String)
    /// config.json names a model_type no loader handles (nil: it names none).
    case unknownModelType(file: String, modelType: String?)
    /// The file is of a kind this build cannot load.
    case unsupportedFormat(file: String, detail: String)
    /// A weight the model needs is absent.
    case missingTensor(folder: String, tensor: String)
    /// A weight has a shape other than the config implies.
    case wrongShape(folder: String, tensor: String, expected: [Int], found: [Int])
    /// The highest layer asked for is not a layer of the model.
    case invalidMaxLayer(maxLayer: Int, layerCount: Int)

    public var description: String {
        switch self {
        case let .notFound(path):
            "\(path): no such file or folder"
        case let .missingConfig(folder):
            "\(folder): missing config.json (expected an HF model folder)"
        case let .unknownModelType(file, modelType):
            if let modelType {
                "\(file): unknown model_type '\(modelType)' (supported: \(Self.supportedModelTypes))"
            } else {
                "\(file): no model_type (supported: \(Self.supportedModelTypes))"
            }
        case let .unsupportedFormat(file, detail):
            "\(file): unsupported model file: \(detail)"
        case let .missingTensor(folder, tensor):
            "\(folder): missing tensor '\(tensor)'"
        case let .wrongShape(folder, tensor, expected, found):
            "\(folder): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .invalidMaxLayer(maxLayer, layerCount):
            "highest layer \(maxLayer) is not a layer of this model (layers 0...\(layerCount - 1))"
        }
    }

    /// The HF `model_type`s an HF folder may have: those of `ModelFamily`.
    static var supportedModelTypes: String { ModelFamily.allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Why a forward pass was refused. Nothing is computed when one of these is thrown.
public enum ModelError: Error, CustomStringConvertible, Sendable {
    /// Window lengths do not add up to the tokens, or a window is empty or too long.
    case invalidBatch(String)
    /// A token id is not in the vocabulary.
    case tokenOutOfRange(token: UInt32, vocabularySize: Int)
    /// The layer was not loaded (the model was loaded with a lower highest layer).
    case layerNotLoaded(layer: Int, loadedLayerCount: Int)
    /// A capture was asked for a layer the forward does not reach.
    case captureOutsideForward(layer: Int, firstLayer: Int, lastLayer: Int)

    public var description: String {
        switch self {
        case let .invalidBatch(detail):
            "invalid token batch: \(detail)"
        case let .tokenOutOfRange(token, vocabularySize):
            "token id \(token) is outside the vocabulary of \(vocabularySize)"
        case let .layerNotLoaded(layer, loadedLayerCount):
            "layer \(layer) is not loaded (loaded layers 0..<\(loadedLayerCount))"
        case let .captureOutsideForward(layer, firstLayer, lastLayer):
            "cannot capture layer \(layer): the forward runs layers \(firstLayer)...\(lastLayer)"
        }
    }
}
