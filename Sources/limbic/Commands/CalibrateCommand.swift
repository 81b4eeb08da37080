import Affect
import Agent
import Foundation
import LimbicCLI
import Policies

enum CalibrateCommand: Command {
    static let name = "calibrate"
    static let abstract = "Measure what the monitor's numbers look like in neutral chat, and how often its flags fire there."
    static let usage = "[--model M] [--system FILE] [--selfreport STYLE] [--recalibrate] [--report [--policy FILE …]] [--json]"
    static let discussion = """
    Runs the neutral chats of prompts/calibration/ through the chat template and the system prompt (--system), as \
    limbic chat does, and measures per emotion the null distribution of each kind of reading (the reply's mean, as \
    a function of its length; the user turn's mean; the last token before the reply; single tokens) and of the \
    self-report. Every z the monitor shows is against these. The even-numbered chats fit it; the odd-numbered ones \
    are held out. The flags' thresholds are family-wise: a reply reading above the reading threshold on any emotion, \
    or a disagreement beyond the gap threshold on any emotion, happens on at most 5% of the fitting turns. The result \
    is cached per model, probe set, template, system prompt and self-report question (limbic chat uses the same \
    cache); --recalibrate measures it again.

    --report also runs the scripted conversations of prompts/conversations/ and prints, per flag and per policy \
    guard (--policy FILE, repeatable; default every policies/*.policy), how often it fired on the held-out neutral \
    chats, on the neutral conversations (01-07) and on the others, with 95% Wilson intervals. On neutral text a \
    firing is a false alarm.
    """
    static let options: [OptionSpec] = ModelOptions.modelAndThreads + [
        CalibrationSetup.systemSpec,
        .option("selfreport", "STYLE", "Self-report question style to calibrate.", default: "rating"),
        .flag("report", "Also measure how often each flag and policy guard fires (held-out neutral chats, conversations)."),
        .option("conversations", "DIR", "report: the scripted conversations (default prompts/conversations)."),
        PolicyOptions.spec,
        .flag("json", "Print one JSON object."),
    ] + CalibrationSetup.specs + ProbeOptions.specs
    static let examples = [
        "limbic calibrate",
        "limbic calibrate --report",
        "limbic calibrate --system prompts/system/speak-up.txt --report --policy policies/distress-guard.policy",
        "limbic calibrate --model qwen2.5-coder-1.5b --recalibrate",
    ]

    static func validate(_ args: ParsedArguments) throws {
        try ModelOptions.validate(args)
        _ = try ProbeOptions.method(args)
        if !args.all("policy").isEmpty && !args.flag("report") {
            throw UsageError("--policy is measured by --report: add --report")
        }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let system = try CalibrationSetup.systemPrompt(args)
        let dataset = try ProbeOptions.dataset(args)
        let selfReport = try SelfReportTemplate.load(style: args.string("selfreport") ?? "rating",
                                                     directory: SelfReportTemplate.directory(besideEmotions: dataset.directory))
        let model = try ModelOptions.load(args)
        let (probes, _) = try ProbeOptions.load(args, model: model)
        // Policies compile before the long work, so a typo costs nothing.
        var policyFiles = args.all("policy")
        if args.flag("report") && policyFiles.isEmpty { policyFiles = shippedPolicies() }
        let policies = try policyFiles.map { try PolicyOptions.load($0, emotions: probes.emotions) }
        // Only errors: a warning such as "can only fire on turns with a self-report" is what the report measures.
        for p in policies { for d in p.diagnostics where d.severity == .error { Terminal.note(d.render()) } }
        if policies.contains(where: { $0.engine == nil }) {
            throw UsageError("a policy file has errors (above): a policy with an error is never measured; 'limbic policy check FILE' checks one")
        }
        let c = try CalibrationSetup.load(args, model: model, probes: probes, selfReport: selfReport, system: system, dataset: dataset)
        var report = Report(calibration: c, system: system, rows: [])
        if args.flag("report") {
            var calibrator = Calibrator(model: model, probes: probes, template: selfReport, system: system)
            calibrator.threads = try args.int("threads", in: 1...256)
            let (neutral, _) = try CalibrationSetup.chats(in: CalibrationSetup.directory(args, dataset: dataset))
            let heldOut = neutral.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            let conversations = try scripts(args.string("conversations") ?? URL(fileURLWithPath: dataset.directory)
                .deletingLastPathComponent().appendingPathComponent("conversations").path)
            let neutralScripts = conversations.filter { neutralConversation($0.name) }
            let others = conversations.filter { !neutralConversation($0.name) }
            let sets = [("held-out neutral chats", heldOut), ("neutral conversations 01-07", neutralScripts),
                        ("other conversations", others)]
            let total = sets.reduce(0) { $0 + $1.1.reduce(0) { $0 + $1.turns.count } }
            let bar = ProgressBar(label: "running chats under the calibration", total: Int64(total), unit: .items("turns"))
            var done = 0
            for (label, chats) in sets where !chats.isEmpty {
                let engines = policies.compactMap(\.engine)
                let turns = try calibrator.run(chats, calibration: c, policies: engines) { n, _ in bar.update(Int64(done + n)) }
                done += turns.count
                var row = Report.Row(set: label, chats: chats.count, rates: rates(turns, policies: policies))
                // Where each guard fired first: an example to look at (conversation file, turn 1-based).
                for t in turns { for g in t.fired where row.firstFired[g] == nil { row.firstFired[g] = "\(chats[t.chat].name) turn \(t.raw.turn + 1)" } }
                report.rows.append(row)
            }
            bar.finish()
        }
        Terminal.out(args.flag("json") ? try report.json() + "\n" : report.text())
        return ExitCode.ok
    }

    /// The monitor's flags, then each policy guard: the share of turns on which it fired.
    static func rates(_ turns: [Calibrator.Turn], policies: [PolicyOptions.Loaded]) -> [FalseAlarms.Rate] {
        var rates = FalseAlarms.measure(turns.map(\.monitoring))
        for p in policies {
            let file = URL(fileURLWithPath: p.path).lastPathComponent
            for g in p.engine?.policy.guards.map(\.name) ?? [] {
                rates.append(FalseAlarms.Rate(name: "\(file): \(g)", fired: turns.filter { $0.fired.contains(g) }.count, turns: turns.count))
            }
        }
        return rates
    }

    /// `policies/*.policy` in the current folder (a checkout), in name order.
    static func shippedPolicies() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "policies")) ?? []
        return names.filter { $0.hasSuffix(".policy") }.sorted().map { "policies/" + $0 }
    }

    /// The conversations README's baseline files (01-07) are neutral.
    static func neutralConversation(_ name: String) -> Bool {
        Int(name.prefix(2)).map { (1...7).contains($0) } ?? false
    }

    static func scripts(_ dir: String) throws -> [Calibrator.Chat] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw UsageError("--conversations: cannot read the folder \(dir)")
        }
        return try names.filter { $0.hasSuffix(".txt") }.sorted().map { name in
            Calibrator.Chat(name: name, turns: try ChatScript.load(dir + "/" + name))
        }
    }

    struct Report {
        struct Row {
            var set: String
            var chats: Int
            var rates: [FalseAlarms.Rate]
            /// Guard name → where it fired first.
            var firstFired: [String: String] = [:]
        }
        var calibration: ChatCalibration
        var system: String?
        var rows: [Row]

        func text() -> String {
            let c = calibration
            var s = "calibration: \(c.turns) turns of \(c.chats) neutral chats (fitting half), layer \(c.layer), "
            s += "system prompt: \(system.map { "\"\($0.prefix(40))\($0.count > 40 ? "…" : "")\"" } ?? "the template's default")\n"
            s += String(format: "thresholds (family-wise, ≤5%% of neutral turns): reading z > %.2f on any emotion; |gap| > %.2f on any emotion\n",
                        c.readingThreshold, c.gapThreshold)
            s += "\nemotion      reply mean   sd@16  sd@64   user sd@16  last-before sd  token sd   self-report mean  sd\n"
            for (e, name) in c.emotions.enumerated() {
                s += name.padding(toLength: 12, withPad: " ", startingAt: 0)
                s += String(format: " %+9.3f  %6.3f %6.3f   %9.3f  %14.3f  %8.3f", c.reply.mean[e], c.reply.std(e, tokens: 16),
                            c.reply.std(e, tokens: 64), c.user.std(e, tokens: 16), c.lastBefore.std[e], c.perToken.std[e])
                if let r = c.selfReport { s += String(format: "   %15.2f  %4.2f", r.mean[e], r.std[e]) } else { s += "                —     —" }
                s += "\n"
            }
            if let h = c.heldOut {
                s += "\nfalse alarms on the held-out neutral chats (measured when the calibration was built):\n" + table(h.rates)
            }
            for row in rows {
                s += "\n\(row.set) (\(row.chats) chats):\n" + table(row.rates)
                for (g, at) in row.firstFired.sorted(by: { $0.key < $1.key }) { s += "  first '\(g)': \(at)\n" }
            }
            if !rows.isEmpty {
                s += "\nOn neutral chats a firing is a false alarm (budget: 5% of turns); on the other conversations it is the rate the flag or guard fires.\n"
            }
            return s
        }

        func table(_ rates: [FalseAlarms.Rate]) -> String {
            let width = max(24, rates.map(\.name.count).max() ?? 0)
            return rates.map { r in
                let (lo, hi) = r.interval
                let rate = r.turns > 0 ? String(format: "%5.1f%%  [%4.1f-%4.1f%%]", r.rate * 100, lo * 100, hi * 100) : "    —"
                return "  " + r.name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "  %3d/%-4d ", r.fired, r.turns) + rate
            }.joined(separator: "\n") + "\n"
        }

        func json() throws -> String {
            func rate(_ r: FalseAlarms.Rate) -> [String: Any] {
                let (lo, hi) = r.interval
                return ["name": r.name, "fired": r.fired, "turns": r.turns, "rate": r.turns > 0 ? Double(r.rate) : NSNull(),
                        "ci95": r.turns > 0 ? [Double(lo), Double(hi)] : NSNull()]
            }
            func finite(_ x: Float) -> Any { x.isFinite ? Double(x) : NSNull() }
            let c = calibration
            var o: [String: Any] = ["turns": c.turns, "chats": c.chats, "layer": c.layer, "emotions": c.emotions,
                                    "reading_threshold": finite(c.readingThreshold), "gap_threshold": finite(c.gapThreshold),
                                    "system": system ?? NSNull()]
            o["held_out"] = c.heldOut?.rates.map(rate) ?? NSNull()
            o["sets"] = rows.map { ["set": $0.set, "chats": $0.chats, "rates": $0.rates.map(rate), "first_fired": $0.firstFired] as [String: Any] }
            let data = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
}
