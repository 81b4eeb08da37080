import Affect
import Agent
import Engine
import FileIO
import Foundation
import LimbicCLI
import Tokenizers

enum SelfReportCommand: Command {
    static let name = "selfreport"
    static let abstract = "Self-report wordings: check their answer tokens, study how much they agree."
    static let usage = "check [--styles LIST] | study [--styles LIST] [--conversations DIR] [--limit N] [--json]"
    static let defaultStyles = "rating,rating-plain,rating-named,rating-third,choice"
    static let discussion = """
    'check' tokenizes each style's answer with the model's tokenizer (no forward pass) and prints the tokens the \
    answer is read from: every choice must be exactly one token after the prefilled answer.

    'study' runs the scripted conversations (one user turn per line, replies greedy and at most --max-tokens \
    tokens, no system prompt) and after every turn asks each style on a fork of the same conversation state. It \
    prints, per emotion, the Spearman rank correlation over turns between every pair of wordings and its mean; \
    beside it the same mean with one wording's turns shuffled (a seeded permutation null: mean and 95% range) and \
    the mean correlation between this emotion in one wording and the OTHER emotions in the other (high too when \
    the wordings only share a turn-level offset); per wording the mean probability on the answer tokens and the \
    emotion most often on top; and how often the wordings agree on the top emotion. Styles are files \
    STYLE.txt in prompts/selfreport (beside the emotion dataset). Cost per turn: one fork per emotion for each \
    rating style, one per rotation for a choice style (the shipped 'choice' asks 4 option orders).
    """
    static let options: [OptionSpec] = ModelOptions.modelAndThreads + [
        .option("styles", "LIST", "Comma-separated self-report styles to compare.", default: defaultStyles),
        .option("conversations", "DIR", "study: folder of scripted conversations (*.txt) (default: the prompts folder's conversations)."),
        .option("limit", "N", "study: only the first N conversations (in name order)."),
        .option("max-tokens", "N", "study: longest reply per turn, in tokens.", default: "48"),
        .option("permutations", "N", "study: shuffles of the turns for the null.", default: "1000"),
        .option("seed", "N", "study: seed of the shuffles.", default: "1"),
        .option("emotions", "DIR", "Emotion dataset folder (its emotions are asked about; default: the prompts folder's)."),
        .flag("json", "Print one JSON object."),
    ]
    static let examples = [
        "limbic selfreport check --model qwen2.5-coder-1.5b-instruct",
        "limbic selfreport study --limit 4",
        "limbic selfreport study --styles rating,rating-named,choice --json > study.json",
    ]

    static func validate(_ args: ParsedArguments) throws {
        let p = args.positionals
        guard p.count == 1, ["check", "study"].contains(p[0]) else {
            throw UsageError(p.isEmpty ? "say what to do: check or study" : "unknown subcommand '\(p.joined(separator: " "))' (check, study)")
        }
        _ = try ModelOptions.threads(args)
        let styles = try self.styles(args)
        if p[0] == "study" {
            guard Set(styles).count >= 2 else { throw UsageError("--styles: a study compares at least two different styles") }
            _ = try args.int("limit", in: 1...100_000)
            _ = try args.int("max-tokens", in: 1...4096)
            _ = try args.int("permutations", in: 0...1_000_000)
            _ = try args.int("seed", in: 0...Int.max)
        } else {
            for o in ["conversations", "limit"] where args.string(o) != nil { throw UsageError("--\(o) is for 'selfreport study'") }
        }
    }

    static func styles(_ args: ParsedArguments) throws -> [String] {
        let list = (args.string("styles") ?? defaultStyles).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !list.isEmpty, list.allSatisfy({ !$0.isEmpty && !$0.contains("/") }) else {
            throw UsageError("--styles takes style names separated by commas, e.g. \(defaultStyles)")
        }
        return list
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let dataset = try ProbeOptions.dataset(args)
        let dir = SelfReportTemplate.directory(besideEmotions: dataset.directory)
        let templates = try styles(args).map { s -> SelfReportTemplate in
            guard FileManager.default.fileExists(atPath: dir + "/\(s).txt") else {
                let known = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".txt") }
                    .map { String($0.dropLast(4)) }.filter { $0 != "feel" }.sorted()
                throw UsageError("no self-report style '\(s)' in \(dir) (styles: \(known.joined(separator: ", ")))")
            }
            return try SelfReportTemplate.load(style: s, directory: dir)
        }
        if let free = templates.first(where: { $0.choices.isEmpty }) {
            throw UsageError("style '\(free.style)' has no choices (a free-text question, as /feel asks): it cannot be read from logits")
        }
        if args.positionals[0] == "check" { return try check(args, templates: templates, emotions: dataset.emotions) }
        return try study(args, templates: templates, emotions: dataset.emotions, promptsDirectory: URL(fileURLWithPath: dataset.directory).deletingLastPathComponent().path)
    }

    // MARK: check

    static func check(_ args: ParsedArguments, templates: [SelfReportTemplate], emotions: [String]) throws -> Int32 {
        let model = try ModelOptions.load(args)
        let reporter = SelfReporter(model: model, chat: try model.chatTemplate(), emotions: emotions)
        let tokenizer = model.tokenizer
        func piece(_ id: Int) -> String { "\(id) '\(tokenizer.decode([id]).replacingOccurrences(of: "\n", with: "\\n"))'" }
        var results: [[String: Any]] = []
        var text = "\(URL(fileURLWithPath: model.path).lastPathComponent): each choice must be one token after the answer\n"
        var failed = 0
        for t in templates {
            do {
                let asked = try reporter.answerTokens(t)
                let first = asked[0]
                text += "  ok    \(t.style): \(asked.count) question\(asked.count == 1 ? "" : "s"), e.g. answer ends "
                    + first.prefix.suffix(3).map(piece).joined(separator: " ") + "; choices " + first.ids.prefix(3).map(piece).joined(separator: " ")
                    + (first.ids.count > 3 ? " …" : "") + (t.rotations > 1 ? "; \(t.rotations) option orders" : "") + "\n"
                results.append(["style": t.style, "ok": true, "questions": asked.count, "rotations": t.rotations,
                                "choice_ids": first.ids, "answer_tail": Array(first.prefix.suffix(3))])
            } catch let e as AffectError {
                failed += 1
                text += "  FAIL  \(t.style): \(e)\n"
                results.append(["style": t.style, "ok": false, "error": "\(e)"])
            }
        }
        if args.flag("json") {
            let obj: [String: Any] = ["model": URL(fileURLWithPath: model.path).lastPathComponent, "styles": results]
            Terminal.out(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self) + "\n")
        } else {
            Terminal.out(text)
        }
        return failed == 0 ? ExitCode.ok : ExitCode.error
    }

    // MARK: study

    static func study(_ args: ParsedArguments, templates: [SelfReportTemplate], emotions: [String], promptsDirectory: String) throws -> Int32 {
        let folder = args.string("conversations") ?? promptsDirectory + "/conversations"
        var files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".txt") }.sorted()
        } catch {
            throw UsageError("--conversations: cannot list \(folder): give a folder of scripted conversations (*.txt)")
        }
        if let limit = try args.int("limit", in: 1...100_000) { files = Array(files.prefix(limit)) }
        guard !files.isEmpty else { throw UsageError("--conversations: no *.txt conversations in \(folder)") }
        let scripts = try files.map { f -> [String] in
            do { return try ChatScript.load(folder + "/" + f) } catch let e as FileIOError { throw UsageError("--conversations: \(e)") }
        }
        let maxTokens = try args.int("max-tokens", in: 1...4096) ?? 48
        let permutations = try args.int("permutations", in: 0...1_000_000) ?? 1000
        let seed = UInt64(try args.int("seed", in: 0...Int.max) ?? 1)

        let model = try ModelOptions.load(args)
        let chat = try model.chatTemplate()
        let reporter = SelfReporter(model: model, chat: chat, emotions: emotions)
        let context = model.makeContext(capacity: min(2048, model.config.contextLength), threads: try ModelOptions.threads(args))
        var answers = SelfReportStudy.Answers(styles: templates.map(\.style), emotions: emotions)
        let total = scripts.reduce(0) { $0 + $1.count }
        let bar = ProgressBar(label: "asking \(templates.count) wordings after each turn", total: Int64(total), unit: .items("turns"))
        let start = Date()
        var done = 0
        for script in scripts {
            context.rollback(to: 0)
            let session = try ChatSession(model: model, context: context, sampling: .greedy, maxTokens: maxTokens)
            for turn in script {
                _ = try session.reply(to: turn)
                answers.append(try templates.map { try reporter.report($0, messages: session.renderedMessages, context: context) })
                done += 1
                bar.update(Int64(done))
            }
        }
        bar.finish()
        let s = SelfReportStudy(answers, permutations: permutations, seed: seed)
        let seconds = Date().timeIntervalSince(start)
        let modelName = URL(fileURLWithPath: model.path).lastPathComponent
        if args.flag("json") {
            Terminal.out(try json(s, templates: templates, model: modelName, conversations: scripts.count, maxTokens: maxTokens, seconds: seconds) + "\n")
        } else {
            Terminal.out(text(s, templates: templates, model: modelName, conversations: scripts.count, maxTokens: maxTokens, seconds: seconds))
        }
        return ExitCode.ok
    }

    static func signed(_ x: Double?) -> String { x.map { String(format: "%+.2f", $0) } ?? "  — " }
    static func percent(_ x: Double?) -> String { x.map { String(format: "%.0f%%", $0 * 100) } ?? "—" }

    static func text(_ s: SelfReportStudy, templates: [SelfReportTemplate], model: String, conversations: Int, maxTokens: Int, seconds: Double) -> String {
        let width = max(8, (s.emotions.map(\.count).max() ?? 0) + 1)
        func pad(_ x: String, _ n: Int) -> String { x.padding(toLength: max(n, x.count), withPad: " ", startingAt: 0) }
        func left(_ x: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - x.count)) + x }
        var t = "selfreport study: \(model), \(conversations) conversations, \(s.turns) turns (greedy replies of at most \(maxTokens) tokens), "
        t += String(format: "%.0f s\n", seconds)
        t += "\nper wording: mean probability on the answer tokens; the emotion most often on top\n"
        let styleWidth = (s.styles.map(\.count).max() ?? 0) + 2
        for (i, (row, tpl)) in zip(s.styleRows, templates).enumerated() {
            t += "  \(i + 1) " + pad(row.style + (tpl.rotations > 1 ? " ×\(tpl.rotations)" : ""), styleWidth + 3)
            t += "mass " + (row.meanMass.map { String(format: "%.2f", $0) } ?? "—")
            t += "   top: " + (row.modalTop.map { "\($0) (\(percent(row.modalTopShare)) of turns)" } ?? "—") + "\n"
        }
        t += """

        per emotion: Spearman rho over turns between wordings, its mean over the \(s.pairs.count) pairs and each pair (1-2: \
        wordings 1 and 2); shuffled: that mean with one wording's turns shuffled (mean [95% range], \(s.permutations) \
        permutations); cross: this emotion in one wording vs the other emotions in the other (a shared turn-level \
        offset raises it as much as rho). Last rows: per pair, the mean rho over emotions and the mean cross rho

        """
        t += pad("emotion", width) + left("rho", 6) + "   " + pad("shuffled", 20) + left("cross", 6) + "  "
        t += s.pairs.map { left("\($0.0 + 1)-\($0.1 + 1)", 6) }.joined() + "\n"
        for r in s.rows {
            let null = r.nullMean.map { m in signed(m) + " [" + signed(r.nullLow) + "," + signed(r.nullHigh) + "]" } ?? "—"
            t += pad(r.emotion, width) + left(signed(r.rho), 6) + "   " + pad(null, 20) + left(signed(r.cross), 6) + "  "
            t += r.pairs.map { left(signed($0), 6) }.joined() + "\n"
        }
        t += pad("mean", width) + left(signed(s.meanRho), 6) + "   " + pad("", 20) + left(signed(s.meanCross), 6) + "  "
        t += s.pairRho.map { left(signed($0), 6) }.joined() + "\n"
        t += pad("cross", width) + String(repeating: " ", count: 6 + 3 + 20 + 6 + 2) + s.pairCross.map { left(signed($0), 6) }.joined() + "\n"
        t += "\ntop emotion: the same in all \(s.styles.count) wordings on \(percent(s.topAllAgree)) of turns; a pair of wordings agrees on "
        t += "\(percent(s.topPairAgree)) on average (shuffled turns: \(percent(s.topPairAgreeNull)))\n"
        return t
    }

    static func json(_ s: SelfReportStudy, templates: [SelfReportTemplate], model: String, conversations: Int, maxTokens: Int, seconds: Double) throws -> String {
        func num(_ x: Double?) -> Any {
            guard let x, x.isFinite else { return NSNull() }
            return (x * 10000).rounded() / 10000
        }
        let obj: [String: Any] = [
            "model": model, "conversations": conversations, "turns": s.turns, "max_tokens": maxTokens,
            "permutations": s.permutations, "seed": Int(s.seed), "seconds": num(seconds),
            "styles": zip(s.styleRows, templates).map { r, t -> [String: Any] in
                ["style": r.style, "rotations": t.rotations, "mean_mass": num(r.meanMass), "modal_top": r.modalTop ?? NSNull(),
                 "modal_top_share": num(r.modalTopShare)]
            },
            "pairs": s.pairs.map { [s.styles[$0.0], s.styles[$0.1]] },
            "emotions": s.rows.map { r -> [String: Any] in
                ["emotion": r.emotion, "rho": num(r.rho), "pairs": r.pairs.map(num), "cross": num(r.cross),
                 "shuffled": ["mean": num(r.nullMean), "low": num(r.nullLow), "high": num(r.nullHigh)]]
            },
            "mean_rho": num(s.meanRho), "mean_cross": num(s.meanCross),
            "pair_rho": s.pairRho.map(num), "pair_cross": s.pairCross.map(num),
            "top": ["all_agree": num(s.topAllAgree), "pair_agree": num(s.topPairAgree), "pair_agree_shuffled": num(s.topPairAgreeNull)],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
    }
}
