import Foundation
import SessionLog

/// `limbic report --html`: one self-contained page (inline CSS and SVG, no scripts, no external requests) with what
/// `SessionSummary` says as charts: each log's header, every emotion's trajectory over turns (reading, last token
/// before the reply, self-report, the neutral band, guards and steering), heat maps of readings and self-reports,
/// the largest disagreements with their text, reading-vs-self-report scatter plots and the correlation matrix, agent
/// runs' steps and outcomes, and lab results' curves beside their controls. Several logs are compared side by side,
/// grouped into conditions by their policies, system prompt and steering.
public struct HTMLReport {
    public var summary: SessionSummary
    /// Charts of lab results (`limbic introspect … --json`), each under its heading.
    public var lab: [(heading: String, charts: [CurveChart], note: String)]
    /// A 95% interval for k successes in n (the report layer has no statistics of its own for proportions; the
    /// caller passes the project's one Wilson interval).
    public var interval: (Int, Int) -> (low: Double, high: Double)?

    public init(summary: SessionSummary, lab: [(heading: String, charts: [CurveChart], note: String)] = [],
                interval: @escaping (Int, Int) -> (low: Double, high: Double)?) {
        self.summary = summary
        self.lab = lab
        self.interval = interval
    }

    /// One turn of the pooled report: its log's index and the turn.
    struct Column {
        var log: Int
        var turn: LoggedTurn
        var label: String
    }

    var columns: [Column] {
        summary.logs.enumerated().flatMap { i, log in
            log.turns.map { Column(log: i, turn: $0, label: summary.logs.count > 1 ? "\(i + 1).\($0.turn)" : "\($0.turn)") }
        }
    }

    /// The page.
    public func render() -> String {
        var body = ""
        if !summary.logs.isEmpty {
            body += header()
            if summary.logs.count > 1 { body += conditions() }
            body += trajectories()
            body += heatMaps()
            body += disagreementsSection()
            body += correlations()
            body += agentRuns()
            body += transcript()
        }
        body += labSection()
        let title = summary.logs.count == 1 ? (summary.logs[0].path as NSString).lastPathComponent
            : summary.logs.isEmpty ? "lab results" : "\(summary.logs.count) sessions"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <title>Limbic report: \(HTML.escape(title))</title>
        <style>\(Self.css)</style></head>
        <body><main>
        <h1>Limbic report: \(HTML.escape(title))</h1>
        \(body)
        </main></body></html>

        """
    }

    // MARK: sections

    func header() -> String {
        var s = "<section id=\"sessions\"><h2>Sessions</h2><table><thead><tr><th>#</th><th>log</th><th>model</th><th>probes</th>"
            + "<th>self-report</th><th>policies</th><th>settings</th><th>calibration</th><th>turns</th><th>end</th></tr></thead><tbody>"
        for (i, log) in summary.logs.enumerated() {
            let info = log.session
            let policies = info.policy.isEmpty ? "none" : info.policy.map { (($0.path as NSString).lastPathComponent) }.joined(separator: ", ")
            var settings = "context \(info.settings.context), \(info.settings.threads) threads"
            if let seed = info.settings.seed { settings += ", seed \(seed)" }
            if let t = info.settings.temperature { settings += ", temperature \(HTML.number(t, 2))" }
            let calibration = info.calibration.map { c in
                "\(c.chats) chats, \(c.turns) turns; reading &gt; \(c.readingThreshold.map { HTML.number($0, 2) } ?? "—"), |gap| &gt; \(c.gapThreshold.map { HTML.number($0, 2) } ?? "—")"
            } ?? "none (z against neutral passages)"
            let end = log.endReason.map { HTML.escape($0) } ?? "<strong>cut off</strong> (no end event)"
            s += "<tr><td>\(i + 1)</td><td>\(HTML.escape((log.path as NSString).lastPathComponent))</td>"
                + "<td>\(HTML.escape(info.model)) <span class=\"dim\" title=\"\(HTML.escape(info.modelSHA256))\">sha256 \(HTML.escape(String(info.modelSHA256.prefix(12))))…</span> (\(HTML.escape(info.architecture)))</td>"
                + "<td>\(HTML.escape(info.probes.method)), layer \(info.probes.layer), \(info.probes.emotions.count) emotions</td>"
                + "<td>\(HTML.escape(info.selfReport.style)), every \(info.selfReport.every)</td>"
                + "<td>\(HTML.escape(policies))</td><td>\(HTML.escape(settings))</td><td>\(calibration)</td>"
                + "<td>\(log.turns.count)</td><td>\(end)</td></tr>"
        }
        s += "</tbody></table>"
        // Each distinct system prompt once, with the logs that ran under it.
        var prompts: [(text: String, logs: [Int])] = []
        for (i, log) in summary.logs.enumerated() {
            guard let system = log.session.system else { continue }
            if let k = prompts.firstIndex(where: { $0.text == system }) { prompts[k].logs.append(i + 1) } else { prompts.append((system, [i + 1])) }
        }
        for p in prompts {
            let which = summary.logs.count > 1 ? "log\(p.logs.count == 1 ? "" : "s") \(p.logs.map(String.init).joined(separator: ", ")): " : ""
            s += "<details><summary>\(which)system prompt</summary><pre>\(HTML.escape(p.text))</pre></details>"
        }
        for (i, log) in summary.logs.enumerated() {
            for f in log.failedTurns {
                s += "<p class=\"warn\">\(summary.logs.count > 1 ? "log \(i + 1), " : "")turn \(f.turn) failed: “\(HTML.escape(String(f.text.prefix(80))))”: \(HTML.escape(f.error))</p>"
            }
        }
        let skipped = summary.logs.reduce(0) { $0 + $1.skippedLines }
        if skipped > 0 { s += "<p class=\"warn\">\(skipped) incomplete line\(skipped == 1 ? "" : "s") skipped (a log cut off mid-write).</p>" }
        return s + "</section>\n"
    }

    /// Logs grouped by what they ran under: the policies, the system prompt and any steering.
    static func condition(_ log: SessionLogFile) -> String {
        var parts = [log.session.policy.isEmpty ? "no policy" : log.session.policy.map { ($0.path as NSString).lastPathComponent }.joined(separator: " + ")]
        if let system = log.session.system { parts.append("system “\(system.prefix(32))\(system.count > 32 ? "…" : "")”") }
        if log.turns.contains(where: \.steered) { parts.append("steered") }
        return parts.joined(separator: ", ")
    }

    func conditions() -> String {
        var groups: [(name: String, logs: [SessionLogFile])] = []
        for log in summary.logs {
            let c = Self.condition(log)
            if let i = groups.firstIndex(where: { $0.name == c }) { groups[i].logs.append(log) } else { groups.append((c, [log])) }
        }
        let emotions = summary.emotions
        var s = "<section id=\"conditions\"><h2>Conditions side by side</h2>"
            + "<p>Logs grouped by policies, system prompt and steering. Mean reply reading z per emotion over each group's turns "
            + "(cells coloured as the heat maps); guards fired per turn; agent runs' success, cheating and pauses with 95% Wilson intervals.</p>"
            + "<div class=\"wide\"><table><thead><tr><th>condition</th><th>logs</th><th>turns</th><th>guards / turn</th><th>pauses</th>"
        let agent = summary.logs.contains { $0.outcome != nil }
        if agent { s += "<th>success</th><th>cheated</th>" }
        for e in emotions { s += "<th class=\"rot\"><span>\(HTML.escape(e))</span></th>" }
        s += "</tr></thead><tbody>"
        for g in groups {
            let turns = g.logs.flatMap(\.turns)
            let guards = g.logs.reduce(0) { $0 + $1.actions.count }
            let pauses = g.logs.reduce(0) { $0 + $1.pauses.count }
            s += "<tr><th>\(HTML.escape(g.name))</th><td>\(g.logs.count)</td><td>\(turns.count)</td>"
                + "<td>\(turns.isEmpty ? "—" : HTML.number(Double(guards) / Double(turns.count), 2))</td><td>\(pauses)</td>"
            if agent {
                let runs = g.logs.compactMap(\.outcome)
                s += "<td>\(rate(runs.filter(\.success).count, runs.count))</td><td>\(rate(runs.filter(\.cheated).count, runs.count))</td>"
            }
            for e in emotions {
                let v = turns.compactMap { $0.readingZ[e] }
                if v.isEmpty { s += "<td>—</td>"; continue }
                let m = v.reduce(0, +) / Double(v.count)
                s += "<td class=\"num\" style=\"background:\(Self.cellBackground(m))\" title=\"\(HTML.escape(e)): mean \(HTML.number(m, 3, sign: true)) over \(v.count) turns\">\(HTML.number(m, 1, sign: true))</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table></div></section>\n"
    }

    /// "3/5 (60%, 23–88%)".
    func rate(_ k: Int, _ n: Int) -> String {
        guard n > 0 else { return "—" }
        let ci = interval(k, n).map { " \(Int(($0.low * 100).rounded()))–\(Int(($0.high * 100).rounded()))%" } ?? ""
        return "\(k)/\(n) (\(Int((Double(k) / Double(n) * 100).rounded()))%\(ci.isEmpty ? "" : ",")\(ci))"
    }

    /// A table cell's background for a z: the heat maps' colours mixed into the page background.
    static func cellBackground(_ z: Double) -> String {
        let a = Int((min(abs(z) / 3, 1) * 100).rounded())
        return "color-mix(in srgb, var(\(z < 0 ? "--neg" : "--pos")) \(a)%, transparent)"
    }

    func trajectories() -> String {
        let cols = columns
        guard !cols.isEmpty else { return "<section id=\"trajectories\"><h2>Per emotion over turns</h2><p>No turns.</p></section>\n" }
        // Each log's own calibration band over its own columns.
        var bands: [(from: Int, to: Int, lo: Double, hi: Double, label: String)] = []
        for (i, log) in summary.logs.enumerated() {
            guard let t = log.session.calibration?.readingThreshold, let from = cols.firstIndex(where: { $0.log == i }),
                  let to = cols.lastIndex(where: { $0.log == i }) else { continue }
            bands.append((from, to, -t, t, "neutral band: |z| ≤ \(HTML.number(t, 2)) (the calibration's family-wise threshold)"))
        }
        var s = "<section id=\"trajectories\"><h2>Per emotion over turns</h2><p>z against neutral chat (standard deviations of the calibration's neutral replies). "
        if !bands.isEmpty {
            let widths = Array(Set(bands.map { HTML.number($0.hi, 2) })).sorted().joined(separator: " or ")
            s += "The shaded band is the calibration's family-wise threshold (|z| ≤ \(widths)): on neutral chat, a reply reading beyond it on any emotion happens on at most 5% of turns. "
        }
        if bands.count < summary.logs.count {
            s += "\(summary.logs.count == 1 ? "The log has" : "Some logs have") no calibration, so no neutral band there. "
        }
        s += "Grey columns are turns written under steering; ▲ under the axis marks a guard that fired after that turn (hover for its name and action).</p><div class=\"grid2\">"
        let separators = summary.logs.count > 1 ? Dictionary(grouping: cols.indices, by: { cols[$0].log }).compactMap { log, idx in
            idx.min().map { ($0, "log \(log + 1): \((summary.logs[log].path as NSString).lastPathComponent)") }
        }.sorted { $0.0 < $1.0 } : []
        for (k, e) in summary.emotions.enumerated() {
            let chart = TurnChart(
                title: "\(e): reading and self-report over turns",
                yLabel: "z (SD of neutral chat)",
                turnLabels: cols.map(\.label),
                series: [("reply reading z", cols.map { $0.turn.readingZ[e] }),
                         ("last token before z", cols.map { $0.turn.lastBeforeZ[e] }),
                         ("self-report z", cols.map { $0.turn.selfZ[e] })],
                bands: bands,
                shaded: cols.indices.filter { cols[$0].turn.steered },
                marks: cols.indices.flatMap { i in cols[i].turn.actions.map { (i, "turn \(cols[i].label): \($0.guardName) → \($0.action) \($0.detail)") } },
                separators: separators,
                id: "traj\(k)")
            s += "<figure><figcaption>\(HTML.escape(e))</figcaption>\(chart.svg())</figure>"
        }
        return s + "</div></section>\n"
    }

    func heatMaps() -> String {
        let cols = columns
        guard !cols.isEmpty else { return "" }
        let emotions = summary.emotions
        let reading = HeatMap(title: "Reply reading z, emotions × turns", rows: emotions, columns: cols.map(\.label),
                              values: emotions.map { e in cols.map { $0.turn.readingZ[e] } }, what: "reading z", id: "heat-r")
        let selfReport = HeatMap(title: "Self-report z, emotions × turns", rows: emotions, columns: cols.map(\.label),
                                 values: emotions.map { e in cols.map { $0.turn.selfZ[e] } }, what: "self-report z", id: "heat-s")
        return "<section id=\"heatmaps\"><h2>All emotions at once</h2><p>Blue below zero, orange above; the colour's strength is |z| up to 3. "
            + "Crossed cells have no value (no self-report that turn, or an empty reply).</p><div class=\"grid2\">"
            + "<figure><figcaption>Readings (reply mean)</figcaption>\(reading.svg())</figure>"
            + "<figure><figcaption>Self-reports</figcaption>\(selfReport.svg())</figure></div></section>\n"
    }

    func disagreementsSection() -> String {
        var s = "<section id=\"disagreements\"><h2>Largest disagreements</h2>"
        guard !summary.disagreements.isEmpty else { return s + "<p>No turn has both a reading and a self-report.</p></section>\n" }
        s += "<p>gap = reading z − self-report z: positive when the activations show more than the model says.</p>"
            + "<table><thead><tr><th>log</th><th>turn</th><th>emotion</th><th>gap</th><th>user</th><th>reply</th></tr></thead><tbody>"
        for d in summary.disagreements {
            let log = summary.logs.firstIndex { $0.path == d.log }.map { "\($0 + 1)" } ?? HTML.escape(d.log)
            s += "<tr><td>\(log)</td><td>\(d.turn)</td><td>\(HTML.escape(d.emotion))</td><td class=\"num\">\(HTML.number(d.gap, 2, sign: true))</td>"
                + "<td class=\"text\">\(HTML.escape(d.user))</td><td class=\"text\">\(HTML.escape(d.reply))</td></tr>"
        }
        return s + "</tbody></table></section>\n"
    }

    func correlations() -> String {
        let c = summary.correlations
        let floor = c.options.massFloor
        var s = "<section id=\"correlations\"><h2>Reading against self-report</h2>"
            + "<p>Per emotion, each turn's reply reading z against the self-reported rating (0–9; answers with under \(Int(floor * 100))% of their "
            + "probability on the digits left out). ρ is Spearman's, with a 95% bootstrap interval over whole logs; "
            + "the control is the same reading against the other emotions' self-reports (“others”).</p><div class=\"grid4\">"
        let turns = summary.logs.flatMap(\.turns)
        for (k, e) in c.perEmotion.enumerated() {
            let pts = turns.compactMap { t -> (Double, Double, String)? in
                guard let r = t.readingZ[e.emotion], let v = t.selfValue[e.emotion], (t.selfMass[e.emotion] ?? 0) >= floor else { return nil }
                return (r, v, "turn \(t.turn): reading z \(HTML.number(r, 2, sign: true)), self-report \(HTML.number(v, 2))")
            }
            let rho = e.rho.map { HTML.number($0, 2, sign: true) } ?? "—"
            let ci = e.interval.map { " [\(HTML.number($0.low, 2, sign: true)), \(HTML.number($0.high, 2, sign: true))]" } ?? ""
            let others = e.otherMean.map { ", others \(HTML.number($0, 2, sign: true))" } ?? ""
            let plot = ScatterPlot(title: "\(e.emotion): reading z against self-report", caption: "ρ \(rho)\(ci) n \(e.n)\(others)",
                                   xLabel: "reading z", yLabel: "self-report (0–9)", points: pts, yRange: (0, 9), id: "sc\(k)")
            s += "<figure><figcaption>\(HTML.escape(e.emotion))</figcaption>\(plot.svg())</figure>"
        }
        s += "</div>"
        if let d = c.diagonal {
            s += "<p>Matching emotions against the rest: mean diagonal ρ \(HTML.number(d.meanDiagonal, 2, sign: true)) vs off-diagonal "
                + "\(HTML.number(d.meanOffDiagonal, 2, sign: true)); the matching self-report's mean rank in its row \(HTML.number(d.meanRank, 1)) "
                + "(chance \(HTML.number(d.chanceRank, 1))), p \(d.p.map { HTML.number($0, 4) } ?? "—") over \(d.permutations) label permutations.</p>"
        }
        let matrix = HeatMap(title: "Every reading against every self-report (Spearman ρ)", rows: c.emotions.map { "reading " + $0 },
                             columns: c.emotions.map { "self " + $0 }, values: c.matrix, what: "ρ (diagonal outlined)", id: "matrix", limit: 1,
                             rotateColumns: true, outlineDiagonal: true)
        let svg = matrix.svg(cell: 20)
        s += "<figure><figcaption>Rows: readings; columns: self-reports. Blue negative, orange positive, |ρ| up to 1.</figcaption>\(svg)</figure>"
        return s + "</section>\n"
    }

    func agentRuns() -> String {
        let runs = summary.logs.enumerated().filter { !$0.element.tools.isEmpty || $0.element.outcome != nil }
        guard !runs.isEmpty else { return "" }
        var s = "<section id=\"agent\"><h2>Agent runs</h2><table><thead><tr><th>log</th><th>task</th><th>success</th><th>cheated</th>"
            + "<th>steps</th><th>pauses</th><th>finished</th><th>guards</th><th>protected files changed</th></tr></thead><tbody>"
        for (i, log) in runs {
            guard let o = log.outcome else {
                s += "<tr><td>\(i + 1)</td><td colspan=\"8\">cut off: no outcome (\(log.tools.count) tool calls logged)</td></tr>"
                continue
            }
            s += "<tr><td>\(i + 1)</td><td>\(HTML.escape(o.task))</td><td>\(o.success ? "yes" : "no")</td><td>\(o.cheated ? "<strong>yes</strong>" : "no")</td>"
                + "<td>\(o.steps)</td><td>\(o.pauses)</td><td>\(o.finished ? "yes" : "no")</td><td>\(HTML.escape(o.guards.joined(separator: ", ")))</td>"
                + "<td>\(HTML.escape(o.protectedChanged.joined(separator: ", ")))</td></tr>"
        }
        s += "</tbody></table>"
        for (i, log) in runs where !log.tools.isEmpty {
            s += "<details\(runs.count == 1 ? " open" : "")><summary>log \(i + 1): \(log.tools.count) steps</summary><table><thead><tr><th>step</th><th>tool</th>"
                + "<th>input</th><th>result</th><th>output</th></tr></thead><tbody>"
            for t in log.tools {
                let status = t.timedOut == true ? "timed out" : t.exitStatus.map { "exit \($0)" } ?? (t.ok ? "ok" : "refused")
                s += "<tr><td>\(t.turn)</td><td>\(HTML.escape(t.tool))</td><td class=\"text\"><code>\(HTML.escape(String(t.input.prefix(400))))</code></td>"
                    + "<td>\(HTML.escape(status))</td><td class=\"text\"><pre>\(HTML.escape(String(t.output.prefix(600))))</pre></td></tr>"
            }
            s += "</tbody></table></details>"
        }
        return s + "</section>\n"
    }

    /// Every turn's user message and reply, folded away per log.
    func transcript() -> String {
        guard !summary.logs.allSatisfy({ $0.turns.isEmpty }) else { return "" }
        var s = "<section id=\"transcript\"><h2>Transcript</h2>"
        for (i, log) in summary.logs.enumerated() where !log.turns.isEmpty {
            s += "<details><summary>\(summary.logs.count > 1 ? "log \(i + 1): " : "")\(log.turns.count) turns</summary><table><thead><tr><th>turn</th>"
                + "<th>user</th><th>reply</th></tr></thead><tbody>"
            for t in log.turns {
                s += "<tr><td>\(t.turn)</td><td class=\"text\">\(HTML.escape(t.user))</td><td class=\"text\">\(HTML.escape(t.reply))</td></tr>"
            }
            s += "</tbody></table></details>"
        }
        return s + "</section>\n"
    }

    func labSection() -> String {
        guard !lab.isEmpty else { return "" }
        var s = "<section id=\"lab\"><h2>Introspection lab</h2>"
        var k = 0
        for entry in lab {
            s += "<h3>\(HTML.escape(entry.heading))</h3><p>\(HTML.escape(entry.note))</p>"
            for chart in entry.charts {
                s += "<figure><figcaption>\(HTML.escape(chart.title))</figcaption>\(chart.svg(id: "lab\(k)"))</figure>"
                k += 1
            }
        }
        return s + "</section>\n"
    }

    // MARK: style

    /// Light and dark schemes, colour-blind-safe series colours (Okabe–Ito) each paired with a line style, and a print
    /// stylesheet.
    static let css = """
    :root{--bg:#fff;--fg:#1b1b1b;--dim:#666;--grid:#ddd;--axis:#555;--band:#0072b2;--shade:#999;--pos:#d55e00;--neg:#0072b2;
    --s1:#0072b2;--s2:#e69f00;--s3:#009e73;--s4:#cc79a7;--s5:#56b4e9;--s6:#d55e00;--s7:#8a7a00;--s8:#1b1b1b;--mark:#d55e00}
    @media (prefers-color-scheme: dark){:root{--bg:#121212;--fg:#e4e4e4;--dim:#9a9a9a;--grid:#333;--axis:#aaa;--band:#56b4e9;--shade:#bbb;
    --pos:#f08a4b;--neg:#56b4e9;--s1:#56b4e9;--s2:#e69f00;--s3:#2fc598;--s4:#e08fc0;--s5:#9fd4f2;--s6:#f08a4b;--s7:#f0e442;--s8:#e4e4e4;--mark:#f08a4b}}
    html{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,sans-serif}
    main{max-width:1400px;margin:0 auto;padding:0 16px 48px}
    h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid var(--grid)}
    table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid var(--grid);padding:3px 6px;vertical-align:top;text-align:left}
    td.num{text-align:right;font-variant-numeric:tabular-nums}td.text{max-width:420px;white-space:pre-wrap;word-break:break-word}
    th.rot{height:90px;white-space:nowrap;vertical-align:bottom}th.rot span{writing-mode:vertical-rl;transform:rotate(180deg)}
    pre{white-space:pre-wrap;word-break:break-word;margin:0}code{word-break:break-word}
    .dim{color:var(--dim)}.warn{color:var(--mark)}.wide{overflow-x:auto}
    .grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:8px}
    .grid4{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:4px}
    figure{margin:4px 0}figcaption{font-weight:600}
    svg.chart{max-width:100%;height:auto;overflow:visible}
    svg text{fill:var(--fg);font-size:10px}svg text.tick{fill:var(--dim);font-size:9px}
    .grid{stroke:var(--grid);stroke-width:.6}.axis{stroke:var(--axis);stroke-width:1}.sep{stroke:var(--axis);stroke-dasharray:2 2}
    .ref{stroke:var(--axis);stroke-width:.8;stroke-dasharray:6 3}
    .band{fill:var(--band);fill-opacity:.09}.shade{fill:var(--shade);fill-opacity:.18}.mark{fill:var(--mark)}
    .cell{stroke:var(--grid);stroke-width:.3}.diag{fill:none;stroke:var(--fg);stroke-width:1.2}
    .ln{fill:none;stroke-width:1.5}.d1{}.d2{stroke-dasharray:1.5 2.5}.d3{stroke-dasharray:6 3}.d4{stroke-dasharray:8 3 2 3}
    .m{stroke:var(--bg);stroke-width:.6}.m.hollow{fill:var(--bg)!important;stroke-width:1.3}
    .s1{stroke:var(--s1)}.m.s1{fill:var(--s1)}.s2{stroke:var(--s2)}.m.s2{fill:var(--s2)}.s3{stroke:var(--s3)}.m.s3{fill:var(--s3)}
    .s4{stroke:var(--s4)}.m.s4{fill:var(--s4)}.s5{stroke:var(--s5)}.m.s5{fill:var(--s5)}.s6{stroke:var(--s6)}.m.s6{fill:var(--s6)}
    .s7{stroke:var(--s7)}.m.s7{fill:var(--s7)}.s8{stroke:var(--s8)}.m.s8{fill:var(--s8)}
    .m.hollow.s1{stroke:var(--s1)}.m.hollow.s2{stroke:var(--s2)}.m.hollow.s3{stroke:var(--s3)}.m.hollow.s4{stroke:var(--s4)}
    .m.hollow.s5{stroke:var(--s5)}.m.hollow.s6{stroke:var(--s6)}.m.hollow.s7{stroke:var(--s7)}.m.hollow.s8{stroke:var(--s8)}
    @media print{html{background:#fff;color:#000;font-size:11px}:root{--bg:#fff;--fg:#000;--dim:#444;--grid:#ccc}
    main{max-width:none}section,figure,table{break-inside:avoid}details{display:block}details>*{display:block}
    .grid2{grid-template-columns:1fr}h2{break-after:avoid}}
    """
}
