import Analysis
import Export
import Foundation
import Query
import Study

/// Writes `neurodex analyze` results in the chosen format.
/// - table: one neuron as a readable report; several as a table of headline columns, then the
///   layer summaries (verdicts, significance shares, effect-size quantiles);
/// - md, tex: the full neuron table, the verdict lines, then the significance and effect-size tables;
/// - csv, jsonl: the full neuron table only (one row per neuron);
/// - json: one object with every result: `{"store", "parameters", "fdr", "layers": [{"layer",
///   "neurons": [{"neuron", "source", "analysis"}], "failures", "summary", "tokens"}]}`
///   (`tokens` maps the token ids of the analyses to their text; `summary` is null for one neuron).
struct AnalysisOutput {
    let parameters: StudyParameters
    let method: AnalysisMethod
    let vocabulary: StoredVocabulary
    let store: String
    let output: TextOutput

    func writeNeuron(_ study: NeuronStudy, format: OutputFormat, fdr: Double) throws {
        switch format {
        case .table:
            try output.write(NeuronReportText.render(study, parameters: parameters, method: method, vocabulary: vocabulary))
        case .json:
            try writeJSON([LayerStudy(single: study, fdr: fdr)], fdr: fdr, summaries: false)
        default:
            try writeNeuronTable([LayerStudy(single: study, fdr: fdr)], format: format)
        }
        try output.flush()
    }

    func writeLayers(_ studies: [LayerStudy], format: OutputFormat) throws {
        switch format {
        case .json:
            try writeJSON(studies, fdr: studies.first?.summary.fdr ?? 0.05, summaries: true)
        case .csv, .jsonl:
            try writeNeuronTable(studies, format: format)
        case .table, .md, .tex:
            try writeNeuronTable(studies, format: format)
            let verdicts = studies.map(LayerSummaryTables.verdictLine)
            switch format {
            case .tex: try output.write("\n" + verdicts.map { "% " + $0 }.joined(separator: "\n") + "\n\n")
            case .md: try output.write("\n" + verdicts.joined(separator: "\n\n") + "\n\n")
            default: try output.write("\n" + verdicts.joined(separator: "\n") + "\n\n")
            }
            var significance = try tableFormat(format).writer(columns: LayerSummaryTables.significanceColumns, output: output)
            for study in studies { try LayerSummaryTables.writeSignificance(study, method: method, to: &significance) }
            try significance.finish()
            try output.write("\n")
            var effects = try tableFormat(format).writer(columns: LayerSummaryTables.effectSizeColumns, output: output)
            for study in studies { try LayerSummaryTables.writeEffectSizes(study, method: method, to: &effects) }
            try effects.finish()
        }
        try output.flush()
    }

    /// One row per neuron: the headline columns on a terminal, every column of the method otherwise.
    func writeNeuronTable(_ studies: [LayerStudy], format: OutputFormat) throws {
        let full = AnalysisTable.columns(method)
        let columns = format == .table ? AnalysisTable.overviewColumns(method) : full
        var writer = try tableFormat(format).writer(columns: columns, output: output)
        for study in studies {
            for index in study.neurons.indices {
                let row = AnalysisTable.row(study, at: index, method: method, vocabulary: vocabulary)
                try writer.writeRow(format == .table ? AnalysisTable.project(row, method: method, to: columns) : row)
            }
        }
        try writer.finish()
    }

    func tableFormat(_ format: OutputFormat) -> TableFormat {
        switch format {
        case .csv: .csv
        case .jsonl: .jsonl
        case .md: .markdown
        case .tex: .latex
        case .table, .json: .text
        }
    }

    /// The JSON object, written neuron by neuron so that whole layers need not be held as text.
    func writeJSON(_ studies: [LayerStudy], fdr: Double, summaries: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in SnakeCaseKey(path.last?.stringValue ?? "") }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

        try output.write("{\"store\":\(try json(store)),\"parameters\":\(try json(parameters)),\"fdr\":\(try json(fdr)),\"layers\":[")
        for (layerIndex, study) in studies.enumerated() {
            if layerIndex > 0 { try output.write(",") }
            try output.write("\n{\"layer\":\(study.layer),\"neurons\":[")
            var tokens = Set<UInt32>()
            for (index, neuron) in study.neurons.enumerated() {
                try output.write((index > 0 ? ",\n" : "\n") + "{\"neuron\":\(neuron.neuron),\"source\":\"\(neuron.source.rawValue)\","
                                 + "\"analysis\":\(try json(neuron.analysis))}")
                for cluster in neuron.analysis.topDown.clusters { tokens.formUnion(cluster.tokenIDs) }
            }
            try output.write("],\n\"failures\":\(try json(study.failures)),\n\"summary\":")
            try output.write(summaries ? try json(study.summary) : "null")
            let texts = Dictionary(uniqueKeysWithValues: tokens.map { (String($0), vocabulary.text(of: $0)) })
            try output.write(",\n\"tokens\":\(try json(texts))}")
        }
        try output.write("]}\n")
    }
}

/// A coding key in snake_case: "tokenIDs" → "token_ids", "nullMean" → "null_mean".
private struct SnakeCaseKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ camelCase: String) {
        var out = ""
        let characters = Array(camelCase.replacingOccurrences(of: "IDs", with: "Ids"))
        for (i, character) in characters.enumerated() {
            if character.isUppercase {
                let previousIsLower = i > 0 && (characters[i - 1].isLowercase || characters[i - 1].isNumber)
                let startsWord = i > 0 && characters[i - 1].isUppercase && i + 1 < characters.count && characters[i + 1].isLowercase
                if previousIsLower || startsWord { out.append("_") }
                out.append(Character(character.lowercased()))
            } else {
                out.append(character)
            }
        }
        stringValue = out
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
}
