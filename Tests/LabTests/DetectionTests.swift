import Foundation
import Testing
import TestSupport
@testable import Engine
@testable import Lab
@testable import Tokenizers

/// The detection protocol on the tiny chat model: where the injection goes, what strength 0 gives, and the
/// layout of the two turns.
struct DetectionTests {
    func detection() -> Detection {
        var d = Detection(preamble: "We may put a thought into your mind.", question: "Do you notice a thought?", controls: ["Do you like fruit?", "Are you a cat?"])
        d.answerIDs = (yes: [121, 89], no: [110, 78])   // the tiny model's byte tokens y, Y and n, N
        return d
    }

    @Test func theFirstTurnIsAPrefixAndTheQuestionSpansAreItsText() throws {
        let model = try TinyModel.chatModel()
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let (first, tails, spans) = try detection().layout(encoder, system: nil)
        #expect(tails.count == 3 && spans.count == 3)
        let prefill = try model.tokenizer.encode(Detection.prefill, addSpecial: false, parseSpecial: false)
        for (tail, span) in zip(tails, spans) {
            #expect(Array(tail.suffix(prefill.count)) == prefill, "every tail ends with the prefill")
            #expect(span.lowerBound >= first.count && span.upperBound <= first.count + tail.count - prefill.count)
        }
        let q = Array((first + tails[0])[spans[0]])
        #expect(model.tokenizer.decode(q).contains("Do you notice a thought?"), "\(model.tokenizer.decode(q))")
    }

    /// The lens read at the last layer is the answer itself; earlier layers read something else; asking for the
    /// lens changes no answer.
    @Test func theLogitLensEndsAtTheAnswer() throws {
        let model = try TinyModel.chatModel()
        let plain = try detection().trial(model: model, system: nil, steering: nil)
        let lensed = try detection().trial(model: model, system: nil, steering: nil, lens: true)
        let lens = try #require(lensed.lens)
        #expect(plain.lens == nil && lens.count == model.config.layerCount)
        #expect(abs(lens.last! - lensed.detection.logOdds) < 1e-3, "\(lens.last!) vs \(lensed.detection.logOdds)")
        #expect(Set(lens.map { ($0 * 1000).rounded() }).count > 1, "the layers read differently")
        #expect(lensed.detection == plain.detection && lensed.controls == plain.controls)
        #expect(DetectionStudy.firstMovingLayer([0, 0.1, 2, 1.2, 2]) == 2)
        #expect(DetectionStudy.firstMovingLayer([1, -1, 2, 2]) == 2 && DetectionStudy.firstMovingLayer([0.5, 0.02]) == nil)
        #expect(throws: EngineError.self) { try model.makeSequence(capacity: 8, threads: 1).lens([1, 2, 3], readout: .logits) }
    }

    @Test func strengthZeroIsTheBaseTrialAndAnInjectionMovesTheAnswers() throws {
        let model = try TinyModel.chatModel()
        let width = model.config.hiddenSize
        let base = try detection().trial(model: model, system: nil, steering: nil)
        let v = (0..<width).map { Float(($0 * 7919) % 13) - 6 }
        let zero = try detection().trial(model: model, system: nil, steering: (v, 0, 1))
        #expect(zero == base, "strength 0 gives exactly the base answers")
        #expect(base.controls.count == 2 && base.detection.mass > 0 && base.detection.mass <= 1)
        let strong = try detection().trial(model: model, system: nil, steering: (v, 50, 1))
        #expect(strong.detection.logOdds != base.detection.logOdds, "an injection in the first turn reaches the answer through the cache")
        // On the question's own tokens instead: also moves it, and differently.
        var q = detection()
        q.injectAt = .question
        let onQuestion = try q.trial(model: model, system: nil, steering: (v, 50, 1))
        #expect(onQuestion.detection.logOdds != strong.detection.logOdds)
        #expect(try q.trial(model: model, system: nil, steering: (v, 0, 1)) == base)
    }

    @Test func estimatesAndTheirIntervals() {
        let e = Estimate([1, 2, 3, 4])
        #expect(e.mean == 2.5 && e.n == 4)
        #expect(abs(e.high - e.mean - 1.96 * (5.0 / 3).squareRoot() / 2) < 1e-12)
        #expect(Estimate([]).mean.isNaN)
    }
}
