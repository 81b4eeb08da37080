import Affect
import Engine
import Foundation
import Testing

/// The calibration against neutral chat (issue 11): span nulls, family-wise thresholds, missing values.
struct ChatCalibrationTests {
    func gaussian(_ rng: inout SplitMix64) -> Float {
        let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    /// Spans with a known structure: a per-turn offset of variance `a` plus tokens of variance `b` around it;
    /// lengths from `lengths`.
    func spans(_ count: Int, a: Float, b: Float, mean: Float, lengths: [Int], seed: UInt64) -> [(raw: [Float], tokens: Int, rows: [[Float]])] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let n = lengths[i % lengths.count]
            let offset = mean + a.squareRoot() * gaussian(&rng)
            let rows = (0..<n).map { _ in [offset + b.squareRoot() * gaussian(&rng)] }
            return ([rows.reduce(0) { $0 + $1[0] } / Float(n)], n, rows)
        }
    }

    @Test func aSpanNullSeparatesTurnSpreadFromTokenNoise() {
        // Mixed lengths, and every reply at one length (a reply cap): b comes from the tokens, so both work.
        for lengths in [[1, 4, 16, 64, 200], [64]] {
            let null = SpanNull(samples: spans(2000, a: 0.25, b: 4, mean: 1.5, lengths: lengths, seed: 1), width: 1)
            #expect(abs(null.mean[0] - 1.5) < 0.05)
            #expect(abs(null.between[0] - 0.25) < 0.06 && abs(null.within[0] - 4) < 0.2, "\(lengths): \(null)")
            // On fresh spans of every length, z has unit spread: a short reply is not "unusual" for being short.
            for n in [2, 16, 200] {
                let z = spans(3000, a: 0.25, b: 4, mean: 1.5, lengths: [n], seed: 2 + UInt64(n)).map { null.z($0.raw, tokens: n)[0] }
                let sd = (z.reduce(0) { $0 + $1 * $1 } / Float(z.count)).squareRoot()
                #expect(abs(sd - 1) < 0.08, "\(lengths), n = \(n): sd \(sd), \(null)")
            }
            #expect(null.z([3], tokens: 0)[0].isNaN, "an empty span is missing, not a number")
        }
    }

    @Test func familyWiseThresholdsMatchTheMaxOfSixteen() {
        var rng = SplitMix64(seed: 3)
        let independent = (0..<3000).map { _ in (0..<16).map { _ in gaussian(&rng) } }
        // P(max |z| > t) = 5% over 16 independent normals: t ≈ 2.95; one-sided (max z): ≈ 2.73.
        #expect(abs(FamilyWise.threshold(independent, oneSided: false) - 2.95) < 0.15)
        #expect(abs(FamilyWise.threshold(independent, oneSided: true) - 2.73) < 0.15)
        // Sixteen copies of one number are one test: t ≈ 1.96.
        let same = (0..<3000).map { _ in [Float](repeating: gaussian(&rng), count: 16) }
        #expect(abs(FamilyWise.threshold(same, oneSided: false) - 1.96) < 0.15)
    }

    @Test func aThresholdFromOneHalfKeepsTheOtherUnderBudget() {
        var rng = SplitMix64(seed: 4)
        // Correlated emotions with unequal spread, like readings: a shared factor plus noise.
        func row() -> [Float] { let f = gaussian(&rng); return (0..<16).map { _ in 0.6 * f + 0.8 * gaussian(&rng) } }
        let fit = (0..<200).map { _ in row() }, heldOut = (0..<4000).map { _ in row() }
        let t = FamilyWise.threshold(fit, oneSided: false)
        let rate = Float(heldOut.filter { $0.contains { abs($0) > t } }.count) / Float(heldOut.count)
        #expect(rate <= 0.07 && rate >= 0.01, "held-out false-alarm rate \(rate) at t = \(t)")
    }

    func turns(_ count: Int, seed: UInt64, selfReport: Bool = true) -> [CalibrationTurn] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let n = 5 + (i * 7) % 60
            let reply = (0..<4).map { e in Float(e) + 0.3 * gaussian(&rng) + (1 / Float(n)).squareRoot() * gaussian(&rng) }
            let user = (0..<4).map { _ in gaussian(&rng) }
            let tokens = (0..<3).map { _ in (0..<4).map { e in Float(e) + gaussian(&rng) } }
            let report = (0..<4).map { _ in 3 + 0.8 * gaussian(&rng) }
            return CalibrationTurn(chat: i / 4, turn: i % 4, user: user, userTokens: 10, reply: reply, replyTokens: n,
                                   lastBefore: user, perToken: tokens, selfReport: selfReport ? report : nil,
                                   selfReportConfident: [true, true, true, i % 3 != 0])
        }
    }

    @Test func fittedFlagsFireOnFewHeldOutNeutralTurns() throws {
        let emotions = ["calm", "sad", "angry", "afraid"]
        let c = ChatCalibration.fit(turns(400, seed: 5), key: "k", emotions: emotions, layer: 1, selfReportStyle: "rating")
        #expect(c.problem(emotions: emotions, style: "rating") == nil)
        #expect(c.readingThreshold.isFinite && c.gapThreshold.isFinite && c.gapThreshold > c.readingThreshold)
        #expect(c.selfReport.map { $0.std.allSatisfy { $0 >= ChatCalibration.selfReportStdFloor } } == true)
        // Held-out turns through the monitor's own flag logic.
        let held = turns(1000, seed: 6).map { t -> TurnMonitoring in
            let z = c.z(t.reply, kind: .reply, tokens: t.replyTokens)
            let r = Readings(layer: 1, emotions: emotions, tokens: t.replyTokens, meanRaw: t.reply, meanZ: z, lastBeforeRaw: t.lastBefore,
                             lastBeforeZ: c.z(t.lastBefore, kind: .lastBefore, tokens: 1))
            let report = SelfReport(style: "rating", emotions: emotions, ratings: t.selfReport!.map { v in
                var p = [Float](repeating: 0, count: 10)
                let lo = Int(min(max(v, 0), 8.999)), f = min(max(v, 0), 8.999) - Float(lo)
                p[lo] = 1 - f
                p[lo + 1] = f
                return AnswerDistribution(probabilities: p, mass: 0.9)
            }, choice: nil, seconds: 0)
            let sz = c.selfReportZ(report.zScale)
            var m = TurnMonitoring(turn: t.turn, user: r, reply: r, selfReport: report, selfReportZ: sz, gap: zip(z, sz).map { $0 - $1 })
            m.readingThreshold = c.readingThreshold
            m.gapThreshold = c.gapThreshold
            return m
        }
        let rates = FalseAlarms.measure(held)
        for r in rates {
            #expect(r.turns == 1000)
            #expect(r.rate <= 0.08, "\(r.name): \(r.fired) of \(r.turns)")
        }
        #expect(rates.first { $0.name == "flag.any" }!.fired > 0, "a budget of 5% is used, not wasted")
    }

    @Test func withoutSelfReportsThereIsNoSelfReportNullAndNoGapThreshold() throws {
        let c = ChatCalibration.fit(turns(40, seed: 7, selfReport: false), key: "k", emotions: ["a", "b", "c", "d"], layer: 1,
                                    selfReportStyle: "rating")
        #expect(c.selfReport == nil && c.gapThreshold == .infinity)
        #expect(c.selfReportZ([1, 2, 3, 4]).allSatisfy { $0.isNaN })
        // The cache file keeps an infinite threshold and reads back equal.
        let back = try ChatCalibration.decode(c.encoded())
        #expect(back.gapThreshold == .infinity && back.key == c.key && back.reply == c.reply)
        #expect(back.problem(emotions: ["a", "b", "c", "d"], style: "rating") == nil)
        #expect(back.problem(emotions: ["a", "b", "c"], style: "rating") != nil)
        #expect(back.problem(emotions: ["a", "b", "c", "d"], style: "choice") != nil)
        var damaged = back
        damaged.reply.mean[2] = .nan
        #expect(damaged.problem(emotions: ["a", "b", "c", "d"], style: "rating")?.contains("'reply.mean' of 'c'") == true)
    }

    @Test func selfReportsBelowTheMassFloorAreMissing() {
        let sure = AnswerDistribution(probabilities: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0], mass: 0.8)
        let crumbs = AnswerDistribution(probabilities: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0], mass: 0.3)
        let r = SelfReport(style: "rating", emotions: ["a", "b"], ratings: [sure, crumbs], choice: nil, seconds: 0)
        #expect(r.values[0] == 3 && r.values[1].isNaN && r.zScale[1].isNaN)
        // Choice: log-odds, so an option almost never chosen still has a spread to measure.
        let choice = SelfReport(style: "choice", emotions: ["a", "b"], ratings: [],
                                choice: AnswerDistribution(probabilities: [0.9, 0.1], mass: 0.7), seconds: 0)
        #expect(abs(choice.zScale[0] - log(9)) < 1e-4 && abs(choice.zScale[1] + log(9)) < 1e-4)
        let unsure = SelfReport(style: "choice", emotions: ["a", "b"], ratings: [],
                                choice: AnswerDistribution(probabilities: [0.9, 0.1], mass: 0.2), seconds: 0)
        #expect(unsure.zScale.allSatisfy { $0.isNaN } && unsure.values.allSatisfy { $0.isNaN })
    }

    @Test func contentPositionsLeaveOutTemplateTokensAndTheFirstPositions() {
        // <s>=0 (control) … "<|im_start|>"=1 "user"=2 "\n"=3 "Hi"=4 " there"=5 "<|im_end|>"=6 "\n"=7 "<|im_start|>"=1 "assistant"=8 "\n"=3 "Yo"=9
        let text = [0: "<s>", 1: "<|im_start|>", 2: "user", 3: "\n", 4: "Hi", 5: " there", 6: "<|im_end|>", 7: "\n", 8: "assistant", 9: "Yo"]
        let tokens = [4, 5, 4, 1, 2, 3, 4, 5, 6, 7, 1, 8, 3, 9, 9]
        let c = ContentPositions(tokens: tokens, isControl: { [0, 1, 6].contains($0) }, text: { text[$0]! })
        let kept = tokens.indices.filter(c.contains)
        #expect(kept == [6, 7, 13, 14], "the first \(ContentPositions.skip) positions, the control tokens and their headers are left out")
    }
}
