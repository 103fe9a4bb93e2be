import Analysis
import Export
import Foundation
import Query
import Responses
import Study

/// Writes `neurodex analyze` results in the chosen format.
/// - table: one neuron as a readable report; several as a table of headline columns, then the
///   layer summaries (verdicts, significance shares, effect-size quantiles);
/// - md, tex: the full neuron table, the verdict lines, then the significance and effect-size tables;
/// - csv, jsonl: the full neuron table only (one row per neuron);
/// - json: `AnalysisResponse`, every result.
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
            try writeJSON(AnalysisResponse(neuron: study, store: store, parameters: parameters, fdr: fdr,
                                           vocabulary: vocabulary))
        default:
            try writeNeuronTable([LayerStudy(single: study, fdr: fdr)], format: format)
        }
        try output.flush()
    }

    func writeLayers(_ studies: [LayerStudy], format: OutputFormat) throws {
        switch format {
        case .json:
            try writeJSON(AnalysisResponse(layers: studies, store: store, parameters: parameters, vocabulary: vocabulary))
        case .csv, .jsonl:
            try writeNeuronTable(studies, format: format)
        default:  // table, md, tex
            try writeNeuronTable(studies, format: format)
            let verdicts = studies.map(LayerSummaryTables.verdictLine)
            switch format {
            case .latex: try output.write("\n" + verdicts.map { "% " + $0 }.joined(separator: "\n") + "\n\n")
            case .markdown: try output.write("\n" + verdicts.joined(separator: "\n\n") + "\n\n")
            default: try output.write("\n" + verdicts.joined(separator: "\n") + "\n\n")
            }
            var significance = try format.writer(columns: LayerSummaryTables.significanceColumns, output: output)
            for study in studies { try LayerSummaryTables.writeSignificance(study, method: method, to: &significance) }
            try significance.finish()
            try output.write("\n")
            var effects = try format.writer(columns: LayerSummaryTables.effectSizeColumns, output: output)
            for study in studies { try LayerSummaryTables.writeEffectSizes(study, method: method, to: &effects) }
            try effects.finish()
        }
        try output.flush()
    }

    /// One row per neuron: the headline columns on a terminal, every column of the method otherwise.
    func writeNeuronTable(_ studies: [LayerStudy], format: OutputFormat) throws {
        let full = AnalysisTable.columns(method)
        let columns = format == .table ? AnalysisTable.overviewColumns(method) : full
        var writer = try format.writer(columns: columns, output: output)
        for study in studies {
            for index in study.neurons.indices {
                let row = AnalysisTable.row(study, at: index, method: method, vocabulary: vocabulary)
                try writer.writeRow(format == .table ? AnalysisTable.project(row, method: method, to: columns) : row)
            }
        }
        try writer.finish()
    }

    func writeJSON(_ response: AnalysisResponse) throws {
        try output.write(bytes: ResponseEncoder.encode(response))
        try output.write("\n")
    }
}
