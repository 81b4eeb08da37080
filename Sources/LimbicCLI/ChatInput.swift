import ModelStore

/// Where the chat's typed lines come from: the `LineEditor` when stdin and stdout are both a terminal (and TERM is
/// not dumb), with history in `$LIMBIC_HOME/history`; otherwise plain lines from stdin (`LineReader`), as scripts,
/// pipes and tests give them.
public final class ChatInput {
    public let editor: LineEditor?
    private let reader = LineReader()

    /// `editing` nil decides from the terminal; `historyPath` nil means `$LIMBIC_HOME/history`.
    public init(editing: Bool? = nil, historyPath: String? = nil) {
        if editing ?? (Terminal.stdinIsTTY && Terminal.stdoutIsTTY) {
            let path = historyPath ?? History.defaultPath(home: ModelStore().home)
            editor = LineEditor(history: History.load(path: path))
        } else {
            editor = nil
        }
    }

    /// One line, after showing `prompt` (nil: no prompt, for input that is not typed). A Ctrl-C during the read
    /// shows `^C` and returns `.interrupted`.
    public func line(prompt: String?) -> LineReader.Result {
        if let editor { return editor.readLine(prompt: prompt ?? "", fallback: reader) }
        if let prompt { Terminal.out(prompt) }
        let result = reader.next()
        if case .interrupted = result { Terminal.out("^C\n") }
        return result
    }

    /// Keeps a sent message for Up to recall (when editing), saving the history file; a file that cannot be
    /// written is said once on stderr and the chat goes on.
    public func remember(_ message: String) {
        guard let editor, let error = editor.history.add(message) else { return }
        if !warnedAboutHistory { Terminal.note("limbic chat: \(error)") }
        warnedAboutHistory = true
    }

    private var warnedAboutHistory = false
}
