import Foundation
import Testing
@testable import Models

/// A forward cut in two at a layer, its second half started from the residual stream the first
/// handed back, gives the same bits as one forward: what an index run in layer passes relies on.
@Suite struct ForwardSpanTests {
    /// One fixture of each family, every layer of it.
    static let folders = [gpt2Fixtures.appendingPathComponent("tiny"),
                          llamaHFFixtures.appendingPathComponent("qwen2"),
                          gptNeoXFixtures.appendingPathComponent("parallel"),
                          gptNeoXFixtures.appendingPathComponent("sequential")]

    @Test(arguments: folders)
    func aForwardCutInTwoGivesTheSameBits(folder: URL) throws {
        let model = try ModelLoader.loadModel(at: folder, maxLayer: nil, threads: 2)
        let d = model.description
        #expect(d.layerCount >= 2)
        let batch = TokenBatch(windows: [[1, 5, 9, 2, 7], [3, 3], [11, 4, 8, 6, 10, 12, 1]])
        let last = d.layerCount - 1
        let layers = Array(0...last)
        let whole = try captureAll(model, batch, through: last, layers: layers)

        for cut in 0..<last {  // the first half runs 0...cut, the second cut+1...last
            var residual: [Float] = []
            var halves: [Int: (activations: [Float], mlpInput: [Float])] = [:]
            func keep(_ capture: LayerCapture) {
                halves[capture.layer] = (Array(capture.activations), Array(capture.mlpInput!))
            }
            try model.forward(batch, span: ForwardSpan(firstLayer: 0, residual: nil, handBack: { residual = Array($0) }),
                              through: cut, captureLayers: Array(0...cut), captureMLPInput: true, sink: keep)
            #expect(residual.count == batch.tokens.count * d.embeddingSize)
            try residual.withUnsafeBufferPointer { input in
                try model.forward(batch, span: ForwardSpan(firstLayer: cut + 1, residual: input, handBack: nil),
                                  through: last, captureLayers: Array(cut + 1...last), captureMLPInput: true, sink: keep)
            }
            for layer in layers {
                #expect(halves[layer]?.activations == whole[layer]?.activations, "\(folder.lastPathComponent) cut after \(cut), layer \(layer)")
                #expect(halves[layer]?.mlpInput == whole[layer]?.mlpInput, "\(folder.lastPathComponent) cut after \(cut), layer \(layer)")
            }
        }
    }

    @Test func aSpanOutsideTheForwardIsRefused() throws {
        let model = try ModelLoader.loadModel(at: gpt2Fixtures.appendingPathComponent("tiny"), maxLayer: nil, threads: 1)
        let batch = TokenBatch(windows: [[1, 2, 3]])
        let width = model.description.embeddingSize
        let residual = [Float](repeating: 0, count: 3 * width)
        func error(_ span: ForwardSpan, through last: Int, capture: [Int]) -> ModelError? {
            errorThrown { try model.forward(batch, span: span, through: last, captureLayers: capture, captureMLPInput: false) { _ in } } as? ModelError
        }
        try residual.withUnsafeBufferPointer { r in
            let short = UnsafeBufferPointer(rebasing: r[0..<width])
            guard case .invalidBatch? = error(ForwardSpan(firstLayer: 1, residual: nil, handBack: nil), through: 1, capture: [1]),
                  case .invalidBatch? = error(ForwardSpan(firstLayer: 0, residual: r, handBack: nil), through: 1, capture: [1]),
                  case .invalidBatch? = error(ForwardSpan(firstLayer: 1, residual: short, handBack: nil), through: 1, capture: [1]),
                  case .invalidBatch? = error(ForwardSpan(firstLayer: 2, residual: r, handBack: nil), through: 1, capture: [1]),
                  case .captureOutsideForward(0, 1, 1)? = error(ForwardSpan(firstLayer: 1, residual: r, handBack: nil), through: 1, capture: [0])
            else {
                Issue.record("a span outside the forward was not refused")
                return
            }
        }
    }
}
