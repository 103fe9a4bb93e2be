import Foundation
import Testing

/// `neurodex index --shard i/n` into n stores, then `neurodex merge`, through the built binary:
/// the merged store holds what one run over the whole corpus holds — every part of the digest
/// equal but the moments, which the merge combines by Pébay's formulas (equal only to rounding;
/// IndexerEndToEndTests checks them with tolerances). And `--resume` of a run that is already
/// complete (a requeued job that had finished) succeeds without work.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct ShardMergeCLITests {
    let tmp = TemporaryDirectory()
    let model: URL
    let corpus: URL

    init() throws {
        model = try CLIFixtures.gpt2Folder(at: tmp.path("model"))
        corpus = try CLIFixtures.corpusFolder(at: tmp.path("corpus"), documents: 10)
    }

    /// Three windows per forward batch: which windows share a batch differs between a shard and
    /// the whole, and must not change a window's activations. Shards run on 2 threads, the
    /// single run on 1.
    func indexArguments(_ store: URL, shard: String? = nil, resume: Bool = false, extra: [String] = []) -> [String] {
        ["index", "--model", model.path, "--corpus", corpus.path, "--store", store.path, "--layers", "0-1",
         "--top-k", "8", "--context", "16", "--batch", "3", "--sample-size", "8",
         "--threads", shard == nil ? "1" : "2", "--quiet"]
            + (shard.map { ["--shard", $0] } ?? []) + (resume ? ["--resume"] : []) + extra
    }

    @discardableResult
    func index(_ store: URL, shard: String? = nil, resume: Bool = false, extra: [String] = []) throws -> Outcome {
        let outcome = try neurodex(indexArguments(store, shard: shard, resume: resume, extra: extra))
        try #require(outcome.status == 0 && !outcome.signaled, "index \(shard ?? ""): \(outcome.standardError)")
        return outcome
    }

    func merge(_ shards: [URL], into store: URL, threads: Int = 2) throws {
        let outcome = try neurodex(["merge", "--store", store.path, "--model", model.path, "--threads", "\(threads)"] + shards.map(\.path))
        try #require(outcome.status == 0, "merge: \(outcome.standardError)")
    }

    func digest(_ store: URL) throws -> String {
        let outcome = try neurodex(["info", "--store", store.path, "--digest"])
        try #require(outcome.status == 0, "info --digest: \(outcome.standardError)")
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The digest of each part, from `info --digest --format json`.
    func partDigests(_ store: URL) throws -> [String: String] {
        let outcome = try neurodex(["info", "--store", store.path, "--digest", "--format", "json"])
        try #require(outcome.status == 0, "info --digest --format json: \(outcome.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        let parts = try #require(json?["parts"] as? [String: String])
        #expect(json?["total"] as? String == (try digest(store)))
        return parts
    }

    @Test(arguments: [1, 3, 4])
    func mergedShardsHoldWhatOneRunHolds(shards: Int) throws {
        let single = tmp.path("single")
        _ = try index(single)
        let stores = (0..<shards).map { tmp.path("shard-\($0)") }
        for (i, store) in stores.enumerated() { _ = try index(store, shard: "\(i)/\(shards)") }
        let merged = tmp.path("merged")
        try merge(stores, into: merged)

        let expected = try partDigests(single), found = try partDigests(merged)
        #expect(expected.count == 16)  // every part of ContentDigest.partNames
        for part in expected.keys.sorted() where part != "moments" {
            #expect(found[part] == expected[part], "part \(part) of the merged store differs from one run's")
        }
        if shards > 1 {
            let reversed = tmp.path("merged-reversed")
            try merge(stores.reversed(), into: reversed)
            #expect(try digest(reversed) == (try digest(merged)), "the order of the shard arguments matters")
            let alone = try partDigests(stores[0])
            #expect(alone["records"] != expected["records"], "a shard alone must not pass for the whole")
        }
    }

    /// Shards of different splits that together cover the corpus merge as well, with their
    /// stored inputs, on any number of threads; stores that share a document do not.
    @Test func shardsOfDifferentSplitsMergeWithTheirInputs() throws {
        let single = tmp.path("single")
        try index(single, extra: ["--store-inputs"])
        let stores = ["0/2", "1/4", "3/4"].enumerated().map { i, shard in (tmp.path("part-\(i)"), shard) }
        for (store, shard) in stores { try index(store, shard: shard, extra: ["--store-inputs"]) }
        let merged = tmp.path("merged"), mergedAlone = tmp.path("merged-one-thread")
        try merge(stores.map(\.0), into: merged)
        try merge(stores.map(\.0), into: mergedAlone, threads: 1)

        let expected = try partDigests(single), found = try partDigests(merged)
        for part in expected.keys.sorted() where part != "moments" {
            #expect(found[part] == expected[part], "part \(part) of the merged store differs from one run's")
        }
        #expect(try digest(mergedAlone) == (try digest(merged)), "the number of threads matters")
        let without = tmp.path("without-inputs")
        try index(without)
        #expect(try partDigests(without)["inputs"] != expected["inputs"], "the run stored no inputs")

        let overlapping = try neurodex(["merge", "--store", tmp.path("overlapping").path, "--model", model.path, stores[0].0.path, single.path])
        #expect(overlapping.status != 0 && overlapping.standardError.contains("both hold document"), "\(overlapping)")
    }

    @Test func resumingACompleteRunIsANoOp() throws {
        let store = tmp.path("complete")
        _ = try index(store, shard: "1/2")
        let before = try digest(store)
        let again = try index(store, shard: "1/2", resume: true)
        #expect(again.standardOutput == "the run in \(store.path) is already complete; nothing to resume\n")
        #expect(try digest(store) == before)
        #expect(try runs(of: store)?.count == 1, "a no-op resume must not record a run")
    }

    @Test func resumingACompleteRunWithOtherOptionsIsStillRefused() throws {
        let store = tmp.path("complete")
        _ = try index(store, shard: "1/2")
        let other = try neurodex(indexArguments(store, shard: "0/2", resume: true))
        #expect(other.status != 0, "a resume with another shard must fail, got \(other)")
        #expect(other.standardError.contains("already complete"), "\(other.standardError)")
    }
}
