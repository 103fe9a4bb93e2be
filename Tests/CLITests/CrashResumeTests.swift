import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of a real `neurodex index` process, then `--resume`: the store ends with the content
/// of an uninterrupted run (Tools/crash_resume_soak.py repeats this at many random moments).
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct CrashResumeTests {
    let tmp = TemporaryDirectory()
    let model: URL
    let corpus: URL
    /// The last document, read from standard input (`--corpus DIR -`).
    let lastDocument = "Now is the winter of our discontent\nMade glorious summer by this sun of York.\n"
    static let documentsInFolder = 12

    init() throws {
        model = try CLIFixtures.gpt2Folder(at: tmp.path("model"))
        corpus = try CLIFixtures.corpusFolder(at: tmp.path("corpus"), documents: Self.documentsInFolder)
    }

    func indexArguments(_ store: URL, resume: Bool = false) -> [String] {
        ["index", "--model", model.path, "--corpus", corpus.path, "-", "--store", store.path, "--layers", "0-1",
         "--top-k", "8", "--context", "16", "--batch", "1", "--sample-size", "8", "--threads", "1",
         "--checkpoint-seconds", "0", "--quiet"] + (resume ? ["--resume"] : [])
    }

    func digest(_ store: URL) throws -> String {
        let outcome = try neurodex(["info", "--store", store.path, "--digest"])
        #expect(outcome.status == 0, "info --digest: \(outcome.standardError)")
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the index command (resuming when asked) to its end, feeding standard input.
    func runToTheEnd(_ store: URL, resume: Bool) throws -> Outcome {
        let child = try Child(indexArguments(store, resume: resume), holdStandardInput: true)
        try child.send(lastDocument)
        return child.wait()
    }

    func uninterruptedDigest() throws -> String {
        let store = tmp.path("reference")
        let outcome = try runToTheEnd(store, resume: false)
        try #require(outcome.status == 0 && !outcome.signaled, "uninterrupted run: \(outcome.standardError)")
        return try digest(store)
    }

    func expectKilled(_ outcome: Outcome) {
        #expect(outcome.signaled && outcome.status == SIGKILL, "expected death by SIGKILL, got \(outcome)")
    }

    @Test func killedMidRunThenResumedEqualsAnUninterruptedRun() throws {
        let expected = try uninterruptedDigest()
        let store = tmp.path("killed-mid-run")
        let child = try Child(indexArguments(store), holdStandardInput: true)
        // Every folder document is checkpointed before the run waits for standard input.
        let parked = try waitFor {
            try runs(of: store)?.first?["documentsDone"] as? Int == Self.documentsInFolder
        }
        try #require(parked, "the run never checkpointed the folder's documents")
        #expect(child.isRunning)
        child.kill()
        expectKilled(child.wait())
        let status = try runs(of: store)?.first?["status"] as? String
        #expect(status == "running", "a killed run must not look complete")
        let resumed = try runToTheEnd(store, resume: true)
        #expect(resumed.status == 0 && !resumed.signaled, "resume: \(resumed.standardError)")
        #expect(try digest(store) == expected)
    }

    @Test func killedAtStartThenResumedEqualsAnUninterruptedRun() throws {
        let expected = try uninterruptedDigest()
        let store = tmp.path("killed-at-start")
        let child = try Child(indexArguments(store), holdStandardInput: true)
        child.kill()  // while the model loads, or before the store exists
        expectKilled(child.wait())
        // `--resume` starts over when there is nothing to resume yet.
        let resumed = try runToTheEnd(store, resume: true)
        #expect(resumed.status == 0 && !resumed.signaled, "resume: \(resumed.standardError)")
        #expect(try digest(store) == expected)
    }

    /// What a kill before the first checkpoint leaves — no store, or a folder with only the
    /// write lock — is resumed by starting the run.
    @Test func resumeWithNothingToResumeStartsTheRun() throws {
        let expected = try uninterruptedDigest()
        let lockOnly = tmp.path("lock-only")
        try FileManager.default.createDirectory(at: lockOnly, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: lockOnly.appendingPathComponent("write.lock").path, contents: nil)
        for store in [tmp.path("never-created"), lockOnly] {
            let outcome = try runToTheEnd(store, resume: true)
            #expect(outcome.status == 0, "\(store.lastPathComponent): \(outcome.standardError)")
            #expect(try digest(store) == expected)
        }
    }

    @Test func killedAtSeededRandomMomentsThenResumedEqualsAnUninterruptedRun() throws {
        let expected = try uninterruptedDigest()
        var state: UInt64 = 0x5EED
        for trial in 0..<3 {
            let store = tmp.path("random-\(trial)")
            var resume = false
            for _ in 0..<2 {  // two kills, each at a random moment of up to 0.4 s
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let child = try Child(indexArguments(store, resume: resume), holdStandardInput: true)
                try child.send(lastDocument)
                usleep(UInt32(state >> 33) % 400_000)
                child.kill()
                let outcome = child.wait()
                #expect(outcome.signaled || outcome.status == 0, "trial \(trial): \(outcome.standardError)")
                resume = true
            }
            let finished = try runToTheEnd(store, resume: true)
            // A run that was already complete refuses `--resume`; the store is then final anyway.
            #expect(finished.status == 0 || finished.standardError.contains("already complete"),
                    "trial \(trial): \(finished.standardError)")
            #expect(try digest(store) == expected, "trial \(trial)")
        }
    }
}
