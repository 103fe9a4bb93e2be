/// Why the server cannot start.
public enum ServerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `--model` is not the model the store was indexed with (or the store has no model yet).
    case modelMismatch(model: String, fingerprint: String, store: String, indexedFingerprint: String?)

    public var description: String {
        switch self {
        case .modelMismatch(let model, let fingerprint, let store, let indexed?):
            "\(model) (fingerprint \(fingerprint.prefix(16))) is not the model \(store) was indexed with "
                + "(fingerprint \(indexed.prefix(16))); give that model to --model, or none"
        case .modelMismatch(let model, _, let store, nil):
            "\(store) records no model yet, so \(model) cannot be checked against it; serve it without --model"
        }
    }
}
