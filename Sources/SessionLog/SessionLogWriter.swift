import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a session log: one JSON object per line, each line handed to the kernel with one `write(2)` as the
/// event happens (no buffer in between), so a session cut off by a crash is readable up to its last complete line
/// (DESIGN.md §5). Keys are sorted, so lines of the same kind line up.
public final class SessionLogWriter {
    public let path: String
    private var fd: Int32

    /// Creates the file (and its folder); refuses to overwrite an existing log.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw SessionLogError.cannotCreate(path: path, reason: "its folder cannot be made (\(error.localizedDescription))")
            }
        }
        // O_EXCL: the check for an existing log and the creation are one step, so two sessions cannot share a file.
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { throw SessionLogError.exists(path: path) }
            throw SessionLogError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
    }

    deinit { close() }

    /// `<home>/sessions/<UTC time>-<pid>.jsonl`.
    public static func defaultPath(home: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return home + "/sessions/\(f.string(from: Date()))-\(getpid()).jsonl"
    }

    /// The line `write` appends for `event`, without its newline.
    public static func line(_ event: SessionEvent, time: Date = Date()) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The default, kept on purpose: a number that is not finite and did not go through the events' own
        // encoding (which writes `null`) fails the write instead of producing a line that is not JSON.
        encoder.nonConformingFloatEncodingStrategy = .throw
        do {
            return try encoder.encode(SessionLogRecord(line: 0, time: time, event: event))
        } catch {
            throw SessionLogError.cannotEncode(kind: event.kind, reason: "\(error)")
        }
    }

    /// Appends one event as one line.
    public func write(_ event: SessionEvent, time: Date = Date()) throws {
        guard fd >= 0 else { throw SessionLogError.cannotWrite(path: path, reason: "the log is closed") }
        let data = try Self.line(event, time: time) + [0x0A]
        try data.withUnsafeBytes { raw in
            var offset = 0
            // One call in practice; the loop only finishes a write the kernel cut short (a signal, a full disk).
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw SessionLogError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
                offset += n
            }
        }
    }

    /// Closes the file; later writes throw.
    public func close() {
        if fd >= 0 { posixClose(fd) }
        fd = -1
    }
}

// The C calls under other names: inside the class, `write` and `close` are its own methods.
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
private func posixClose(_ fd: Int32) { _ = close(fd) }
