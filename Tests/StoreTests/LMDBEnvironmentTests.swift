import Foundation
import Testing
@testable import Store

@Suite struct LMDBEnvironmentTests {
    let tmp = TemporaryDirectory()

    /// Reading 8 MiB through the map makes it resident in this process; releasing drops it,
    /// and the data reads the same afterwards.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/smaps"), "needs Linux's /proc"))
    func releasingTheMapDropsItsResidentPages() throws {
        var options = LMDBEnvironment.Options()
        options.noSync = true
        let env = try LMDBEnvironment(path: tmp.path("data.lmdb"), options: options)
        let db = try env.database("values", create: true)
        let value = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }  // 1 MiB each
        try env.write { w in
            for key in 0..<8 { try w.put(db, key: [UInt8(key)], bytes: value) }
        }
        func readAll() throws -> Int {
            try env.read { r in
                try (0..<8).reduce(0) { sum, key in
                    let read = try r.get(db, key: [UInt8(key)])
                    #expect(read == value)
                    return sum + (read?.count ?? 0)
                }
            }
        }
        #expect(try readAll() == 8 << 20)
        let before = env.mappedResidentBytes()
        #expect(before >= 8 << 20, "the values just read are mapped: \(before) bytes")
        env.releaseMappedPages()
        let after = env.mappedResidentBytes()
        #expect(after < 1 << 20, "released: \(after) bytes left of \(before)")
        #expect(try readAll() == 8 << 20)
    }
}
