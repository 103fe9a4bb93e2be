import Foundation

/// Errors reading an HF `config.json`; each names the file.
public enum ModelConfigError: Error, CustomStringConvertible, Sendable {
    /// There is no config file.
    case missing(file: String)
    /// The file is not the JSON object expected (or lacks a required key).
    case malformed(file: String, detail: String)
    /// A value is out of range or inconsistent with another.
    case invalidValue(file: String, key: String, detail: String)
    /// A setting this implementation does not support.
    case unsupported(file: String, key: String, value: String)

    public var description: String {
        switch self {
        case let .missing(file):
            "\(file): missing config.json"
        case let .malformed(file, detail):
            "\(file): malformed config: \(detail)"
        case let .invalidValue(file, key, detail):
            "\(file): invalid \(key): \(detail)"
        case let .unsupported(file, key, value):
            "\(file): unsupported \(key) \(value)"
        }
    }
}

/// Helpers shared by the HF `config.json` readers.
public enum HFConfig {
    /// The `model_type` declared by the config file at `url` (nil when it has none).
    public static func modelType(at url: URL) throws -> String? {
        struct Probe: Decodable {
            var modelType: String?
            enum CodingKeys: String, CodingKey { case modelType = "model_type" }
        }
        return try decode(Probe.self, from: url).modelType
    }

    /// Decodes `T` from the JSON file at `url`, mapping failures to `ModelConfigError`.
    public static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelConfigError.missing(file: url.path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelConfigError.malformed(file: url.path, detail: "unreadable: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ModelConfigError.malformed(file: url.path, detail: describe(error))
        }
    }
}
