import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `neurodex index --append`, through the built binary: a run appended to a complete store makes
/// exactly the store of one run over the earlier corpora followed by the new ones (`info
/// --digest` equal, moments included); it is refused when the options differ or the store is
/// not complete; a killed append leaves the earlier content intact and resumes; a failed one is
/// undone and can be run again.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct AppendCLITests {
    let tmp = TemporaryDirectory()
    let model: URL
    let old: URL
    let new: URL
    let newer: URL
    /// The last document of a held run, read from standard input (`--corpus NEW -`).
    let lastDocument = "Now is the winter of our discontent\nMade glorious summer by this sun of York.\n"

    init() throws {
        model = try CLIFixtures.gpt2Folder(at: tmp.path("model"))
        old = try CLIFixtures.corpusFolder(at: tmp.path("old"), documents: 5)
        new = try Self.shouted(CLIFixtures.corpusFolder(at: tmp.path("new"), documents: 4, linesPerDocument: 5))
        newer = try CLIFixtures.corpusFolder(at: tmp.path("newer"), documents: 3, linesPerDocument: 9)
    }

    /// The folder with every document upper-cased: other tokens than the folder's lines.
    static func shouted(_ folder: URL) throws -> URL {
        for file in try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) {
            try String(contentsOf: file, encoding: .utf8).uppercased().write(to: file, atomically: true, encoding: .utf8)
        }
        return folder
    }

    /// Three windows per forward batch, so that batches would straddle the corpora unless a
    /// corpus path ended a batch.
    func indexArguments(_ store: URL, corpus: [String], extra: [String] = []) -> [String] {
        ["index", "--model", model.path, "--corpus"] + corpus
            + ["--store", store.path, "--layers", "0-1", "--top-k", "8", "--context", "16", "--batch", "3",
               "--sample-size", "8", "--window-records", "4", "--negative-k", "3", "--threads", "2",
               "--checkpoint-seconds", "0", "--quiet"] + extra
    }

    @discardableResult
    func index(_ store: URL, corpus: [URL], extra: [String] = []) throws -> Outcome {
        let outcome = try neurodex(indexArguments(store, corpus: corpus.map(\.path), extra: extra))
        try #require(outcome.status == 0 && !outcome.signaled, "index \(extra): \(outcome.standardError)")
        return outcome
    }

    func digest(_ store: URL) throws -> String {
        let outcome = try neurodex(["info", "--store", store.path, "--digest"])
        try #require(outcome.status == 0, "info --digest: \(outcome.standardError)")
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func partDigests(_ store: URL) throws -> [String: String] {
        let outcome = try neurodex(["info", "--store", store.path, "--digest", "--format", "json"])
        try #require(outcome.status == 0, "info --digest --format json: \(outcome.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        return try #require(json?["parts"] as? [String: String])
    }

    func corpora(of store: URL) throws -> [[String: Any]]? {
        let outcome = try neurodex(["info", "--store", store.path, "--format", "json"])
        let summary = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        return summary?["corpora"] as? [[String: Any]]
    }

    @Test(arguments: [[String](), ["--distinct-tokens", "--store-inputs"]])
    func appendedRunsEqualOneRunOverAllCorpora(options: [String]) throws {
        let single = tmp.path("single")
        try index(single, corpus: [old, new, newer], extra: options)
        let grown = tmp.path("grown")
        try index(grown, corpus: [old], extra: options)
        let before = try partDigests(grown)
        try index(grown, corpus: [new], extra: options + ["--append"])
        #expect(try partDigests(grown)["records"] != before["records"], "the append changed no record")
        try index(grown, corpus: [newer], extra: options + ["--append"])

        let expected = try partDigests(single), found = try partDigests(grown)
        for part in expected.keys.sorted() {
            #expect(found[part] == expected[part], "part \(part) of the grown store differs from one run's")
        }
        #expect(try digest(grown) == (try digest(single)))
        #expect(try runs(of: grown)?.count == 3, "each append records its run")
        #expect(try corpora(of: grown)?.count == 3, "each append records its corpus")
    }

    /// `--accumulator-memory 1`: one layer a pass, two passes over the corpus.
    @Test func aRunInLayerPassesMakesTheStoreOfOnePass() throws {
        let single = tmp.path("single")
        try index(single, corpus: [old, new])
        let passes = tmp.path("passes")
        let outcome = try neurodex(indexArguments(passes, corpus: [old.path, new.path], extra: ["--accumulator-memory", "1"]))
        try #require(outcome.status == 0, "\(outcome)")
        #expect(outcome.standardError.contains("pass 1 of 2 over the corpus: layer 0"), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("pass 2 of 2 over the corpus: layer 1"), "\(outcome.standardError)")
        let expected = try partDigests(single), found = try partDigests(passes)
        for part in expected.keys.sorted() {
            #expect(found[part] == expected[part], "part \(part) of the store made in passes differs from one pass's")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: passes.path)
        #expect(!files.contains { $0.hasPrefix("residual") || $0.hasSuffix(".part") }, "files of the passes left in the store: \(files)")

        // It grows by an append (in one pass, which holds every layer) as any store does; an
        // append that would need passes is refused in one line, before it changes anything.
        let before = try digest(passes)
        let refused = try neurodex(indexArguments(passes, corpus: [newer.path], extra: ["--append", "--accumulator-memory", "1"]))
        #expect(refused.status != 0 && refused.errorLines.count == 1, "\(refused)")
        #expect(refused.standardError.contains("--accumulator-memory"), "\(refused.standardError)")
        #expect(try digest(passes) == before, "a refused append changed the store")
        try index(passes, corpus: [newer], extra: ["--append"])
        try index(single, corpus: [newer], extra: ["--append"])
        #expect(try digest(passes) == (try digest(single)))

        let bad = try neurodex(indexArguments(tmp.path("bad"), corpus: [old.path], extra: ["--accumulator-memory", "12X"]))
        #expect(bad.status != 0 && bad.errorLines.count == 1 && bad.standardError.contains("--accumulator-memory"), "\(bad)")
    }

    @Test func anAppendWithOtherOptionsOrOntoAnIncompleteStoreIsRefused() throws {
        let store = tmp.path("store")
        let empty = try neurodex(indexArguments(store, corpus: [new.path], extra: ["--append"]))
        #expect(empty.status != 0 && empty.errorLines.count == 1, "\(empty)")
        #expect(empty.standardError.contains("no index run to append to"), "\(empty.standardError)")

        try index(store, corpus: [old])
        let before = try digest(store)
        for (option, value) in [("--top-k", "9"), ("--context", "12"), ("--bos", "none"), ("--layers", "0"),
                                ("--negative-k", "2"), ("--sample-size", "5"), ("--seed", "3"), ("--shard", "0/2")] {
            var arguments = indexArguments(store, corpus: [new.path], extra: ["--append"])
            if let i = arguments.firstIndex(of: option) { arguments[i + 1] = value } else { arguments += [option, value] }
            let refused = try neurodex(arguments)
            #expect(refused.status != 0, "\(option) \(value) was accepted")
            #expect(refused.errorLines.count == 1 && refused.standardError.contains(option), "\(option): \(refused.standardError)")
        }
        #expect(try digest(store) == before, "a refused append changed the store")
        #expect(try runs(of: store)?.count == 1, "a refused append recorded a run")

        let interrupted = tmp.path("interrupted")
        let child = try Child(indexArguments(interrupted, corpus: [old.path, "-"]), holdStandardInput: true)
        let parked = try waitFor { try runs(of: interrupted)?.first?["documentsDone"] as? Int == 5 }
        try #require(parked, "the run never checkpointed the folder's documents")
        child.kill()
        _ = child.wait()
        let incomplete = try neurodex(indexArguments(interrupted, corpus: [new.path], extra: ["--append"]))
        #expect(incomplete.status != 0 && incomplete.standardError.contains("not complete"), "\(incomplete)")
    }

    @Test func aFailedAppendIsUndoneAndCanBeRunAgain() throws {
        let single = tmp.path("single")
        try index(single, corpus: [old, new])

        let store = tmp.path("grown")
        try index(store, corpus: [old])
        let before = try digest(store)
        // The new folder's documents are checkpointed (every boundary), then a broken line fails the run.
        let broken = tmp.path("broken.jsonl")
        try "{\"text\": \"a first good line\"}\n{\"text\": \n".write(to: broken, atomically: true, encoding: .utf8)
        let failed = try neurodex(indexArguments(store, corpus: [new.path, broken.path], extra: ["--append"]))
        #expect(failed.status != 0 && !failed.signaled && failed.standardError.contains(broken.lastPathComponent), "\(failed)")
        #expect(try digest(store) == before, "the failed append left documents or content behind")
        #expect(try runs(of: store)?.count == 1 && (try corpora(of: store)?.count) == 1, "the failed append left its run")

        try index(store, corpus: [new], extra: ["--append"])
        #expect(try digest(store) == (try digest(single)))
        #expect(try runs(of: store)?.count == 2)
    }

    @Test func aKilledAppendKeepsTheStoreAndResumes() throws {
        let single = tmp.path("single")
        let reference = try Child(indexArguments(single, corpus: [old.path, new.path, "-"]), holdStandardInput: true)
        try reference.send(lastDocument)
        let outcome = reference.wait()
        try #require(outcome.status == 0, "single run: \(outcome.standardError)")

        let store = tmp.path("grown")
        try index(store, corpus: [old])
        let before = try partDigests(store)
        let arguments = indexArguments(store, corpus: [new.path, "-"], extra: ["--append", "--resume"])
        let child = try Child(arguments, holdStandardInput: true)
        let parked = try waitFor { try runs(of: store)?.last?["documentsDone"] as? Int == 4 }
        try #require(parked, "the append never checkpointed the new folder's documents")
        child.kill()
        #expect(child.wait().signaled)
        let killed = try partDigests(store)
        for part in ["records", "windows", "negative", "by_token", "embeddings", "statistics", "moments", "layers"] {
            #expect(killed[part] == before[part], "a killed append changed part \(part)")
        }

        let resumed = try Child(arguments, holdStandardInput: true)
        try resumed.send(lastDocument)
        let end = resumed.wait()
        try #require(end.status == 0, "resumed append: \(end.standardError)")
        #expect(try digest(store) == (try digest(single)))

        let again = try Child(arguments, holdStandardInput: true)
        try again.send(lastDocument)
        let noOp = again.wait()
        #expect(noOp.status == 0 && noOp.standardOutput.contains("already complete"), "\(noOp)")
        #expect(try runs(of: store)?.count == 2)
    }
}
