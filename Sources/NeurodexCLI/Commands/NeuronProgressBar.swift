import Foundation
import Synchronization

/// A one-line progress bar on standard error for work counted in neurons: done / total,
/// neurons per second, ETA. Safe to update from worker threads; silent when disabled.
final class NeuronProgressBar: Sendable {
    let enabled: Bool
    private let label: String
    private let state: Mutex<(start: Date, lastDraw: Date)>

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
        state = Mutex((Date(), .distantPast))
    }

    func update(done: Int, total: Int) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            let now = Date()
            guard now.timeIntervalSince(state.lastDraw) >= 0.1 || done >= total else { return nil }
            state.lastDraw = now
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
            let elapsed = now.timeIntervalSince(state.start)
            let rate = Double(done) / max(elapsed, 1e-9)
            let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            let width = 30, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            return String(format: "\r%@ %@ %5.1f%%  %d/%d neurons  %.0f/s  ETA %@ ", label, bar, fraction * 100, done, total,
                          rate, ProgressBar.clock(eta))
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
