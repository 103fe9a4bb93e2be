import Foundation

/// A sorted run of token index entries in a file: the token index of the layers one pass of an
/// index run in layer passes wrote, kept out of memory until the run's end merges every part
/// into the store's token index (`StoreBuilder.writeTokenIndexPart`). The file holds the
/// entries' 16-byte in-memory layout, in `TokenIndexEntry.indexOrder`; it is read by this
/// build on this host only.
enum TokenIndexPart {
    /// Sorts `entries` and writes them to `url` (replacing it), durably.
    static func write(_ entries: inout [TokenIndexEntry], to url: URL) throws {
        entries.sort(by: TokenIndexEntry.indexOrder)
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(url, "create") }
        defer { close(descriptor) }
        try entries.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                guard n > 0 else { throw failure(url, "write") }
                done += n
            }
        }
        guard fsync(descriptor) == 0 else { throw failure(url, "sync") }
    }

    /// Calls `body` with the entries of `parts` and of `memory` (sorted here) merged in
    /// `TokenIndexEntry.indexOrder`, a chunk at a time, reading each part a buffer at a time.
    static func merge(_ parts: [URL], with memory: inout [TokenIndexEntry], chunk: Int = 1 << 20,
                      _ body: ([TokenIndexEntry]) throws -> Void) throws {
        memory.sort(by: TokenIndexEntry.indexOrder)
        let readers = try parts.map { try Reader($0) }
        var memoryIndex = 0
        var out: [TokenIndexEntry] = []
        out.reserveCapacity(chunk)
        while true {
            // The smallest head among the parts and the memory's (parts are few: a linear scan).
            var best: Int? = nil  // index into readers; readers.count for the memory
            var bestEntry: TokenIndexEntry? = nil
            for i in readers.indices {
                if let head = try readers[i].head(), bestEntry.map({ TokenIndexEntry.indexOrder(head, $0) }) ?? true {
                    (best, bestEntry) = (i, head)
                }
            }
            if memoryIndex < memory.count, bestEntry.map({ TokenIndexEntry.indexOrder(memory[memoryIndex], $0) }) ?? true {
                (best, bestEntry) = (readers.count, memory[memoryIndex])
            }
            guard let best, let bestEntry else { break }
            if best == readers.count { memoryIndex += 1 } else { readers[best].advance() }
            out.append(bestEntry)
            if out.count == chunk {
                try body(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { try body(out) }
    }

    /// One part read a buffer at a time.
    private final class Reader {
        let url: URL
        let descriptor: Int32
        var buffer: [TokenIndexEntry] = []
        var index = 0
        var offset = 0
        var ended = false

        init(_ url: URL) throws {
            self.url = url
            descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw TokenIndexPart.failure(url, "open") }
        }

        deinit { close(descriptor) }

        func head() throws -> TokenIndexEntry? {
            if index == buffer.count && !ended { try refill() }
            return index < buffer.count ? buffer[index] : nil
        }

        func advance() { index += 1 }

        private func refill() throws {
            let capacity = 1 << 16, stride = MemoryLayout<TokenIndexEntry>.stride
            var read = 0
            buffer = try [TokenIndexEntry](unsafeUninitializedCapacity: capacity) { entries, initialized in
                let raw = UnsafeMutableRawBufferPointer(entries)
                while read < raw.count {
                    let n = pread(descriptor, raw.baseAddress! + read, raw.count - read, off_t(offset + read))
                    guard n >= 0 else { throw TokenIndexPart.failure(url, "read") }
                    if n == 0 { break }
                    read += n
                }
                guard read % stride == 0 else { throw TokenIndexPart.failure(url, "read whole entries of") }
                initialized = read / stride
            }
            offset += read
            index = 0
            if buffer.count < capacity { ended = true }
        }
    }

    private static func failure(_ url: URL, _ what: String) -> StoreError {
        .writeFailed(path: url.path, detail: "cannot \(what) the token index part: \(String(cString: strerror(errno)))")
    }
}
