import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Terminal facts and output streams: results to stdout, diagnostics and progress to stderr.
public enum Terminal {
    public static var stderrIsTTY: Bool { isatty(2) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb" }
    public static var stdoutIsTTY: Bool { isatty(1) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb" }
    public static var stdinIsTTY: Bool { isatty(0) == 1 }

    /// Writes to stdout without a newline, unbuffered (streaming text). A stdout that cannot be written ends the
    /// process (`StandardStreams.write`).
    public static func out(_ s: String) {
        StandardStreams.write(s, to: 1)
    }

    /// One diagnostic line on stderr.
    public static func note(_ s: String) {
        StandardStreams.write(s + "\n", to: 2)
    }

    /// Dim text on a TTY (for timings and hints), plain otherwise.
    public static func dim(_ s: String, tty: Bool = stderrIsTTY) -> String { tty ? "\u{1B}[2m\(s)\u{1B}[0m" : s }

    /// Reads all of stdin as text.
    public static func readStdin() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// Ctrl-C handling: the first SIGINT sets a flag that long work polls (a reply stops, the session stays).
/// Installed without SA_RESTART, so a blocked read returns and the prompt can show `^C`.
public enum Interrupt {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    /// Installs the SIGINT handler (once per process is enough).
    public static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.flag = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// True once Ctrl-C was pressed since the last `clear()`.
    public static var isSet: Bool { flag != 0 }
    public static func clear() { flag = 0 }
}

/// Reads stdin line by line straight from file descriptor 0, so a Ctrl-C during the read (EINTR, since the handler
/// is installed without SA_RESTART) is seen as such rather than as end of input.
public final class LineReader {
    /// A line (without its newline), a Ctrl-C during the read, or the end of input.
    public enum Result { case line(String), interrupted, end }
    private var buffer: [UInt8] = []
    private var atEnd = false

    public init() {}

    /// The next line; a last line without a newline is returned before `.end`.
    public func next() -> Result {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                return .line(String(decoding: line, as: UTF8.self))
            }
            if atEnd {
                if buffer.isEmpty { return .end }
                defer { buffer.removeAll() }
                return .line(String(decoding: buffer, as: UTF8.self))
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, 4096) }
            if n > 0 { buffer += chunk[..<n] }
            else if n == 0 { atEnd = true }
            else if errno == EINTR { return .interrupted }
            else { atEnd = true }
        }
    }
}

extension Terminal {
    /// Columns of the terminal on stdout (80 when unknown).
    public static var columns: Int {
        var w = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(c), n > 0 { return n }
        return 80
    }
}
