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

    /// How the answers of several questions that share a prefix are evaluated. Both give the same distributions
    /// (to rounding); `.sequential` is kept so that `limbic bench --selfreport` can measure the two in one sitting.
    public enum Evaluation: Sendable {
        /// Every answer's tail in one batch over the shared prefix (`InferenceSequence.evaluateBranches`).
        case batched
        /// One fork per answer, evaluated one after the other.
        case sequential
    }

    /// The tokens a per-emotion question evaluates: what every emotion shares, then each emotion's own tail.
    public struct Plan: Sendable {
        /// Conversation, question and the start of the answer, as far as every emotion's tokens agree.
        public var shared: [Int]
        /// Per emotion (in `emotions` order), the tokens after `shared` up to the choice; never empty.
        public var branches: [[Int]]
        /// Per emotion, the token ids of the choices.
        public var choiceIDs: [[Int]]
    }

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

    /// The tokens of a per-emotion `template` asked about `messages`: one question per emotion, split into the
    /// prefix they all share and each one's tail.
    public func plan(_ template: SelfReportTemplate, messages: [ChatMessage]) throws -> Plan {
        var sequences: [[Int]] = [], ids: [[Int]] = []
        for e in emotions {
            let (prefix, choiceIDs) = try choiceTokens(answer: template.fill(template.answer, emotion: e),
                                                       choices: template.choices, style: template.style)
            sequences.append(try sequence(messages: messages, question: template.fill(template.question, emotion: e), answerPrefix: prefix))
            ids.append(choiceIDs)
        }
        return Self.split(sequences, choiceIDs: ids)
    }

    /// Splits token sequences into their longest common prefix and the tails after it, keeping at least one token
    /// in every tail (its logits are the answer).
    static func split(_ sequences: [[Int]], choiceIDs: [[Int]]) -> Plan {
        let common = sequences.dropFirst().reduce(sequences[0].count) { min($0, commonPrefixLength(sequences[0], $1)) }
        let shared = min(common, (sequences.map(\.count).min() ?? 1) - 1)
        return Plan(shared: Array(sequences[0][..<shared]), branches: sequences.map { Array($0[shared...]) }, choiceIDs: choiceIDs)
    }

    /// Asks `template` about the conversation `messages`, whose rendering the context already holds (in part).
    public func ask(_ template: SelfReportTemplate, messages: [ChatMessage], context: any InferenceSequence,
                    evaluation: Evaluation = .batched) throws -> SelfReport {
        let start = Date()
        // Forks carry no listeners: the conversation's monitor must not see the question.
        let base = context.fork()
        if template.isPerEmotion {
            let ratings = try answers(plan(template, messages: messages), on: base, evaluation: evaluation)
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

    /// The answer distribution of each of several questions that share a prefix (`plan.shared`), on `base` (a fork
    /// of the conversation, which this extends by the shared prefix): the prefix is evaluated once, then each
    /// question's tail — all in one batch, or one fork each. Tails may be long (a choice question asked with its
    /// options in several orders shares only the text before the options).
    public func answers(_ plan: Plan, on base: any InferenceSequence, evaluation: Evaluation = .batched) throws -> [AnswerDistribution] {
        try prefill(base, plan.shared)
        switch evaluation {
        case .batched:
            // Log-probabilities rather than the choices' logits alone: the mass on the choices needs the whole row's
            // normaliser (one batched LM head pass for every branch).
            let logProbabilities = try base.evaluateBranches(plan.branches, readout: .logProbabilitiesOf(plan.choiceIDs))
            return logProbabilities.map(Self.distribution(logProbabilities:))
        case .sequential:
            return try zip(plan.branches, plan.choiceIDs).map { branch, ids in
                let f = base.fork()
                return .read(logits: try f.evaluate(branch), ids: ids)
            }
        }
    }

    /// The distribution over choices whose log-probabilities (under the full next-token distribution) are given.
    static func distribution(logProbabilities: [Float]) -> AnswerDistribution {
        let p = logProbabilities.map { Float(exp(Double($0))) }
        let mass = p.reduce(0, +)
        return AnswerDistribution(probabilities: mass > 0 ? p.map { $0 / mass } : p, mass: mass)
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
