import Foundation
import GGUF
import Testing

/// The command line as a user meets it, on the real default model.
@Suite(.tags(.model))
struct CLITests {
    static let model = "smollm2-135m-instruct"
    let prompt = "The capital of France is"

    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("limbic-\(UUID())-\(name)").path
    }

    func topLogits(_ extra: [String]) throws -> [[String: Any]] {
        _ = try Limbic.ensureModel(Self.model)
        let out = try Limbic.json(["logits", "--json", "--top", "5", "--threads", "1"] + extra, input: prompt)
        return out["top"] as? [[String: Any]] ?? []
    }

    /// A deterministic direction of SmolLM2's width (576) at layers 5 and 10, written as a control vector.
    func controlVector() throws -> String {
        var w = GGUFWriter()
        w.set("general.architecture", "controlvector")
        w.set("controlvector.model_hint", "llama")
        w.set("controlvector.layer_count", .uint32(2))
        for layer in [5, 10] {
            w.addTensor("direction.\(layer)", dims: [576], floats: (0..<576).map { Float(($0 * 37 + layer) % 11) / 11 - 0.45 })
        }
        let path = tempPath("cv.gguf")
        try w.write(to: path, replace: false)
        return path
    }

    @Test func steeringThroughTheCommandLine() throws {
        let cv = try controlVector()
        defer { try? FileManager.default.removeItem(atPath: cv) }
        let plain = try topLogits([])
        func same(_ a: [[String: Any]], _ b: [[String: Any]]) -> Bool {
            a.map { "\($0["id"]!) \($0["logit"]!)" } == b.map { "\($0["id"]!) \($0["logit"]!)" }
        }
        #expect(same(try topLogits(["--steer", cv + ":0"]), plain))                  // zero strength: identical
        #expect(same(try topLogits(["--steer", cv + ":30@10#100-"]), plain))         // positions after the prompt
        #expect(!same(try topLogits(["--steer", cv + ":30@10"]), plain))             // absolute strength moves logits
        #expect(!same(try topLogits(["--steer", cv + ":0.5n@5"]), plain))            // relative strength too
        let steered = try topLogits(["--steer", cv + ":30@10"])
        #expect(!same(try topLogits(["--steer", cv + ":30@10", "--steer-norm"]), steered))   // norm-preserving differs
        let bad = try Limbic.run(["logits", "--steer", cv + ":1@3", prompt])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("has no direction for layer 3"))
    }

    @Test func badInputIsOneClearLineAndANonZeroExit() throws {
        _ = try Limbic.ensureModel(Self.model)
        let corrupt = tempPath("corrupt.gguf")
        try Data("GGUF\u{3}\0\0\0garbage".utf8).write(to: URL(fileURLWithPath: corrupt))
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        let cases: [([String], Int32, String)] = [
            (["logits", "--model", corrupt, "hi"], 1, "truncated"),
            (["logits", "--model", "/nonexistent/model.gguf", "hi"], 1, "no such model file"),
            (["logits", "--model", "no-such-model", "hi"], 1, "smollm2-135m-instruct"),
            (["logits", "--context", "16", String(repeating: "word ", count: 40)], 1, "the context holds 16 tokens"),
            (["logits", "--bogus"], 2, "unknown option '--bogus'"),
            (["generate", "--temp", "hot"], 2, "--temp needs a number"),
            (["frobnicate"], 2, "unknown command 'frobnicate'"),
        ]
        for (args, status, message) in cases {
            let o = try Limbic.run(args)
            #expect(o.status == status, "\(args): exit \(o.status), stderr \(o.stderr)")
            #expect(o.stderr.contains(message), "\(args): \(o.stderr)")
            #expect(!o.stderr.contains("Fatal error"), "\(args) crashed")
        }
    }

    @Test func everyCommandHasHelpWithAnExample() throws {
        let top = try Limbic.run(["--help"])
        #expect(top.status == 0)
        let names = ["chat", "generate", "tokenize", "logits", "capture", "bench", "models"]
        for name in names {
            #expect(top.stdout.contains("  \(name)"), "top-level help lists \(name)")
            let o = try Limbic.run([name, "--help"])
            #expect(o.status == 0)
            #expect(o.stdout.contains("Usage: limbic \(name)"))
            #expect(o.stdout.contains("Examples:\n  limbic \(name)"), "\(name) --help has an example")
        }
    }

    @Test func scriptedChatAnswersAndExits() throws {
        _ = try Limbic.ensureModel(Self.model)
        let o = try Limbic.run(["chat", "--no-monitor", "--temp", "0", "--max-tokens", "12"], input: "What is 2+2?\n/clear\nSay hi.\n/exit\nnot read\n")
        #expect(o.status == 0, "\(o.stderr)")
        let replies = o.stdout.split(separator: "\n").filter { !$0.isEmpty }
        #expect(replies.count >= 2, "two replies: \(o.stdout)")
        #expect(o.stderr.contains("(conversation cleared)"))
    }

    @Test func greedyGenerationIsDeterministic() throws {
        _ = try Limbic.ensureModel(Self.model)
        let args = ["generate", "--temp", "0", "--max-tokens", "16", "--prompt", "Once upon a time"]
        let a = try Limbic.run(args), b = try Limbic.run(args + ["--threads", "1"])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout.count > 20)
        let seeded = ["generate", "--temp", "1", "--seed", "7", "--max-tokens", "16", "--prompt", "Once upon a time"]
        #expect(try Limbic.run(seeded).stdout == Limbic.run(seeded).stdout)
    }
}

/// Registry facts come from the registry: nothing is downloaded to describe a model or to refuse one.
struct RegistryWithoutDownloadTests {
    /// An empty home and a python that fails at once: any attempt to fetch would fail the command.
    func noFetching() throws -> [String: String] {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-empty-\(UUID())").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        return ["LIMBIC_HOME": home, "LIMBIC_PYTHON": "/bin/false"]
    }

    @Test func infoOfAnUncachedModelReadsTheRegistry() throws {
        let env = try noFetching()
        let o = try Limbic.run(["models", "info", "qwen2.5-coder-1.5b-instruct"], environment: env)
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.contains("sha256         cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"))
        #expect(o.stdout.contains("temperature 0.7, top-k 20, top-p 0.8"))
        #expect(o.stdout.contains("cached         no"))
        #expect(!FileManager.default.fileExists(atPath: env["LIMBIC_HOME"]! + "/models"))
    }

    /// Every registry model runs now (gemma3 was the last refused before download), so the refusal is checked on a
    /// file of an architecture Limbic has no block file for: one line naming it and the supported ones.
    @Test func anUnsupportedArchitectureIsRefusedByName() throws {
        let env = try noFetching()
        var w = GGUFWriter()
        w.set("general.architecture", "mamba")
        w.set("mamba.block_count", UInt32(1))
        let path = env["LIMBIC_HOME"]! + "-mamba.gguf"
        try Data(w.serialize()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let o = try Limbic.run(["generate", "--model", path, "--prompt", "hi"], environment: env)
        #expect(o.status == 1)
        #expect(o.stderr.contains("architecture 'mamba' is not supported (supported: llama, qwen2, gemma3)"), "\(o.stderr)")
        #expect(o.stderr.split(separator: "\n").count == 1)
    }
}

/// `limbic report` with no log reports the latest session of $LIMBIC_HOME, with words that fit its numbers.
struct ReportLatestTests {
    @Test func theLatestSessionIsReportedAndOneTurnIsOneTurn() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-report-\(UUID())").path
        try FileManager.default.createDirectory(atPath: home + "/sessions", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let empty = try Limbic.run(["report"], environment: ["LIMBIC_HOME": home])
        #expect(empty.status == 2 && empty.stderr.contains("no session logs in"), "\(empty.stderr)")
        func log(_ name: String, model: String) throws {
            let session = #"{"event":"session","schema":1,"time":1,"model":"\#(model)","model_sha256":"x","architecture":"llama","probes":{"path":"p","layer":1,"method":"recipe","emotions":["calm"],"dataset_hash":"d"},"selfreport":{"style":"rating","every":1,"baseline_samples":16},"policy":[],"settings":{"context":256,"threads":1}}"#
            let turn = #"{"event":"turn","time":2,"turn":0,"role":"user","text":"hi","tokens":2,"positions":[0,2]}"#
            let end = #"{"event":"end","time":3,"reason":"eof","turns":1}"#
            try [session, turn, end].joined(separator: "\n").write(toFile: home + "/sessions/" + name, atomically: true, encoding: .utf8)
        }
        try log("a.jsonl", model: "older.gguf")
        Thread.sleep(forTimeInterval: 1.1)
        try log("b.jsonl", model: "newer.gguf")
        let o = try Limbic.run(["report"], environment: ["LIMBIC_HOME": home])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.contains("newer.gguf, 1 turn\n") || o.stdout.contains("newer.gguf, 1 turn "), "\(o.stdout)")
        #expect(o.stdout.contains("too few turns"))
    }
}
