import Foundation
import Canonical
import Testing

/// SHA-256: FIPS 180-2 test vectors, and incremental updates equal one update.
@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func incrementalEqualsWhole() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let hash = SHA256()
        for chunk in stride(from: 0, to: bytes.count, by: 777) {
            hash.update(data: Data(bytes[chunk..<min(chunk + 777, bytes.count)]))
        }
        #expect(hash.hexDigest() == SHA256.hex(of: bytes))
    }
}

/// Canonical JSON: sorted keys, unescaped slashes, non-finite numbers as strings.
@Suite struct CanonicalJSONTests {
    struct Sample: Encodable { var zeta = 1; var alpha = "a/b"; var values: [Double] = [.nan, .infinity, -.infinity, 0.5] }

    @Test func sortedKeysAndNonFiniteNumbers() throws {
        #expect(try CanonicalJSON.string(Sample()) == #"{"alpha":"a/b","values":["nan","inf","-inf",0.5],"zeta":1}"#)
    }
}
