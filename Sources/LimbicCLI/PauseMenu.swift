import Agent

/// What a person decides when a policy pauses an interactive chat or agent run.
public enum PauseChoice: Equatable, Sendable {
    /// Go on as if nothing happened.
    case goOn
    /// Steer toward calm for this many turns, then go on.
    case steerCalm(turns: Int)
    /// Replace the last reply with this text (the conversation carries the edit; the log keeps both).
    case edit(String)
    /// End the session.
    case abort
    /// Stop here and keep the run as it is, to go on later with `limbic resume` (agent runs).
    case quit
}

/// The menu shown at a pause: one line per question, a clear note for an answer it does not understand, and
/// abort at end of input (a closed terminal must not leave the task running).
public enum PauseMenu {
    public static let prompt = "[c]ontinue · [s N] steer toward calm for N turns · [e]dit the last reply · [a]bort: "
    /// An agent run's menu: its last reply was an action already carried out, so there is no edit; quitting keeps
    /// the run for `limbic resume`.
    public static let runPrompt = "[c]ontinue · [s N] steer toward calm for N steps · [q]uit, resume later · [a]bort: "
    /// Turns of steering when `s` comes without a number.
    public static let defaultSteerTurns = 3
    /// The strength of the menu's steering, a fraction of the mean residual norm (the emotions study moved
    /// behaviour at 0.05-0.1).
    public static let steerStrength: Float = 0.05

    /// Asks until an answer is understood. `readLine(prompt)` reads one answer; `readReply()` reads the edited
    /// reply (a line, or a `"""` block); `note` shows a message.
    /// `run` asks an agent run's menu (`runPrompt`), where end of input quits and keeps the run.
    public static func ask(readLine: (String) -> String?, readReply: () -> String?, note: (String) -> Void, run: Bool = false) -> PauseChoice {
        while true {
            guard let raw = readLine(run ? runPrompt : prompt) else { return run ? .quit : .abort }
            let words = raw.lowercased().split(separator: " ").map(String.init)
            switch words.first ?? "" {
            case "c", "continue":
                return .goOn
            case "s", "steer":
                guard words.count <= 2 else { break }
                if words.count == 1 { return .steerCalm(turns: defaultSteerTurns) }
                if let n = Int(words[1]), (1...100).contains(n) { return .steerCalm(turns: n) }
                note("steer takes a number of \(run ? "steps" : "turns") from 1 to 100, e.g. 's 3'")
                continue
            case "q", "quit":
                if run { return .quit }
            case "e", "edit":
                guard !run else { break }
                note("type the reply that should replace the last one (\"\"\" on a line starts and ends several lines):")
                guard let text = readReply() else { return .abort }
                if text.trimmingCharacters(in: .whitespaces).isEmpty { note("an empty reply is not an edit"); continue }
                return .edit(text)
            case "a", "abort":
                return .abort
            default:
                break
            }
            note(run ? "answer c, s N, q or a" : "answer c, s N, e or a")
        }
    }

    /// Carries out `choice` on `pipeline` and logs it as a `resume` event: go on, steer toward calm for N turns
    /// (steps, in an agent run: `unit`; going on unsteered, with a note, where the probes cannot steer), edit the last
    /// reply, or abort. Quitting leaves the session paused and logs nothing.
    public static func carryOut(_ choice: PauseChoice, on pipeline: TurnPipeline, unit: String = "turns", note: (String) -> Void) throws {
        switch choice {
        case .goOn:
            try pipeline.resumed(choice: "continue")
        case .steerCalm(let n):
            do {
                try pipeline.steer("calm", strength: steerStrength, turns: n, by: "you, at a pause")
                try pipeline.resumed(choice: "steer", detail: "calm +\(steerStrength) for \(n) turns")
                note("(steering toward calm for the next \(n) \(unit))")
            } catch let e as AgentError {
                note("cannot steer: \(e); going on without it")
                try pipeline.resumed(choice: "continue")
            }
        case .edit(let text):
            try pipeline.editLastReply(text)
            note("(the last reply is replaced; the log keeps both)")
        case .abort:
            try pipeline.resumed(choice: "abort")
        case .quit:
            break
        }
    }
}
