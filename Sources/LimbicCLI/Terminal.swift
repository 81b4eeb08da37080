import FileIO
import Foundation
import Tokenizers
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

    /// The most stdin a command reads as its text (`generate`, `tokenize`, `logits`, `capture`, `probe classify`):
    /// the tokenizer's limit, 16 MiB.
    public static let maxStdinBytes = Tokenizer.maxInputBytes

    /// Reads all of stdin as text (invalid UTF-8 becomes U+FFFD), at most `limit` bytes: more is an error, found
    /// without reading further.
    public static func readStdin(limit: Int = maxStdinBytes) throws -> String {
        switch Descriptor.readAll(0, limit: limit) {
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .tooLarge: throw FileIOError.tooLarge(path: "standard input", bytes: nil, limit: limit)
        case .failed(let e): throw FileIOError.cannotRead(path: "standard input", reason: errorText(e))
        }
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
/// is installed without SA_RESTART) is seen as such rather than as end of input. A line longer than `maxLineBytes`
/// is skipped to its end and reported as `.tooLong`, so memory stays bounded whatever comes in.
public final class LineReader {
    /// A line (without its newline), a line that was too long (skipped), a Ctrl-C during the read, or the end of
    /// input.
    public enum Result: Equatable { case line(String), tooLong, interrupted, end }
    public let maxLineBytes: Int
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already searched for a newline.
    private var scanned = 0
    /// Inside a line that is too long: its bytes are dropped until its newline.
    private var skipping = false
    private var atEnd = false

    public init(fd: Int32 = 0, maxLineBytes: Int = ChatScript.maxMessageBytes) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
    }

    /// The next line; a last line without a newline is returned before `.end`.
    public func next() -> Result {
        while true {
            if let nl = buffer[scanned...].firstIndex(of: 10) {
                let tooLong = skipping || nl > maxLineBytes
                let line = tooLong ? "" : String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                scanned = 0
                skipping = false
                return tooLong ? .tooLong : .line(line)
            }
            scanned = buffer.count
            if buffer.count > maxLineBytes {
                skipping = true
                buffer.removeAll(keepingCapacity: true)
                scanned = 0
            }
            if atEnd {
                if skipping { skipping = false; return .tooLong }
                if buffer.isEmpty { return .end }
                defer { buffer.removeAll(); scanned = 0 }
                return .line(String(decoding: buffer, as: UTF8.self))
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 1 << 16) }
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
