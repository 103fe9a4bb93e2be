import Foundation
import Testing

/// Other processes read a store while `neurodex index` writes it; a second writer is refused.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct ConcurrentAccessTests {
    let tmp = TemporaryDirectory()

    @Test func readersSeeConsistentSnapshotsAndASecondWriterIsRefused() throws {
        let model = try CLIFixtures.gpt2Folder(at: tmp.path("model"))
        let corpus = try CLIFixtures.corpusFolder(at: tmp.path("corpus"), documents: 6)
        let store = tmp.path("store")
        let index = ["index", "--model", model.path, "--corpus", corpus.path, "-", "--store", store.path,
                     "--layers", "0-1", "--top-k", "8", "--context", "16", "--batch", "1", "--threads", "1",
                     "--checkpoint-seconds", "0", "--quiet"]
        let writer = try Child(index, holdStandardInput: true)
        defer { if writer.isRunning { writer.kill() } }
        // The writer checkpoints the folder's six documents, then waits for standard input.
        let parked = try waitFor { try runs(of: store)?.first?["documentsDone"] as? Int == 6 }
        try #require(parked && writer.isRunning, "the writer never reached its checkpoint")

        // info: one catalog snapshot, documents and run progress agree.
        let info = try neurodex(["info", "--store", store.path, "--format", "json"])
        #expect(info.status == 0, "\(info.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(info.standardOutput.utf8)) as? [String: Any])
        let corpora = try #require(summary["corpora"] as? [[String: Any]])
        #expect(corpora.first?["documents"] as? Int == 6)
        #expect((summary["layers"] as? [Any])?.isEmpty == true, "no layer is listed before the run ends")
        #expect(try neurodex(["info", "--store", store.path, "--digest"]).status == 0)

        // Queries of records say plainly that the run is not complete.
        for query in [["neuron", "--store", store.path, "1", "3", "--format", "json"],
                      ["search", "--store", store.path, "--token", "the", "--format", "json"]] {
            let outcome = try neurodex(query)
            #expect(outcome.status == 1 && !outcome.signaled)
            #expect(outcome.errorLines.count == 1 && outcome.standardError.contains("not complete"),
                    "\(query[0]): \(outcome.standardError)")
        }

        // A second writer, resuming or starting over, is refused by the lock.
        for arguments in [index + ["--resume"], index] {
            let second = try neurodex(arguments)
            #expect(second.status != 0 && !second.signaled)
            #expect(second.errorLines.count == 1 && second.standardError.contains("another process is writing this store"),
                    "\(second.standardError)")
        }

        try writer.send("Now is the winter of our discontent\n")
        let finished = writer.wait()
        #expect(finished.status == 0, "\(finished.standardError)")
        let neuron = try neurodex(["neuron", "--store", store.path, "1", "3", "--format", "json"])
        #expect(neuron.status == 0, "\(neuron.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(neuron.standardOutput.utf8)) as? [String: Any]
        #expect((report?["top"] as? [Any])?.count == 8)
    }
}
