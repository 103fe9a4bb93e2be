import Foundation
import Testing
@testable import ModelFiles

/// Every dequantizable type against gguf-py's own dequantization of the same bytes.
@Suite struct GGUFDequantizationTests {
    /// quants.expected.json: where each tensor's reference values are in quants.expected.f32.
    struct Manifest: Decodable {
        struct Tensor: Decodable { var name: String; var type: String; var dimensions: [Int]; var offset: Int; var count: Int }
        var alignment: Int
        var tensors: [Tensor]
    }

    let manifest: Manifest
    let reference: [Float]
    let file: GGUFFile

    init() throws {
        manifest = try JSONDecoder().decode(Manifest.self, from: GGUFFixtures.data("quants.expected.json"))
        let data = try GGUFFixtures.data("quants.expected.f32")
        reference = data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
        file = try GGUFFile(path: GGUFFixtures.path("quants.gguf"))
    }

    func expectedValues(_ tensor: Manifest.Tensor) -> [Float] {
        Array(reference[tensor.offset..<(tensor.offset + tensor.count)])
    }

    @Test func fixtureCoversEveryDequantizableType() {
        let covered = Set(manifest.tensors.map(\.type))
        let dequantizable = Set(GGMLType.allCases.filter(\.isDequantizable).map(\.description))
        #expect(covered == dequantizable)
        #expect(file.alignment == manifest.alignment)
    }

    /// The tensor names, read once for the parameterized test (a missing fixture fails it).
    static let names = (try? JSONDecoder().decode(Manifest.self, from: GGUFFixtures.data("quants.expected.json")))?
        .tensors.map(\.name) ?? ["<quants.expected.json is missing>"]

    @Test(arguments: names)
    func matchesGGUFPyBitForBit(name: String) throws {
        let tensor = try #require(manifest.tensors.first { $0.name == name })
        let info = try file.tensor(named: name)
        #expect(info.type.description == tensor.type)
        #expect(info.dimensions == tensor.dimensions)
        let values = try file.floats(name)
        let expected = expectedValues(tensor)
        try #require(values.count == expected.count)
        let mismatches = zip(values, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(mismatches.isEmpty, "\(name): \(mismatches.count) values differ, first \(mismatches.prefix(3))")
    }

    @Test func rowRangesAreSlicesOfTheWholeTensor() throws {
        for tensor in manifest.tensors {
            let info = try file.tensor(named: tensor.name)
            let whole = expectedValues(tensor)
            for start in 0..<info.rowCount {
                for end in (start + 1)...info.rowCount {
                    let rows = try file.floats(of: info, rows: start..<end)
                    #expect(rows == Array(whole[(start * info.rowLength)..<(end * info.rowLength)]), "\(tensor.name) \(start)..<\(end)")
                }
            }
        }
    }

    @Test func splittingOverThreadsGivesTheSameValues() throws {
        for tensor in manifest.tensors {
            let info = try file.tensor(named: tensor.name)
            for threads in [2, 3, 7] {
                let values = try file.floats(of: info, rows: 0..<info.rowCount, threads: threads, minimumValuesPerThread: 1)
                #expect(values == expectedValues(tensor), "\(tensor.name) on \(threads) threads")
            }
        }
    }

    @Test func readFloatsWritesIntoAStackedBuffer() throws {
        // Two tensors stacked in one buffer, with a guard value on each side.
        let first = try file.tensor(named: "q4_1.quantized"), second = try file.tensor(named: "q6_k.random_bits")
        var stacked = [Float](repeating: -7, count: first.elementCount + second.elementCount + 2)
        try stacked.withUnsafeMutableBufferPointer { buffer in
            let base = try #require(buffer.baseAddress)
            try file.readFloats(of: first, into: base + 1, threads: 2)
            try file.readFloats(of: second, into: base + 1 + first.elementCount, threads: 2)
        }
        #expect(stacked.first == -7 && stacked.last == -7)
        #expect(Array(stacked[1...first.elementCount]) == (try file.floats(first.name)))
        #expect(Array(stacked[(1 + first.elementCount)..<(stacked.count - 1)]) == (try file.floats(second.name)))
    }

    @Test func badRequestsAreTypedErrors() throws {
        let info = try file.tensor(named: "q4_k.random_bits")
        #expect(throws: GGUFError.rowsOutOfRange(path: file.path, tensor: info.name, rows: 2..<4, rowCount: 3)) {
            try file.floats(of: info, rows: 2..<4)
        }
        let forged = GGUFTensorInfo(name: info.name, dimensions: [512, 300], type: info.type, offset: info.offset,
                                    elementCount: 512 * 300, byteCount: 144 * 600)
        #expect(throws: GGUFError.missingTensor(path: file.path, name: info.name)) {
            try file.floats(of: forged, rows: 0..<300)
        }

        var builder = GGUFBuilder()
        builder.addTensor("iq", [32], type: .iq4_NL, offset: 0)
        builder.dataSize = 18
        let iqFile = try openGGUF(builder.bytes)
        #expect(throws: GGUFError.unsupportedDequantization(path: iqFile.path, tensor: "iq", type: .iq4_NL)) {
            try iqFile.floats("iq")
        }
    }
}
