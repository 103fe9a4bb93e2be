import Analysis
import ArgumentParser
import Export
import Foundation
import Indexer
import Query
import Responses
import Store
import Study

/// `neurodex analyze`: the paper's categorical analyses of neurons, cached in the store.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Run the categorical analyses (top-down, interleaving, bottom-up, homomorphism) on neurons of a store.",
        discussion: """
            One neuron (one layer, one --neurons number) gives a readable report; more give a table with one \
            row per neuron and a summary per layer (share of neurons significant after Benjamini–Hochberg, \
            effect-size quantiles). Results are cached in the store's catalog, keyed by the parameters and \
            the seed, and reused by later runs; --no-cache neither reads nor writes them. docs/method.md \
            explains every parameter.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(help: "Layers: e.g. 0-1, 0,5 or all (every indexed layer).")
    var layers = "all"

    @Option(help: "Neurons of each layer: e.g. 5, 1,5,10-20 or all.")
    var neurons = "all"

    @Option(help: "Which analyses to show: all, topdown, interleaving, bottomup or homomorphism (all are computed and cached together).")
    var method: AnalysisMethod = .all

    @Option(help: "Vectors standing for the core tokens: static (input embeddings) or contextual (layer inputs stored with --store-inputs).")
    var embeddings: EmbeddingSource = .static

    @Flag(name: .customLong("distinct-tokens"), help: "Use each token id once, at its best occurrence.")
    var distinctTokens = false

    @Option(help: "Clustering of the core tokens: average (agglomerative, average linkage on cosine distance) or kmeans (spherical k-means).")
    var clustering: ClusteringChoice = .average

    @Option(name: .customLong("k"), help: "A fixed number of clusters (default: the k in --min-k…--max-k with the best cosine silhouette).")
    var k: Int?

    @Option(name: .customLong("min-k"), help: "Smallest number of clusters tried.")
    var minK = 2

    @Option(name: .customLong("max-k"), help: "Largest number of clusters tried.")
    var maxK = 10

    @Option(help: "Activation segments for equal and jenks segmentation.")
    var segments = 10

    @Option(help: "Segmentation of the activation-sorted core tokens: equal (equal counts), quartiles or jenks (natural breaks).")
    var segmentation: SegmentationChoice = .equal

    @Option(name: .customLong("top-segments"), help: "Segments of the top subset in its homomorphism test.")
    var topSegments = 3

    @Option(help: "Permutations of every permutation test.")
    var permutations = 1000

    @Option(help: "Seed of every randomized step.")
    var seed: UInt64 = 0

    @Option(name: .customLong("top-fraction"), help: "Fraction of the highest-activation core tokens forming the top subset.")
    var topFraction = 0.1

    @Option(help: "Significance level of the per-neuron verdicts.")
    var alpha = 0.05

    @Option(help: "False-discovery rate of the Benjamini–Hochberg correction over a layer.")
    var fdr = 0.05

    @Option(help: "Output format: table, json, csv, jsonl, md or tex (default: from the --out extension, else table on a terminal and json otherwise).")
    var format: OutputFormat?

    @Option(help: "Write the output to this file instead of standard output.", completion: .file())
    var out: String?

    @Option(help: "Write SVG plots into this directory: per neuron when at most 20 neurons are analyzed, and per layer.", completion: .directory)
    var plots: String?

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write cached results.")
    var noCache = false

    @Option(help: "Worker threads for layers.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "No progress bar and no notes on standard error.")
    var quiet = false

    /// Per-neuron plots are written up to this many neurons.
    static let maxNeuronPlots = 20

    enum ClusteringChoice: String, ExpressibleByArgument, CaseIterable {
        case average, kmeans
    }

    enum SegmentationChoice: String, ExpressibleByArgument, CaseIterable {
        case equal, quartiles, jenks
    }

    /// The formats of `--format`.
    static let formats: [OutputFormat] = [.table, .json, .csv, .jsonl, .markdown, .latex]

    func validate() throws {
        try format?.validate(Self.formats, for: "analyze")
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        do {
            try studyParameters().analysis.validate()
        } catch let error as AnalysisError {
            throw ValidationError("\(error)")
        }
        guard fdr > 0, fdr < 1 else { throw ValidationError("--fdr must be in (0, 1)") }
        _ = try NeuronSelection(parsing: neurons)
    }

    /// The parameters the options describe.
    func studyParameters() -> StudyParameters {
        var analysis = AnalysisParameters()
        analysis.clustering = clustering == .average ? .averageLinkage : .sphericalKMeans
        analysis.minK = minK
        analysis.maxK = maxK
        analysis.fixedK = k
        analysis.segmentation = switch segmentation {
        case .equal: .equalCount
        case .quartiles: .quartiles
        case .jenks: .naturalBreaks
        }
        analysis.segmentCount = segments
        analysis.topSubsetSegmentCount = topSegments
        analysis.permutations = permutations
        analysis.seed = seed
        analysis.topFraction = topFraction
        analysis.alpha = alpha
        return StudyParameters(analysis: analysis, embeddings: embeddings, distinctTokens: distinctTokens)
    }

    func run() throws {
        let parameters = studyParameters()
        let selection = try NeuronSelection(parsing: neurons)
        let directory = storeOption.url
        let query = try StoreQuery(store: storeOption.openForReading())
        let study = try Study(query: query, cache: noCache ? nil : openCache(directory))
        let layerList = layers == "all" ? query.indexedLayers : try parseLayers(layers, layerCount: query.model?.layerCount)
        _ = try query.layers(layerList)  // every layer is in the store

        // The output is opened once the results are there, so that a failed run leaves no empty file.
        func writer() throws -> AnalysisOutput {
            let output = try out.map { try TextOutput(file: URL(fileURLWithPath: $0)) } ?? TextOutput.standardOutput()
            return AnalysisOutput(parameters: parameters, method: method, vocabulary: query.vocabulary,
                                  store: directory.path, output: output)
        }

        if layerList.count == 1, case .list(let list) = selection, list.count == 1 {
            let result = try study.analyze(layer: layerList[0], neuron: list[0], parameters: parameters)
            try writer().writeNeuron(result, format: outputFormat(), fdr: fdr)
            try writePlots([LayerStudy(single: result, fdr: fdr)], query: query)
            return
        }

        var studies: [LayerStudy] = []
        for layer in layerList {
            let bar = NeuronProgressBar(label: "layer \(layer)", enabled: !quiet && isatty(STDERR_FILENO) != 0)
            let result = try study.analyze(layer: layer, neurons: selection, parameters: parameters, fdr: fdr,
                                           concurrency: threads) { done, total in bar.update(done: done, total: total) }
            bar.finish()
            if !quiet {
                let cached = result.neurons.count - result.computedCount
                TerminalOutput.note(LayerSummaryTables.verdictLine(result)
                                    + (cached > 0 ? " (\(cached) from the cache)" : ""))
                for failure in result.failures.prefix(5) {
                    TerminalOutput.note("  " + failure.reason)
                }
                if result.failures.count > 5 { TerminalOutput.note("  … and \(result.failures.count - 5) more") }
            }
            studies.append(result)
        }
        try writer().writeLayers(studies, format: outputFormat())
        try writePlots(studies, query: query)
    }

    /// The catalog for caching, or nil with a note when the store cannot be written.
    func openCache(_ directory: URL) throws -> AnalysisCache? {
        do {
            return try AnalysisCache(storeDirectory: directory)
        } catch StoreError.readOnly {
            if !quiet { TerminalOutput.note("note: \(directory.path) is read-only; results are not cached") }
            return nil
        }
    }

    /// `--format`, else the `--out` file's extension, else a table on a terminal and JSON elsewhere.
    func outputFormat() -> OutputFormat {
        if let format { return format }
        if let out {
            let ext = URL(fileURLWithPath: out).pathExtension.lowercased()
            return OutputFormat(rawValue: ext == "txt" ? "table" : ext).flatMap { Self.formats.contains($0) ? $0 : nil } ?? .table
        }
        return TerminalOutput.format(nil)
    }

    /// SVG plots: each neuron's clusters and segments when there are few neurons, each layer's
    /// effect-size histograms when it has several.
    func writePlots(_ studies: [LayerStudy], query: StoreQuery) throws {
        guard let plots else { return }
        let folder = URL(fileURLWithPath: plots)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ExportError.cannotWrite(path: folder.path, reason: "cannot create the directory")
        }
        var written = 0
        func save(_ svg: String, _ name: String) throws {
            let url = folder.appendingPathComponent(name)
            do { try svg.write(to: url, atomically: true, encoding: .utf8) }
            catch { throw ExportError.cannotWrite(path: url.path, reason: "\(error)") }
            written += 1
        }
        let neuronCount = studies.reduce(0) { $0 + $1.neurons.count }
        let tokenText = { (id: UInt32) in query.vocabulary.text(of: id) }
        if neuronCount <= Self.maxNeuronPlots {
            for study in studies.flatMap(\.neurons) {
                let a = study.analysis
                let name = "Layer \(study.layer) neuron \(study.neuron)"
                let file = "layer\(study.layer)-neuron\(study.neuron)"
                try save(NeuronPlots.activationsByCluster(a.topDown, title: name, tokenText: tokenText), file + "-clusters.svg")
                try save(NeuronPlots.homogeneityBySegment(a.bottomUp, alpha: a.parameters.alpha,
                                                          title: name + ": homogeneity by segment"), file + "-segments.svg")
            }
        } else if !quiet {
            TerminalOutput.note("note: per-neuron plots are written for at most \(Self.maxNeuronPlots) neurons (\(neuronCount) analyzed)")
        }
        for study in studies where study.neurons.count > 1 {
            try save(LayerPlots.effectSizeHistograms(study.summary, title: "Layer \(study.layer): effect sizes over neurons"),
                     "layer\(study.layer)-effect-sizes.svg")
        }
        if !quiet { TerminalOutput.note("wrote \(written) plot\(written == 1 ? "" : "s") to \(folder.path)") }
    }
}

extension AnalysisMethod: ExpressibleByArgument {}
extension EmbeddingSource: ExpressibleByArgument {}
