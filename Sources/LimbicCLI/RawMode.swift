import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The terminal on stdin in raw mode for the line editor (no echo, no line buffering, no signals from keys, no
/// output processing) with bracketed paste on, and always put back: by `leave()`, at process exit, and by a
/// SIGTERM or SIGHUP that arrives meanwhile (the handler restores the terminal, then lets the signal do what it
/// would have done). SIGINT (a `kill -INT`; Ctrl-C itself is a key in raw mode) makes the blocked read return so
/// the editor can cancel the line and leave raw mode itself.
enum RawMode {
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var isOn: sig_atomic_t = 0
    nonisolated(unsafe) private static var interrupted: sig_atomic_t = 0
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]
    nonisolated(unsafe) private static var previousMask = sigset_t()
    nonisolated(unsafe) private static var exitHookInstalled = false

    static let bracketedPasteOn = "\u{1B}[?2004h"
    static let bracketedPasteOff = "\u{1B}[?2004l"
    private static let fatalSignals = [SIGTERM, SIGHUP]

    /// Switches stdin's terminal to raw mode; false when it is not a terminal.
    static func enter() -> Bool {
        var current = termios()
        guard isOn == 0, tcgetattr(0, &current) == 0 else { return false }
        saved = current
        if !exitHookInstalled {
            exitHookInstalled = true
            atexit { RawMode.restoreTerminal() }
        }
        // Handlers before the mode changes, so that no moment leaves the terminal raw with the defaults in place.
        interrupted = 0
        install(SIGINT) { _ in RawMode.interrupted = 1 }
        for s in fatalSignals {
            install(s) { signal in
                RawMode.restoreTerminal()
                Glibc.signal(signal, SIG_DFL)
                raise(signal)
            }
        }
        // A parent may have left these blocked (a process spawned from a libdispatch thread inherits its mask):
        // blocked, they would wait until after the read and the terminal would stay raw.
        var handled = sigset_t()
        sigemptyset(&handled)
        for s in [SIGINT] + fatalSignals { sigaddset(&handled, s) }
        pthread_sigmask(SIG_UNBLOCK, &handled, &previousMask)
        var raw = current
        // As cfmakeraw(3) and linenoise do, but keeping the character size and parity the terminal has.
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_oflag &= ~tcflag_t(OPOST)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        // TCSANOW, not TCSAFLUSH: keys typed while the model was busy are kept, not thrown away.
        guard tcsetattr(0, TCSANOW, &raw) == 0 else {
            restoreHandlers()
            return false
        }
        isOn = 1
        writeAll(bracketedPasteOn)
        return true
    }

    /// Puts the terminal back as it was and the signal handlers back as they were.
    static func leave() {
        restoreTerminal()
        restoreHandlers()
    }

    /// True once a SIGINT arrived since `enter()`.
    static var wasInterrupted: Bool { interrupted != 0 }

    /// Async-signal-safe: only tcsetattr and write.
    private static func restoreTerminal() {
        guard isOn != 0 else { return }
        isOn = 0
        _ = tcsetattr(0, TCSANOW, &saved)
        bracketedPasteOff.utf8CString.withUnsafeBufferPointer { p in _ = write(1, p.baseAddress, p.count - 1) }
    }

    private static func install(_ signal: Int32, _ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0   // no SA_RESTART: the blocked read returns with EINTR
        var old = sigaction()
        sigaction(signal, &action, &old)
        previous[signal] = old
    }

    private static func restoreHandlers() {
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        for (signal, old) in previous {
            var old = old
            sigaction(signal, &old, nil)
        }
        previous.removeAll()
    }

    /// Writes all of `s` to stdout, straight to the file descriptor (the editor's drawing, unbuffered).
    static func writeAll(_ s: String) {
        var bytes = Array(s.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
