import Foundation
import Testing

/// The rating self-report on the real models: which tokens its answer digits are, and the batched evaluation (every
/// emotion's answer in one batch) against one fork per emotion.
@Suite(.tags(.model))
struct SelfReportModelTests {
    /// The rating template's answer is "{Emotion}:" and a choice follows after one space. The three tokenizers split
    /// digits one by one and keep that space a token of its own, so every emotion's answer ends in the same space
    /// token and the digit is the next one. Ids from `limbic tokenize --no-special --json 'Calm: D'` for D in 0…9,
    /// checked against the vocabularies (SmolLM2: "0" is id 32, "Ġ" 216; Qwen2.5: "0" is id 15, "Ġ" 220).
    static let smolLM2 = (space: 216, digits: Array(32...41))
    static let qwen25 = (space: 220, digits: Array(15...24))
    /// Gemma 3 (SentencePiece): "▁" is id 236743 and the digits are single tokens, not in order.
    static let gemma3 = (space: 236743, digits: [236771, 236770, 236778, 236800, 236812, 236810, 236825, 236832, 236828, 236819])

    /// The last two tokens of "Calm: D" for each digit D.
    func answerEnds(model: String) throws -> [[Int]] {
        try (0...9).map { d in
            let ids = try Limbic.json(["tokenize", "--model", model, "--no-special", "--json", "Calm: \(d)"])["tokens"] as? [Int] ?? []
            return Array(ids.suffix(2))
        }
    }

    @Test func smolLM2AnswerDigitTokens() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        #expect(try answerEnds(model: "smollm2-135m-instruct") == Self.smolLM2.digits.map { [Self.smolLM2.space, $0] })
    }

    @Test func gemma3AnswerDigitTokens() throws {
        _ = try Limbic.ensureModel("gemma-3-270m")
        #expect(try answerEnds(model: "gemma-3-270m") == Self.gemma3.digits.map { [Self.gemma3.space, $0] })
    }

    /// Tokenizer only (no forward pass), so cheap; cancelled with the reason when Qwen is not in the cache.
    @Test(.tags(.qwen)) func qwen25AnswerDigitTokens() throws {
        let list = try Limbic.run(["models", "list"])
        let row = list.stdout.split(separator: "\n").first { $0.hasPrefix("| qwen2.5-coder-1.5b-instruct ") }
        guard let row, !row.hasSuffix("| no |") else {
            try Test.cancel("Qwen2.5-Coder-1.5B is not in the model cache: 'limbic models pull qwen2.5-coder-1.5b-instruct' fetches it (1.1 GB)")
        }
        #expect(try answerEnds(model: "qwen2.5-coder-1.5b-instruct") == Self.qwen25.digits.map { [Self.qwen25.space, $0] })
    }

    /// `limbic bench --selfreport` asks the shipped rating question both ways on a fixed two-turn conversation and
    /// prints both distributions: they must agree per emotion within 1e-3 (they agree to ~1e-6 in practice).
    @Test func batchedRatingsEqualOneForkPerEmotionOnSmolLM2() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let out = try Limbic.json(["bench", "--selfreport", "--json", "--runs", "1", "--threads", "2"])
        let emotions = out["emotions"] as? [String] ?? []
        let batched = out["batched"] as? [[Double]] ?? [], sequential = out["sequential"] as? [[Double]] ?? []
        #expect(emotions.count == 16 && batched.count == 16 && sequential.count == 16)
        for (e, (a, b)) in zip(emotions, zip(batched, sequential)) {
            #expect(a.count == 10 && b.count == 10)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-3, "\(e): max |Δp| \(worst)")
            #expect(abs(a.reduce(0, +) - 1) < 1e-4)
        }
        let massA = out["batched_mass"] as? [Double] ?? [], massB = out["sequential_mass"] as? [Double] ?? []
        #expect(massA.count == 16 && zip(massA, massB).allSatisfy { abs($0 - $1) < 1e-3 })
        #expect((out["choice_ids"] as? [[Int]] ?? []) == Array(repeating: Self.smolLM2.digits, count: 16))
        #expect((out["question_tokens"] as? Int ?? 0) > 0 && (out["answer_tokens"] as? Int ?? 0) >= 3 * 16)
    }
}
