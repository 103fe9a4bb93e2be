import Foundation
import Testing
@testable import ModelFiles

/// Broken and lying files: each is rejected with its own typed error, never a crash.
@Suite struct GGUFMalformedTests {
    /// A small valid file: two metadata entries and two tensors (F32 [4, 2] and Q8_0 [32]).
    func validBuilder() -> GGUFBuilder {
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        builder.add("llama.block_count", .uint32(1))
        builder.addTensor("a", [4, 2], type: .f32, offset: 0)
        builder.addTensor("b", [32], type: .q8_0, offset: 32)
        builder.dataSize = 32 + 34
        return builder
    }

    @Test func validBuilderIsAccepted() throws {
        #expect(try ggufError(validBuilder().bytes) == nil)
    }

    @Test func missingFileAndDirectory() {
        #expect(kind(try? ggufErrorOpening("/nonexistent/model.gguf")) == "cannotOpen")
        #expect(kind(try? ggufErrorOpening(FileManager.default.temporaryDirectory.path)) == "cannotOpen")
    }

    @Test func badMagicAndVersion() throws {
        var builder = validBuilder()
        builder.magic = Array("GGML".utf8)
        try expectRejection(builder.bytes) { .badMagic(path: $0, found: Array("GGML".utf8)) }

        for version: UInt32 in [0, 1, 4, 0x0300_0000] {
            builder = validBuilder()
            builder.version = version
            #expect(kind(try ggufError(builder.bytes)) == "unsupportedVersion", "version \(version)")
        }
        #expect(kind(try ggufError([])) == "truncated")
        #expect(kind(try ggufError(Array("GGU".utf8))) == "truncated")
    }

    /// Every prefix of real files is rejected with a GGUF error: truncated headers, counts that
    /// no longer fit, or tensors past the end.
    @Test(arguments: ["metadata.gguf", "quants.gguf"])
    func everyTruncationIsATypedError(fixture: String) throws {
        let bytes = [UInt8](try GGUFFixtures.data(fixture))
        let file = try GGUFFile(path: GGUFFixtures.path(fixture))
        // Every cut inside the headers; past them (where every cut only shortens the data)
        // every 61st length, and the last few.
        let headerCuts = 0..<min(bytes.count, file.dataOffset + 64)
        let dataCuts = stride(from: headerCuts.upperBound, to: bytes.count, by: 61)
        var kinds: [String: Int] = [:]
        var accepted: [Int] = []
        for length in Array(headerCuts) + Array(dataCuts) + Array(max(0, bytes.count - 3)..<bytes.count) {
            let error = try ggufError(Array(bytes[..<length]))
            if error == nil { accepted.append(length) }
            kinds[kind(error), default: 0] += 1
        }
        // Only the trailing padding after the last tensor may be cut without harm.
        let end = file.dataOffset + file.tensors.map { $0.offset + $0.byteCount }.max()!
        #expect(accepted.allSatisfy { $0 >= end }, "accepted truncated lengths \(accepted.prefix(5))")
        #expect(Set(kinds.keys).isSubset(of: ["truncated", "implausibleCount", "tensorOutOfBounds", "accepted"]),
                "\(kinds)")
    }

    @Test func lyingCounts() throws {
        var builder = validBuilder()
        builder.tensorCountOverride = 1 << 60
        #expect(kind(try ggufError(builder.bytes)) == "implausibleCount")
        builder = validBuilder()
        builder.metadataCountOverride = UInt64.max
        #expect(kind(try ggufError(builder.bytes)) == "implausibleCount")
        // Plausible but false: one more entry than present runs into the tensor infos or the end.
        builder = validBuilder()
        builder.tensorCountOverride = 3
        #expect(try ggufError(builder.bytes) != nil)
    }

    @Test func lyingLengths() throws {
        var builder = validBuilder()
        builder.add("x", .raw(type: 8, bytes: le(UInt64(1) << 62) + Array("abc".utf8)))
        #expect(kind(try ggufError(builder.bytes)) == "implausibleCount")

        builder = validBuilder()
        builder.add("x", .array(elementType: 4, count: UInt64.max / 2, elements: le(UInt32(7))))
        #expect(kind(try ggufError(builder.bytes)) == "implausibleCount")

        builder = validBuilder()
        builder.add("x", .array(elementType: 8, count: 1 << 40, elements: GGUFBuilder.string("a")))
        #expect(kind(try ggufError(builder.bytes)) == "implausibleCount")

        // A key whose length runs past the end of the file.
        builder = GGUFBuilder()
        builder.metadataCountOverride = 1
        builder.alignment = 1  // no padding: the key follows the header directly
        var bytes = builder.bytes
        bytes += le(UInt64(40)) + Array("short".utf8) + [UInt8](repeating: 0, count: 10)
        #expect(kind(try ggufError(bytes)) == "implausibleCount")
    }

    @Test func unknownValueTypesAndDeepNesting() throws {
        var builder = validBuilder()
        builder.add("x", .raw(type: 13, bytes: [0, 0, 0, 0]))
        try expectRejection(builder.bytes) { .unknownValueType(path: $0, key: "x", rawType: 13) }

        builder = validBuilder()
        builder.add("x", .array(elementType: 99, count: 0, elements: []))
        try expectRejection(builder.bytes) { .unknownValueType(path: $0, key: "x", rawType: 99) }

        // 40 arrays, each holding the next; the innermost is an empty uint8 array.
        var nested = le(UInt32(0)) + le(UInt64(0))
        for _ in 0..<39 { nested = le(UInt32(9)) + le(UInt64(1)) + nested }
        builder = validBuilder()
        builder.add("deep", .raw(type: 9, bytes: nested))
        try expectRejection(builder.bytes) { .nestingTooDeep(path: $0, key: "deep") }
    }

    @Test func duplicates() throws {
        var builder = validBuilder()
        builder.add("llama.block_count", .uint32(2))
        try expectRejection(builder.bytes) { .duplicateKey(path: $0, key: "llama.block_count") }

        builder = validBuilder()
        builder.addTensor("a", [4], type: .f32, offset: 128)
        builder.dataSize = 160
        try expectRejection(builder.bytes) { .duplicateTensor(path: $0, name: "a") }
    }

    @Test func invalidAlignment() throws {
        for value: GGUFBuilder.Value in [.uint32(0), .uint32(48), .uint64(32), .string("32")] {
            var builder = validBuilder()
            builder.add("general.alignment", value)
            #expect(kind(try ggufError(builder.bytes)) == "invalidAlignment", "\(value)")
        }
    }

    @Test func impossibleDimensions() throws {
        var builder = validBuilder()
        builder.addTensor("huge", [1 << 40, 1 << 40], type: .f32, offset: 128)
        try expectRejection(builder.bytes) { .invalidDimensions(path: $0, tensor: "huge", dimensions: [1 << 40, 1 << 40]) }

        builder = validBuilder()
        builder.addTensor("negative", [UInt64.max], type: .f32, offset: 128)
        #expect(kind(try ggufError(builder.bytes)) == "invalidDimensions")

        // The element count fits in Int, the byte count does not.
        builder = validBuilder()
        builder.addTensor("bytes", [1 << 62], type: .f32, offset: 128)
        #expect(kind(try ggufError(builder.bytes)) == "invalidDimensions")

        // Plausible dimensions, but no data for them.
        builder = validBuilder()
        builder.addTensor("big", [1 << 20, 1 << 20], type: .f32, offset: 128)
        #expect(kind(try ggufError(builder.bytes)) == "tensorOutOfBounds")

        builder = validBuilder()
        builder.addTensor("five", [1, 1, 1, 1, 1], type: .f32, offset: 128)
        try expectRejection(builder.bytes) { .tooManyDimensions(path: $0, tensor: "five", count: 5) }

        builder = validBuilder()
        builder.addTensor("ragged", [33], type: .q4_0, offset: 128)
        try expectRejection(builder.bytes) { .rowNotBlockAligned(path: $0, tensor: "ragged", type: .q4_0, rowLength: 33) }
    }

    @Test func unknownTensorType() throws {
        for rawType: UInt32 in [4, 5, 31, 36, 1000] {
            var builder = validBuilder()
            builder.tensors.append((name: "odd", dimensions: [32], type: rawType, offset: 128))
            builder.dataSize = 256
            try expectRejection(builder.bytes) { .unknownTensorType(path: $0, tensor: "odd", rawType: rawType) }
        }
    }

    @Test func offsets() throws {
        var builder = validBuilder()
        builder.tensors[1].offset = 33
        try expectRejection(builder.bytes) { .misalignedTensor(path: $0, tensor: "b", offset: 33, alignment: 32) }

        builder = validBuilder()
        builder.tensors[1].offset = 64  // 34 bytes from 64 end at 98 > 66
        #expect(kind(try ggufError(builder.bytes)) == "tensorOutOfBounds")

        builder = validBuilder()
        builder.tensors[1].offset = UInt64.max - 31  // aligned, beyond Int
        #expect(kind(try ggufError(builder.bytes)) == "tensorOutOfBounds")

        builder = validBuilder()
        builder.tensors[1].offset = UInt64(Int.max) - UInt64(Int.max % 32)  // aligned, offset + size overflows
        #expect(kind(try ggufError(builder.bytes)) == "tensorOutOfBounds")

        builder = validBuilder()
        builder.tensors[1].offset = 0  // b now shares bytes with a
        try expectRejection(builder.bytes) { .overlappingTensors(path: $0, first: "a", second: "b") }

        builder = validBuilder()
        builder.addTensor("c", [16], type: .f16, offset: 64)  // 64..<96 overlaps b at 32..<66
        builder.dataSize = 96
        try expectRejection(builder.bytes) { .overlappingTensors(path: $0, first: "b", second: "c") }
    }

    @Test func messagesNameTheFileAndTheProblem() throws {
        var builder = validBuilder()
        builder.tensors[1].offset = 33
        let path = try writeTemporaryGGUF(builder.bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(try ggufErrorOpening(path))
        #expect(error.description.hasPrefix(path))
        #expect(error.description.contains("\"b\"") && error.description.contains("alignment 32"))
    }
}

/// Expects `bytes` to be rejected with exactly `expected(path of the file written)`.
private func expectRejection(_ bytes: [UInt8], _ expected: (String) -> GGUFError,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = try writeTemporaryGGUF(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = try ggufErrorOpening(path)
    #expect(error == expected(path), sourceLocation: sourceLocation)
}

/// The error opening `path` gives (nil if it opens).
private func ggufErrorOpening(_ path: String) throws -> GGUFError? {
    do {
        _ = try GGUFFile(path: path)
        return nil
    } catch let error as GGUFError {
        return error
    }
}
