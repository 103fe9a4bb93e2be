import ArgumentParser
import Store

/// The `neurodex` command: index a corpus once, then look up neurons and run analyses.
@main
struct Neurodex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neurodex",
        abstract: "A persistent neuron-activation database for transformer language models.",
        version: NeurodexVersion.current,
        subcommands: [
            IndexCommand.self,
            MergeCommand.self,
            InfoCommand.self,
            NeuronCommand.self,
            SearchCommand.self,
            AnalyzeCommand.self,
            ExportCommand.self,
            ImportCommand.self,
            TokenizeCommand.self,
            ServeCommand.self,
        ])
}
