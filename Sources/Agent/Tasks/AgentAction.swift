import Foundation

/// One step an agent asks for, written in its reply as a tag (`prompts/agent/system.txt`):
///
/// ```
/// <shell>python3 -B -m unittest -q</shell>
/// <read>stats.py</read>
/// <write path="stats.py">…the whole file…</write>
/// <list>.</list>
/// <finish>Fixed the off-by-one in median().</finish>
/// ```
///
/// Small models write close variants, and those are accepted (`AgentAction.parse`): any letter case; `bash`,
/// `sh`, `run`, `cmd`, `command` for shell; `cat`, `open` for read; `ls` for list; `done`, `submit`, `answer` for
/// finish; `<write file=…>` or an unquoted path, or the path on the first line inside the tag; a missing closing
/// tag (the action runs to the end of the reply); a Markdown code fence around the command or the content.
public enum AgentAction: Sendable, Equatable {
    case shell(String)
    case read(String)
    case write(path: String, content: String)
    case list(String)
    case finish(String)

    /// The tool's name, as logged.
    public var tool: String {
        switch self {
        case .shell: return "shell"
        case .read: return "read"
        case .write: return "write"
        case .list: return "list"
        case .finish: return "finish"
        }
    }

    /// The action in one line, for the terminal and the log.
    public var summary: String {
        switch self {
        case .shell(let c): return "shell: \(c)"
        case .read(let p): return "read \(p)"
        case let .write(p, c): return "write \(p) (\(c.utf8.count) bytes)"
        case .list(let p): return "list \(p)"
        case .finish(let s): return "finish: \(s)"
        }
    }

    /// What a reply asked for: the first action in it, how many more it held (only one runs per step), or why none
    /// could be read (returned to the agent as the tool result; it costs a step).
    public struct Parsed: Sendable, Equatable {
        public var action: AgentAction?
        public var ignored = 0
        public var problem: String?
    }

    static let aliases: [String: String] = [
        "shell": "shell", "bash": "shell", "sh": "shell", "run": "shell", "cmd": "shell", "command": "shell",
        "execute": "shell", "exec": "shell", "terminal": "shell",
        "read": "read", "cat": "read", "open": "read", "read_file": "read", "readfile": "read", "view": "read",
        "write": "write", "write_file": "write", "writefile": "write", "create": "write", "save": "write",
        "list": "list", "ls": "list", "list_files": "list", "listfiles": "list", "dir": "list",
        "finish": "finish", "done": "finish", "submit": "finish", "answer": "finish", "final": "finish", "end": "finish",
    ]

    /// How to act, for the error returned when a reply holds no action.
    public static let usage = """
    Reply with exactly one action: <shell>COMMAND</shell>, <read>PATH</read>, <write path="PATH">CONTENT</write>, \
    <list>PATH</list>, or <finish>SUMMARY</finish> when the task is done.
    """

    /// Whether `reply` already holds one whole action: an opening tag and its closing tag. The agent loop ends
    /// generation there (`ChatSession.stopWhen`), so each reply carries the one action that runs, and the
    /// conversation the model sees shows one action per reply, as the protocol asks.
    public static func holdsWholeAction(_ reply: String) -> Bool {
        guard let first = openingTags(in: reply).first else { return false }
        return closingTag(in: reply[first.end...], tool: first.tool) != nil
    }

    /// The first action in `reply`.
    public static func parse(_ reply: String) -> Parsed {
        let tags = openingTags(in: reply)
        guard let first = tags.first else {
            return Parsed(action: nil, problem: "No action found in your reply. " + usage)
        }
        let rest = reply[first.end...]
        // The body ends at the first matching closing tag (any alias of the same tool), else at the next opening tag,
        // else at the end of the reply.
        var bodyEnd = rest.endIndex, after = rest.endIndex
        if let close = closingTag(in: rest, tool: first.tool) {
            bodyEnd = close.lowerBound
            after = close.upperBound
        } else if tags.count > 1 {
            bodyEnd = tags[1].start
            after = tags[1].start
        }
        let body = String(rest[rest.startIndex..<bodyEnd])
        let ignored = openingTags(in: String(reply[after...])).count
        var parsed = Parsed(action: nil, ignored: ignored)
        switch first.tool {
        case "shell":
            let command = unfenced(body).trimmingCharacters(in: .whitespacesAndNewlines)
            if command.isEmpty { parsed.problem = "The <shell> action has no command. " + usage } else { parsed.action = .shell(command) }
        case "read", "list":
            var path = unfenced(body).trimmingCharacters(in: .whitespacesAndNewlines)
            if path.isEmpty, let a = first.attribute { path = a }
            if path.isEmpty && first.tool == "list" { path = "." }
            if path.isEmpty { parsed.problem = "The <read> action needs a path: <read>PATH</read>." }
            else { parsed.action = first.tool == "read" ? .read(path) : .list(path) }
        case "write":
            var content = body
            var path = first.attribute ?? ""
            if path.isEmpty {
                // The path on the first line inside the tag: <write>notes.txt\n…</write>
                let lines = content.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                let head = lines.first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
                if !head.isEmpty, !head.contains(" "), head.count < 200 {
                    path = head
                    content = lines.count > 1 ? String(lines[1]) : ""
                }
            }
            if path.isEmpty { parsed.problem = "The <write> action needs a path: <write path=\"PATH\">CONTENT</write>." }
            else { parsed.action = .write(path: path, content: writtenContent(content)) }
        default:
            parsed.action = .finish(unfenced(body).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return parsed
    }

    struct Tag {
        var tool: String
        var attribute: String?
        var start: String.Index
        var end: String.Index
    }

    /// Every opening tag of a known tool in `text`, in order.
    static func openingTags(in text: String) -> [Tag] {
        var tags: [Tag] = []
        var i = text.startIndex
        while let lt = text[i...].firstIndex(of: "<") {
            let afterLT = text.index(after: lt)
            guard let gt = text[afterLT...].firstIndex(where: { $0 == ">" || $0 == "\n" }), text[gt] == ">" else {
                i = afterLT
                continue
            }
            let inside = text[afterLT..<gt]
            let name = inside.prefix { $0.isLetter || $0 == "_" }.lowercased()
            if let tool = aliases[name], !inside.hasPrefix("/") {
                tags.append(Tag(tool: tool, attribute: attribute(String(inside.dropFirst(name.count))), start: lt, end: text.index(after: gt)))
            }
            i = text.index(after: gt)
        }
        return tags
    }

    /// The first closing tag in `text` of any alias of `tool`: `</shell>`, `</ bash >`, …
    static func closingTag(in text: Substring, tool: String) -> Range<String.Index>? {
        var i = text.startIndex
        while let lt = text[i...].range(of: "</") {
            guard let gt = text[lt.upperBound...].firstIndex(of: ">") else { return nil }
            let name = text[lt.upperBound..<gt].trimmingCharacters(in: .whitespaces).lowercased()
            if aliases[name] == tool { return lt.lowerBound..<text.index(after: gt) }
            i = lt.upperBound
        }
        return nil
    }

    /// The value of `path=` or `file=` (quoted or not) in a tag's attributes, or a bare word (`<write notes.txt>`).
    static func attribute(_ s: String) -> String? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return nil }
        var value = Substring(t)
        for key in ["path", "file", "filename", "name"] {
            if let r = t.range(of: key + "=", options: .caseInsensitive) { value = t[r.upperBound...]; break }
        }
        value = value.drop { $0 == " " }
        if let q = value.first, q == "\"" || q == "'" {
            let inner = value.dropFirst()
            return String(inner.prefix { $0 != q })
        }
        let word = value.prefix { !$0.isWhitespace }
        return word.isEmpty ? nil : String(word)
    }

    /// `text` without a Markdown code fence around it (```sh … ```), as small models often add one.
    static func unfenced(_ text: String) -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("```") else { return text }
        var lines = t.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeFirst()
        if let last = lines.last, last.trimmingCharacters(in: .whitespaces).hasPrefix("```") { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// A file's content as the agent meant it: unfenced, one leading line break dropped (`<write p>\n…`), and
    /// ending in a line break when it has any text.
    static func writtenContent(_ body: String) -> String {
        var c = unfenced(body)
        if c.hasPrefix("\n") { c.removeFirst() }
        if !c.isEmpty, !c.hasSuffix("\n") { c += "\n" }
        return c
    }
}
