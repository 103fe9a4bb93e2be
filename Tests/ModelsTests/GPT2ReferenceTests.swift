import Foundation
import Testing
import ModelFiles
@testable import Models

/// Compares the forward pass with activations computed by transformers for the same random
/// weights (Tools/make_gpt2_fixtures.py). Error measure: max |a − b| / max |b| per tensor.
/// The F16/BF16 references were computed from the same rounded weights in float32, so every
/// fixture is held to 1e-4.
@Suite struct GPT2ReferenceTests {
    static let tolerance: Float = 1e-4

    @Test(arguments: gpt2FixtureNames)
    func activationsMatchTransformers(name: String) throws {
        let model = try ModelLoader.loadModel(at: gpt2Fixtures.appendingPathComponent(name), maxLayer: nil, threads: 2)
        let reference = try ReferenceActivations(name)
        let layers = Array(0..<model.description.layerCount)
        let captures = try captureAll(model, reference.batch, through: layers.last!, layers: layers)
        #expect(captures.keys.sorted() == layers)
        for layer in layers {
            let capture = try #require(captures[layer])
            let expectedActivations = try reference.activations(layer)
            #expect(capture.activations.count == reference.batch.tokens.count * model.description.neuronCount)
            let activationError = relativeError(capture.activations, expectedActivations)
            let inputError = relativeError(capture.mlpInput, try reference.mlpInput(layer))
            #expect(activationError < Self.tolerance, "\(name) layer \(layer) activations: \(activationError)")
            #expect(inputError < Self.tolerance, "\(name) layer \(layer) ln_2 output: \(inputError)")
        }
    }

    @Test(arguments: gpt2FixtureNames)
    func logitsMatchTransformers(name: String) throws {
        let model = try ModelLoader.loadModel(at: gpt2Fixtures.appendingPathComponent(name), maxLayer: nil, threads: 1)
        let reference = try ReferenceActivations(name)
        let logits = try model.logits(reference.batch)
        #expect(logits.count == reference.batch.tokens.count * model.description.vocabularySize)
        let error = relativeError(logits, try reference.logits())
        #expect(error < Self.tolerance, "\(name) logits: \(error)")
    }

    @Test func partialLoadStopsAtItsHighestLayer() throws {
        let folder = gpt2Fixtures.appendingPathComponent("sharded")
        let reference = try ReferenceActivations("sharded")
        let model = try GPT2(folder: folder, maxLayer: 1, threads: 1)
        #expect(model.loadedLayerCount == 2)
        #expect(model.description.layerCount == 3)
        let captures = try captureAll(model, reference.batch, through: 1, layers: [1])
        #expect(captures.keys.sorted() == [1])
        #expect(relativeError(try #require(captures[1]).activations, try reference.activations(1)) < Self.tolerance)

        let beyond = errorThrown { _ = try captureAll(model, reference.batch, through: 2, layers: [2]) }
        guard case .layerNotLoaded(2, 2)? = beyond as? ModelError else {
            Issue.record("expected layerNotLoaded, got \(String(describing: beyond))")
            return
        }
        let logits = errorThrown { _ = try model.logits(reference.batch) }
        guard case .layerNotLoaded? = logits as? ModelError else {
            Issue.record("expected layerNotLoaded, got \(String(describing: logits))")
            return
        }
    }

    @Test func stoppingEarlyGivesTheSameLowerLayers() throws {
        let model = try GPT2(folder: gpt2Fixtures.appendingPathComponent("f16"), threads: 1)
        let reference = try ReferenceActivations("f16")
        let captures = try captureAll(model, reference.batch, through: 0, layers: [0])
        #expect(relativeError(try #require(captures[0]).activations, try reference.activations(0)) < Self.tolerance)
    }

    @Test func reusedBuffersGiveTheSameResults() throws {
        // A large batch, then a smaller one, then the large one again.
        let model = try GPT2(folder: gpt2Fixtures.appendingPathComponent("tiny"), threads: 2)
        let reference = try ReferenceActivations("tiny")
        let small = TokenBatch(windows: [[1, 2, 3], [4]])
        let first = try captureAll(model, reference.batch, through: 1, layers: [0, 1])
        let smallAlone = try captureAll(model, small, through: 1, layers: [1])
        let second = try captureAll(model, reference.batch, through: 1, layers: [0, 1])
        #expect(first[1]?.activations == second[1]?.activations)
        #expect(first[0]?.mlpInput == second[0]?.mlpInput)
        let fresh = try GPT2(folder: gpt2Fixtures.appendingPathComponent("tiny"), threads: 1)
        #expect(try captureAll(fresh, small, through: 1, layers: [1])[1]?.activations == smallAlone[1]?.activations)
    }

    @Test func capturesOnlyWhatIsAskedInLayerOrder() throws {
        let model = try GPT2(folder: gpt2Fixtures.appendingPathComponent("sharded"), threads: 1)
        var seen: [Int] = []
        var inputs: [Bool] = []
        try model.forward(TokenBatch(windows: [[5, 6]]), through: 2, captureLayers: [2, 0], captureMLPInput: false) {
            seen.append($0.layer)
            inputs.append($0.mlpInput != nil)
            #expect($0.tokenCount == 2)
        }
        #expect(seen == [0, 2])
        #expect(inputs == [false, false])
    }

    @Test func tokenEmbeddingIsTheWTERow() throws {
        let model = try GPT2(folder: gpt2Fixtures.appendingPathComponent("f16"), maxLayer: 0)
        let file = try SafetensorsFile(url: gpt2Fixtures.appendingPathComponent("f16/model.safetensors"))
        let wte = try file.floats("transformer.wte.weight")
        #expect(model.tokenEmbedding(7) == Array(wte[(7 * 48)..<(8 * 48)]))
        #expect(model.tokenEmbedding(512) == [])
    }

    @Test func descriptionAndFingerprint() throws {
        let tiny = try GPT2(folder: gpt2Fixtures.appendingPathComponent("tiny"))
        #expect(tiny.description == ModelDescription(
            family: .gpt2, layerCount: 2, embeddingSize: 32, neuronCount: 96, vocabularySize: 512,
            maxContext: 16, activationDefinition: "gelu_new(ln_2(x)·W_fc + b_fc)",
            fingerprint: tiny.description.fingerprint))
        #expect(tiny.description.fingerprint.count == 16)
        let partial = try GPT2(folder: gpt2Fixtures.appendingPathComponent("tiny"), maxLayer: 0)
        #expect(partial.description == tiny.description)
        let other = try GPT2(folder: gpt2Fixtures.appendingPathComponent("bf16"))
        #expect(other.description.fingerprint != tiny.description.fingerprint)
    }

    @Test func randomWeightsModelIsDeterministic() throws {
        let config = GPT2Config(nLayer: 2, nEmbd: 24, nHead: 3, nPositions: 8, vocabSize: 50)
        let batch = TokenBatch(windows: [[1, 2, 3, 4, 5, 6, 7, 8], [9, 49]])
        let a = try captureAll(try GPT2(randomWeightsFor: config, seed: 1), batch, through: 1, layers: [1])
        let b = try captureAll(try GPT2(randomWeightsFor: config, threads: 3, seed: 1), batch, through: 1, layers: [1])
        let c = try captureAll(try GPT2(randomWeightsFor: config, seed: 2), batch, through: 1, layers: [1])
        let activations = try #require(a[1]?.activations)
        #expect(activations.count == 10 * 96)
        #expect(activations.allSatisfy { $0.isFinite })
        #expect(activations == b[1]?.activations)
        #expect(activations != c[1]?.activations)
        let partial = try GPT2(randomWeightsFor: config, maxLayer: 0, seed: 1)
        #expect(partial.loadedLayerCount == 1)
    }

    /// A window's activations are bit-identical whatever the thread count and whichever windows
    /// share its batch (sizes large enough that OpenBLAS would split its products over threads).
    @Test func activationsDependOnlyOnTheWindow() throws {
        let config = GPT2Config(nLayer: 2, nEmbd: 128, nHead: 4, nPositions: 64, vocabSize: 300)
        let windows: [[UInt32]] = (0..<4).map { w in (0..<33).map { UInt32((w * 37 + $0 * 11) % 300) } }
        let batch = TokenBatch(windows: windows)
        let one = try captureAll(try GPT2(randomWeightsFor: config, threads: 1, seed: 1), batch, through: 1, layers: [0, 1])
        let two = try captureAll(try GPT2(randomWeightsFor: config, threads: 2, seed: 1), batch, through: 1, layers: [0, 1])
        for layer in [0, 1] {
            #expect(one[layer]?.activations == two[layer]?.activations, "layer \(layer), 1 vs 2 threads")
        }
        let model = try GPT2(randomWeightsFor: config, threads: 2, seed: 1)
        let width = config.neuronCount * 33
        for (w, window) in windows.enumerated() {
            let alone = try captureAll(model, TokenBatch(windows: [window]), through: 1, layers: [1])
            #expect(alone[1]?.activations == one[1].map { Array($0.activations[(w * width)..<((w + 1) * width)]) },
                    "window \(w) alone vs in a batch of 4")
        }
    }

    @Test func invalidRequestsAreRefused() throws {
        let model = try GPT2(folder: gpt2Fixtures.appendingPathComponent("tiny"))
        let cases: [(TokenBatch, Int, [Int], (ModelError) -> Bool)] = [
            (TokenBatch(tokens: [1, 2, 3], windowLengths: [2]), 0, [0], { if case .invalidBatch = $0 { true } else { false } }),
            (TokenBatch(tokens: [1], windowLengths: [1, 0]), 0, [0], { if case .invalidBatch = $0 { true } else { false } }),
            (TokenBatch(windows: [Array(repeating: 1, count: 17)]), 0, [0], { if case .invalidBatch = $0 { true } else { false } }),
            (TokenBatch(windows: [[1, 512]]), 0, [0], { if case .tokenOutOfRange(512, 512) = $0 { true } else { false } }),
            (TokenBatch(windows: [[1]]), 0, [1], { if case .captureOutsideForward(1, 0, 0) = $0 { true } else { false } }),
            (TokenBatch(windows: [[1]]), 2, [], { if case .layerNotLoaded(2, 2) = $0 { true } else { false } }),
        ]
        for (batch, last, layers, check) in cases {
            let error = errorThrown { try model.forward(batch, through: last, captureLayers: layers, captureMLPInput: false) { _ in } }
            guard let error = error as? ModelError else {
                Issue.record("expected a ModelError, got \(String(describing: error))")
                continue
            }
            #expect(check(error), "got \(error)")
        }
    }
}
