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

    /// A scripted chat: a line starting with / is a user turn, a turn that fails is logged with its error, the
    /// script goes on and exits 1; the log, cut off, is reported as such.
    @Test(.tags(.model)) func aScriptWithAFailedTurn() throws {
        _ = try Limbic.ensureModel(CLITests.model)
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/script.txt", log = dir + "/run.jsonl", cut = dir + "/cut.jsonl"
        let long = String(repeating: "word ", count: 700)
        try Data("Hello.\n/clear\n\(long)\nBye.\n".utf8).write(to: URL(fileURLWithPath: script))
        let o = try Limbic.run(["chat", "--script", script, "--log", log, "--context", "512", "--selfreport-every", "off",
                                "--temp", "0", "--max-tokens", "8", "--threads", "2"])
        #expect(o.status == 1, "\(o.stderr)")
        #expect(o.stderr.contains("the context holds 512 tokens"), "\(o.stderr)")
        #expect(o.stderr.contains("1 of 4 script turns failed"), "\(o.stderr)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let users = events.filter { $0["event"] as? String == "turn" && $0["role"] as? String == "user" }
        #expect(users.map { $0["text"] as? String ?? "" } == ["Hello.", "/clear", long.trimmingCharacters(in: .whitespaces), "Bye."])
        #expect(users.map { $0["error"] != nil } == [false, false, true, false])
        #expect(users.map { $0["turn"] as? Int ?? -1 } == [0, 1, 2, 2])
        #expect(events.last?["event"] as? String == "end")

        let report = try Limbic.json(["report", "--json", log])
        let session = (report["sessions"] as? [[String: Any]])?.first ?? [:]
        #expect(session["cut_off"] as? Bool == false && session["end"] as? String == "end of script")
        #expect((session["failed_turns"] as? [[String: Any]])?.first?["turn"] as? Int == 2)
        try Data((lines.dropLast().joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: cut))
        let cutReport = try Limbic.run(["report", cut])
        #expect(cutReport.status == 0)
        #expect(cutReport.stdout.contains("cut off: the log has no 'end' event"), "\(cutReport.stdout)")
        let cutJSON = try Limbic.json(["report", "--json", cut])
        #expect((cutJSON["sessions"] as? [[String: Any]])?.first?["cut_off"] as? Bool == true)
    }

    /// capture --out never replaces a folder, and a file only with --force (checked before the model loads).
    @Test(.tags(.model)) func captureOutNeedsForce() throws {
        _ = try Limbic.ensureModel(CLITests.model)
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/acts.gguf", folder = dir + "/folder.gguf"
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: folder + "/inside"))
        let args = ["capture", "--layers", "3", "--threads", "2", "Hello there"]
        let refused = try Limbic.run(args + ["--out", out])
        #expect(refused.status == 2 && refused.stderr.contains("--out \(out) already exists; pass --force to replace it"), "\(refused.stderr)")
        #expect(FileManager.default.contents(atPath: out) == Data("mine".utf8))
        let onFolder = try Limbic.run(args + ["--out", folder, "--force"])
        #expect(onFolder.status == 2 && onFolder.stderr.contains("is a folder"), "\(onFolder.stderr)")
        #expect(FileManager.default.contents(atPath: folder + "/inside") == Data("keep".utf8))
        let forced = try Limbic.run(args + ["--out", out, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try GGUFFile(path: out).tensor(named: "l_out-3") != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["acts.gguf", "folder.gguf"])
    }

    /// probe export and import check --out before anything loads: an existing file needs --force, a folder is refused.
    @Test func probeOutNeedsForce() throws {
        let dir = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/calm.gguf"
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out))
        for args in [["probe", "export", "--llama-cpp", "calm", "--out", out], ["probe", "import", "--name", "calm2", "--out", out, out]] {
            let o = try Limbic.run(args)
            #expect(o.status == 2, "\(args): \(o.stderr)")
            #expect(o.stderr.contains("--out \(out) already exists; pass --force to replace it"), "\(o.stderr)")
            let folder = try Limbic.run(args.map { $0 == out ? dir : $0 } + ["--force"])
            #expect(folder.status == 2 && folder.stderr.contains("is a folder"), "\(folder.stderr)")
        }
        #expect(FileManager.default.contents(atPath: out) == Data("mine".utf8))
    }
}
