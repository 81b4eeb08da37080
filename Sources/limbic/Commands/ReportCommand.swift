import Foundation
import LimbicCLI
import ModelStore
import Reports

enum ReportCommand: Command {
    static let name = "report"
    static let abstract = "Summarise session logs: trajectories, disagreements, reading vs self-report correlation."
    static let usage = "[LOG.jsonl …] [--json]"
    static let discussion = "Without a log, the latest session in $LIMBIC_HOME/sessions is reported. Several logs are pooled (e.g. a scripted study). A log cut off by a crash is read up to its last complete line and reported as cut off (it has no 'end' event); messages that could not be sent are listed with their errors."
    static let options: [OptionSpec] = [
        .flag("json", "Print one JSON object."),
        .option("top", "N", "How many of the largest disagreements to list.", default: "5"),
    ]
    static let examples = [
        "limbic report",
        "limbic report ~/.cache/limbic/sessions/20261121-101500-1234.jsonl",
        "limbic report study/*.jsonl --json",
    ]

    static func validate(_ args: ParsedArguments) throws {
        _ = try args.int("top", in: 0...1000)
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        var paths = args.positionals
        if paths.isEmpty {
            let folder = ModelStore().home + "/sessions"
            guard let latest = latestLog(in: folder) else {
                throw UsageError("no session logs in \(folder) yet: chat first ('limbic chat'), or give a log")
            }
            Terminal.note(Terminal.dim("the latest session: \(latest)"))
            paths = [latest]
        }
        let logs = try paths.map { try SessionLogFile(path: $0) }
        let summary = SessionSummary(logs, top: try args.int("top", in: 0...1000) ?? 5)
        Terminal.out(args.flag("json") ? try summary.json() + "\n" : summary.text(width: Terminal.columns))
        return ExitCode.ok
    }

    /// The most recently modified `.jsonl` file in `folder`.
    static func latestLog(in folder: String) -> String? {
        let fm = FileManager.default
        let logs = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".jsonl") }.map { folder + "/" + $0 }
        return logs.max { a, b in
            func modified(_ p: String) -> Date { ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast }
            return modified(a) < modified(b)
        }
    }
}
