import Foundation
import ModelFiles

/// Opens a model from disk, recognising its format.
public enum ModelLoader {
    /// Loads the model at `url`: an HF folder (config.json + safetensors) with model_type
    /// "gpt2", "gpt_neox", "llama", "qwen2" or "mistral", or a GGUF file of a Llama-architecture model. `maxLayer` is the highest layer that will be run (nil: all); layers above it are
    /// not read. `threads` is used for the forward pass.
    ///
    /// Throws `ModelLoadError` (missing config, unknown model_type, unsupported file, missing
    /// tensor, wrong shape), `ModelConfigError` or `SafetensorsError` (truncated file, offsets
    /// past the end, …); every error names the file at fault.
    public static func loadModel(at url: URL, maxLayer: Int?, threads: Int) throws -> any LanguageModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelLoadError.notFound(path: url.path)
        }
        guard isDirectory.boolValue else {
            if url.pathExtension.lowercased() == "gguf" {
                return try Llama(ggufFile: url, maxLayer: maxLayer, threads: threads)
            }
            throw ModelLoadError.unsupportedFormat(file: url.path, detail: "expected an HF model folder (config.json + safetensors)")
        }
        let configURL = url.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw ModelLoadError.missingConfig(folder: url.path)
        }
        let modelType = try HFConfig.modelType(at: configURL)
        switch modelType.flatMap(ModelFamily.init(rawValue:)) {
        case .gpt2:
            return try GPT2(folder: url, maxLayer: maxLayer, threads: threads)
        case .gptNeoX:
            return try GPTNeoX(folder: url, maxLayer: maxLayer, threads: threads)
        case .llama, .qwen2, .mistral:
            return try Llama(folder: url, maxLayer: maxLayer, threads: threads)
        case nil:
            throw ModelLoadError.unknownModelType(file: configURL.path, modelType: modelType)
        }
    }
}
