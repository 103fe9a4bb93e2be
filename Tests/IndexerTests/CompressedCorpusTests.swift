import Canonical
import Foundation
import Store
import Testing
@testable import Indexer

/// gzip and zstd corpus files (Tests/Fixtures/corpus, made by Tools/make_corpus_fixtures.py)
/// read as their plain copies, fail clearly when damaged, resume, and leave their hash in the
/// catalog.
@Suite struct CompressedCorpusTests {
    static let corpus = IndexerEndToEndTests.fixtures.appendingPathComponent("corpus")
    let tmp = TemporaryDirectory()

    static func path(_ name: String) -> String { corpus.appendingPathComponent(name).path }

    static func documents(_ paths: [String]) throws -> [CorpusDocument] {
        var documents: [CorpusDocument] = []
        try Corpus(paths: paths).forEachDocument { documents.append($0); return true }
        return documents
    }

    /// Everything but the source path.
    static func content(_ d: CorpusDocument) -> [String] {
        ["\(d.index)", "\(d.byteOffset)", "\(d.byteLength)", d.text, "\(d.replacements)", d.sha256, d.metadataJSON ?? "nil"]
    }

    @Test(arguments: ["lines.jsonl", "play.txt", "small.jsonl"])
    func compressedFilesReadAsTheirPlainCopies(plain: String) throws {
        let expected = try Self.documents([Self.path(plain)])
        #expect(!expected.isEmpty)
        for compressed in [plain + ".gz", plain + ".zst"] {
            let documents = try Self.documents([Self.path(compressed)])
            #expect(documents.map(Self.content) == expected.map(Self.content), "\(compressed)")
            #expect(documents.allSatisfy { $0.sourcePath == Self.path(compressed) })
        }
    }

    @Test func lineBoundariesAcrossChunksAndMembers() throws {
        // lines.jsonl is over one 64 KiB chunk and its archives hold two members/frames that
        // split a line; every line comes out whole, at its offset in the decompressed bytes.
        let bytes = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent("lines.jsonl")))
        #expect(bytes.count > 1 << 16)
        for name in ["lines.jsonl.gz", "lines.jsonl.zst"] {
            let documents = try Self.documents([Self.path(name)])
            #expect(documents.count == 120)
            for d in documents {
                #expect(SHA256.hex(of: Array(bytes[d.byteOffset..<(d.byteOffset + d.byteLength)])) == d.sha256)
                #expect(d.byteOffset + d.byteLength == bytes.count || bytes[d.byteOffset + d.byteLength] == 0x0A)
            }
        }
    }

    @Test func progressCountsBytesOnDisk() throws {
        for names in [["lines.jsonl.gz", "play.txt.zst"], ["lines.jsonl", "play.txt"], ["small.jsonl.zst", "lines.jsonl.zst"]] {
            let paths = names.map(Self.path)
            let corpus = try Corpus(paths: paths)
            var read: [Int] = []
            try corpus.forEachDocument { read.append($0.corpusBytesRead); return true }
            #expect(read == read.sorted(), "\(names)")
            #expect(read.last == corpus.byteCount, "\(names)")
            #expect(read.first! > 0)
        }
    }

    @Test func theCatalogSourcesNameEachCompressedFileWithItsHash() throws {
        let gz = Self.path("small.jsonl.gz")
        let hash = SHA256.hex(of: try Data(contentsOf: URL(fileURLWithPath: gz)))
        let corpus = try Corpus(paths: [gz, Self.path("play.txt")])
        #expect(try corpus.sourcesJSON(paths: [gz, Self.path("play.txt")])
            == #"["\#(gz)","\#(Self.path("play.txt"))",{"compressed":"\#(gz)","sha256":"\#(hash)"}]"#)
        // Without compressed files: the paths given, as before.
        #expect(try Corpus(paths: [Self.path("play.txt")]).sourcesJSON(paths: [Self.path("play.txt")])
            == #"["\#(Self.path("play.txt"))"]"#)
    }

    /// Expects reading `bytes` as `name` to fail with a `corruptArchive` error for that file
    /// whose reason contains `reason`.
    func expectCorrupt(_ bytes: [UInt8], as name: String, reason: String) throws {
        let file = tmp.path(name)
        try Data(bytes).write(to: file)
        do {
            _ = try Self.documents([file.path])
            Issue.record("\(name) was read without an error")
        } catch let IndexError.corruptArchive(path, message) {
            #expect(path == file.path)
            #expect(message.contains(reason), "\(message)")
            #expect(IndexError.corruptArchive(path: path, reason: message).description.hasPrefix("\(file.path): corrupt compressed corpus file"))
        }
    }

    @Test(arguments: [("gz", "gzip"), ("zst", "zstd")])
    func damagedArchivesGiveOneErrorNamingTheFile(suffix: String, format: String) throws {
        let good = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent("lines.jsonl.\(suffix)")))
        try expectCorrupt(Array(good.prefix(good.count - 9)), as: "truncated.jsonl.\(suffix)",
                          reason: "the \(format) data ends early (truncated file)")
        try expectCorrupt([], as: "empty.jsonl.\(suffix)", reason: "the \(format) data ends early (truncated file)")
        // As a text file, so the whole stream is read (to its checksum) before any JSON.
        var flipped = good
        for i in stride(from: 40, to: 200, by: 7) { flipped[i] ^= 0x5A }
        try expectCorrupt(flipped, as: "flipped.txt.\(suffix)", reason: "\(format) data is corrupt")
        try expectCorrupt(Array("not compressed at all\n".utf8), as: "plain.txt.\(suffix)", reason: "\(format) data is corrupt")
    }

    func options(_ corpus: [String]) -> IndexingOptions {
        var o = IndexingOptions(modelPath: "random", corpusPaths: corpus, layers: [0, 2])
        o.topK = 10
        o.context = 16
        o.batchWindows = 1  // every document end is a batch end, so a checkpoint can fall there
        o.sampleSize = 8
        o.threads = 2
        o.checkpointSeconds = 0
        return o
    }

    func index(_ corpus: [String], into name: String, resume: Bool = false, stopAfter: Int? = nil) throws -> NeurodexStore {
        let store = try NeurodexStore(directory: tmp.path(name), mode: .create)
        let indexer = try Indexer(model: IndexerEndToEndTests.model(), tokenizer: IndexerEndToEndTests.tokenizer(),
                                  store: store, options: options(corpus))
        indexer.stopAfterDocuments = stopAfter
        _ = try indexer.run(resume: resume)
        return store
    }

    @Test func anInterruptedRunOverCompressedFilesResumesToTheSameStore() throws {
        let compressed = [Self.path("play.txt.gz"), Self.path("small.jsonl.zst")]
        let plain = try index([Self.path("play.txt"), Self.path("small.jsonl")], into: "plain")
        let whole = try index(compressed, into: "whole")
        #expect(throws: IndexError.interrupted(documentsDone: 2)) { _ = try index(compressed, into: "resumed", stopAfter: 2) }
        let resumed = try index(compressed, into: "resumed", resume: true)

        #expect(try whole.catalog.documents() == resumed.catalog.documents())
        #expect(try whole.contentDigest() == resumed.contentDigest())
        // The same documents and activations as the plain copies; only the source paths differ.
        let a = try plain.catalog.documents(), b = try whole.catalog.documents()
        #expect(a.count == 4)
        #expect(a.map { [$0.byteOffset, $0.byteLength, $0.tokenCount] } == b.map { [$0.byteOffset, $0.byteLength, $0.tokenCount] })
        #expect(a.map(\.sha256) == b.map(\.sha256))
        for layer in [0, 2] {
            for n in 0..<128 {
                #expect(try plain.activations.read { try $0.records(layer: layer, neuron: n) }
                    == whole.activations.read { try $0.records(layer: layer, neuron: n) })
            }
        }
        let sources = try #require(try resumed.catalog.corpus()?.sourcesJson)
        let gzHash = SHA256.hex(of: try Data(contentsOf: URL(fileURLWithPath: compressed[0])))
        #expect(sources.contains(#"{"compressed":"\#(compressed[0])","sha256":"\#(gzHash)"}"#))
    }

    @Test func aDamagedArchiveStopsTheRunWithItsName() throws {
        let good = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent("small.jsonl.gz")))
        let file = tmp.path("cut.jsonl.gz")
        try Data(good.prefix(good.count / 2)).write(to: file)
        #expect(throws: IndexError.corruptArchive(path: file.path, reason: "the gzip data ends early (truncated file)")) {
            _ = try index([file.path], into: "cut")
        }
    }
}
