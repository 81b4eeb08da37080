import Foundation
import Testing

/// `limbic probe causal` on the real default model: steering with an emotion's mean-difference vector at 0.1 of
/// the residual norm should move that emotion's reading and its words more than random vectors of the same norm.
/// The mean-difference probe set is fitted beside the first probe build (ProbeOptions.companions); then about 10 s.
@Suite(.serialized, .tags(.model))
struct CausalTests {
    @Test func emotionVectorsBeatRandomVectorsOfTheSameNorm() throws {
        _ = try Limbic.ensureModel(ProbeTests.model)
        let r = try Limbic.json(["probe", "causal", "--strengths", "0.1", "--json", "--threads", "2"])
        let emotions = r["emotions"] as? [String] ?? []
        #expect(emotions.count == 16)
        let steering = r["steering_layer"] as? Int ?? -1, reading = r["read_layer"] as? Int ?? -1
        #expect(reading == min(steering + 4, 29), "read 4 layers after the steering layer \(steering): \(reading)")
        #expect((r["skip_tokens"] as? Int ?? 0) >= 1, "position 0 is never steered")
        let rows = r["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 1)
        guard let row = rows.first else { return }
        func estimate(_ key: String) -> (mean: Double, low: Double, high: Double)? {
            guard let e = row[key] as? [String: Any], let m = e["mean"] as? Double, let lo = e["low"] as? Double,
                  let hi = e["high"] as? Double else { return nil }
            return (m, lo, hi)
        }
        // Measured (8 texts × 16 emotions): own rise +0.66 z [+0.58, +0.74] against random +0.00; words +0.62
        // [+0.50, +0.73] against random -0.02. The bounds leave room for other CPUs' rounding, not for no effect.
        let diff = estimate("own_minus_random"), words = estimate("word_shift_minus_random")
        #expect((diff?.low ?? 0) > 0.2, "own reading rise minus the random vectors': \(String(describing: diff))")
        #expect((words?.low ?? 0) > 0.1, "own-word log-probability change minus the random vectors': \(String(describing: words))")
        let own = estimate("own_rise")?.mean ?? 0, others = estimate("other_rise")?.mean ?? 1
        #expect(own > others + 0.3, "own rise \(own) against the other emotions' \(others)")
        #expect((row["top_risers"] as? Int ?? 0) >= 6, "emotions whose own reading rose most: \(row["top_risers"] ?? "none")")
        // Every emotion has at least one single-token word on this tokenizer.
        let words16 = r["words"] as? [String: [String]] ?? [:]
        #expect(words16.count == 16 && words16.values.allSatisfy { !$0.isEmpty }, "\(words16)")
    }
}
