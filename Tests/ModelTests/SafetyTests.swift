import Foundation
import GGUF
import Testing

/// Issue 9 on the built binary: never crash, never hang, never destroy, never trust a damaged file. The cases
/// without a model run in a second or two; those with one use the default model.
@Suite struct SafetyTests {
    func tempFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-safety-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    /// Runs `limbic ARGS` through `/bin/sh -c SHELL` (with "$@" the binary and its arguments), so a test can close
    /// or redirect stdout the way a user would; stderr is captured. Killed after `timeout` seconds.
    func shell(_ shell: String, _ args: [String], stdout: FileHandle? = nil, timeout: Double = 60) throws -> (status: Int32, stderr: String, seconds: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", shell, "sh", Limbic.binary] + args
        let err = Pipe()
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        if let stdout { p.standardOutput = stdout }
        let start = Date()
        try p.run()
        let killer = DispatchWorkItem { p.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        return (p.terminationStatus, String(decoding: errData, as: UTF8.self), Date().timeIntervalSince(start))
    }

    /// `limbic models list >&-`, `> /dev/full` and into a pipe nobody reads trapped in FileHandle.write.
    @Test func outputThatCannotBeWritten() throws {
        let closed = try shell(#""$@" >&-"#, ["models", "list"])
        #expect(closed.status == 1)
        #expect(closed.stderr == "limbic: cannot write to standard output: Bad file descriptor\n")
        let full = try shell(#""$@" > /dev/full"#, ["models", "list"])
        #expect(full.status == 1)
        #expect(full.stderr == "limbic: cannot write to standard output: No space left on device\n")
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])   // nobody will read
        let piped = try shell(#"exec "$@""#, ["models", "list"], stdout: FileHandle(fileDescriptor: fds[1], closeOnDealloc: true))
        #expect(piped.status == 141)
        #expect(piped.stderr == "")
        let noStderr = try shell(#""$@" 2>&-"#, ["frobnicate"])   // the usage error cannot be said: just the exit
        #expect(noStderr.status == 1)
    }

    /// A named pipe given where a file belongs is refused at once (it used to block in open(2) forever).
    @Test func namedPipesAreRefusedAtOnce() throws {
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe.gguf"
        #expect(mkfifo(fifo, 0o600) == 0)
        for args in [["models", "info", fifo], ["logits", "--model", fifo, "hi"], ["chat", "--script", fifo, "--no-monitor"],
                     ["chat", "--system", fifo, "--no-monitor"], ["report", fifo]] {
            let o = try shell(#""$@" > /dev/null"#, args, timeout: 10)
            #expect(o.seconds < 5, "\(args) took \(o.seconds) s")
            #expect(o.status == 1 || o.status == 2, "\(args): exit \(o.status)")
            #expect(o.stderr.contains("named pipe (FIFO)"), "\(args): \(o.stderr)")
        }
    }

    /// A supported architecture with impossible hyper-parameters: one clear line, exit 1.
    @Test func inconsistentModelHeadersAreClearErrors() throws {
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var w = GGUFWriter()
        w.set("general.architecture", "llama")
        for (k, v): (String, UInt32) in [("block_count", 1), ("embedding_length", 8), ("feed_forward_length", 8), ("context_length", 128),
                                         ("attention.head_count", 0xFFFF_FFFF), ("attention.key_length", 0xFFFF_FFFE)] {
            w.set("llama." + k, v)
        }
        w.set("llama.attention.layer_norm_rms_epsilon", Float(1e-5))
        w.addTensor("token_embd.weight", dims: [8, 2], floats: [Float](repeating: 0, count: 16))
        let path = dir + "/bad.gguf"
        try w.write(to: path, replace: false)
        for args in [["models", "info", path], ["logits", "--model", path, "hi"]] {
            let o = try shell(#""$@" > /dev/null"#, args)
            #expect(o.status == 1)
            #expect(o.stderr.contains("inconsistent model: llama.attention.head_count is 4294967295; it must be 1-1024"), "\(o.stderr)")
            #expect(o.stderr.split(separator: "\n").count == 1)
        }
    }

    /// Inputs past their documented limits are refused quickly, before the work they would cost (a 50 MB single
    /// word took 37 s and 3.2 GB to tokenize).
    @Test(.tags(.model)) func inputsPastTheirLimitsAreRefused() throws {
        _ = try Limbic.ensureModel(CLITests.model)
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let huge = dir + "/huge.txt", word = dir + "/word.txt", script = dir + "/script.txt"
        try Data(repeating: 0x61, count: 50_000_000).write(to: URL(fileURLWithPath: huge))
        try Data(("Hello " + String(repeating: "a", count: 65_537)).utf8).write(to: URL(fileURLWithPath: word))
        try Data(("Hi\n" + String(repeating: "a", count: 2 << 20) + "\n").utf8).write(to: URL(fileURLWithPath: script))
        let cases: [(String, [String], String)] = [
            (#""$@" < "$HUGE" > /dev/null"#, ["tokenize"], "standard input: it is more than the 16.0 MiB Limbic reads here"),
            (#""$@" < "$HUGE" > /dev/null"#, ["generate", "--max-tokens", "1"], "standard input: it is more than"),
            (#""$@" < "$WORD" > /dev/null"#, ["tokenize"], "run of 65538 bytes with no word break at byte 5"),
            (#""$@" > /dev/null"#, ["chat", "--no-monitor", "--script", script], "script.txt:2: the line is 2.0 MiB"),
        ]
        setenv("HUGE", huge, 1)
        setenv("WORD", word, 1)
        for (sh, args, message) in cases {
            let o = try shell(sh, args, timeout: 30)
            #expect(o.status == 1, "\(args): exit \(o.status) \(o.stderr)")
            #expect(o.stderr.contains(message), "\(args): \(o.stderr)")
            #expect(o.seconds < 10, "\(args) took \(o.seconds) s")
        }
    }
}
