import Affect
import Engine
import Foundation
import GGUF
import SessionLog

/// Valid inputs of every format, small enough to mutate quickly: the starting points of fuzzing.
public enum FuzzSeeds {
    /// Tiny models: llama with a tied head, qwen2 with biases and its own head, and a chat model with a
    /// byte-level tokenizer and ChatML template.
    public static func models() -> [[UInt8]] {
        [TinyModel.image(arch: "llama", seed: 1), TinyModel.image(arch: "qwen2", seed: 2, tiedOutput: false),
         TinyModel.image(arch: "llama", seed: 3, vocab: TinyModel.chatVocab, context: 64, chat: true)]
    }

    /// Control vectors of one to three layers for the tiny models' width.
    public static func controlVectors() -> [[UInt8]] {
        var rng = SplitMix64(seed: 4)
        return (1...3).map { n in
            var directions: [Int: [Float]] = [:]
            for l in 1...n { directions[l] = (0..<TinyModel.hidden).map { _ in Float(rng.next() % 100) / 50 - 1 } }
            return ControlVector(modelHint: "llama", directions: directions).serialize()
        }
    }

    /// A probe set for the tiny models (written through `ProbeSet.write`, so via a file in `scratch`).
    public static func probeSets(scratch: String) throws -> [[UInt8]] {
        var rng = SplitMix64(seed: 5)
        let emotions = ["calm", "sad", "angry"], d = TinyModel.hidden
        let layers = (0..<TinyModel.layers).map { _ in
            LayerProbe(vectors: emotions.map { _ in (0..<d).map { _ in Float(rng.next() % 100) / 50 - 1 } },
                       center: [Float](repeating: 0.1, count: d), calibrationMean: [0.5, -0.5, 0], calibrationStd: [2, 1, 4])
        }
        let set = ProbeSet(emotions: emotions, layers: layers, readingLayer: 1, method: .recipe, skipTokens: 3, modelSHA256: "tiny",
                           datasetHash: "tiny", validationAccuracy: [0.5, 0.7, 0.6], accuracyUnnamed: 0.5, accuracyNamed: 0.6,
                           confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = scratch + "/seed-probes-\(getpid()).gguf"
        try? FileManager.default.removeItem(atPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try set.write(to: path, replace: true)
        return [[UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))]
    }

    /// Chat calibrations (the JSON cache beside the probe sets) for the three emotions of `probeSets`, fitted on
    /// synthetic turns.
    public static func calibrations() throws -> [[UInt8]] {
        let turns = (0..<12).map { i -> CalibrationTurn in
            let x = Float(i % 5) - 2, y = Float((i * 7) % 3)
            return CalibrationTurn(chat: i / 3, turn: i % 3, user: [x, y, x - y], userTokens: 4 + i, reply: [y, x, x + y],
                                   replyTokens: 1 + i * 3, lastBefore: [x, x, y], perToken: [[x, y, 1], [y, x, -1]],
                                   selfReport: [4 + x, 2 + y, .nan], selfReportConfident: [true, i % 2 == 0, true])
        }
        let c = ChatCalibration.fit(turns, key: "tiny", emotions: ["calm", "sad", "angry"], layer: 1, selfReportStyle: "rating")
        return [[UInt8](try c.encoded())]
    }

    /// Policy files using every part of the language (for the three emotions of `FuzzTargets.policy`).
    public static func policies() -> [[UInt8]] {
        [
            """
            # every kind of condition and action
            group low = calm, sad
            guard "sustained"
              when desperate > 2.0 for 2 turns
              then pause "{emotion} at {z} on turn {turn}"
            guard "hidden"
              when desperate > 1.5 and selfreport.desperate < 2 or not (gap.sad >= -1)
              rearm 2
              then log "self-report {selfreport}, gap {gap}, guard {guard}"
                   tell "Monitor: your {emotion} reading is {z}."
            guard "groups"
              when any(low) > 1 or all(low.last) < 3 or max(selfreport.low) != 4 or min(gap.low) <= -2 in 2 of 3 turns
              then steer calm +0.05 at 1, 2 for 2 turns
            guard "words"
              when reply matches "(?i)\\\\bpause:" or flag.hidden or flag.overclaimed
              rearm 0
              then abort "stop"
            """,
            "guard \"a\" when calm > -1 then log \"x\"\n",
        ].map { Array($0.utf8) }
    }

    /// A three-turn session log with every event kind, and its first half (a log cut off mid-session).
    public static func sessionLogs() throws -> [[UInt8]] {
        let emotions = ["calm", "sad"]
        var events: [SessionEvent] = [
            .session(SessionInfo(model: "tiny", modelSHA256: "abc", architecture: "llama",
                                 probes: .init(path: "p.gguf", layer: 1, method: "recipe", emotions: emotions, datasetHash: "d"),
                                 selfReport: .init(style: "rating", every: 1, baselineSamples: 16),
                                 settings: .init(context: 256, threads: 2))),
        ]
        for t in 0..<3 {
            events.append(.turn(TurnEvent(turn: t, role: "user", text: "hello \(t)", tokens: 5, positions: (10 * t)..<(10 * t + 5))))
            events.append(.turn(TurnEvent(turn: t, role: "assistant", text: "reply \(t)", tokens: 4, positions: (10 * t + 5)..<(10 * t + 9),
                                          prefillMs: 3, decodeMs: 8, stop: "eos")))
            for role in ["user", "assistant"] {
                let z = ["calm": Double(t) - 1, "sad": 0.5]
                events.append(.readings(ReadingsEvent(turn: t, role: role, layer: 1, tokens: 4, meanZ: z, meanRaw: z, lastBeforeZ: z, lastBeforeRaw: z)))
            }
            events.append(.selfReport(SelfReportEvent(turn: t, style: "rating", ms: 12, emotions: [
                "calm": .init(value: 4 + Double(t), dist: [0.1, 0.9], entropy: 0.4, mass: 0.9, z: 0.5, gap: 1),
                "sad": .init(value: 2, z: -0.3, gap: 0.8),
            ])))
        }
        events.append(.action(ActionEvent(turn: 2, guardName: "g", action: "log", detail: "noted")))
        events.append(.pause(PauseEvent(turn: 2, reason: "check")))
        events.append(.resume(ResumeEvent(turn: 2)))
        events.append(.feel(FeelEvent(turn: 2, text: "I feel fine.")))
        events.append(.end(EndEvent(reason: "end of script", turns: 3)))
        let bytes: [UInt8] = try events.flatMap { (e: SessionEvent) -> [UInt8] in [UInt8](try SessionLogWriter.line(e)) + [0x0A] }
        return [bytes, Array(bytes.prefix(bytes.count / 2))]
    }
}
