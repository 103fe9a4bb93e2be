import Foundation
import Testing
import ModelFiles

@Suite struct SafetensorsFileTests {
    @Test func readsEachFloatDTypeAsFloat() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var writer = SafetensorsWriter()
        writer.metadata = ["format": "pt"]
        writer.add("f32", shape: [2, 3], floats: [1, -2, 3.5, 0, 1e-8, -7e20])
        // binary16: 1, −2, 65504, 2^−24 (subnormal), −0, +inf
        writer.add("f16", dtype: .f16, shape: [6], bytes: halfBytes([0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00]))
        // bfloat16: 1, −5, 0.15625
        writer.add("bf16", dtype: .bf16, shape: [3, 1], bytes: halfBytes([0x3F80, 0xC0A0, 0x3E20]))
        writer.add("ids", dtype: .i64, shape: [1], bytes: Data(count: 8))
        writer.add("empty", shape: [0, 4], floats: [])
        try writer.write(to: folder.file("a.safetensors"))

        let file = try SafetensorsFile(url: folder.file("a.safetensors"))
        #expect(file.tensorNames == ["bf16", "empty", "f16", "f32", "ids"])
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensor("f32")?.shape == [2, 3])
        #expect(file.tensor("bf16")?.dtype == .bf16)
        #expect(try file.floats("f32") == [1, -2, 3.5, 0, 1e-8, -7e20])
        #expect(try file.floats("f16") == [1, -2, 65504, 0x1p-24, 0, .infinity])
        #expect(try file.floats("f16")[4].sign == .minus)
        #expect(try file.floats("bf16") == [1, -5, 0.15625])
        #expect(try file.floats("empty") == [])

        let error = thrownError { _ = try file.floats("ids") }
        guard case .unsupportedDType(_, "ids", "I64")? = error as? SafetensorsError else {
            Issue.record("expected unsupportedDType, got \(String(describing: error))")
            return
        }
        let missing = thrownError { _ = try file.floats("nope") }
        guard case .missingTensor(let path, "nope")? = missing as? SafetensorsError else {
            Issue.record("expected missingTensor, got \(String(describing: missing))")
            return
        }
        #expect(path.hasSuffix("a.safetensors"))
    }

    @Test func readsFilesWrittenByTheReferenceImplementation() throws {
        // A fixture model folder written by the Python safetensors package.
        let fixture = fixturesFolder.appendingPathComponent("gpt2/tiny/model.safetensors")
        let file = try SafetensorsFile(url: fixture)
        let wte = try #require(file.tensor("wte.weight"))
        #expect(wte.dtype == .f32)
        #expect(try file.floats("wte.weight").count == wte.shape.reduce(1, *))
    }

    /// Each malformed header, with the error it must give.
    static let malformedCases: [(name: String, file: Data, check: @Sendable (SafetensorsError) -> Bool)] = [
        ("shorter than the length field", Data([1, 2, 3]), { if case .truncated = $0 { true } else { false } }),
        ("header longer than the file", rawSafetensors(header: "{}", declaredLength: 1000),
         { if case .truncated = $0 { true } else { false } }),
        ("not JSON", rawSafetensors(header: "{\"a\": {\"dtype\""), { if case .malformedHeader = $0 { true } else { false } }),
        ("not an object", rawSafetensors(header: "[1, 2]"), { if case .malformedHeader = $0 { true } else { false } }),
        ("missing data_offsets", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0]),
         { if case .malformedHeader = $0 { true } else { false } }),
        ("fractional shape", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         { if case .malformedHeader = $0 { true } else { false } }),
        ("unknown dtype", rawSafetensors(header: #"{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         { if case .invalidTensor(_, "a", _) = $0 { true } else { false } }),
        ("negative dimension", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         { if case .invalidTensor(_, "a", _) = $0 { true } else { false } }),
        ("overflowing shape", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         { if case .invalidTensor(_, "a", _) = $0 { true } else { false } }),
        ("offsets reversed", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]),
         { if case .invalidTensor(_, "a", _) = $0 { true } else { false } }),
        ("three offsets", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, data: [0, 0, 0, 0]),
         { if case .invalidTensor(_, "a", _) = $0 { true } else { false } }),
        ("shape and offsets disagree", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
         { if case .sizeMismatch(_, "a", 8, 4) = $0 { true } else { false } }),
        ("offsets past the end", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
         { if case .offsetsPastEnd(_, "a", 8, 4) = $0 { true } else { false } }),
        ("overlapping tensors", rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2],"data_offsets":[6,10]}}"#, data: Array(repeating: 0, count: 12)),
         { if case .overlappingTensors(_, "a", "b") = $0 { true } else { false } }),
        ("bad metadata", rawSafetensors(header: #"{"__metadata__":{"k":1}}"#), { if case .malformedHeader = $0 { true } else { false } }),
    ]

    @Test(arguments: 0..<malformedCases.count)
    func rejectsMalformedFile(caseIndex: Int) throws {
        let (name, contents, check) = Self.malformedCases[caseIndex]
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("bad.safetensors")
        try contents.write(to: url)
        let error = thrownError { _ = try SafetensorsFile(url: url) }
        guard let error = error as? SafetensorsError else {
            Issue.record("\(name): expected a SafetensorsError, got \(String(describing: error))")
            return
        }
        #expect(check(error), "\(name): got \(error)")
        #expect(error.description.contains("bad.safetensors"), "\(name): message must name the file")
    }

    @Test func acceptsZeroSizedTensorsAnywhereAndSpacePadding() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ok.safetensors")
        let header = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"z":{"dtype":"F32","shape":[0],"data_offsets":[1,1]}}    "#
        try rawSafetensors(header: header, data: [7, 9]).write(to: url)
        let file = try SafetensorsFile(url: url)
        #expect(try Array(file.bytes(of: "a")) == [7, 9])
        #expect(try file.floats("z") == [])
    }

    @Test func missingFileIsCannotOpen() {
        let error = thrownError { _ = try SafetensorsFile(url: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
        guard case .cannotOpen(let file, _)? = error as? SafetensorsError else {
            Issue.record("expected cannotOpen, got \(String(describing: error))")
            return
        }
        #expect(file == "/nonexistent/x.safetensors")
    }
}

/// Tests/Fixtures, found from this source file's path.
let fixturesFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
