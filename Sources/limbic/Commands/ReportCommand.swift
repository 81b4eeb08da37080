import Foundation
import LimbicCLI
import Reports

enum ReportCommand: Command {
    static let name = "report"
    static let abstract = "Summarise session logs: trajectories, disagreements, reading vs self-report correlation."
    static let usage = "LOG.jsonl [LOG.jsonl …] [--json]"
    static let discussion = "Several logs are pooled (e.g. a scripted study). A log cut off by a crash is read up to its last complete line and reported as cut off (it has no 'end' event); messages that could not be sent are listed with their errors."
    static let options: [OptionSpec] = [
        .flag("json", "Print one JSON object."),
        .option("top", "N", "How many of the largest disagreements to list.", default: "5"),
    ]
    static let examples = [
        "limbic report ~/.cache/limbic/sessions/20261121-101500-1234.jsonl",
        "limbic report study/*.jsonl --json",
    ]

    static func validate(_ args: ParsedArguments) throws {
        guard !args.positionals.isEmpty else { throw UsageError("give one or more session logs") }
        _ = try args.int("top", in: 0...1000)
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let logs = try args.positionals.map { try SessionLogFile(path: $0) }
        let summary = SessionSummary(logs, top: try args.int("top", in: 0...1000) ?? 5)
        Terminal.out(args.flag("json") ? try summary.json() + "\n" : summary.text(width: Terminal.columns))
        return ExitCode.ok
    }
}
