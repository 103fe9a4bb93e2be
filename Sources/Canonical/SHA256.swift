import CLibCrypto
import Foundation

/// Incremental SHA-256 from the system's libcrypto (OpenSSL's EVP interface).
///
///     var hash = SHA256()
///     hash.update(data: Data("abc".utf8))
///     hash.hexDigest()   // "ba7816bf…"
public final class SHA256 {
    private let context: OpaquePointer

    public init() {
        // EVP_MD_CTX_new only fails when memory is exhausted; so would everything else.
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("libcrypto could not start a SHA-256 context")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds the bytes of `buffer`.
    public func update(bufferPointer buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        EVP_DigestUpdate(context, base, buffer.count)
    }

    /// Adds `data`.
    public func update(data: Data) {
        data.withUnsafeBytes { update(bufferPointer: $0) }
    }

    /// Adds `bytes`.
    public func update<Bytes: ContiguousBytes>(bytes: Bytes) {
        bytes.withUnsafeBytes { update(bufferPointer: $0) }
    }

    /// The 32-byte digest of everything added. Call it once: the hasher is used up.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        digest.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        return Array(digest.prefix(Int(length)))
    }

    /// The digest as lower-case hex. Call it once: the hasher is used up.
    public func hexDigest() -> String {
        finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func hex<Bytes: ContiguousBytes>(of bytes: Bytes) -> String {
        let hash = SHA256()
        hash.update(bytes: bytes)
        return hash.hexDigest()
    }
}
