import Engine
import Foundation
import Tokenizers

/// The model's answer to one self-report question, read from the next-token distribution (never sampled).
public struct AnswerDistribution: Sendable, Equatable {
    /// Probabilities of the choices, renormalised to sum to 1.
    public var probabilities: [Float]
    /// How much probability the choices had before renormalising (low mass: the model wanted to say something else).
    public var mass: Float
    /// Σ value × probability, with each choice's value its index (0-9 for ratings).
    public var expected: Float { probabilities.enumerated().reduce(0) { $0 + Float($1.offset) * $1.element } }
    /// Shannon entropy in bits.
    public var entropy: Float { -probabilities.reduce(0) { $0 + ($1 > 0 ? $1 * log2($1) : 0) } }
    /// The most probable choice.
    public var top: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0 }

    public init(probabilities: [Float], mass: Float) {
        self.probabilities = probabilities
        self.mass = mass
    }

    /// The distribution over `ids` given full-vocabulary logits.
    public static func read(logits: [Float], ids: [Int]) -> AnswerDistribution {
        let lse = Sampler.logSumExp(logits)
        let p = ids.map { Float(exp(Double(logits[$0]) - lse)) }
        let mass = p.reduce(0, +)
        return AnswerDistribution(probabilities: mass > 0 ? p.map { $0 / mass } : p, mass: mass)
    }
}

/// One self-report: a rating per emotion, or one multiple-choice answer over all emotions.
public struct SelfReport: Sendable {
    public var style: String
    public var emotions: [String]
    /// Rating style: one distribution over 0-9 per emotion (in `emotions` order).
    public var ratings: [AnswerDistribution]
    /// Choice style: one distribution over the emotions.
    public var choice: AnswerDistribution?
    public var seconds: Double
    /// Below this probability on the answer tokens an answer counts as missing (`values`).
    public var massFloor: Float = AnswerDistribution.massFloor

    public init(style: String, emotions: [String], ratings: [AnswerDistribution], choice: AnswerDistribution?, seconds: Double) {
        self.style = style
        self.emotions = emotions
        self.ratings = ratings
        self.choice = choice
        self.seconds = seconds
    }

    /// Expected ratings per emotion (rating style), or probabilities × 9 (choice style, for a comparable scale);
    /// NaN (missing) where the answer put less than `massFloor` on the answer tokens: the model did not answer the
    /// question, and a number made from the crumbs would be noise.
    public var values: [Float] {
        if let c = choice { return c.probabilities.map { c.mass >= massFloor ? $0 * 9 : .nan } }
        return ratings.map { $0.mass >= massFloor ? $0.expected : .nan }
    }

    /// The values a self-report z is taken on: the expected rating (rating style), or the log-odds of each option
    /// (choice style, where p × 9 of an option almost never chosen has no spread to speak of); NaN where missing.
    public var zScale: [Float] {
        if let c = choice {
            return c.probabilities.map { p in
                guard c.mass >= massFloor else { return .nan }
                let q = min(max(p, 1e-4), 1 - 1e-4)
                return log(q / (1 - q))
            }
        }
        return values
    }
}

/// Asks self-report questions on forks of a conversation's KV cache, so the conversation itself is untouched:
/// its next-token logits afterwards are bit-identical to those without the question.
public struct SelfReporter {
    public let model: any InferenceBackend
    /// Renders the conversation plus the question exactly as the chat renders its turns.
    public let chat: ChatEncoder
    public let emotions: [String]

    public init(model: any InferenceBackend, chat: ChatTemplate, emotions: [String]) {
        self.model = model
        self.chat = ChatEncoder(template: chat, tokenizer: model.tokenizer)
        self.emotions = emotions
    }

    /// The token ids of the choices after `answer`, and how many of the answer's tokens end the prefix: found as
    /// the single token each choice adds to the longest common prefix of answer + " " + choice.
    func choiceTokens(answer: String, choices: [String], style: String) throws -> (prefix: [Int], ids: [Int]) {
        let tails = try choices.map { try model.tokenizer.encode(answer + " " + $0, addSpecial: false, parseSpecial: false) }
        let common = tails.dropFirst().reduce(tails[0].count) { min($0, commonPrefixLength(tails[0], $1)) }
        guard tails.allSatisfy({ $0.count == common + 1 }) else {
            throw AffectError.templateTokens(style: style, reason: "each choice must be exactly one token after the answer text")
        }
        return (Array(tails[0][..<common]), tails.map { $0[common] })
    }

    /// Token sequence for the conversation plus a question and the answer start (without the choice token).
    func sequence(messages: [ChatMessage], question: String, answerPrefix: [Int]) throws -> [Int] {
        try chat.encode(messages + [ChatMessage(role: "user", content: question)]) + answerPrefix
    }

    /// Asks `template` about the conversation `messages`, whose rendering the context already holds (in part).
    public func ask(_ template: SelfReportTemplate, messages: [ChatMessage], context: any InferenceSequence) throws -> SelfReport {
        let start = Date()
        // Forks carry no listeners: the conversation's monitor must not see the question.
        let base = context.fork()
        if template.isPerEmotion {
            var sequences: [[Int]] = [], ids: [[Int]] = []
            for e in emotions {
                let (prefix, choiceIDs) = try choiceTokens(answer: template.fill(template.answer, emotion: e),
                                                           choices: template.choices, style: template.style)
                sequences.append(try sequence(messages: messages, question: template.fill(template.question, emotion: e), answerPrefix: prefix))
                ids.append(choiceIDs)
            }
            // Evaluate what every emotion's question shares once, then fork per emotion for the rest.
            let shared = sequences.dropFirst().reduce(sequences[0].count) { min($0, commonPrefixLength(sequences[0], $1)) }
            try prefill(base, Array(sequences[0][..<shared]))
            var ratings: [AnswerDistribution] = []
            for (s, choiceIDs) in zip(sequences, ids) {
                let f = base.fork()
                let logits = try f.evaluate(f.reusePrefix(of: s))
                ratings.append(.read(logits: logits, ids: choiceIDs))
            }
            return SelfReport(style: template.style, emotions: emotions, ratings: ratings, choice: nil,
                              seconds: Date().timeIntervalSince(start))
        }
        guard template.choices.count >= emotions.count else {
            throw AffectError.templateTokens(style: template.style, reason: "\(template.choices.count) choices for \(emotions.count) emotions")
        }
        let letters = Array(template.choices.prefix(emotions.count))
        var t = template
        t.choices = letters
        let (prefix, choiceIDs) = try choiceTokens(answer: t.answer, choices: letters, style: t.style)
        let s = try sequence(messages: messages, question: t.fill(t.question, options: emotions), answerPrefix: prefix)
        let logits = try base.evaluate(base.reusePrefix(of: s))
        return SelfReport(style: t.style, emotions: emotions, ratings: [], choice: .read(logits: logits, ids: choiceIDs),
                          seconds: Date().timeIntervalSince(start))
    }

    /// The model's own words (sampled on a fork; `/feel` in chat).
    public func freeText(_ template: SelfReportTemplate, messages: [ChatMessage], context: any InferenceSequence,
                         sampling: SamplingParameters, maxTokens: Int = 80) throws -> String {
        let f = context.fork()
        let prefix = template.answer.isEmpty ? [] : try model.tokenizer.encode(template.answer, addSpecial: false, parseSpecial: false)
        let s = try sequence(messages: messages, question: template.question, answerPrefix: prefix)
        var g = Generator(parameters: sampling, maxTokens: maxTokens)
        let r = try g.run(in: f, tokenizer: model.tokenizer, prompt: f.reusePrefix(of: s))
        return (template.answer.isEmpty ? "" : template.answer + " ") + r.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Evaluates `tokens` into `context` after whatever prefix of them it already holds.
    func prefill(_ context: any InferenceSequence, _ tokens: [Int]) throws {
        guard !tokens.isEmpty else { context.rollback(to: 0); return }
        try context.evaluate(context.reusePrefix(of: tokens), logits: .none)
    }
}
