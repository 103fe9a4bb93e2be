import Foundation
import Testing
@testable import ModelFiles

/// Reading valid files: metadata of every type, tensor infos, alignment, typed look-ups.
@Suite struct GGUFReaderTests {
    /// metadata.expected.json as written by Tools/make_gguf_fixtures.py.
    struct Expected: Decodable {
        struct Entry: Decodable { var key: String; var value: Canonical }
        struct Tensor: Decodable { var name: String; var type: String; var dimensions: [Int]; var values: [Float] }
        var version: UInt32
        var alignment: Int
        var metadata: [Entry]
        var tensors: [Tensor]
    }

    /// A metadata value in the fixture's text form: scalars as text (floats as the hex of
    /// their bits), arrays as items.
    struct Canonical: Decodable, Equatable, CustomStringConvertible {
        var type: String
        var text: String?
        var element_type: String?
        var items: [Canonical]?

        var description: String {
            if let items { return "array<\(element_type ?? "?")>\(items)" }
            return "\(type):\(text ?? "")"
        }

        init(type: String, text: String) { self.type = type; self.text = text }

        init(_ value: GGUFValue) {
            switch value {
            case let .uint8(v): self.init(type: "uint8", text: "\(v)")
            case let .int8(v): self.init(type: "int8", text: "\(v)")
            case let .uint16(v): self.init(type: "uint16", text: "\(v)")
            case let .int16(v): self.init(type: "int16", text: "\(v)")
            case let .uint32(v): self.init(type: "uint32", text: "\(v)")
            case let .int32(v): self.init(type: "int32", text: "\(v)")
            case let .uint64(v): self.init(type: "uint64", text: "\(v)")
            case let .int64(v): self.init(type: "int64", text: "\(v)")
            case let .float32(v): self.init(type: "float32", text: Canonical.hex(UInt64(v.bitPattern), digits: 8))
            case let .float64(v): self.init(type: "float64", text: Canonical.hex(v.bitPattern, digits: 16))
            case let .bool(v): self.init(type: "bool", text: v ? "true" : "false")
            case let .string(v): self.init(type: "string", text: v)
            case let .array(array): self.init(array)
            }
        }

        init(_ array: GGUFArray) {
            type = "array"
            element_type = array.elementTypeName
            switch array {
            case let .uint8(a): items = a.map { Canonical(.uint8($0)) }
            case let .int8(a): items = a.map { Canonical(.int8($0)) }
            case let .uint16(a): items = a.map { Canonical(.uint16($0)) }
            case let .int16(a): items = a.map { Canonical(.int16($0)) }
            case let .uint32(a): items = a.map { Canonical(.uint32($0)) }
            case let .int32(a): items = a.map { Canonical(.int32($0)) }
            case let .uint64(a): items = a.map { Canonical(.uint64($0)) }
            case let .int64(a): items = a.map { Canonical(.int64($0)) }
            case let .float32(a): items = a.map { Canonical(.float32($0)) }
            case let .float64(a): items = a.map { Canonical(.float64($0)) }
            case let .bool(a): items = a.map { Canonical(.bool($0)) }
            case let .string(a): items = a.map { Canonical(.string($0)) }
            case let .array(a): items = a.map { Canonical($0) }
            }
        }

        static func hex(_ bits: UInt64, digits: Int) -> String {
            let text = String(bits, radix: 16)
            return String(repeating: "0", count: digits - text.count) + text
        }
    }

    let expected: Expected
    let file: GGUFFile

    init() throws {
        expected = try JSONDecoder().decode(Expected.self, from: GGUFFixtures.data("metadata.expected.json"))
        file = try GGUFFile(path: GGUFFixtures.path("metadata.gguf"))
    }

    @Test func headerAndAlignment() {
        #expect(file.version == expected.version)
        #expect(file.alignment == expected.alignment)
        #expect(file.dataOffset % file.alignment == 0)
    }

    @Test func everyMetadataValueRoundTrips() throws {
        #expect(file.metadataKeys == expected.metadata.map(\.key))
        for entry in expected.metadata {
            let value = try #require(file.metadata[entry.key], "missing \(entry.key)")
            #expect(Canonical(value) == entry.value, "\(entry.key)")
        }
    }

    @Test func tensorInfosAndValues() throws {
        #expect(file.tensors.map(\.name) == expected.tensors.map(\.name))
        for tensor in expected.tensors {
            let info = try file.tensor(named: tensor.name)
            #expect(info.type.description == tensor.type)
            #expect(info.dimensions == tensor.dimensions)
            #expect(info.elementCount == tensor.values.count)
            #expect(info.byteCount == 4 * tensor.values.count)
            #expect(info.offset % file.alignment == 0)
            #expect(try file.floats(tensor.name) == tensor.values)
        }
        let matrix = try file.tensor(named: "small.matrix")
        #expect(matrix.rowLength == 4 && matrix.rowCount == 3)
    }

    @Test func typedLookUps() throws {
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.integer("test.uint16") == 65535)
        #expect(try file.integer("test.int64") == Int(Int64.min))
        #expect(try file.number("test.float64") == 2.718281828459045)
        #expect(try file.number("test.int8") == -128)
        #expect(try file.bool("test.bool_true"))
        #expect(try file.stringArray("test.array_string")[2] == "Ġhello")
        #expect(try file.integerArray("test.array_int8") == [-128, -1, 0, 127])
        #expect(try file.array("test.nested_int32").count == 3)
        #expect(file.metadata["test.uint64"]?.intValue == nil, "UInt64.max does not fit in Int")
    }

    @Test func typedLookUpErrors() {
        let path = file.path
        #expect(throws: GGUFError.missingMetadata(path: path, key: "llama.block_count")) {
            try file.integer("llama.block_count")
        }
        #expect(throws: GGUFError.metadataType(path: path, key: "test.string", expected: "an integer", found: "string")) {
            try file.integer("test.string")
        }
        #expect(throws: GGUFError.metadataType(path: path, key: "test.array_int32", expected: "array<string>",
                                               found: "array<int32>")) {
            try file.stringArray("test.array_int32")
        }
        #expect(throws: GGUFError.metadataType(path: path, key: "test.array_string", expected: "an integer array",
                                               found: "array<string>")) {
            try file.integerArray("test.array_string")
        }
        #expect(throws: GGUFError.missingTensor(path: path, name: "nope")) { try file.floats("nope") }
    }

    /// Things gguf-py cannot write: empty arrays, version 2, a wider alignment, zero tensors.
    @Test func handBuiltFileWithEmptyArraysVersion2AndAlignment() throws {
        var builder = GGUFBuilder()
        builder.version = 2
        builder.alignment = 128
        builder.add("general.alignment", .uint32(128))
        builder.add("empty.strings", .array(elementType: 8, count: 0, elements: []))
        builder.add("empty.nested", .array(elementType: 9, count: 1, elements: le(UInt32(6)) + le(UInt64(0))))
        builder.addTensor("a", [32, 2], type: .f32, offset: 0)
        builder.addTensor("b", [32], type: .q8_0, offset: 256)
        builder.dataSize = 256 + 34
        let file = try openGGUF(builder.bytes)
        #expect(file.version == 2)
        #expect(file.alignment == 128)
        #expect(file.dataOffset % 128 == 0)
        #expect(try file.array("empty.strings") == .string([]))
        #expect(try file.array("empty.nested") == .array([.float32([])]))
        #expect(try file.tensor(named: "b").byteCount == 34)
        #expect(try file.floats("a").count == 64)

        let empty = try openGGUF(GGUFBuilder().bytes)
        #expect(empty.tensors.isEmpty && empty.metadata.isEmpty)
    }
}
