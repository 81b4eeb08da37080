import Engine
import Foundation
import Tokenizers

/// Injection detection (DESIGN.md §6; Lindsey 2025, the logit variant of a 32B replication), two turns:
///
/// 1. the user's first turn (the preamble, or a plain opener without one) and the assistant's "Ok." are evaluated
///    with the concept vector added at `layer` on their tokens — the injection is baked into that part of the KV
///    cache and nowhere else (or, with `injectAt = .question`, on the question's tokens instead);
/// 2. the question and the assistant's prefilled "The answer is" are evaluated unsteered, and the answer is read
///    from the next-token distribution: log P(yes) − log P(no), each summed over its case variants (" yes",
///    " Yes"), and the probability mass on them.
///
/// Every trial asks the detection question and each control question (true answer "no") on the same steered
/// cache: strong injection pushes every answer toward yes, which is not introspection, so the detection shift
/// is read beside the control shift. Base trials (no injection) give the baseline and its confidence.
public struct Detection: Sendable {
    public enum Span: String, Sendable, CaseIterable {
        /// The first turn (the preamble and the reply to it): the protocol.
        case firstTurn = "first-turn"
        /// The detection question's own tokens (a control: the vector is then in the text being asked about).
        case question
    }

    public var preamble: String?
    public var question: String
    public var controls: [String]
    public var injectAt = Span.firstTurn
    /// The answer tokens, when not " yes"/" Yes" and " no"/" No" (`answerTokens`).
    public var answerIDs: (yes: [Int], no: [Int])?
    public static let opener = "Let us begin."
    public static let acknowledgement = "Ok."
    public static let prefill = "The answer is"
    public static let contentPrefill = "The answer is yes. The injected thought is about"

    public init(preamble: String?, question: String, controls: [String]) {
        self.preamble = preamble
        self.question = question
        self.controls = controls
    }

    /// One question's answer.
    public struct Answer: Sendable, Equatable {
        /// log P(yes) − log P(no).
        public var logOdds: Double
        /// P(yes) + P(no).
        public var mass: Double
    }

    /// One trial: the detection question's answer and each control's, on the same cache.
    public struct Trial: Sendable, Equatable {
        public var detection: Answer
        public var controls: [Answer]
        /// The logit lens (when asked): the detection answer's log-odds read from each layer's output at the answer
        /// position through the final norm and the LM head, layer 0 first; the last layer's is `detection.logOdds`.
        public var lens: [Double]?
        public var controlMeanLogOdds: Double { controls.map(\.logOdds).reduce(0, +) / Double(max(controls.count, 1)) }
    }

    /// The token ids of the answers: " yes"/" Yes" and " no"/" No" (each must be one token).
    public static func answerTokens(_ tokenizer: Tokenizer) throws -> (yes: [Int], no: [Int]) {
        func one(_ s: String) throws -> Int {
            let ids = try tokenizer.encode(s, addSpecial: false, parseSpecial: false)
            guard ids.count == 1 else { throw LabError.notOneToken(s, ids) }
            return ids[0]
        }
        return (try [" yes", " Yes"].map(one), try [" no", " No"].map(one))
    }

    /// The rendered conversation: the first turn's tokens (with the span injected into), then each question's
    /// tail (its turn and the prefill; the detection question first, then the controls) and the span the
    /// injection covers within the tail when `injectAt == .question`.
    func layout(_ encoder: ChatEncoder, system: String?, prefill: String = Detection.prefill) throws
        -> (first: [Int], tails: [[Int]], questionSpans: [Range<Int>]) {
        var turn1: [ChatMessage] = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        turn1 += [ChatMessage(role: "user", content: preamble ?? Self.opener), ChatMessage(role: "assistant", content: Self.acknowledgement)]
        let first = try encoder.encode(turn1, addGenerationPrompt: false)
        let prefillIds = try encoder.tokenizer.encode(prefill, addSpecial: false, parseSpecial: false)
        var tails: [[Int]] = [], spans: [Range<Int>] = []
        let withoutQuestion = try encoder.encode(turn1 + [ChatMessage(role: "user", content: "")], addGenerationPrompt: true)
        for q in [question] + controls {
            let full = try encoder.encode(turn1 + [ChatMessage(role: "user", content: q)], addGenerationPrompt: true)
            guard full.count > first.count, Array(full.prefix(first.count)) == first else {
                throw LabError.template("the first turn does not render as a prefix of the conversation")
            }
            // The question's own tokens, in absolute positions: where the rendering with it departs from the one
            // without it, up to where the two agree again from the end.
            let start = zip(withoutQuestion, full).prefix { $0 == $1 }.count
            let end = full.count - zip(withoutQuestion.reversed(), full.reversed()).prefix { $0 == $1 }.count
            spans.append(start..<max(start, end))
            tails.append(Array(full.dropFirst(first.count)) + prefillIds)
        }
        return (first, tails, spans)
    }

    /// Runs one trial: `steering` (nil: a base trial) added at `layer` on the chosen span.
    public func trial(model: any InferenceBackend, system: String?, steering: (vector: [Float], strength: Float, layer: Int)?,
                      lens: Bool = false, threads: Int? = nil) throws -> Trial {
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let (first, tails, spans) = try layout(encoder, system: system)
        let (yes, no) = try answerIDs ?? Self.answerTokens(model.tokenizer)
        let ctx = model.makeSequence(capacity: first.count + (tails.map(\.count).max() ?? 0) + 1, threads: threads)
        func steer(_ positions: Range<Int>) {
            guard let s = steering, !positions.isEmpty else { ctx.hooks.steering = []; return }
            ctx.hooks.steering = [Steering(site: .layer(s.layer), vector: s.vector, strength: s.strength, positions: .range(positions))]
        }
        // Never position 0 (SmolLM2 keeps a massive activation there, DESIGN.md §6).
        steer(injectAt == .firstTurn ? 1..<first.count : 0..<0)
        try ctx.evaluate(first, logits: .none)
        var answers: [Answer] = []
        var lensOdds: [Double]? = nil
        for (k, (tail, span)) in zip(tails, spans).enumerated() {
            ctx.rollback(to: first.count)
            steer(injectAt == .firstTurn ? 0..<0 : span)
            // The detection question's answer position, at every layer's output, for the lens.
            let all = Array(0..<model.config.layerCount)
            let rows = lens && k == 0 ? LastRows(layers: all) : nil
            let handle = rows.map { ctx.hooks.subscribe($0, sites: Set(all.map { HookSite.layer($0) }), positions: .last) }
            let logits = try ctx.evaluate(tail, logits: .last)
            if let handle { ctx.hooks.unsubscribe(handle) }
            answers.append(Self.answer(logits, yes: yes, no: no))
            if let rows {
                let ids = [[Int]](repeating: yes + no, count: model.config.layerCount)
                lensOdds = try ctx.lens(rows.rows.flatMap { $0 }, readout: .logitsOf(ids)).map { row in
                    Self.logOdds(yes: Array(row.prefix(yes.count)), no: Array(row.dropFirst(yes.count)))
                }
            }
        }
        return Trial(detection: answers[0], controls: Array(answers.dropFirst()), lens: lensOdds)
    }

    /// log Σ exp(yes logits) − log Σ exp(no logits): the log-odds without the rest of the vocabulary (its normaliser
    /// cancels).
    static func logOdds(yes: [Float], no: [Float]) -> Double {
        func lse(_ x: [Float]) -> Double {
            let m = Double(x.max() ?? 0)
            return m + log(x.reduce(0.0) { $0 + exp(Double($1) - m) })
        }
        return lse(yes) - lse(no)
    }

    /// log P(yes) − log P(no) and the mass, from a logits row.
    static func answer(_ logits: [Float], yes: [Int], no: [Int]) -> Answer {
        let top = Double(logits.max() ?? 0)
        let z = logits.reduce(0.0) { $0 + exp(Double($1) - top) }
        func p(_ ids: [Int]) -> Double { ids.reduce(0.0) { $0 + exp(Double(logits[$1]) - top) } / z }
        let py = p(yes), pn = p(no)
        return Answer(logOdds: log(max(py, 1e-300)) - log(max(pn, 1e-300)), mass: py + pn)
    }

    /// Content identification: after the injected first turn, the detection question with "The answer is yes. The
    /// injected thought is about" prefilled; returns the rank (1 = most likely) of `target`'s first token among the
    /// first tokens of `candidates` (with a leading space).
    public func contentRank(model: any InferenceBackend, system: String?, steering: (vector: [Float], strength: Float, layer: Int)?,
                            candidates: [String], target: Int, threads: Int? = nil) throws -> Int {
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let (first, tails, _) = try layout(encoder, system: system, prefill: Self.contentPrefill)
        let ctx = model.makeSequence(capacity: first.count + tails[0].count + 1, threads: threads)
        if let s = steering {
            ctx.hooks.steering = [Steering(site: .layer(s.layer), vector: s.vector, strength: s.strength, positions: .range(1..<first.count))]
        }
        try ctx.evaluate(first, logits: .none)
        ctx.hooks.steering = []
        let logits = try ctx.evaluate(tails[0], logits: .last)
        let ids = try candidates.map { try model.tokenizer.encode(" " + $0, addSpecial: false, parseSpecial: false).first ?? 0 }
        let mine = logits[ids[target]]
        return 1 + ids.enumerated().filter { $0.offset != target && logits[$0.element] > mine }.count
    }
}

