import Foundation
import Testing
@testable import Store

@Suite struct NeurodexStoreTests {
    let tmp = TemporaryDirectory()

    @Test func createsThenReopensAStore() throws {
        let dir = tmp.path("store")
        do {
            let store = try NeurodexStore(directory: dir, mode: .create)
            try store.activations.write { try $0.putTokens(document: 0, [1, 2]) }
        }
        let store = try NeurodexStore(directory: dir, mode: .read)
        try store.activations.read { (r: StoreReader) throws in #expect(try r.tokens(document: 0) == [1, 2]) }
        let summary = try store.summary()
        #expect(summary.counts.documents == 1)
        #expect(summary.formatVersion == ActivationStore.formatVersion)
        #expect(summary.fileSizes[ActivationStore.fileName, default: 0] > 0)
    }

    @Test func missingDirectoryIsAClearError() {
        let dir = tmp.path("nowhere")
        #expect(throws: StoreError.missing(path: dir.path)) { _ = try NeurodexStore(directory: dir, mode: .read) }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test func aDirectoryWithoutAStoreIsNotAStore() throws {
        let dir = tmp.path("plain")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        #expect(throws: StoreError.notAStore(path: dir.path, reason: "no activations.lmdb")) {
            _ = try NeurodexStore(directory: dir, mode: .read)
        }
        #expect(throws: StoreError.notAStore(path: dir.path, reason: "directory is not empty")) {
            _ = try NeurodexStore(directory: dir, mode: .create)
        }
        let file = tmp.path("file")
        try Data().write(to: file)
        #expect(throws: StoreError.notAStore(path: file.path, reason: "it is a file, not a directory")) {
            _ = try NeurodexStore(directory: file, mode: .read)
        }
    }

    @Test func aReadOnlyDirectoryRefusesWritesButAllowsReads() throws {
        let dir = tmp.path("store")
        do { _ = try NeurodexStore(directory: dir, mode: .create) }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path) }
        #expect(throws: StoreError.readOnly(path: dir.path)) { _ = try NeurodexStore(directory: dir, mode: .write) }
        let store = try NeurodexStore(directory: dir, mode: .read)
        #expect(try store.summary().counts.neurons == 0)
    }

    @Test func aSecondWriterIsRefused() throws {
        let dir = tmp.path("store")
        let first = try NeurodexStore(directory: dir, mode: .create)
        #expect(throws: StoreError.locked(path: dir.path)) { _ = try NeurodexStore(directory: dir, mode: .write) }
        withExtendedLifetime(first) {}
    }
}
