import Foundation
import Kernels
import Models
import Store

/// The logit lens of every neuron of a layer: its output direction times the unembedding
/// (no final norm), the `count` most raised and most lowered tokens.
///
/// One sgemm per block of `neuronBlock` neurons × `vocabularyBlock` tokens
/// ([neuronBlock, width] · [width, vocabularyBlock], a 16 MB scratch per thread at the
/// defaults), each block's rows scanned into running top and bottom lists. Neuron blocks are
/// spread over `threads` threads; every sgemm call is single-threaded and of the same shape
/// whatever `threads` is, so the lists do not depend on it.
public enum LogitLens {
    public static func compute(_ w: NeuronOutputWeights, count: Int = 10, neuronBlock: Int = 512,
                        vocabularyBlock: Int = 8192, threads: Int = 1) -> [NeuronLogitLens] {
        let count = min(count, w.vocabulary)
        BLAS.setThreadCount(1)
        var lenses = [NeuronLogitLens](repeating: NeuronLogitLens(raised: [], lowered: []), count: w.neurons)
        lenses.withUnsafeMutableBufferPointer { lenses in
            forEachJobInParallel((w.neurons + neuronBlock - 1) / neuronBlock, threads: threads) { block in
                let n0 = block * neuronBlock, nb = min(neuronBlock, w.neurons - n0)
                var raised = [[TokenScore]](repeating: [], count: nb)
                var lowered = [[TokenScore]](repeating: [], count: nb)
                var scores = [Float](repeating: 0, count: nb * vocabularyBlock)  // [neurons of block, tokens of block]
                for v0 in stride(from: 0, to: w.vocabulary, by: vocabularyBlock) {
                    let vb = min(vocabularyBlock, w.vocabulary - v0)
                    scores.withUnsafeMutableBufferPointer { out in
                        if w.directionsAreColumns {  // directions [width, neurons]: columns n0..<n0+nb
                            sgemm(w.directions + n0, w.unembedding + v0 * w.width, into: out.baseAddress!,
                                  m: nb, n: vb, k: w.width, transposeA: true, transposeB: true, lda: w.neurons, ldc: vb)
                        } else {                     // directions [neurons, width]: rows n0..<n0+nb
                            sgemm(w.directions + n0 * w.width, w.unembedding + v0 * w.width, into: out.baseAddress!,
                                  m: nb, n: vb, k: w.width, transposeB: true, ldc: vb)
                        }
                    }
                    scores.withUnsafeBufferPointer { scores in
                        for i in 0..<nb {
                            scan(UnsafeBufferPointer(rebasing: scores[i * vb..<(i + 1) * vb]), firstToken: v0,
                                 raised: &raised[i], lowered: &lowered[i], count: count)
                        }
                    }
                }
                for i in 0..<nb { lenses[n0 + i] = NeuronLogitLens(raised: raised[i], lowered: lowered[i]) }
            }
        }
        return lenses
    }

    /// Folds one row of scores (tokens `firstToken`...) into the running lists. Chunks of 16
    /// whose values can enter neither full list are skipped with one vector comparison; the
    /// others go value by value through `insert`, so the lists are those of the plain loop.
    static func scan(_ scores: UnsafeBufferPointer<Float>, firstToken: Int, raised: inout [TokenScore],
                     lowered: inout [TokenScore], count: Int) {
        typealias Chunk = SIMD16<Float>
        var t = 0
        while t < scores.count {
            let end = min(t + Chunk.scalarCount, scores.count)
            if end - t == Chunk.scalarCount, raised.count == count, lowered.count == count {
                let chunk = UnsafeRawPointer(scores.baseAddress! + t).loadUnaligned(as: Chunk.self)
                if !any(chunk .> Chunk(repeating: raised[count - 1].value)) && !any(chunk .< Chunk(repeating: lowered[count - 1].value)) {
                    t = end
                    continue
                }
            }
            for u in t..<end {
                let s = TokenScore(token: UInt32(firstToken + u), value: scores[u])
                insert(s, into: &raised, count: count) { $0.value > $1.value }
                insert(s, into: &lowered, count: count) { $0.value < $1.value }
            }
            t = end
        }
    }

    /// Keeps `list` the best `count` scores under `better` (ties: the lower token id, which
    /// arrives first), best first.
    @inline(__always)
    private static func insert(_ s: TokenScore, into list: inout [TokenScore], count: Int,
                               better: (TokenScore, TokenScore) -> Bool) {
        if list.count == count {
            guard better(s, list[count - 1]) else { return }
            list.removeLast()
        }
        var i = list.count
        while i > 0 && better(s, list[i - 1]) { i -= 1 }
        list.insert(s, at: i)
    }
}

/// The logit lens of some layers, computed one layer after another on a thread of its own, so
/// that a run's store phase writes layer l (waiting on the disk) while the lens of layer l + 1
/// is computed. `lens(of:)` waits for a layer's lists; they are those of `LogitLens.compute`,
/// whatever runs beside it. Once this is released, the thread stops after its current layer.
final class LogitLensAhead {
    private let shared = Shared()

    /// Starts computing the lens of `layers`, in order, `count` tokens each way.
    init(model: any LanguageModel, layers: [Int], count: Int, threads: Int) {
        let shared = shared
        let weights = ModelWeights(model: model)
        let thread = Thread {
            for layer in layers {
                if shared.condition.withLock({ shared.cancelled }) { return }
                let start = ContinuousClock.now
                let lens = weights.model.withNeuronOutputWeights(layer: layer) {
                    LogitLens.compute($0, count: count, threads: threads)
                }
                let seconds = (ContinuousClock.now - start).seconds
                shared.condition.withLock {
                    shared.ready[layer] = .some(lens)
                    shared.seconds += seconds
                    shared.condition.broadcast()
                }
            }
        }
        thread.name = "neurodex-logit-lens"
        thread.start()
    }

    deinit {
        shared.condition.withLock { shared.cancelled = true }
    }

    /// The lens of `layer` (one of the layers given), once computed; nil for a model without
    /// one. Each layer's is handed out once.
    func lens(of layer: Int) -> [NeuronLogitLens]? {
        shared.condition.withLock {
            while shared.ready[layer] == nil { shared.condition.wait() }
            return shared.ready.removeValue(forKey: layer)!
        }
    }

    /// Seconds spent computing the lenses so far (beside the rest of the run).
    var seconds: Double { shared.condition.withLock { shared.seconds } }

    /// What the thread and the owner share, guarded by `condition`.
    private final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        var ready: [Int: [NeuronLogitLens]?] = [:]
        var cancelled = false
        var seconds = 0.0
    }

    /// The model, for the thread: only its weights are read there (the forward may run beside it).
    private struct ModelWeights: @unchecked Sendable {
        let model: any LanguageModel
    }
}
