import Foundation
import Indexer
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `neurodex-bench serve`: concurrent clients against a running `neurodex serve` on loopback,
/// each on its own keep-alive connection (opened before the warm-up), asking for random neurons
/// (`GET /api/neurons/{layer}/{neuron}`). Prints requests/s, latency percentiles and the
/// clients' CPU time per request, and with --pid the server's CPU time per request (from /proc,
/// the robust figure on a loaded machine) and its resident memory after warm-up and at the end.
///
/// Options: --port (8080), --clients (32), --requests (20000, after --warmup 2000),
/// --layers and --neurons (the store's shape: 48 and 6400), --path (a fixed path instead),
/// --pid (the server's process id, for its CPU time and memory), --driver (`threads`: a blocking
/// thread per client; `poll`: every connection on one thread with poll(2)).
struct ServeBenchmark {
    let port: UInt16
    let clients: Int
    let requests: Int
    let warmup: Int
    let layers: Int
    let neurons: Int
    let fixedPath: String?
    let serverPID: Int?
    let driver: Driver

    /// How the clients run: a blocking thread each, or all of them on one thread with poll(2).
    enum Driver: String {
        case threads, poll
    }

    init(options: BenchOptions) throws {
        port = UInt16(try options.integer("port", default: 8080))
        clients = try options.integer("clients", default: 32)
        requests = try options.integer("requests", default: 20_000)
        warmup = try options.integer("warmup", default: 2_000)
        layers = try options.integer("layers", default: 48)
        neurons = try options.integer("neurons", default: 6_400)
        fixedPath = options.list("path", default: []).first
        serverPID = options.list("pid", default: []).first.flatMap { Int($0) }
        let driverName = options.list("driver", default: ["threads"]).first ?? "threads"
        guard let driver = Driver(rawValue: driverName) else {
            throw BenchmarkFailure("--driver is threads or poll, not \(driverName)")
        }
        self.driver = driver
    }

    func run() throws {
        print("serve: \(clients) clients (\(driver == .poll ? "one poll thread" : "a thread each")), \(warmup) warm-up + \(requests) requests to 127.0.0.1:\(port)")
        // The connections are opened once and kept: warm-up and measurement both run on them,
        // so no measured request waits for a connection to be accepted and set up.
        let connections = try (0..<clients).map { _ in try HTTPConnection(port: port) }
        _ = try round(total: warmup, on: connections)
        let warmRSS = serverPID.flatMap { Self.residentKilobytes($0, "RssAnon") }
        let serverCPUBefore = serverPID.flatMap(Self.cpuSeconds(ofProcess:))
        let clientCPUBefore = Self.cpuSecondsOfThisProcess()
        let start = ContinuousClock.now
        let (latencies, failures) = try round(total: requests, on: connections)
        let seconds = (ContinuousClock.now - start).seconds
        let clientCPU = Self.cpuSecondsOfThisProcess() - clientCPUBefore
        let serverCPU = serverPID.flatMap(Self.cpuSeconds(ofProcess:)).flatMap { after in serverCPUBefore.map { after - $0 } }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] }
        print(String(format: "  %.0f requests/s; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; %d failed",
                     Double(latencies.count) / seconds, percentile(0.5) * 1e3, percentile(0.9) * 1e3, percentile(0.99) * 1e3,
                     (sorted.last ?? .nan) * 1e3, failures))
        print(String(format: "  CPU per request: clients %.3f ms", clientCPU * 1e3 / Double(requests))
              + (serverCPU.map { String(format: ", server %.3f ms", $0 * 1e3 / Double(requests)) } ?? ""))
        if let warmRSS, let pid = serverPID, let endRSS = Self.residentKilobytes(pid, "RssAnon"),
           let mapped = Self.residentKilobytes(pid, "RssFile") {
            print("  server anonymous resident memory: \(warmRSS / 1024) MB after warm-up, \(endRSS / 1024) MB at the end "
                  + "(plus \(mapped / 1024) MB of mapped store pages)")
        }
        if failures > 0 { throw BenchmarkFailure("\(failures) requests failed") }
    }

    /// `total` requests spread over the clients, one connection each; the latency of each
    /// request, in seconds, and the number of answers that were not 200.
    func round(total: Int, on connections: [HTTPConnection]) throws -> (latencies: [Double], failures: Int) {
        if driver == .poll {
            return try EventLoopClients.round(connections: connections, total: total, path: path)
        }
        let results = ClientResults(clients: clients)
        // One thread per client (concurrentPerform would run only as many as there are cores).
        let finished = DispatchGroup()
        for client in 0..<clients {
            finished.enter()
            Thread.detachNewThread { [self] in
                defer { finished.leave() }
                runClient(client, on: connections[client], total: total, results: results)
            }
        }
        finished.wait()
        return try results.collected()
    }

    /// Client `client`'s share of `total` requests, on its own connection.
    private func runClient(_ client: Int, on connection: HTTPConnection, total: Int, results: ClientResults) {
        do {
            var generator = SystemRandomNumberGenerator()
            for _ in stride(from: client, to: total, by: clients) {
                let start = ContinuousClock.now
                let status = try connection.get(path(&generator))
                results.add(client: client, seconds: (ContinuousClock.now - start).seconds, ok: status == 200)
            }
        } catch {
            results.fail(client: client, "\(error)")
        }
    }

    /// The path of the next request: `--path`, or a random neuron.
    func path(_ generator: inout SystemRandomNumberGenerator) -> String {
        fixedPath ?? "/api/neurons/\(Int.random(in: 0..<layers, using: &generator))/\(Int.random(in: 0..<neurons, using: &generator))"
    }

    /// User + system CPU time of a process so far, from /proc/PID/stat (Linux).
    static func cpuSeconds(ofProcess pid: Int) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// User + system CPU time of this process (the clients) so far.
    static func cpuSecondsOfThisProcess() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// A resident-memory line of a process's /proc status in kB (Linux): `RssAnon` (heap and
    /// stacks) or `RssFile` (mapped files: the store's LMDB pages the lookups touched).
    static func residentKilobytes(_ pid: Int, _ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What each client measured; client `i` writes only slot `i`, and the slots are read after
/// every client has finished.
final class ClientResults: @unchecked Sendable {
    private var latencies: [[Double]]
    private var failures: [Int]
    private var errors: [String?]

    init(clients: Int) {
        latencies = Array(repeating: [], count: clients)
        failures = Array(repeating: 0, count: clients)
        errors = Array(repeating: nil, count: clients)
    }

    func add(client: Int, seconds: Double, ok: Bool) {
        latencies[client].append(seconds)
        if !ok { failures[client] += 1 }
    }

    func fail(client: Int, _ message: String) { errors[client] = message }

    func collected() throws -> (latencies: [Double], failures: Int) {
        if let error = errors.compactMap({ $0 }).first { throw BenchmarkFailure(error) }
        return (latencies.flatMap { $0 }, failures.reduce(0, +))
    }
}

/// One keep-alive HTTP/1.1 connection to 127.0.0.1, enough for GETs answered with
/// Content-Length (as `neurodex serve` answers). One client thread uses it at a time.
final class HTTPConnection: @unchecked Sendable {
    let socket: Int32
    /// What has arrived and not been taken; only its first `filled` bytes are data.
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var filled = 0
    /// The status and the whole length (head and body) of the answer being read, once its head is in.
    private var answer: (status: Int, total: Int)?

    init(port: UInt16) throws {
        #if canImport(Glibc)
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { throw BenchmarkFailure("cannot open a socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchmarkFailure("cannot connect to 127.0.0.1:\(port)") }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(socket) }

    /// Sends a GET and reads the whole answer; returns its status code.
    func get(_ path: String) throws -> Int {
        try send(path)
        while true {
            if let status = takeAnswer() { return status }
            try receive()
        }
    }

    /// Sends a GET for `path` (a few dozen bytes: one send).
    func send(_ path: String) throws {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            #if canImport(Glibc)
            let n = request[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            #else
            let n = request[sent...].withUnsafeBytes { Darwin.send(socket, $0.baseAddress, $0.count, 0) }
            #endif
            guard n > 0 else { throw BenchmarkFailure("the connection closed while sending") }
            sent += n
        }
    }

    /// Reads what has arrived (blocks until something has), straight into the buffer's free end.
    func receive() throws {
        if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + filled, $0.count - filled, 0) }
        guard n > 0 else { throw BenchmarkFailure("the connection closed while reading") }
        filled += n
    }

    /// The status code of the first answer when all of it has arrived, which is then dropped
    /// from the buffer; nil while it is incomplete. The head is parsed once, when it is in.
    func takeAnswer() -> Int? {
        if answer == nil {
            guard let headerEnd = headEnd() else { return nil }
            let head = String(decoding: buffer[..<headerEnd], as: UTF8.self)
            let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            answer = (status, headerEnd + 4 + length)
        }
        guard let (status, total) = answer, filled >= total else { return nil }
        // Whatever follows the answer (nothing, as the clients wait for each answer) moves to the front.
        buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + total, byteCount: filled - total) }
        filled -= total
        answer = nil
        return status
    }

    /// Where the first `\r\n\r\n` of the buffer starts, if it has arrived.
    private func headEnd() -> Int? {
        guard filled >= 4 else { return nil }
        return buffer.withUnsafeBufferPointer { bytes in
            (0...(filled - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
        }
    }
}

/// Every client's connection driven from one thread with poll(2), as wrk and other load
/// generators drive theirs: 32 blocking client threads on a 2-core machine add their own
/// scheduling delays to the latencies they measure.
enum EventLoopClients {
    /// `total` requests spread over the connections, as `ServeBenchmark.round` spreads
    /// them; the latency of each and the number of answers that were not 200.
    static func round(connections: [HTTPConnection], total: Int,
                      path: (inout SystemRandomNumberGenerator) -> String) throws -> (latencies: [Double], failures: Int) {
        var generator = SystemRandomNumberGenerator()
        let count = connections.count
        var remaining = (0..<count).map { (total - $0 + count - 1) / count }
        var sentAt = [ContinuousClock.Instant](repeating: .now, count: count)
        var watched = connections.map { pollfd(fd: $0.socket, events: Int16(POLLIN), revents: 0) }
        var latencies: [Double] = []
        latencies.reserveCapacity(total)
        var failures = 0
        var open = 0
        for i in 0..<count where remaining[i] > 0 {
            try connections[i].send(path(&generator))
            sentAt[i] = .now
            open += 1
        }
        while open > 0 {
            let ready = poll(&watched, nfds_t(count), 10_000)
            guard ready > 0 else {
                if ready < 0 && errno == EINTR { continue }
                throw BenchmarkFailure("no answer within 10 s")
            }
            for i in 0..<count where watched[i].revents != 0 {
                watched[i].revents = 0
                try connections[i].receive()
                guard let status = connections[i].takeAnswer() else { continue }
                latencies.append((ContinuousClock.now - sentAt[i]).seconds)
                if status != 200 { failures += 1 }
                remaining[i] -= 1
                if remaining[i] > 0 {
                    try connections[i].send(path(&generator))
                    sentAt[i] = .now
                } else {
                    watched[i].fd = -1  // poll skips it from now on
                    open -= 1
                }
            }
        }
        return (latencies, failures)
    }
}
