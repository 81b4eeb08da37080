import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The messages sent at the prompt, newest last, recalled with Up and Down; kept in `$LIMBIC_HOME/history`.
///
/// The file holds one entry per line, with backslash and newline escaped (`\\`, `\n`) so that a multi-line message
/// stays one entry. Only the last `limit` entries are kept. Each new entry is appended to what the file holds now
/// (so two chats at once both keep theirs) and the file is replaced atomically: written beside it, then renamed.
public struct History: Sendable {
    public static let defaultLimit = 1000

    public private(set) var entries: [String]
    public let limit: Int
    /// The file, or nil for a history that lives only as long as the process.
    public let path: String?
    /// Which entry Up/Down show: `entries.count` is the line being typed.
    private var index: Int
    /// The line being typed, kept while the user looks through older entries.
    private var draft = ""

    public init(entries: [String] = [], limit: Int = defaultLimit, path: String? = nil) {
        self.limit = max(limit, 1)
        self.entries = Array(entries.suffix(self.limit))
        self.path = path
        index = self.entries.count
    }

    /// The history in `path` (empty when the file does not exist or cannot be read: a history is a convenience).
    public static func load(path: String, limit: Int = defaultLimit) -> History {
        History(entries: read(path: path), limit: limit, path: path)
    }

    /// `$LIMBIC_HOME/history` for a home folder.
    public static func defaultPath(home: String) -> String { home + "/history" }

    /// Adds a sent message (not an empty one, nor a repeat of the last) and saves the file; starts recall anew
    /// from the newest entry. Returns the error when the file could not be written (the entry is kept in memory).
    @discardableResult
    public mutating func add(_ entry: String) -> Error? {
        defer { index = entries.count; draft = "" }
        guard !entry.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, entry != entries.last else { return nil }
        entries.append(entry)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        guard let path else { return nil }
        do {
            var onDisk = Self.read(path: path)
            if onDisk.last != entry { onDisk.append(entry) }
            try Self.save(Array(onDisk.suffix(limit)), to: path)
            return nil
        } catch {
            return error
        }
    }

    /// The entry before the one shown (Up), given the line as it is now; nil at the oldest.
    public mutating func previous(current: String) -> String? {
        guard index > 0 else { return nil }
        if index == entries.count { draft = current }
        index -= 1
        return entries[index]
    }

    /// The entry after the one shown (Down), or the line that was being typed; nil when already there.
    public mutating func next() -> String? {
        guard index < entries.count else { return nil }
        index += 1
        return index == entries.count ? draft : entries[index]
    }

    // MARK: The file

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ s: Substring) -> String {
        var out = ""
        var backslash = false
        for c in s {
            if backslash {
                out.append(c == "n" ? "\n" : c)
                backslash = false
            } else if c == "\\" {
                backslash = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    static func read(path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(unescape)
    }

    /// Writes the entries to a new file beside `path` (readable by its owner only: chats are private), then renames
    /// it over `path`, so a crash leaves the old history or the new one, never half of one.
    static func save(_ entries: [String], to path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = entries.map { escape($0) + "\n" }.joined()
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CLIError.historyNotSaved(path: temp, reason: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd); unlink(temp)
                throw CLIError.historyNotSaved(path: temp, reason: reason)
            }
            written += n
        }
        guard close(fd) == 0, rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw CLIError.historyNotSaved(path: path, reason: reason)
        }
    }
}
