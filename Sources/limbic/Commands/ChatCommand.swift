import Affect
import Agent
import Engine
import FileIO
import Foundation
import LimbicCLI
import SessionLog
import Tokenizers

enum ChatCommand: Command {
    static let name = "chat"
    static let abstract = "Chat with the model in the terminal, with the emotion monitor on."
    static let usage = "[--model M] [--system FILE] [--script FILE] [--log FILE] [monitor and sampling options]"
    static let discussion = """
    Type a message and press Enter. After each reply a panel shows the probe readings (z against neutral chat) and \
    the model's self-report (read from logits on a fork of the conversation), marking where they disagree; every \
    turn goes to a JSONL session log. A line of three double quotes (\"\"\") starts and ends a multi-line \
    message. Ctrl-C stops a reply and keeps the session; Ctrl-D exits. A message that cannot be sent (the context \
    is full) is logged with its error and the chat goes on. The first start on a model builds its probe set and \
    its calibration against neutral chats under this system prompt (a few minutes for SmolLM2; 'limbic calibrate' \
    does it ahead); later starts use the cache.

    --script FILE runs the user's side of a conversation without a terminal: every non-blank line of FILE is one \
    user turn, sent as written (spaces around it trimmed; at most 1 MiB). Chat commands do not apply there: a line \
    that starts with / is text for the model. A turn that fails is logged with its error and the script goes on; \
    chat then exits 1.

    --policy FILE (repeatable) evaluates the file's guards after every turn and carries out their actions (README, \
    "Policies"; 'limbic policy check FILE' checks one). A pause stops a --script run with exit code 3; abort ends \
    the session with exit code 1.
    """
    static let options: [OptionSpec] = ModelOptions.specs + [
        CalibrationSetup.systemSpec,
        .option("script", "FILE", "Send each non-blank line of FILE as one user turn, verbatim (/ lines included), and exit."),
        .option("resume", "LOG", "Go on from a session log (e.g. one a policy paused): its system prompt and conversation are rebuilt, a new log is written."),
        PolicyOptions.spec,
    ] + MonitorSetup.specs + ProbeOptions.specs + SamplingOptions.specs
    static let examples = [
        "limbic chat",
        "limbic chat --model qwen2.5-coder-1.5b-instruct --system prompts/system/speak-up.txt --temp 0.7",
        "limbic chat --model ~/models/Llama-3.2-1B-Instruct-Q4_K_M.gguf --template llama3",
        "limbic chat --script prompts/conversations/26-tests-keep-failing.txt --log run.jsonl --temp 0",
        "limbic chat --policy policies/distress-guard.policy --policy policies/feedback.policy",
        "limbic chat --resume ~/.cache/limbic/sessions/20261201-101500-1234.jsonl --script prompts/conversations/27-impossible-deadline.txt",
    ]

    static let help = """
    /help, /?                 this help
    /clear                    forget the conversation (keeps the system prompt)
    /readings                 every emotion's reading for the last turn
    /why EMOTION              one row of the panel in plain words: what was measured, against what, how sure
    /selfreport               ask for a self-report now
    /feel                     the model says how it feels, in its own words (logged)
    /log                      where the session log is
    /set selfreport every|N|off   how often self-reports are asked
    /set emotions a,b,c       which emotions the panel shows
    /exit, /bye               leave (Ctrl-D too)
    \"\"\"                       start or end a multi-line message
    Ctrl-C                    stop the reply being written
    """

    static func validate(_ args: ParsedArguments) throws {
        try ModelOptions.validate(args)
        try SamplingOptions.validate(args)
        _ = try MonitorSetup.selfReportEvery(args)
        _ = try ProbeOptions.method(args)
        if args.string("resume") != nil && args.string("system") != nil {
            throw UsageError("--resume uses the log's system prompt: drop --system")
        }
        if !args.all("policy").isEmpty && args.flag("no-monitor") {
            throw UsageError("--policy needs the monitor (its guards read the readings): drop --no-monitor")
        }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let system = try CalibrationSetup.systemPrompt(args)
        let maxTokens = try SamplingOptions.maxTokens(args)
        var script: [String]? = nil
        if let path = args.string("script") {
            do { script = try ChatScript.load(path) } catch let e as FileIOError { throw UsageError("--script: \(e)") }
        }
        var resumed: ResumedConversation? = nil
        if let path = args.string("resume") {
            do { resumed = try ResumedConversation(try SessionLogReader.read(path: path)) } catch let e as FileIOError { throw UsageError("--resume: \(e)") }
        }
        let model = try ModelOptions.load(args)
        let sampling = try SamplingOptions.parameters(args, modelPath: model.path)
        let ctx = try ModelOptions.context(model, args)
        let session = try ChatSession(model: model, context: ctx, system: resumed?.system ?? system, sampling: sampling, maxTokens: maxTokens)
        if let r = resumed {
            let sha = try ModelOptions.sha256(of: model)
            guard sha == r.modelSHA256 else { throw ResumeError.otherModel(path: r.path, logged: r.modelSHA256, loaded: sha) }
            session.restore(messages: r.messages, turns: r.turns)
            if let lines = script {
                let sent = r.linesAlreadySent(of: lines)
                script = Array(lines.dropFirst(sent))
                Terminal.note(Terminal.dim("(resuming after turn \(r.turns): \(sent) script line\(sent == 1 ? "" : "s") already sent are skipped)"))
            } else {
                Terminal.note(Terminal.dim("(resuming after turn \(r.turns) of \(r.path))"))
            }
        }
        let interactive = script == nil && Terminal.stdinIsTTY
        var pipeline = TurnPipeline(session: session, monitor: nil, log: nil)
        var feelTemplate: SelfReportTemplate? = nil
        if !args.flag("no-monitor") {
            (pipeline, feelTemplate) = try MonitorSetup.make(args, model: model, session: session)
        }
        if let r = resumed { try pipeline.resumed(choice: "log", detail: r.path) }
        var panel = Panel(emotions: Panel.defaultEmotions, color: Terminal.stdoutIsTTY, width: Terminal.columns)
        panel.trust = pipeline.monitor?.trust
        Interrupt.install()
        if interactive {
            Terminal.note(Terminal.dim("\(URL(fileURLWithPath: model.path).lastPathComponent) · \(ctx.capacity)-token context · /help for commands, Ctrl-D to exit"))
            if let log = pipeline.log { Terminal.note(Terminal.dim("session log: \(log.path)")) }
        }
        let reader = ChatInput()
        var scriptLines: IndexingIterator<[String]>? = script?.makeIterator()
        var endReason = "error"   // until the loop ends normally
        defer { pipeline.end(reason: endReason) }
        var last: TurnOutcome? = nil
        var toldAboutDropping = false
        var failed = 0
        while true {
            let next: String?
            if script != nil {
                next = scriptLines?.next()
                if let n = next { Terminal.out("> \(n)\n") }
            } else {
                next = readMessage(reader, interactive: interactive)
            }
            guard let message = next else { break }
            if message.isEmpty { continue }
            if script == nil && message.hasPrefix("/") {   // a script's lines are all user turns
                if try slashCommand(message, pipeline: pipeline, last: &last, feel: feelTemplate, panel: &panel) { endReason = "exit"; return ExitCode.ok }
                continue
            }
            Interrupt.clear()
            do {
                var wrap = Terminal.stdoutIsTTY ? WordWrapper(width: Terminal.columns) : nil
                let outcome = try pipeline.run(message, isCancelled: { Interrupt.isSet }) { Terminal.out(wrap?.feed($0) ?? $0) }
                last = outcome
                Terminal.out((wrap?.finish() ?? "") + "\n")
                switch outcome.turn.result.stopReason {
                case .cancelled: Terminal.note(Terminal.dim("(stopped)"))
                case .maxTokens: Terminal.note(Terminal.dim("(cut at --max-tokens \(session.maxTokens))"))
                case .contextFull: Terminal.note(Terminal.dim("(the reply filled the \(ctx.capacity)-token context and was cut off)"))
                case .endOfGeneration, .stopCondition: break
                }
                if outcome.turn.droppedMessages > 0, !toldAboutDropping {
                    Terminal.note(Terminal.dim("(the context is full: the oldest exchanges are dropped from the model's view to make room, as llama-cli does; the session log keeps everything)"))
                    toldAboutDropping = true
                }
                if let m = outcome.monitoring {
                    Terminal.out(panel.render(m, steering: outcome.steering) + "\n")
                } else if !outcome.steering.isEmpty {
                    Terminal.note(Terminal.dim("(steered this turn: \(outcome.steering.joined(separator: "; ")))"))
                }
                if let e = outcome.selfReportError { Terminal.note("limbic chat: \(e)") }
                for a in outcome.actions { Terminal.note("limbic chat: guard '\(a.guardName)': \(a.action.name) \(a.action.detail)") }
                if interactive {
                    let r = outcome.turn.result
                    var stats = String(format: "[%d prompt tokens %.1f tok/s · %d tokens %.1f tok/s",
                        r.promptTokens, Double(r.promptTokens) / max(r.prefillSeconds, 1e-9), r.tokens.count, r.decodeTokensPerSecond)
                    if let m = outcome.monitoring { stats += String(format: " · monitor %.0f ms", (m.readingSeconds + m.selfReportSeconds) * 1000) }
                    Terminal.note(Terminal.dim(stats + "]"))
                }
                switch outcome.stop {
                case .abort(let reason)?:
                    endReason = "abort"
                    Terminal.note("limbic chat: aborted by a policy: \(reason)")
                    return ExitCode.error
                case .pause(let reason)? where !interactive:
                    endReason = "paused"
                    Terminal.note("limbic chat: paused by a policy: \(reason)")
                    return ExitCode.paused
                case .pause(let reason)?:
                    let by = outcome.actions.first { $0.action.name == "pause" }?.guardName ?? "a guard"
                    Terminal.note("limbic chat: paused by '\(by)': \(reason)")
                    let choice = PauseMenu.ask(readLine: { prompt in
                        switch reader.line(prompt: prompt) { case .line(let l): return l; default: return nil }
                    }, readReply: { readMessage(reader, interactive: true) }, note: { Terminal.note($0) })
                    // The chat's menu has no quit (that is an agent run's); end of input is abort.
                    let chosen = choice == .quit ? PauseChoice.abort : choice
                    try PauseMenu.carryOut(chosen, on: pipeline) { Terminal.note($0.hasPrefix("(") ? Terminal.dim($0) : "limbic chat: " + $0) }
                    if chosen == .abort {
                        endReason = "abort"
                        Terminal.note("limbic chat: aborted at a pause")
                        return ExitCode.error
                    }
                case nil:
                    break
                }
            } catch let e as EngineError {
                // A full context is recoverable: say so and keep the session (the pipeline has logged the turn).
                // A model that computes NaN is not.
                if case .nonFiniteOutput = e { throw e }
                Terminal.note("limbic chat: \(e)")
                failed += 1
            } catch let e as TokenizerError {
                // So is a message the tokenizer refuses (too long, a word without breaks past its limit).
                Terminal.note("limbic chat: \(e)")
                failed += 1
            }
            Interrupt.clear()
        }
        endReason = script != nil ? "end of script" : "end of input"
        if interactive { Terminal.out("\n") }
        if let script, failed > 0 {
            Terminal.note("limbic chat: \(failed) of \(script.count) script turns failed (each is in the session log with its error)")
            return ExitCode.error
        }
        return ExitCode.ok
    }

    /// Handles a /command; returns true to leave the chat.
    static func slashCommand(_ message: String, pipeline: TurnPipeline, last: inout TurnOutcome?, feel: SelfReportTemplate?,
                             panel: inout Panel) throws -> Bool {
        let words = message.split(separator: " ").map(String.init)
        func needMonitor() -> Monitor? {
            if pipeline.monitor == nil { Terminal.note("the monitor is off (--no-monitor)") }
            return pipeline.monitor
        }
        switch words[0] {
        case "/exit", "/bye", "/quit": return true
        case "/help", "/?": Terminal.note(help)
        case "/clear": pipeline.clear(); last = nil; Terminal.note(Terminal.dim("(conversation cleared)"))
        case "/readings":
            guard needMonitor() != nil else { break }
            guard let t = last?.monitoring else { Terminal.note("no turn yet"); break }
            Terminal.out(panel.render(t, all: true) + "\n")
        case "/why":
            guard let m = needMonitor() else { break }
            guard words.count == 2 else { Terminal.note("usage: /why EMOTION (one of: \(m.emotions.joined(separator: ", ")))"); break }
            guard let t = last?.monitoring else { Terminal.note("no turn yet"); break }
            var wrapper = WordWrapper(width: Terminal.columns)
            let text = panel.explain(t, emotion: words[1], calibration: m.calibration) + "\n"
            Terminal.out(Terminal.stdoutIsTTY ? wrapper.feed(text) + wrapper.finish() : text)
        case "/selfreport":
            guard needMonitor() != nil else { break }
            guard let t = try pipeline.selfReportNow() else { Terminal.note("no turn yet"); break }
            last?.monitoring = t
            Terminal.out(panel.render(t, all: true) + "\n")
        case "/feel":
            guard needMonitor() != nil, let feel else { break }
            Terminal.out("(feel) " + (try pipeline.feel(template: feel)) + "\n")
        case "/log":
            Terminal.note(pipeline.log?.path ?? "no session log (--no-monitor)")
        case "/set":
            guard words.count == 3 else { Terminal.note("usage: /set selfreport every|N|off, or /set emotions a,b,c"); break }
            switch words[1] {
            case "selfreport":
                guard needMonitor() != nil else { break }
                switch words[2] {
                case "every": pipeline.selfReportEvery = 1
                case "off": pipeline.selfReportEvery = nil
                default:
                    guard let n = Int(words[2]), n > 0 else { Terminal.note("/set selfreport takes every, off or a number"); break }
                    pipeline.selfReportEvery = n
                }
                Terminal.note(Terminal.dim("(self-report: \(pipeline.selfReportEvery.map { $0 == 1 ? "every turn" : "every \($0) turns" } ?? "off"))"))
            case "emotions":
                let names = words[2].split(separator: ",").map(String.init)
                if let m = pipeline.monitor, let bad = names.first(where: { !m.emotions.contains($0) }) {
                    Terminal.note("unknown emotion '\(bad)' (known: \(m.emotions.joined(separator: ", ")))")
                } else {
                    panel.emotions = names
                }
            default: Terminal.note("usage: /set selfreport every|N|off, or /set emotions a,b,c")
            }
        default:
            Terminal.note("unknown command \(words[0]); /help lists the commands")
        }
        return false
    }

    /// Reads one message: a line (a paste may hold several), or the lines between two `"""` lines; kept in the
    /// history when typed at the line editor. Nil at end of input (Ctrl-D). Ctrl-C at the prompt shows ^C and asks
    /// again. A message past `ChatScript.maxMessageBytes` is dropped with a note, and the next one is read.
    static func readMessage(_ reader: ChatInput, interactive: Bool) -> String? {
        let limit = ChatScript.maxMessageBytes
        func tooLong() { Terminal.note("limbic chat: that message is longer than \(byteSize(limit)), the most chat sends; it was not sent") }
        func line(_ prompt: String) -> String? {
            while true {
                Interrupt.clear()
                switch reader.line(prompt: interactive ? prompt : nil) {
                case .line(let l): return l
                case .tooLong: tooLong()
                case .interrupted: continue
                case .end: return nil
                }
            }
        }
        while true {
            guard let first = line("> ") else { return nil }
            guard first.trimmingCharacters(in: .whitespaces) == "\"\"\"" else {
                let message = first.trimmingCharacters(in: .whitespaces)
                reader.remember(message)
                return message
            }
            var lines: [String] = []
            var bytes = 0
            while let l = line("… ") {
                if l.trimmingCharacters(in: .whitespaces) == "\"\"\"" { break }
                bytes += l.utf8.count + 1
                if bytes <= limit { lines.append(l) } else { lines = [] }   // past the limit: read to the end, keep nothing
            }
            if bytes <= limit {
                let message = lines.joined(separator: "\n")
                reader.remember(message)
                return message
            }
            tooLong()
        }
    }
}
