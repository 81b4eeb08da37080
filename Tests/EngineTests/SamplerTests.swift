import Testing
@testable import Engine

struct SamplerTests {
    let logits: [Float] = [1, 5, 3, 5, -2, 0.5]

    @Test func greedyTakesTheFirstMaximum() {
        var s = Sampler(.greedy)
        #expect(s.sample(logits) == 1)
    }

    @Test func topIndicesAreSortedWithTiesToTheLowerId() {
        #expect(Sampler.topIndices(logits, 3) == [1, 3, 2])
        #expect(Sampler.topIndices(logits, 10) == [1, 3, 2, 0, 5, 4])
    }

    @Test func sameSeedSameTokens() {
        var p = SamplingParameters(); p.temperature = 1.5; p.topK = 0; p.topP = 1; p.minP = 0; p.seed = 99
        var a = Sampler(p), b = Sampler(p)
        let x = (0..<50).map { _ in a.sample(logits) }
        #expect(x == (0..<50).map { _ in b.sample(logits) })
        #expect(Set(x).count > 2)   // temperature 1.5 spreads over several tokens
    }

    @Test func topKOneIsGreedy() {
        var p = SamplingParameters(); p.topK = 1; p.temperature = 2
        var s = Sampler(p)
        for _ in 0..<20 { #expect(s.sample([0, 9, 3]) == 1) }
    }

    @Test func minPAndTopPCutTheTail() {
        var p = SamplingParameters(); p.topK = 0; p.topP = 1; p.minP = 0.5; p.temperature = 1
        var s = Sampler(p)
        // Token 2's probability is e^-3 of token 0's: below min-p 0.5, never drawn.
        for _ in 0..<200 { #expect(s.sample([4, 4, 1]) != 2) }
        p.minP = 0; p.topP = 0.5
        s = Sampler(p)
        for _ in 0..<200 { #expect(s.sample([5, 1, 1]) == 0) }
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        var p = SamplingParameters.greedy; p.repetitionPenalty = 3
        var s = Sampler(p)
        #expect(s.sample([2, 3], history: [1]) == 0)      // 3 / 3 = 1 < 2
        #expect(s.sample([-1, -0.5], history: [1]) == 0)  // -0.5 * 3 = -1.5 < -1
    }

    @Test func logSumExpIsStable() {
        #expect(abs(Sampler.logSumExp([1000, 1000]) - (1000 + log(2.0))) < 1e-9)
    }
}

import Foundation
