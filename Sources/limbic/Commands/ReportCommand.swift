import Foundation
import LimbicCLI
import ModelStore
import Reports

enum ReportCommand: Command {
    static let name = "report"
    static let abstract = "Summarise session logs: trajectories, disagreements, reading vs self-report correlation with controls."
    static let usage = "[LOG.jsonl …] [--matrix] [--json]"
    static let discussion = "Without a log, the latest session in $LIMBIC_HOME/sessions is reported. Several logs are pooled (e.g. a scripted study), each log one conversation. Per emotion: Spearman of the reply's reading with the self-report, a 95% interval from 2000 bootstrap resamples of whole logs, a permutation p-value (whole logs' self-reports swapped), the mean correlation with the other emotions' self-reports and the matching one's rank among them, and the partial correlation controlling for the user turn's reading; then the matching emotions against the rest (self-report labels permuted). Seeds are fixed, so the same logs give the same figures. Self-reports with under 50% of their probability on the answer are missing; figures over fewer than 8 turns (intervals and p-values: fewer than 5 logs) are '—'. A log cut off by a crash is read up to its last complete line and reported as cut off (it has no 'end' event); messages that could not be sent are listed with their errors."
    static let options: [OptionSpec] = [
        .flag("json", "Print one JSON object."),
        .flag("matrix", "Also print every emotion's reading against every self-report (the JSON always has it)."),
        .option("top", "N", "How many of the largest disagreements to list.", default: "5"),
    ]
    static let examples = [
        "limbic report",
        "limbic report ~/.cache/limbic/sessions/20261121-101500-1234.jsonl",
        "limbic report study/*.jsonl --matrix",
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
        Terminal.out(args.flag("json") ? try summary.json() + "\n" : summary.text(width: Terminal.columns, matrix: args.flag("matrix")))
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
