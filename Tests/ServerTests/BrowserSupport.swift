import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `neurodex serve` child process on a free loopback port.
final class ServeProcess {
    let process = Process()
    private let output = Pipe(), error = Pipe()
    /// "http://127.0.0.1:PORT/", from the line the server prints on start.
    private(set) var url = ""

    init(store: URL, extra: [String] = []) throws {
        process.executableURL = NeurodexBinary.url
        process.arguments = ["serve", "--store", store.path, "--port", "0"] + extra
        process.standardOutput = output
        process.standardError = error
        try process.run()
        var printed = Data()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed.append(chunk)
            let text = String(decoding: printed, as: UTF8.self)
            if let range = text.range(of: #"http://127\.0\.0\.1:\d+/"#, options: .regularExpression) {
                url = String(text[range])
                return
            }
        }
        process.terminate()
        throw ServerFixture.FixtureError("neurodex serve printed no URL: \(String(decoding: printed, as: UTF8.self)) "
                                         + String(decoding: error.fileHandleForReading.availableData, as: UTF8.self))
    }

    /// Sends SIGTERM and waits; returns the exit status (0 for a clean stop).
    func stop() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// Headless Chromium: /usr/bin/chromium or $CHROMIUM.
enum Chromium {
    static let path: String? = {
        let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let missingNote: Comment = "chromium is not installed (CI installs Debian's chromium; `apt-get install chromium` to run the browser tests)"

    static let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                        "--disable-extensions", "--user-data-dir=" + FileManager.default.temporaryDirectory
                            .appendingPathComponent("neurodex-chromium-\(UUID().uuidString)").path]

    /// The DOM of `url` once its scripts have run (virtual time lets its fetches finish), and
    /// the console lines Chromium logged.
    static func dumpDOM(_ url: String) throws -> (dom: String, console: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path ?? "chromium")
        process.arguments = flags + ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", url]
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let dom = output.fileHandleForReading.readDataToEndOfFile()
        let log = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let console = String(decoding: log, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.contains(":CONSOLE") }
        return (String(decoding: dom, as: UTF8.self), console)
    }
}

/// Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands
/// on its fd 3, answers on its fd 4, each message JSON ended by a NUL byte).
final class DevTools {
    private var pid: pid_t = 0
    private let toBrowser: Int32, fromBrowser: Int32
    private var buffer: [UInt8] = []
    private var nextID = 0
    private var session: String?
    /// Console calls and uncaught exceptions the page reported.
    private(set) var consoleProblems: [String] = []

    init() throws {
        var commands: [Int32] = [0, 0], answers: [Int32] = [0, 0]
        guard pipe(&commands) == 0, pipe(&answers) == 0 else { throw ServerFixture.FixtureError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, commands[0], 3)
        posix_spawn_file_actions_adddup2(&actions, answers[1], 4)
        #if canImport(Glibc)
        let devNull = Glibc.open("/dev/null", O_WRONLY)
        #else
        let devNull = Darwin.open("/dev/null", O_WRONLY)
        #endif
        posix_spawn_file_actions_adddup2(&actions, devNull, 1)
        posix_spawn_file_actions_adddup2(&actions, devNull, 2)
        let arguments = [Chromium.path ?? "chromium"] + Chromium.flags + ["--remote-debugging-pipe", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        close(commands[0])
        close(answers[1])
        close(devNull)
        guard status == 0 else { throw ServerFixture.FixtureError("cannot start chromium (\(status))") }
        toBrowser = commands[1]
        fromBrowser = answers[0]
    }

    deinit {
        _ = try? send("Browser.close", session: false)
        close(toBrowser)
        close(fromBrowser)
        var status: Int32 = 0
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// Opens `url` in a new page and attaches to it.
    func open(_ url: String) throws {
        let target = try send("Target.createTarget", ["url": "about:blank"], session: false)
        let targetID = try #require((target["result"] as? [String: Any])?["targetId"] as? String)
        let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true], session: false)
        session = try #require((attached["result"] as? [String: Any])?["sessionId"] as? String)
        _ = try send("Runtime.enable")
        _ = try send("Page.enable")
        _ = try send("Page.navigate", ["url": url])
    }

    /// The value of a JavaScript expression in the page (JSON-compatible values only).
    func evaluate(_ expression: String) throws -> Any? {
        let answer = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        let result = (answer["result"] as? [String: Any])?["result"] as? [String: Any]
        return result?["value"]
    }

    /// Polls `expression` until it is true or `seconds` pass; returns whether it became true.
    func waitUntil(_ expression: String, seconds: Double = 20) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try evaluate(expression) as? Bool == true { return true }
            usleep(50_000)
        }
        return false
    }

    /// Sends a command and reads messages up to its answer, noting console problems on the way.
    @discardableResult
    func send(_ method: String, _ parameters: [String: Any] = [:], session useSession: Bool = true) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": parameters]
        if useSession, let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        let written = bytes.withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw ServerFixture.FixtureError("cannot write to chromium") }
        while true {
            let answer = try readMessage()
            if answer["id"] as? Int == nextID {
                if let error = answer["error"] { throw ServerFixture.FixtureError("\(method): \(error)") }
                return answer
            }
            let event = answer["method"] as? String
            let details = answer["params"] as? [String: Any] ?? [:]
            if event == "Runtime.exceptionThrown" {
                consoleProblems.append("exception: \(details["exceptionDetails"] ?? "")")
            } else if event == "Runtime.consoleAPICalled" {
                consoleProblems.append("console.\(details["type"] ?? ""): \(details["args"] ?? "")")
            }
        }
    }

    private func readMessage(timeout seconds: Int32 = 30) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                return try #require(try JSONSerialization.jsonObject(with: Data(message)) as? [String: Any])
            }
            var descriptor = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, seconds * 1000) > 0 else { throw ServerFixture.FixtureError("chromium did not answer") }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fromBrowser, &chunk, chunk.count)
            guard count > 0 else { throw ServerFixture.FixtureError("chromium closed its pipe") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
