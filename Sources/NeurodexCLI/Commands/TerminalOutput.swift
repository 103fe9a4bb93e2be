import Export
import Foundation

/// Where command output goes: a person at a terminal gets tables and a highlighted token;
/// a pipe or file gets the chosen machine format (JSON when none is chosen).
enum TerminalOutput {
    /// Whether standard output is a terminal.
    static var isTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    /// Whether to use ANSI styles: on a terminal, unless `NO_COLOR` is set.
    static var usesColor: Bool { isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    /// The format to write: the chosen one, else a table on a terminal and JSON elsewhere.
    static func format(_ chosen: OutputFormat?) -> OutputFormat {
        chosen ?? (isTerminal ? .table : .json)
    }

    /// `text` marked as the focus of a line: reverse video with colors, ⟦…⟧ without.
    static func highlight(_ text: String, color: Bool) -> String {
        color ? "\u{1B}[1;7m" + text + "\u{1B}[0m" : "⟦" + text + "⟧"
    }

    /// A line on standard error (summaries of commands that write files).
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
