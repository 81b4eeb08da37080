import Foundation
import Testing
import TestSupport
import Tokenizers
@testable import Affect
@testable import Engine

/// The batched self-report (every emotion's answer in one batch over the shared question) against one fork per
/// emotion, on the tiny chat model.
struct SelfReportBatchTests {
    let emotions = ["calm", "sad", "angry", "afraid", "happy", "desperate"]
    /// The shipped rating question's shape: one question for all emotions, the emotion named in the answer only.
    let rating = SelfReportTemplate(style: "rating", question: "Rate the emotion you name from 0 to 9, as \"Emotion: digit\".",
                                    answer: "{Emotion}:", choices: (0...9).map(String.init))
    let conversation = [ChatMessage(role: "user", content: "Hi there"), ChatMessage(role: "assistant", content: "Hello!"),
                        ChatMessage(role: "user", content: "How was your day?"), ChatMessage(role: "assistant", content: "Fine, thanks.")]

    func conversationContext(_ model: LanguageModel) throws -> InferenceContext {
        let ctx = model.makeContext(capacity: 1024, threads: 2)
        try ctx.evaluate(try ChatEncoder(template: model.chatTemplate(), tokenizer: model.tokenizer).encode(conversation, addGenerationPrompt: false),
                         logits: .none)
        return ctx
    }

    func expectClose(_ a: [AnswerDistribution], _ b: [AnswerDistribution], _ what: String) {
        #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) answers")
        for (i, (x, y)) in zip(a, b).enumerated() {
            #expect(x.probabilities.count == y.probabilities.count)
            let worst = zip(x.probabilities, y.probabilities).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-3, "\(what) \(i): max |Δp| \(worst)")
            #expect(abs(x.mass - y.mass) < 1e-3, "\(what) \(i): mass \(x.mass) vs \(y.mass)")
        }
    }

    @Test func batchedRatingsEqualOneForkPerEmotion() throws {
        let model = try TinyModel.chatModel()
        let reporter = SelfReporter(model: model, chat: try model.chatTemplate(), emotions: emotions)
        let ctx = try conversationContext(model)
        let plan = try reporter.plan(rating, messages: conversation)
        #expect(plan.branches.count == emotions.count && plan.branches.allSatisfy { !$0.isEmpty })
        #expect(plan.choiceIDs.allSatisfy { $0.count == 10 })
        // Byte-level tokens: each branch is the emotion's name, the colon and the space ("Calm: " is 6 tokens).
        #expect(plan.branches.map(\.count) == emotions.map { $0.utf8.count + 2 })
        let batched = try reporter.ask(rating, messages: conversation, context: ctx, evaluation: .batched)
        let sequential = try reporter.ask(rating, messages: conversation, context: ctx, evaluation: .sequential)
        expectClose(batched.ratings, sequential.ratings, "rating")
        #expect(try ctx.position == conversationContext(model).position)
    }

    @Test func batchedRatingsUnderSteeringEqualForks() throws {
        let model = try TinyModel.chatModel()
        let reporter = SelfReporter(model: model, chat: try model.chatTemplate(), emotions: emotions)
        let ctx = try conversationContext(model)
        var rng = SplitMix64(seed: 11)
        let v = (0..<TinyModel.hidden).map { _ in Float(rng.next() % 1000) / 250 - 2 }
        ctx.hooks.steering = [Steering(site: .layer(1), vector: v, strength: 2)]
        let batched = try reporter.ask(rating, messages: conversation, context: ctx, evaluation: .batched)
        let sequential = try reporter.ask(rating, messages: conversation, context: ctx, evaluation: .sequential)
        expectClose(batched.ratings, sequential.ratings, "steered rating")
    }

    /// A choice question asked with its options in several orders: the orders share only the text before the
    /// options, so each tail is tens of tokens.
    @Test func longTailsOfRotatedChoiceQuestions() throws {
        let model = try TinyModel.chatModel()
        let chat = try model.chatTemplate()
        let reporter = SelfReporter(model: model, chat: chat, emotions: emotions)
        let letters = ["A", "B", "C", "D", "E", "F"]
        let (answer, ids) = try reporter.choiceTokens(answer: "Letter:", choices: letters, style: "choice")
        let sequences = try (0..<3).map { r -> [Int] in
            let order = Array(emotions[(2 * r)...] + emotions[..<(2 * r)])
            let options = zip(letters, order).map { "\($0)) \($1)" }.joined(separator: "\n")
            return try reporter.sequence(messages: conversation, question: "Which one?\n" + options, answerPrefix: answer)
        }
        let plan = SelfReporter.split(sequences, choiceIDs: Array(repeating: ids, count: 3))
        #expect(plan.branches.allSatisfy { $0.count > 40 })
        let ctx = try conversationContext(model)
        let batched = try reporter.answers(plan, on: ctx.fork(), evaluation: .batched)
        let sequential = try reporter.answers(plan, on: ctx.fork(), evaluation: .sequential)
        expectClose(batched, sequential, "order")
    }

    @Test func aSequenceThatIsAPrefixOfAnotherStillGetsItsLastToken() {
        let plan = SelfReporter.split([[1, 2, 3], [1, 2, 3, 4], [1, 2, 5]], choiceIDs: [[0], [0], [0]])
        #expect(plan.shared == [1, 2])
        #expect(plan.branches == [[3], [3, 4], [5]])
    }
}
