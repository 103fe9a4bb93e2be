import Canonical
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Models
import Store
import Tokenizers

/// What an index run did.
public struct IndexSummary: Sendable {
    public var documents: Int
    public var tokens: Int
    public var seconds: Double
    public var resumedFromDocument: Int
    /// Where the time went.
    public var phases: PhaseTimes
}

/// Wall-clock seconds spent in each phase of a run.
public struct PhaseTimes: Sendable {
    /// Everything else: reading, hashing and tokenizing documents, batching.
    public var corpus = 0.0
    /// The model's forward pass, without the capture.
    public var forward = 0.0
    /// Folding activations into the accumulators (top-K, statistics).
    public var capture = 0.0
    /// Checkpoints and the final writes, the band examples' re-forward included.
    public var store = 0.0
    /// The part of `store` spent choosing the band examples and running their windows again.
    public var bandExamples = 0.0
    /// The logit lens (a cost of the model, not of the corpus): in a first run of one pass
    /// computed on a thread of its own beside the band examples and the writes, so it overlaps
    /// the rest of `store` rather than being a part of it.
    public var logitLens = 0.0
}

/// Runs a corpus through a model once and stores, per neuron of the chosen layers, its top-K
/// core tokens and statistics.
///
/// Batches are a pure function of the corpus and options, and checkpoints are taken only at
/// batch ends that are also document ends, so an interrupted and resumed run computes
/// exactly what an uninterrupted one does. Each corpus path ends a batch, so a run appended
/// to a store (`RunMode.append`) continues its state exactly as one run over the earlier runs'
/// paths and the new ones would.
public final class Indexer {
    public let model: any LanguageModel
    public let tokenizer: Tokenizer
    public let store: NeurodexStore
    /// The options given; a run appended to a store (or resumed) also gets its `firstDocument`.
    public private(set) var options: IndexingOptions
    /// Called with (corpus bytes read on disk, corpus bytes on disk, tokens done) after every
    /// document; for a compressed file both count compressed bytes.
    public var onProgress: ((Int, Int, Int) -> Void)?
    /// Polled between batches; when it returns true the run checkpoints and stops.
    public var shouldStop: () -> Bool = { false }
    /// Called as each pass over the corpus starts, with its number (from 0), the number of
    /// passes and the layers it indexes (see `LayerPasses`).
    public var onPass: ((Int, Int, [Int]) -> Void)?
    /// Test hook: stop (as if asked to) once this process has done this many documents, over
    /// all its passes.
    public var stopAfterDocuments: Int?

    private let bos: UInt32?
    private var layers: [Int: LayerAccumulator] = [:]
    private var sample: PositionSample
    private var bandSample: BandSample
    private var progress = Progress(nextDocument: 0, documentsDone: 0, tokensDone: 0, samplePositions: [])
    /// The run's layers in passes over the corpus, and the pass under way.
    private var passes: LayerPasses
    private var pass = 0
    /// The residual stream the previous pass wrote (read by this one), and the one this pass
    /// writes for the next; nil in the first and the last pass.
    private var residualIn: ResidualFile?
    private var residualOut: ResidualFile?
    private var residualBatch: [Float] = []  // [rows, embeddingSize] of the batch, read from residualIn
    /// The band sample's windows' residual stream after the last pass's last layer, for the
    /// next pass's band examples (nil after a resume: they start from the embeddings then).
    private var bandResidual: BandExamples.Residual?
    /// Documents done by this process, over all its passes (for `stopAfterDocuments`).
    private var documentsProcessed = 0
    /// The run being written, once it is started or resumed. It holds the documents (and, with
    /// `storeInputs`, the MLP inputs at positions that entered a top-K) since the last checkpoint.
    private var builder: StoreBuilder?
    private var phases = PhaseTimes()
    private let clock = ContinuousClock()

    public init(model: any LanguageModel, tokenizer: Tokenizer, store: NeurodexStore, options: IndexingOptions) throws {
        self.model = model
        self.tokenizer = tokenizer
        self.store = store
        self.options = options
        bos = options.bos == .prepend ? (tokenizer.beginOfSequence ?? tokenizer.endOfText) : nil
        let d = model.description
        try options.validate(layerCount: d.layerCount, maxContext: d.maxContext,
                             hasBOS: tokenizer.beginOfSequence ?? tokenizer.endOfText != nil)
        sample = PositionSample(size: options.sampleSize, seed: options.seed)
        bandSample = try BandSample(size: options.bandSample, seed: options.seed, context: options.context)
        passes = LayerPasses(layers: options.layers,
                             bytesPerLayer: LayerAccumulator.estimatedBytes(neurons: d.neuronCount, options: options),
                             budget: options.accumulatorMemory ?? IndexingOptions.defaultAccumulatorMemory)
    }

    /// The layers this run indexes in each pass over the corpus: one group unless the
    /// accumulators of all layers would take more than `IndexingOptions.accumulatorMemory`.
    /// A resumed run takes its recorded passes when it has started.
    public var layerPasses: [[Int]] { passes.groups }

    /// The layers of the pass under way.
    private var passLayers: [Int] { passes.groups[pass] }

    // MARK: - Run

    /// How a run starts.
    public enum RunMode: Sendable {
        /// A first run, into a store that holds none.
        case start
        /// Continues the store's interrupted latest run from its last checkpoint.
        case resume
        /// Adds a run over more documents to a store whose runs are complete: the result is
        /// what one run over the earlier runs' corpora followed by this corpus makes.
        case append
    }

    /// Indexes the corpus (continuing from the last checkpoint when `resume` is set). A run that
    /// fails is marked failed in the catalog (an interrupted one stays resumable).
    public func run(resume: Bool) throws -> IndexSummary {
        try run(resume ? .resume : .start)
    }

    /// Indexes the corpus, started as `mode` says. A run that fails is marked failed in the
    /// catalog (an interrupted one stays resumable); a failed appended run is undone instead, so
    /// that the store keeps what its complete runs made and the append can be run again.
    public func run(_ mode: RunMode) throws -> IndexSummary {
        do {
            return try indexCorpus(mode)
        } catch let error as IndexError {
            if case .interrupted = error { throw error }
            recordFailure(error.description)
            throw error
        } catch {
            recordFailure("\(error)")
            throw error
        }
    }

    /// Undoes the failed run when it is an appended one that has not written records yet
    /// (`StoreBuilder.discardAppendedRun`); otherwise marks it failed with `message`.
    private func recordFailure(_ message: String) {
        guard let builder else { return }
        if let first = options.firstDocument,
           (try? builder.discardAppendedRun(firstDocument: first, removingState: checkpointStateNames())) == true {
            return
        }
        try? builder.markFailed(message)
    }

    private func indexCorpus(_ mode: RunMode) throws -> IndexSummary {
        let started = Date()
        let corpus = try Corpus(paths: options.corpusPaths)
        let builder = switch mode {
        case .start: try prepareNewRun(corpus: corpus)
        case .resume: try prepareResume()
        case .append: try prepareAppend(corpus: corpus)
        }
        let resumedFrom = progress.nextDocument
        while true {
            try openResidualFiles()
            onPass?(pass, passes.count, passLayers)
            if pass > 0 && progress.documentsDone == 0 && shouldStop() {  // the pass's start is checkpointed
                try builder.markInterrupted()
                throw IndexError.interrupted(documentsDone: 0)
            }
            try streamCorpus(corpus, into: builder)
            guard pass < passes.count - 1 else { break }
            try timed(\.store) { try endPass(builder) }
        }
        try timed(\.store) { try finish(builder) }
        let seconds = Date().timeIntervalSince(started)
        phases.corpus = max(0, seconds - phases.forward - phases.capture - phases.store)  // reading + tokenizing
        return IndexSummary(documents: progress.documentsDone, tokens: progress.tokensDone,
                            seconds: seconds, resumedFromDocument: resumedFrom, phases: phases)
    }

    /// One pass over the corpus, from `progress.nextDocument` on, for the layers of the pass.
    /// The first pass also stores the documents.
    private func streamCorpus(_ corpus: Corpus, into builder: StoreBuilder) throws {
        var batch = BatchBuilder(windows: options.batchWindows)
        var lastCheckpoint = Date()
        var stopped = false
        var sawDocument = progress.documentsDone > 0
        var uncounted = 0  // documents read since documentsDone last advanced (at a boundary)
        var lastDocument: Int?  // the index of the last document read

        /// After a document and at the end of a corpus path: when the batch is empty, the
        /// documents read are done, and a checkpoint is taken when due. False: stop.
        func atBoundary() throws -> Bool {
            guard let lastDocument, batch.isEmpty, uncounted > 0 else { return true }
            progress.nextDocument = lastDocument + 1
            progress.documentsDone += uncounted
            documentsProcessed += uncounted
            uncounted = 0
            let stopNow = shouldStop() || (stopAfterDocuments.map { documentsProcessed >= $0 } ?? false)
            if stopNow || Date().timeIntervalSince(lastCheckpoint) >= options.checkpointSeconds {
                try timed(\.store) { try checkpoint(builder) }
                lastCheckpoint = Date()
            }
            if stopNow { stopped = true }
            return !stopNow
        }

        try corpus.forEachDocument(firstIndex: options.firstDocument ?? 0, include: { [options, progress] index in
            index >= progress.nextDocument && (options.shard?.includes(index) ?? true)
        }, afterPath: {
            if !batch.isEmpty { try process(&batch, into: builder) }  // a corpus path ends a batch
            return try atBoundary()
        }) { document in
            sawDocument = true
            let tokens = tokenizer.encode(document.text)
            for start in BatchBuilder.windowStarts(documentLength: tokens.count, context: options.context) {
                let window = tokens[start..<min(tokens.count, start + options.context)]
                batch.append(window: window, document: UInt32(document.index), firstPosition: start, bos: bos)
                if batch.isFull { try process(&batch, into: builder) }
            }
            if pass == 0 {
                try builder.addDocument(DocumentRow(id: Int64(document.index), corpusId: builder.corpusID,
                                                    sourcePath: document.sourcePath, byteOffset: document.byteOffset,
                                                    byteLength: document.byteLength, sha256: document.sha256,
                                                    tokenCount: tokens.count, replacements: document.replacements,
                                                    metadataJson: document.metadataJSON),
                                        tokens: tokens)
            }
            uncounted += 1
            lastDocument = document.index
            onProgress?(document.corpusBytesRead, corpus.byteCount, progress.tokensDone)
            return try atBoundary()
        }
        if stopped {
            try builder.markInterrupted()
            throw IndexError.interrupted(documentsDone: progress.documentsDone)
        }
        // Every path ended with an empty batch, and its documents are counted.
        progress.nextDocument = Int.max
        guard sawDocument, progress.tokensDone > 0 else { throw IndexError.emptyCorpus }
    }

    /// Runs one full (or final) batch through the model and folds it into the accumulators.
    private func process(_ batch: inout BatchBuilder, into builder: StoreBuilder) throws {
        let rows = batch.rows
        let offered = rows.counted.map { SamplePosition(document: rows.documents[$0], position: rows.positions[$0]) }
        let (entered, left) = sample.admit(offered)
        let enteredRows = entered.map { rows.counted[$0] }
        if pass == 0 { bandSample.admit(offered) }  // later passes have the whole sample
        let layersOfPass = passLayers
        let start = clock.now
        var captureTime = Duration.zero
        defer {
            phases.capture += captureTime.seconds
            phases.forward += (clock.now - start - captureTime).seconds
        }
        try withForwardSpan(rows: rows.count) { span in
            try model.forward(batch.tokenBatch, span: span, through: layersOfPass.last!, captureLayers: layersOfPass,
                              captureMLPInput: options.storeInputs) { capture in
                let captureStart = clock.now
                defer { captureTime += clock.now - captureStart }
                let enteredTopK = try layers[capture.layer]!.absorb(
                    capture.activations, rows: rows, sampleEntered: enteredRows, sampleLeft: left,
                    threads: options.threads)
                if options.storeInputs, let inputs = capture.mlpInput {
                    let width = inputs.count / rows.count  // [rows, embeddingSize]
                    for r in enteredTopK {
                        try builder.addInput(layer: capture.layer,
                                             position: SamplePosition(document: rows.documents[r], position: rows.positions[r]),
                                             Array(inputs[r * width..<(r + 1) * width]))
                    }
                }
            }
        }
        progress.tokensDone += rows.counted.count
        batch.reset()
    }

    /// Calls `body` with the span of this pass's forward for a batch of `rows` rows: from the
    /// embeddings or from the batch's residual stream read from the previous pass's file, and
    /// handing the residual after the pass's last layer to this pass's file, when there is one.
    private func withForwardSpan(rows: Int, _ body: (ForwardSpan) throws -> Void) throws {
        let values = rows * model.description.embeddingSize  // [rows, embeddingSize]
        let handBack = residualOut.map { file in { (residual: UnsafeBufferPointer<Float>) in try file.append(residual) } }
        guard let residualIn else {
            return try body(ForwardSpan(firstLayer: passes.firstForwardLayer(of: pass), residual: nil, handBack: handBack))
        }
        if residualBatch.count < values { residualBatch = [Float](repeating: 0, count: values) }
        try residualBatch.withUnsafeMutableBufferPointer { buffer in
            let batch = UnsafeMutableBufferPointer(rebasing: buffer[0..<values])
            try residualIn.read(into: batch)
            try body(ForwardSpan(firstLayer: passes.firstForwardLayer(of: pass), residual: UnsafeBufferPointer(batch), handBack: handBack))
        }
    }

    // MARK: - Run setup

    private func prepareNewRun(corpus: Corpus) throws -> StoreBuilder {
        let d = model.description
        guard try store.catalog.runCount() == 0 else {
            throw IndexError.storeMismatch("\(store.directory.path) already holds an index run; continue it with --resume or index into a new --store")
        }
        let model = ModelRow(family: d.family.rawValue, source: options.modelPath, fingerprint: d.fingerprint,
                             layerCount: d.layerCount, embeddingSize: d.embeddingSize, neuronCount: d.neuronCount,
                             vocabularySize: d.vocabularySize, maxContext: d.maxContext,
                             activationDefinition: d.activationDefinition, configJson: try CanonicalJSON.string(d))
        let corpusRow = CorpusRow(name: Self.corpusName(options.corpusPaths),
                                  sourcesJson: try corpus.sourcesJSON(paths: options.corpusPaths))
        let builder = try StoreBuilder(store: store, model: model, corpus: corpusRow,
                                       runConfigJSON: try CanonicalJSON.string(options))
        started(builder)
        freshAccumulators()
        return builder
    }

    private func prepareAppend(corpus: Corpus) throws -> StoreBuilder {
        let path = store.directory.path
        guard let run = try store.catalog.latestRun(), let modelRow = try store.catalog.model() else {
            throw IndexError.storeMismatch("\(path) holds no index run to append to; index into it without --append")
        }
        guard modelRow.fingerprint == model.description.fingerprint else {
            throw StoreError.modelMismatch(expected: model.description.fingerprint, found: modelRow.fingerprint)
        }
        guard run.status == .complete else {
            throw IndexError.storeMismatch("the latest run in \(path) is \(run.status.rawValue), not complete; finish it with --resume before appending")
        }
        let earlier = try JSONDecoder().decode(IndexingOptions.self, from: Data(run.configJson.utf8))
        let conflicts = options.appendConflicts(with: earlier)
        guard conflicts.isEmpty else {
            throw IndexError.storeMismatch("cannot append to \(path): \(conflicts.joined(separator: ", ")) differ from its runs' (recorded: \(run.configJson))")
        }
        try refuseAppendInPasses()
        options.firstDocument = try store.catalog.nextDocumentID()
        let corpusRow = CorpusRow(name: Self.corpusName(options.corpusPaths),
                                  sourcesJson: try corpus.sourcesJSON(paths: options.corpusPaths))
        let builder = try StoreBuilder(appendingTo: store, corpus: corpusRow, runConfigJSON: try CanonicalJSON.string(options))
        started(builder)
        try continueStoredState()
        return builder
    }

    /// An appended run continues every layer's stored state at once and writes them all in its
    /// final transaction, so it runs in one pass.
    private func refuseAppendInPasses() throws {
        guard passes.count > 1 else { return }
        let bytes = LayerAccumulator.estimatedBytes(neurons: model.description.neuronCount, options: options) * options.layers.count
        throw IndexError.invalidOption("--append holds every layer's accumulators at once, \(bytes >> 20) MiB for these layers, more than --accumulator-memory allows (\((options.accumulatorMemory ?? IndexingOptions.defaultAccumulatorMemory) >> 20) MiB): raise it to at least \((bytes >> 20) + 1)M")
    }

    /// Rebuilds the accumulators and the sample the store's complete runs ended with (see
    /// `LayerAccumulator.init(stored:layer:options:)`), for an appended run's start.
    private func continueStoredState() throws {
        guard let first = try store.catalog.layers().first else {
            throw IndexError.storeMismatch("\(store.directory.path) has no indexed layers")
        }
        let spec = try JSONDecoder().decode(LayerStatisticsSpec.self, from: Data(first.statisticsJson.utf8))
        sample = PositionSample(size: options.sampleSize, seed: options.seed, positions: spec.samplePositions)
        for layer in options.layers { layers[layer] = try LayerAccumulator(stored: store, layer: layer, options: options, moments: .kept) }
        if options.bandSample > 0 {
            guard let kept = try store.activations.read({ try $0.bandSamplePositions() }) else {
                throw IndexError.storeMismatch("\(store.directory.path) has no band sample to continue")
            }
            bandSample = try BandSample(size: options.bandSample, seed: options.seed, context: options.context, kept: kept)
        }
        progress = Progress(nextDocument: options.firstDocument ?? 0, documentsDone: 0, tokensDone: 0,
                            samplePositions: spec.samplePositions)
    }

    private func prepareResume() throws -> StoreBuilder {
        guard let run = try store.catalog.latestRun(), let modelRow = try store.catalog.model() else {
            throw IndexError.storeMismatch("\(store.directory.path) has no run to resume; start one without --resume")
        }
        guard modelRow.fingerprint == model.description.fingerprint else {
            throw StoreError.modelMismatch(expected: model.description.fingerprint, found: modelRow.fingerprint)
        }
        guard run.status != .complete else {
            throw IndexError.storeMismatch("the run in \(store.directory.path) is already complete")
        }
        let recorded = try JSONDecoder().decode(IndexingOptions.self, from: Data(run.configJson.utf8))
        guard recorded.identity == options.identity else {
            throw IndexError.storeMismatch("--resume needs the same corpus and options as the interrupted run (recorded: \(run.configJson))")
        }
        options.firstDocument = recorded.firstDocument
        let builder = try StoreBuilder(resuming: run, of: modelRow, in: store)
        started(builder)  // from here on, a failure marks the run failed
        let saved = try store.activations.read { r in
            try r.state(StateKey.progress).map { try JSONDecoder().decode(Progress.self, from: Data($0)) }
        }
        if let saved {
            progress = saved
            passes = saved.passes ?? LayerPasses(groups: [options.layers])
            pass = saved.pass ?? 0
            guard passes.groups.joined().elementsEqual(options.layers), passes.groups.indices.contains(pass) else {
                throw IndexError.badCheckpoint("its layer passes \(passes.groups) at pass \(pass) are not of the layers \(options.layers)")
            }
            sample = PositionSample(size: options.sampleSize, seed: options.seed, positions: saved.samplePositions)
            if saved.documentsDone == 0 && pass > 0 {
                freshAccumulators()  // a pass that had only just started
            } else {
                let blobs = try store.activations.read { r in try passLayers.map { try r.state(StateKey.layer($0)) } }
                for (layer, blob) in zip(passLayers, blobs) {
                    guard let blob else { throw IndexError.badCheckpoint("no state for layer \(layer)") }
                    layers[layer] = try LayerAccumulator(encoded: blob)
                }
            }
            if options.bandSample > 0 {
                guard let bandBlob = try store.activations.read({ try $0.state(StateKey.bandSample) }) else {
                    throw IndexError.badCheckpoint("no band sample")
                }
                bandSample = try BandSample(size: options.bandSample, seed: options.seed, context: options.context, encoded: bandBlob)
            }
        } else if recorded.firstDocument != nil {
            try refuseAppendInPasses()
            try continueStoredState()  // an appended run that never checkpointed
        } else {
            freshAccumulators()
        }
        // The first pass stores the documents; the earlier passes' layers are written.
        try builder.restart(firstDocumentToRedo: pass == 0 ? progress.nextDocument : Int.max)
        if pass > 0 {
            builder.tokenIndexParts = passes.groups[..<pass].map(tokenIndexPart)
            for url in builder.tokenIndexParts where !FileManager.default.fileExists(atPath: url.path) {
                throw IndexError.badCheckpoint("\(url.path), the token index of an earlier layer pass, is missing")
            }
            try builder.includeStoredLayers(Array(passes.groups[..<pass].joined()))
        }
        return builder
    }

    private func started(_ builder: StoreBuilder) {
        builder.batchBytes = .max  // documents and inputs are written at checkpoints only
        self.builder = builder
    }

    /// Empty accumulators for the layers of the pass.
    private func freshAccumulators() {
        let d = model.description
        for layer in passLayers {
            layers[layer] = LayerAccumulator(layer: layer, neurons: d.neuronCount, k: options.topK,
                                             distinctTokens: options.distinctTokens,
                                             windowRecords: options.windowedRecords, negativeK: options.negativeK,
                                             windowWidth: options.context)
        }
    }

    // MARK: - Checkpoints and the end

    /// Saves pending documents and the accumulators (see `StoreBuilder.checkpoint`).
    private func checkpoint(_ builder: StoreBuilder) throws {
        progress.samplePositions = sample.kept.map(\.position)
        try recordPass()
        try builder.checkpoint(runProgress(), state: checkpointEntries())
    }

    /// Puts the pass and how far its residual files are read and written into `progress`,
    /// making what was written durable first; a run in one pass records none of it.
    private func recordPass() throws {
        guard passes.count > 1 else { return }
        try residualOut?.sync()
        progress.passes = passes
        progress.pass = pass
        progress.residualRead = residualIn?.offset
        progress.residualWritten = residualOut?.offset
    }

    /// The builder's batch while a first run writes its layers: its default, or a quarter of it
    /// in a run in layer passes, where the pending batch and its write transaction come on top
    /// of the pass's accumulators (16 MB instead of 64 lowers the peak of a GPT-2 XL run by
    /// about 0.1 GB, for a few seconds more of commits).
    private var layerWriteBatchBytes: Int {
        passes.count > 1 ? StoreBuilder.defaultBatchBytes / 4 : StoreBuilder.defaultBatchBytes
    }

    /// The file of the token index of a pass's layers (`StoreBuilder.writeTokenIndexPart`).
    private func tokenIndexPart(of layers: [Int]) -> URL {
        store.directory.appendingPathComponent("token-index-layers-\(layers.first!)-\(layers.last!).part")
    }

    /// Opens the residual files of the pass: the previous pass's output to read, and its own
    /// to write, each from where `progress` says (from the start in a new pass).
    private func openResidualFiles() throws {
        let directory = store.directory
        residualIn = try pass == 0 ? nil : ResidualFile.reading(
            ResidualFile.url(inStore: directory, afterLayer: passes.groups[pass - 1].last!), from: progress.residualRead ?? 0)
        residualOut = try pass == passes.count - 1 ? nil : ResidualFile.writing(
            ResidualFile.url(inStore: directory, afterLayer: passLayers.last!), from: progress.residualWritten ?? 0)
    }

    /// Ends a pass before the last: writes its layers, then checkpoints the start of the next
    /// pass, whose accumulators start empty and whose forward starts from the residual stream
    /// this pass wrote. The layers' moments are kept for a later appended run.
    private func endPass(_ builder: StoreBuilder) throws {
        try residualOut?.sync()
        builder.batchBytes = layerWriteBatchBytes
        let moments = try writeLayers(builder)
        try builder.writeTokenIndexPart(to: tokenIndexPart(of: passLayers))
        builder.batchBytes = .max
        let finished = passLayers
        let read = residualIn?.url
        layers = [:]
        pass += 1
        progress = Progress(nextDocument: options.firstDocument ?? 0, documentsDone: 0, tokensDone: 0, samplePositions: [])
        sample = PositionSample(size: options.sampleSize, seed: options.seed)
        residualIn = nil
        residualOut = nil
        try recordPass()
        // No accumulators yet: the next pass's checkpoints hold them once it has done a document.
        try builder.checkpoint(runProgress(), state: checkpointEntries() + moments.map { entry in (entry.name, { entry.bytes }) },
                               removing: finished.map(StateKey.layer))
        if let read { try? FileManager.default.removeItem(at: read) }
        store.activations.environment.releaseMappedPages()  // what this pass's writes walked
        returnFreedMemory()
        freshAccumulators()
    }

    private func runProgress() throws -> RunProgress {
        RunProgress(documentsDone: progress.documentsDone, tokensDone: progress.tokensDone,
                    checkpointJSON: try CanonicalJSON.string(progress))
    }

    /// The `state` values a resumed run starts from — the progress, each layer's accumulator and
    /// the band sample —, each encoded only when asked for (the final write needs just the names).
    private func checkpointEntries() -> [(name: String, encode: () throws -> [UInt8])] {
        var entries: [(name: String, encode: () throws -> [UInt8])] = [(StateKey.progress, { [progress] in
            Array(try CanonicalJSON.data(progress))
        })]
        for layer in passLayers {
            if let acc = layers[layer] { entries.append((StateKey.layer(layer), { acc.encoded() })) }
        }
        if options.bandSample > 0 {
            entries.append((StateKey.bandSample, { [bandSample] in bandSample.encodedPositions() }))
        }
        return entries
    }

    /// The names of every `state` value a checkpoint of this pass writes.
    private func checkpointStateNames() -> [String] {
        [StateKey.progress] + passLayers.map(StateKey.layer) + (options.bandSample > 0 ? [StateKey.bandSample] : [])
    }

    /// Writes the last pass's layers, the token index, embeddings and vocabulary, then marks the
    /// run complete and drops the checkpoint state and the residual file.
    private func finish(_ builder: StoreBuilder) throws {
        // A first run writes its records in batches as they are added rather than holding them
        // all until the end (≈ 20 KB a neuron: 6 GB for GPT-2 XL); a crash in between leaves it
        // resumable, and `--resume` writes every neuron again. An appended run keeps its final
        // write in one transaction, so that the earlier runs' content stays whole until it commits.
        if options.firstDocument == nil { builder.batchBytes = layerWriteBatchBytes }
        if options.bandSample > 0 { try builder.setBandSample(bandSample.positionsByHash) }
        let moments = try writeLayers(builder)
        for id in 0..<UInt32(tokenizer.vocabularySize) { try builder.addVocabulary(id, bytes: tokenizer.tokenBytes(id)) }
        try builder.finish(progress: runProgress(), embedding: { [model] in model.tokenEmbedding($0) },
                           keepingOnlyRecordInputs: options.storeInputs, removingState: checkpointStateNames(),
                           keptState: moments)
        if let read = residualIn?.url {
            residualIn = nil
            try? FileManager.default.removeItem(at: read)
        }
    }

    /// Writes the layers of the pass, each neuron's records, statistics, windows, logit lens
    /// and band examples, and drops each layer's accumulator once it is written. Returns the
    /// layers' exact moments, which a later appended run continues from.
    private func writeLayers(_ builder: StoreBuilder) throws -> [(name: String, bytes: [UInt8])] {
        progress.samplePositions = sample.kept.map(\.position)
        let samplePositions = progress.samplePositions.sorted { ($0.document, $0.position) < ($1.document, $1.position) }
        let spec = LayerStatisticsSpec(bins: HistogramBins(), sampleSeed: options.seed, samplePositions: samplePositions)
        let flags: NeuronRecords.Flags = options.distinctTokens ? .distinctTokens : []
        var moments: [(name: String, bytes: [UInt8])] = []
        // A first run in one pass computes the lens of each layer while the layer before is
        // written. In layer passes a memory budget rules, and the lens thread's ~0.1 GB beside
        // the writes would eat most of what is left of it (GPT-2 XL: model + 1.44 GB, not 1.35).
        let lensAhead = options.computesLogitLens && options.firstDocument == nil && passes.count == 1
            ? LogitLensAhead(model: model, layers: passLayers, count: options.logitLensTokens, threads: options.threads) : nil
        defer { if let lensAhead { phases.logitLens += lensAhead.seconds } }
        try forEachLayerWithBands(builder, bins: spec.bins) { layer, bands in
            guard let acc = layers[layer] else { throw IndexError.badCheckpoint("no state for layer \(layer)") }
            try builder.setLayer(layer, neuronCount: acc.neurons, topK: options.topK,
                                 distinctTokens: options.distinctTokens, statistics: spec)
            let lens: [NeuronLogitLens]?
            if let lensAhead {
                lens = lensAhead.lens(of: layer)
            } else {
                let lensStart = clock.now
                lens = try logitLens(layer: layer, neurons: acc.neurons)
                phases.logitLens += (clock.now - lensStart).seconds
            }
            for neuron in 0..<acc.neurons {
                try builder.addNeuron(layer: layer, neuron: neuron, records: acc.topK.records(neuron: neuron), flags: flags,
                                      statistics: acc.statistics(neuron: neuron, samplePositions: samplePositions),
                                      windows: acc.windows?.entries(neuron: neuron) ?? [],
                                      negative: acc.negative?.entries(neuron: neuron) ?? [],
                                      logitLens: lens?[neuron], bands: bands?[neuron])
            }
            moments.append((StateKey.moments(layer), acc.encodedMoments()))
            layers[layer] = nil
            store.activations.environment.releaseMappedPages()  // what its writes walked
        }
        return moments
    }

    /// The logit lens of `layer`'s neurons, nil without one (or in a shard other than 0/n). An
    /// appended run reads back the earlier runs' (the same weights give the same lists); a
    /// first run in layer passes computes it here (a first run of one pass has them from
    /// `LogitLensAhead` instead).
    private func logitLens(layer: Int, neurons: Int) throws -> [NeuronLogitLens]? {
        guard options.computesLogitLens else { return nil }
        if options.firstDocument != nil {
            let stored = try store.activations.read { r in try (0..<neurons).compactMap { try r.logitLens(layer: layer, neuron: $0) } }
            if stored.count == neurons { return stored }
        }
        return model.withNeuronOutputWeights(layer: layer) {
            LogitLens.compute($0, count: options.logitLensTokens, threads: options.threads)
        }
    }

    /// Calls `body` with each indexed layer in turn and its neurons' band examples with their
    /// windows; nil without a band sample. With one, the windows of the band sample run through
    /// the model once, and each layer is handed on as the forward reaches it, so that only one
    /// layer's examples are held. The documents are written first, so that the windows' tokens
    /// are read from the store. `bins` are the layers' histogram bins.
    private func forEachLayerWithBands(_ builder: StoreBuilder, bins: HistogramBins,
                                       _ body: (Int, [NeuronBands]?) throws -> Void) throws {
        guard options.bandSample > 0 else {
            for layer in passLayers { try body(layer, nil) }
            return
        }
        let start = clock.now
        var inBody = Duration.zero
        defer { phases.bandExamples += (clock.now - start - inBody).seconds }
        try builder.flush()
        let neurons = model.description.neuronCount
        let examples = BandExamples(context: options.context, bos: bos, bins: bins, threads: options.threads)
        let from = pass > 0 && bandResidual?.afterLayer == passes.groups[pass - 1].last ? bandResidual : nil
        bandResidual = try examples.forEachLayer(model: model, layers: passLayers, positions: bandSample.positionsByHash,
                                                 from: from, handBack: pass < passes.count - 1, part: { layer in
            guard let acc = layers[layer] else { throw IndexError.badCheckpoint("no state for layer \(layer)") }
            return BandExamples.Layer(layer: layer, neurons: neurons) { j in
                (acc.histogramCounts(neuron: j), acc.neuronStatistics.minimum(j), acc.neuronStatistics.maximum(j))
            }
        }, tokens: { [store] document in
            guard let tokens = try store.activations.read({ try $0.tokens(document: document) }) else {
                throw IndexError.storeMismatch("document \(document) of the band sample has no tokens in the store")
            }
            return tokens
        }) { part, bands in
            let bodyStart = clock.now
            defer { inBody += clock.now - bodyStart }
            try body(part.layer, bands)
        }
    }

    // MARK: - Helpers

    /// Hands the memory freed by a pass's writes (the band examples' and records' many small
    /// arrays) back to the system, so that the next pass's accumulators do not come on top of it.
    /// glibc's `malloc_trim`, looked up at run time (Swift's Glibc module does not export
    /// malloc.h); nothing on other C libraries.
    private func returnFreedMemory() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let trim = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {  // RTLD_DEFAULT
            _ = unsafeBitCast(trim, to: Trim.self)(0)
        }
        #endif
    }

    private func timed<T>(_ phase: WritableKeyPath<PhaseTimes, Double>, _ body: () throws -> T) rethrows -> T {
        let start = clock.now
        defer { phases[keyPath: phase] += (clock.now - start).seconds }
        return try body()
    }

    static func corpusName(_ paths: [String]) -> String {
        paths.map { $0 == "-" ? "stdin" : URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: "+")
    }
}

extension Duration {
    /// The duration in seconds, for the phase timings (the indexer's and the benchmarks').
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
