import Affect
import FileIO
import Foundation
import Lab
import LimbicCLI
import ModelStore
import Reports

enum ReportCommand: Command {
    static let name = "report"
    static let abstract = "Summarise session logs: trajectories, disagreements, reading vs self-report correlation with controls."
    static let usage = "[LOG.jsonl …] [LAB.json …] [--matrix] [--json] [--html FILE [--open] [--force]]"
    static let discussion = "Without a log, the latest session in $LIMBIC_HOME/sessions is reported. Several logs are pooled (e.g. a scripted study), each log one conversation. Per emotion: Spearman of the reply's reading with the self-report, a 95% interval from 2000 bootstrap resamples of whole logs, a permutation p-value (whole logs' self-reports swapped), the mean correlation with the other emotions' self-reports and the matching one's rank among them, and the partial correlation controlling for the user turn's reading; then the matching emotions against the rest (self-report labels permuted). Seeds are fixed, so the same logs give the same figures. Self-reports with under 50% of their probability on the answer are missing; figures over fewer than 8 turns (intervals and p-values: fewer than 5 logs) are '—'. A log cut off by a crash is read up to its last complete line and reported as cut off (it has no 'end' event); messages that could not be sent are listed with their errors.\n\n--html FILE writes the report as one self-contained page (inline CSS and SVG, no scripts, nothing fetched): the sessions' settings, each emotion's reading, last-token-before and self-report z over turns with the calibration's neutral band, guards and steered turns marked, heat maps, the largest disagreements with their text, scatter plots and the correlation matrix, agent runs' steps and outcomes, and the curves of lab results given as LAB.json files (limbic introspect detect|localize|selfreport --json) beside their controls. Several logs are compared side by side, grouped by policies, system prompt and steering. --open then opens it in a browser where one is installed (xdg-open)."
    static let options: [OptionSpec] = [
        .flag("json", "Print one JSON object."),
        .flag("matrix", "Also print every emotion's reading against every self-report (the JSON always has it)."),
        .option("top", "N", "How many of the largest disagreements to list.", default: "5"),
        .option("html", "FILE", "Write the report as one self-contained HTML page with charts."),
        .flag("open", "With --html: open the page in a browser (xdg-open)."),
        OutputFile.forceSpec,
    ]
    static let examples = [
        "limbic report",
        "limbic report ~/.cache/limbic/sessions/20261121-101500-1234.jsonl",
        "limbic report study/*.jsonl --matrix",
        "limbic report study/*.jsonl --json",
        "limbic report study/*.jsonl --html study.html",
        "limbic report --html lab.html detect.json localize.json",
    ]

    static func validate(_ args: ParsedArguments) throws {
        _ = try args.int("top", in: 0...1000)
        if args.flag("open") && args.string("html") == nil { throw UsageError("--open needs --html FILE") }
        if let out = args.string("html") {
            if args.flag("json") { throw UsageError("--html and --json: choose one") }
            try OutputFile.check(out, args, option: "--html")
        }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        // Lab results (`.json`) go to the page's lab section; everything else is a session log.
        let labFiles = args.positionals.filter { $0.hasSuffix(".json") }
        var paths = args.positionals.filter { !$0.hasSuffix(".json") }
        if !labFiles.isEmpty && args.string("html") == nil {
            throw UsageError("\(labFiles[0]): lab results are drawn only in the page: add --html FILE")
        }
        if paths.isEmpty && labFiles.isEmpty {
            let folder = ModelStore().home + "/sessions"
            guard let latest = latestLog(in: folder) else {
                throw UsageError("no session logs in \(folder) yet: chat first ('limbic chat'), or give a log")
            }
            Terminal.note(Terminal.dim("the latest session: \(latest)"))
            paths = [latest]
        }
        let logs = try paths.map { try SessionLogFile(path: $0) }
        let summary = SessionSummary(logs, top: try args.int("top", in: 0...1000) ?? 5)
        if let out = args.string("html") {
            let lab = try labFiles.map { file -> (heading: String, charts: [CurveChart], note: String) in
                let data = Data(try RegularFile.read(file, limit: 256 << 20))
                guard let result = LabJSON.read(data) else {
                    throw UsageError("\(file): not a lab result (write one with 'limbic introspect detect|localize|selfreport --json > FILE.json')")
                }
                guard let charts = LabCharts.charts(result, file: file) else {
                    throw UsageError("\(file): a predict result has no curves to draw (detect, localize and selfreport results do); 'limbic introspect predict' prints its table")
                }
                return charts
            }
            let page = HTMLReport(summary: summary, lab: lab) { k, n in
                guard n > 0 else { return nil }
                let w = Wilson.interval(successes: k, trials: n)
                return (Double(w.low), Double(w.high))
            }.render()
            try OutputFile.write(out, args, option: "--html") { replace in
                try AtomicFile.write(Array(page.utf8), to: out, replace: replace)
            }
            Terminal.note("report written to \(out)")
            if args.flag("open") { openInBrowser(out) }
            return ExitCode.ok
        }
        Terminal.out(args.flag("json") ? try summary.json() + "\n" : summary.text(width: Terminal.columns, matrix: args.flag("matrix")))
        return ExitCode.ok
    }

    /// Opens `path` with xdg-open where there is one; says so where there is not (the page is written either way).
    static func openInBrowser(_ path: String) {
        let opener = ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let opener, ProcessInfo.processInfo.environment["DISPLAY"] != nil || ProcessInfo.processInfo.environment["WAYLAND_DISPLAY"] != nil else {
            Terminal.note("--open: no browser to open here (no xdg-open or no display); open \(path) yourself")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: opener)
        p.arguments = [path]
        do { try p.run() } catch { Terminal.note("--open: \(opener) failed: \(error)") }
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
