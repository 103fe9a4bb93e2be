import Foundation

/// Reading tokenizer files, with failures turned into `TokenizerError`.
enum TokenizerFileReading {
    static func contents(of file: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TokenizerError.missingFile(path: file.path)
        }
        do {
            return try Data(contentsOf: file, options: .alwaysMapped)
        } catch {
            throw TokenizerError.unreadableFile(path: file.path, reason: error.localizedDescription)
        }
    }

    /// `T` decoded from the JSON file `file`.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from file: URL, expecting what: String) throws -> T {
        let data = try contents(of: file)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw TokenizerError.malformed(source: file.path, problem: "not \(what): \(summary(of: error))")
        } catch {
            throw TokenizerError.malformed(source: file.path, problem: "not \(what): \(error)")
        }
    }

    /// One line saying what and where, instead of DecodingError's nested dump.
    private static func summary(of error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at " + keys.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            return "invalid JSON\(path(context)) (\(context.debugDescription))"
        case .keyNotFound(let key, let context):
            return "missing key \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.debugDescription)\(path(context))"
        @unknown default:
            return "\(error)"
        }
    }
}
