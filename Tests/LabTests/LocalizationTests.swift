import Foundation
import Testing
import TestSupport
@testable import Engine
@testable import Lab
@testable import Tokenizers

/// Localization on the tiny chat model: each sentence's span is its own text, and nothing but the chosen
/// sentence is steered.
struct LocalizationTests {
    let sentences = ["The bus was late today.", "A kettle sat on the stove.", "We painted the fence green.",
                     "Rain fell on the quiet street.", "She folded the letters neatly."]

    @Test func eachSpanIsItsSentence() throws {
        let model = try TinyModel.chatModel()
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let (head, spans, tails) = try Localization.layout(encoder, sentences: sentences)
        #expect(tails.count == Localization.probes.count)
        for (i, span) in spans.enumerated() {
            let text = model.tokenizer.decode(Array(head[span]))
            #expect(text.contains(sentences[i].dropLast()), "sentence \(i + 1): '\(text)'")
            for (j, s) in sentences.enumerated() where j != i { #expect(!text.contains(s), "span \(i + 1) holds sentence \(j + 1)") }
        }
        for (tail, probe) in zip(tails, Localization.probes) {
            #expect(model.tokenizer.decode(tail).hasSuffix(probe.prefill), "\(model.tokenizer.decode(tail))")
        }
    }

    @Test func strengthZeroIsNoInjectionAndTheTargetMatters() throws {
        let model = try TinyModel.chatModel()
        let digits = [49, 50, 51, 52, 53]   // the tiny model's byte tokens "1"-"5"
        let v = (0..<model.config.hiddenSize).map { Float(($0 * 31) % 11) - 5 }
        let none = try Localization.trial(model: model, sentences: sentences, target: nil, steering: nil, digits: digits)
        let zero = try Localization.trial(model: model, sentences: sentences, target: 2, steering: (v, 0, 1), digits: digits)
        #expect(zero == none)
        #expect(none.digits.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-9 })
        let second = try Localization.trial(model: model, sentences: sentences, target: 1, steering: (v, 40, 1), digits: digits)
        let fourth = try Localization.trial(model: model, sentences: sentences, target: 3, steering: (v, 40, 1), digits: digits)
        #expect(second != none && second != fourth, "where the vector goes changes the answer")
    }
}
