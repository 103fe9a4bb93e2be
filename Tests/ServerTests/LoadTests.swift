import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A bounded load on loopback: 10,000 requests from 64 concurrent clients against
/// `neurodex serve`, every one answered 200, and the server's heap no larger after them than
/// after the warm-up (within a margin for allocator noise).
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote))
struct LoadTests {
    static let clients = 64, requests = 10_000, warmup = 2_000

    /// Anonymous resident memory (heap and stacks, not the store's mapped pages) of a process in
    /// kB (Linux), nil elsewhere.
    static func residentKilobytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// The request paths, mixed: neuron documents mostly, layer pages, searches, info.
    static func path(_ index: Int) -> String {
        switch index % 10 {
        case 0: "/api/layers/\(index % 2)?sort=mean&offset=\(index % 100)&limit=20"
        case 1: "/api/search?token=the&limit=20"
        case 2: "/api/neurons/\(index % 2)/\(index % ServerFixture.neurons)/histogram"
        case 3: "/api/info"
        default: "/api/neurons/\(index % 2)/\((index * 7) % ServerFixture.neurons)"
        }
    }

    /// Sends `count` requests from `clients` concurrent clients; returns the statuses other than 200.
    static func load(_ base: String, count: Int, session: URLSession) async throws -> [Int] {
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var failures: [Int] = []
                    for index in stride(from: client, to: count, by: clients) {
                        let (_, response) = try await session.data(from: URL(string: base + path(index))!)
                        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                        if status != 200 { failures.append(status) }
                    }
                    return failures
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    @Test func tenThousandRequestsFromSixtyFourClients() async throws {
        let server = try ServeProcess(store: try ServerFixture.copyOfStore("load-store"))
        let base = String(server.url.dropLast())
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = Self.clients
        let session = URLSession(configuration: configuration)

        #expect(try await Self.load(base, count: Self.warmup, session: session).isEmpty)
        let warm = Self.residentKilobytes(server.process.processIdentifier)
        let failures = try await Self.load(base, count: Self.requests, session: session)
        #expect(failures.isEmpty, "\(failures.count) requests failed: \(Set(failures))")
        if let warm, let end = Self.residentKilobytes(server.process.processIdentifier) {
            // 16 MB or a quarter of the warm size, whichever is larger, for allocator noise.
            #expect(end - warm <= max(16 * 1024, warm / 4), "resident memory grew from \(warm) kB to \(end) kB")
        }
        #expect(server.stop() == 0)
    }
}
