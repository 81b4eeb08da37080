import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The chat's line editor through a real pseudo-terminal (openpty(3)), typing as a person would, on the release
/// binary and the default model: an edited line is sent, kept in `$LIMBIC_HOME/history` and recalled with Up; the
/// terminal is back in normal mode after Ctrl-D and after a SIGTERM at the prompt.
@Suite(.serialized, .tags(.model))
struct LineEditorPTYTests {
    /// `limbic chat --no-monitor` on SmolLM2 (or `limbic ARGUMENTS`) with its stdin, stdout and stderr on a fresh
    /// pseudo-terminal; with a `$LIMBIC_HOME` of its own unless `sharedHome` (the probe and calibration caches).
    final class PTYChat {
        let process = Process()
        let master: Int32
        let home: String
        /// Everything the chat wrote so far.
        private(set) var transcript = ""

        let ownHome: Bool

        init(arguments: [String]? = nil, sharedHome: Bool = false) throws {
            let model = try Limbic.ensureModel("smollm2-135m-instruct")
            ownHome = !sharedHome
            home = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-pty-\(UUID())").path
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            var master: Int32 = -1, slave: Int32 = -1
            var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
            guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw TestFailure("openpty failed: errno \(errno)") }
            self.master = master
            let tty = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
            process.executableURL = URL(fileURLWithPath: Limbic.binary)
            process.arguments = arguments ?? ["chat", "--no-monitor", "--model", model, "--temp", "0", "--max-tokens", "5", "--threads", "2"]
            var env = ProcessInfo.processInfo.environment
            if ownHome { env["LIMBIC_HOME"] = home }   // a history of its own
            env["TERM"] = "xterm"
            process.environment = env
            process.standardInput = tty
            process.standardOutput = tty
            process.standardError = tty
            try process.run()
            try tty.close()   // the child holds the terminal now; the master sees EOF when it exits
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            close(master)
            try? FileManager.default.removeItem(atPath: home)
        }

        func type(_ s: String) {
            let bytes = Array(s.utf8)
            _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        }

        /// Reads until the output after `from` contains `text`; returns where that text ends.
        @discardableResult
        func wait(for text: String, from: String.Index? = nil, timeout: Double = 60) throws -> String.Index {
            let deadline = Date().addingTimeInterval(timeout)
            let start = from ?? transcript.startIndex
            while true {
                if let r = transcript[start...].range(of: text) { return r.upperBound }
                guard Date() < deadline else { throw TestFailure("no '\(text)' within \(timeout) s; the terminal shows:\n\(transcript)") }
                guard readSome() else { throw TestFailure("the chat ended before '\(text)':\n\(transcript)") }
            }
        }

        /// Reads what is there (up to 0.2 s of waiting); false once the chat has closed the terminal.
        func readSome() -> Bool {
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 200) > 0 else { return true }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            guard n > 0 else { return false }   // EIO: the other side is closed
            transcript += String(decoding: buffer[..<n], as: UTF8.self)
            return true
        }

        /// Waits for the chat to exit, reading meanwhile so that it never blocks on a full terminal.
        func exitStatus(timeout: Double = 30) throws -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning {
                guard Date() < deadline else { throw TestFailure("the chat did not exit:\n\(transcript)") }
                if !readSome() { usleep(20_000) }
            }
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// Whether the terminal is in normal (cooked) mode: line editing, echo, signals from keys.
        var terminalIsCooked: Bool {
            var t = termios()
            guard tcgetattr(master, &t) == 0 else { return false }
            let wanted = tcflag_t(ICANON | ECHO | ISIG)
            return t.c_lflag & wanted == wanted
        }
    }

    @Test func anEditedLineIsSentKeptInHistoryAndRecalledWithUp() throws {
        let chat = try PTYChat()
        try chat.wait(for: "> ")
        #expect(!chat.terminalIsCooked, "raw mode at the prompt")
        // "helo", Left, "l", Enter: the line sent is "hello".
        var mark = chat.transcript.endIndex
        chat.type("helo\u{1B}[Dl\r")
        let statsEnd = try chat.wait(for: "tok/s]", from: mark)
        let turn = chat.transcript[mark..<statsEnd]
        #expect(turn.contains("> hello"))
        let tokens = turn.firstMatch(of: /· (\d+) tokens/).map { Int($0.1) ?? 0 } ?? 0
        #expect(tokens > 0, "a reply came:\n\(turn)")
        try chat.wait(for: "> ", from: statsEnd)
        let history = try String(contentsOfFile: chat.home + "/history", encoding: .utf8)
        #expect(history == "hello\n")

        // Up recalls it.
        mark = chat.transcript.endIndex
        chat.type("\u{1B}[A")
        try chat.wait(for: "> hello", from: mark)

        // Ctrl-U empties the line, Ctrl-D on the empty line ends the chat, and the terminal is put back.
        chat.type("\u{15}\u{04}")
        #expect(try chat.exitStatus() == 0)
        #expect(chat.terminalIsCooked)
    }

    @Test func sigtermAtThePromptPutsTheTerminalBack() throws {
        let chat = try PTYChat()
        try chat.wait(for: "> ")
        chat.type("half a line")
        try chat.wait(for: "half a line")
        #expect(!chat.terminalIsCooked)
        chat.process.terminate()
        _ = try chat.exitStatus()
        #expect(chat.process.terminationReason == .uncaughtSignal && chat.process.terminationStatus == SIGTERM)
        #expect(chat.terminalIsCooked)
    }
}
