import Affect
import Engine
import Foundation
import GGUF
import LimbicCLI
import Policies
import Reports
import SessionLog

/// The formats Limbic reads from users and from its own caches, each as a fuzz target: what Limbic does with an
/// input of that kind, from parsing to first use.
public enum FuzzTargets {
    /// GGUF models: open, load the weights (a tokenizer and chat template too, when the file has them), and run a
    /// forward pass of three tokens.
    public static func model(seeds: [[UInt8]]) -> FuzzTarget {
        FuzzTarget(name: "model", seeds: seeds) { bytes in
            let file = try GGUFFile(bytes: bytes, name: "fuzz-model.gguf")
            let weights = try ModelWeights(file: file)
            let ctx = InferenceContext(weights: weights, capacity: 16, threads: 1)
            let v = weights.config.vocabSize
            try ctx.evaluate([0, 1 % v, 2 % v], logits: .all)
            if file["tokenizer.ggml.model"] != nil {
                let model = try LanguageModel(file: file)
                // The context a command would make for it (`--context 16`, the smallest allowed).
                let args = try ParsedArguments(command: "fuzz", options: ModelOptions.specs, arguments: ["--context", "16"])
                _ = try ModelOptions.context(model, args)
                let ids = try model.tokenizer.encode("Hi <|im_start|>user\nhello<|im_end|> é", addSpecial: true, parseSpecial: true)
                _ = model.tokenizer.decode(ids)
                _ = try model.chatTemplate().render([.user("hello")], addGenerationPrompt: true)
            }
        }
    }

    /// Control vectors (`--steer FILE`): open and read the directions, then write them back.
    public static func controlVector(seeds: [[UInt8]]) -> FuzzTarget {
        FuzzTarget(name: "control-vector", seeds: seeds) { bytes in
            let cv = try ControlVector(file: GGUFFile(bytes: bytes, name: "fuzz-vector.gguf"))
            _ = cv.warnings
            _ = try GGUFFile(bytes: cv.serialize(), name: "round-trip.gguf")
        }
    }

    /// Probe sets (the cache and `--probe FILE`): load from a file, read a row through the monitor's recorder, and
    /// show what `probe show`/`validate` and the chat panel would.
    public static func probeSet(seeds: [[UInt8]], scratch: String) -> FuzzTarget {
        FuzzTarget(name: "probe-set", seeds: seeds) { bytes in
            _ = FileManager.default.createFile(atPath: scratch, contents: Data(bytes))
            let probes = try ProbeSet(path: scratch)
            let width = probes.layers[probes.readingLayer].center.count
            let recorder = ReadingRecorder(probes: probes, capacity: 4)
            let row = (0..<width).map { Float($0 % 7) - 3 }
            row.withUnsafeBufferPointer { recorder.receive(site: .layer(probes.readingLayer), position: 1, row: $0) }
            let readings = recorder.readings(1..<2)
            _ = recorder.perTokenZ(0..<2)
            _ = ProbeReport.summary(probes, path: scratch) + ProbeReport.summaryJSON(probes, path: scratch)
            _ = ProbeReport.validation(probes, path: scratch) + ProbeReport.validationJSON(probes)
            let m = TurnMonitoring(turn: 0, user: readings, reply: readings, selfReport: nil, selfReportZ: readings.meanZ,
                                   gap: zip(readings.meanZ, readings.lastBeforeZ).map { $0 - $1 }, readingSeconds: 0, selfReportSeconds: 0)
            _ = Panel(emotions: probes.emotions, color: true, width: 100).render(m, all: true)
        }
    }

    /// Chat calibrations (the JSON cache beside the probe sets): decode, check, and compute every kind of z with it.
    public static func calibration(seeds: [[UInt8]]) -> FuzzTarget {
        FuzzTarget(name: "calibration", seeds: seeds) { bytes in
            let c = try ChatCalibration.decode(Data(bytes))
            if let problem = c.problem(emotions: ["calm", "sad", "angry"], style: "rating") { throw FuzzRefusal(problem) }
            for kind in ReadingKind.allCases { _ = c.z([1, 4.5, -9], kind: kind, tokens: 3) }
            _ = c.selfReportZ([1, 4.5, .nan])
        }
    }

    /// Policy files (`--policy`, `limbic policy check`): compile against three emotions, render every diagnostic,
    /// and run the policy over three turns of readings (the third without a self-report).
    public static func policy(seeds: [[UInt8]]) -> FuzzTarget {
        let emotions = ["calm", "sad", "desperate"]
        func turn(_ t: Int, _ z: [Float], selfReport: Bool) -> TurnMonitoring {
            let r = Readings(layer: 1, emotions: emotions, tokens: 4, meanRaw: z, meanZ: z, lastBeforeRaw: z, lastBeforeZ: z)
            let report = selfReport ? SelfReport(style: "rating", emotions: emotions,
                                                 ratings: emotions.map { _ in AnswerDistribution(probabilities: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0], mass: 0.9) },
                                                 choice: nil, seconds: 0) : nil
            return TurnMonitoring(turn: t, user: r, reply: r, selfReport: report, selfReportZ: selfReport ? [0, 5, -1] : nil,
                                  gap: selfReport ? zip(z, [0, 5, -1]).map { $0 - $1 } : nil)
        }
        let history = [turn(0, [0.5, 3, 2.5], selfReport: true), turn(1, [.nan, 3.5, 4], selfReport: true), turn(2, [1, -2, 5], selfReport: false)]
        return FuzzTarget(name: "policy", seeds: seeds) { bytes in
            let (engine, diagnostics) = PolicyEngine.compile(String(decoding: bytes, as: UTF8.self), file: "fuzz.policy", emotions: emotions)
            for d in diagnostics { _ = d.render() }
            guard let engine else { throw FuzzRefusal(diagnostics.first?.description ?? "no policy") }
            for t in 0..<history.count {
                _ = engine.evaluate(PolicyInput(turn: t, reply: "I feel desperate. PAUSE: stuck", history: Array(history[...t])))
            }
        }
    }

    /// Session logs (`limbic report`): read, summarise, render as text and JSON.
    public static func sessionLog(seeds: [[UInt8]]) -> FuzzTarget {
        FuzzTarget(name: "session-log", seeds: seeds) { bytes in
            let contents = try SessionLogReader.read(Data(bytes), path: "fuzz.jsonl")
            let summary = SessionSummary([SessionLogFile(contents)])
            _ = summary.text()
            _ = try summary.json()
        }
    }

    /// Command lines: the input's bytes split at NUL into arguments, the first naming the command; `parse`
    /// parses and validates them as that command would before loading anything.
    public static func options(seeds: [[String]], parse: @escaping (_ arguments: [String]) throws -> Void) -> FuzzTarget {
        FuzzTarget(name: "options", seeds: seeds.map { Array($0.joined(separator: "\u{0}").utf8) }) { bytes in
            let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            try parse(arguments)
        }
    }

    /// Realistic command lines to mutate, one per command and option family.
    public static let commandLines: [[String]] = [
        ["chat", "--temp", "0.7", "--top-k", "40", "--top-p", "0.9", "--max-tokens", "40", "--selfreport-every", "2"],
        ["chat", "--context", "256", "--selfreport", "choice", "--method", "mean-diff", "--log", "run.jsonl"],
        ["generate", "--steer", "calm.gguf:0.08n@10-14#3-", "--steer-norm", "--prompt", "Hi", "--seed", "7"],
        ["logits", "--top", "10", "--steer", "calm.gguf:4@18#0-5", "--json", "Today I feel"],
        ["capture", "--layers", "10-14,20", "--positions", "0-8", "--out", "acts.gguf", "I feel calm"],
        ["capture", "--layers", "all", "--norms", "--json", "The capital of France is"],
        ["bench", "--threads", "2", "--prompt-tokens", "512", "--gen-tokens", "128", "--capture", "all", "--runs", "3"],
        ["probe", "export", "--llama-cpp", "calm", "--out", "calm.gguf"],
        ["probe", "validate", "--json", "--probe", "p.gguf"],
        ["tokenize", "--no-special", "--json", "Hello world"],
        ["models", "info", "smollm2-135m-instruct"],
        ["report", "--json", "a.jsonl", "b.jsonl"],
    ]
}

/// A refusal by a check that returns its reason rather than throwing.
struct FuzzRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ reason: String) { description = reason }
}
