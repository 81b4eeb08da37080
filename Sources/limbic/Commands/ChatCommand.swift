import Agent
import Engine
import Foundation
import Tokenizers

enum ChatCommand: Command {
    static let name = "chat"
    static let abstract = "Chat with the model in the terminal."
    static let usage = "[--model M] [--system FILE] [sampling options]"
    static let discussion = """
    Type a message and press Enter. Commands: /help (/?), /clear (forget the conversation), /exit (/bye). \
    A line of three double quotes (\"\"\") starts and ends a multi-line message. Ctrl-C stops a reply and keeps the \
    session; Ctrl-D exits.
    """
    static let options: [OptionSpec] = ModelOptions.specs + [
        .option("system", "FILE", "A file whose text is the system prompt."),
    ] + SamplingOptions.specs
    static let examples = [
        "limbic chat",
        "limbic chat --model qwen2.5-coder-1.5b-instruct --system prompts/system.txt --temp 0.7",
    ]

    static let help = """
    /help, /?      this help
    /clear         forget the conversation (keeps the system prompt)
    /exit, /bye    leave (Ctrl-D too)
    \"\"\"            start or end a multi-line message
    Ctrl-C         stop the reply being written
    """

    static func run(_ args: ParsedArguments) throws -> Int32 {
        var system: String? = nil
        if let path = args.string("system") {
            guard let s = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw UsageError("cannot read the system prompt file '\(path)'")
            }
            system = s.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let sampling = try SamplingOptions.parameters(args)
        let maxTokens = try SamplingOptions.maxTokens(args)
        let model = try ModelOptions.load(args)
        let ctx = try ModelOptions.context(model, args)
        let session = try ChatSession(model: model, context: ctx, system: system, sampling: sampling, maxTokens: maxTokens)
        let interactive = Terminal.stdinIsTTY
        Interrupt.install()
        if interactive {
            Terminal.note(Terminal.dim("\(URL(fileURLWithPath: model.path).lastPathComponent) · \(ctx.capacity)-token context · /help for commands, Ctrl-D to exit"))
        }
        let reader = LineReader()
        while true {
            guard let message = readMessage(reader, interactive: interactive) else { break }
            if message.isEmpty { continue }
            switch message {
            case "/exit", "/bye", "/quit": return ExitCode.ok
            case "/help", "/?": Terminal.note(help); continue
            case "/clear": session.clear(); Terminal.note(Terminal.dim("(conversation cleared)")); continue
            default:
                if message.hasPrefix("/") {
                    Terminal.note("unknown command \(message.split(separator: " ").first ?? ""); /help lists the commands")
                    continue
                }
            }
            Interrupt.clear()
            do {
                let turn = try session.send(message, isCancelled: { Interrupt.isSet }) { Terminal.out($0) }
                Terminal.out("\n")
                if turn.result.stopReason == .cancelled { Terminal.note(Terminal.dim("(stopped)")) }
                if interactive {
                    let r = turn.result
                    Terminal.note(Terminal.dim(String(format: "[%d prompt tokens %.1f tok/s · %d tokens %.1f tok/s]",
                        r.promptTokens, Double(r.promptTokens) / max(r.prefillSeconds, 1e-9), r.tokens.count, r.decodeTokensPerSecond)))
                }
            } catch let e as EngineError {
                // A full context is recoverable: say so and keep the session.
                Terminal.note("limbic chat: \(e)")
            }
            Interrupt.clear()
        }
        if interactive { Terminal.out("\n") }
        return ExitCode.ok
    }

    /// Reads one message: a line, or the lines between two `"""` lines. Nil at end of input (Ctrl-D).
    /// Ctrl-C at the prompt shows ^C and asks again.
    static func readMessage(_ reader: LineReader, interactive: Bool) -> String? {
        func line(_ prompt: String) -> String? {
            while true {
                if interactive { Terminal.out(prompt) }
                Interrupt.clear()
                switch reader.next() {
                case .line(let l): return l
                case .interrupted: Terminal.out("^C\n")
                case .end: return nil
                }
            }
        }
        guard let first = line("> ") else { return nil }
        guard first.trimmingCharacters(in: .whitespaces) == "\"\"\"" else { return first.trimmingCharacters(in: .whitespaces) }
        var lines: [String] = []
        while let l = line("… ") {
            if l.trimmingCharacters(in: .whitespaces) == "\"\"\"" { break }
            lines.append(l)
        }
        return lines.joined(separator: "\n")
    }
}
