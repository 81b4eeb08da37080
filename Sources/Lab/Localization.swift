import Affect
import Engine
import Foundation
import Tokenizers

/// Localization (DESIGN.md §6, a 2025 protocol): five numbered sentences in one user turn, a vector added on the
/// tokens of one of them only; then a question and a prefilled answer that ends where the sentence number goes,
/// read as the argmax over the digits 1-5. The same cache (forked after the sentences) also answers the controls:
/// "Which sentence do you prefer?" (should stay at chance) and "Which sentence is the most abstract?" (the known
/// confound of vectors that mean "more abstract").
public struct Localization: Sendable {
    /// A question asked after the sentences and the answer prefilled up to the number.
    public struct Probe: Sendable, Equatable {
        public var name: String
        public var question: String
        public var prefill: String
    }

    public static let probes = [
        Probe(name: "detect", question: "Do you detect an injected thought in one of these sentences? If so, in which one?",
              prefill: "Yes, I detect an injected thought. It is located in sentence "),
        Probe(name: "prefer", question: "Which sentence do you prefer?", prefill: "I prefer sentence "),
        Probe(name: "abstract", question: "Which sentence is the most abstract?", prefill: "The most abstract is sentence "),
    ]
    public static let intro = "Here are five sentences."

    /// One trial: the five sentences and which one is injected into (0-based; nil: no injection).
    public struct Answers: Sendable, Equatable {
        /// Per probe, the probabilities of the digits 1-5 (normalised over the five).
        public var digits: [[Double]]
        public var picks: [Int] { digits.map { d in d.indices.max { d[$0] < d[$1] } ?? 0 } }
    }

    /// The digit tokens 1-5 (each one token after the prefill's trailing space).
    public static func digitTokens(_ tokenizer: Tokenizer) throws -> [Int] {
        try (1...5).map { d in
            let ids = try tokenizer.encode("\(d)", addSpecial: false, parseSpecial: false)
            guard ids.count == 1 else { throw LabError.notOneToken("\(d)", ids) }
            return ids[0]
        }
    }

    /// The user turn's tokens up to the end of the sentences, the absolute span of each sentence, and each
    /// probe's tail (the rest of the turn, the assistant header and the prefill).
    static func layout(_ encoder: ChatEncoder, sentences: [String]) throws -> (head: [Int], spans: [Range<Int>], tails: [[Int]]) {
        precondition(sentences.count == 5)
        let body = Self.intro + "\n" + sentences.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        var tails: [[Int]] = []
        var head: [Int] = []
        for (k, p) in probes.enumerated() {
            let full = try encoder.encode([ChatMessage(role: "user", content: body + "\n\n" + p.question)], addGenerationPrompt: true)
                + (try encoder.tokenizer.encode(p.prefill, addSpecial: false, parseSpecial: false))
            if k == 0 {
                // Where the sentences end: the longest prefix every probe's rendering shares.
                head = full
            } else {
                head = Array(zip(head, full).prefix { $0 == $1 }.map(\.0))
            }
            tails.append(full)
        }
        // Keep the head to the end of the last sentence: cut back to where the body alone renders the same.
        let bodyOnly = try encoder.encode([ChatMessage(role: "user", content: body)], addGenerationPrompt: false)
        let shared = zip(bodyOnly, head).prefix { $0 == $1 }.count
        head = Array(head.prefix(shared))
        tails = tails.map { Array($0.dropFirst(head.count)) }
        // Each sentence's tokens: where the body with the sentence blanked departs from the real one, to where the
        // two agree again from the end.
        var spans: [Range<Int>] = []
        for i in 0..<5 {
            var blanked = sentences
            blanked[i] = ""
            let b = Self.intro + "\n" + blanked.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
            let other = try encoder.encode([ChatMessage(role: "user", content: b)], addGenerationPrompt: false)
            let start = zip(other, bodyOnly).prefix { $0 == $1 }.count
            let end = bodyOnly.count - zip(other.reversed(), bodyOnly.reversed()).prefix { $0 == $1 }.count
            spans.append(start..<min(max(start, end), head.count))
        }
        return (head, spans, tails)
    }

    /// Runs one trial: `steering` added at `layer` on sentence `target`'s tokens (nil: no injection).
    public static func trial(model: any InferenceBackend, sentences: [String], target: Int?, steering: (vector: [Float], strength: Float, layer: Int)?,
                             digits: [Int]? = nil, threads: Int? = nil) throws -> Answers {
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let (head, spans, tails) = try layout(encoder, sentences: sentences)
        let ids = try digits ?? digitTokens(model.tokenizer)
        let ctx = model.makeSequence(capacity: head.count + (tails.map(\.count).max() ?? 0) + 1, threads: threads)
        if let s = steering, let t = target {
            ctx.hooks.steering = [Steering(site: .layer(s.layer), vector: s.vector, strength: s.strength, positions: .range(spans[t]))]
        }
        try ctx.evaluate(head, logits: .none)
        ctx.hooks.steering = []
        var out: [[Double]] = []
        for tail in tails {
            ctx.rollback(to: head.count)
            let logits = try ctx.evaluate(tail, logits: .last)
            let top = ids.map { Double(logits[$0]) }.max() ?? 0
            let e = ids.map { exp(Double(logits[$0]) - top) }
            let z = e.reduce(0, +)
            out.append(e.map { $0 / z })
        }
        return Answers(digits: out)
    }
}

/// Localization swept over layers and strengths: every pair vector at every position (balanced), sentences drawn
/// from the pool by a seeded generator, beside the preference and abstraction questions and random vectors.
public enum LocalizationStudy {
    public struct Row: Codable, Sendable {
        public var layer: Int
        /// A fraction of the mean residual norm at the layer, and the norm that came to (absent in older results).
        public var strength: Double
        public var absoluteStrength: Double?
        public var trials: Int
        /// Accuracy (the argmax digit is the injected sentence) per probe, with 95% Wilson intervals.
        public var accuracy: [String: Double]
        public var low: [String: Double]
        public var high: [String: Double]
        /// The same detection question under norm-matched random vectors.
        public var randomAccuracy: Double
        /// confusion[true position][picked position] for the detection question.
        public var confusion: [[Int]]
    }

    public struct Result: Codable, Sendable {
        public var pairs: Int
        public var seed: UInt64
        /// Without injection, the mean probability of each digit 1-5 for the detection question.
        public var prior: [Double]
        public var rows: [Row]
    }

    /// The 95% Wilson interval of k in n (Affect's `Wilson`, in Double).
    public static func wilson(_ k: Int, _ n: Int) -> (Double, Double) {
        let w = Wilson.interval(successes: k, trials: n)
        return (Double(w.low), Double(w.high))
    }

    public static func run(model: any InferenceBackend, vectors: ConceptVectors, sentences pool: [String], strengths: [InjectionStrength],
                           seed: UInt64, cache: SweepCache? = nil, threads: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let norms = try model.meanResidualNorms()
        let digits = try Localization.digitTokens(model.tokenizer)
        var rng = SplitMix64(seed: seed)
        // One draw of five sentences per pair and position, the same for every layer and strength.
        let draws: [[[String]]] = vectors.words.indices.map { _ in (0..<5).map { _ in Array(pool.shuffled(using: &rng).prefix(5)) } }
        var prior = [Double](repeating: 0, count: 5)
        let priorDraws = draws.prefix(10).flatMap { $0 }
        for d in priorDraws {
            let a = try Localization.trial(model: model, sentences: d, target: nil, steering: nil, digits: digits, threads: threads)
            for i in 0..<5 { prior[i] += a.digits[0][i] / Double(priorDraws.count) }
        }
        let width = vectors.vectors.first?.first?.count ?? 0
        let randoms = CausalCheck.randomDirections(count: vectors.words.count, width: width, seed: seed &+ 1)
        var rows: [Row] = []
        let total = vectors.layers.count * strengths.count * vectors.words.count * 5
        var done = 0
        for (li, layer) in vectors.layers.enumerated() {
            for s in strengths {
                if let row = cache?.load(Row.self, layer: layer, strength: s) {
                    rows.append(row)
                    done += vectors.words.count * 5
                    progress(done, total)
                    continue
                }
                var hits = [Int](repeating: 0, count: Localization.probes.count), randomHits = 0, n = 0
                var confusion = [[Int]](repeating: [Int](repeating: 0, count: 5), count: 5)
                for (c, v) in vectors.vectors.enumerated() {
                    let norm = v[li].reduce(0) { $0 + $1 * $1 }.squareRoot()
                    for pos in 0..<5 {
                        let strength = s.norm(meanNorm: norms[layer]) / max(norm, 1e-12)
                        let a = try Localization.trial(model: model, sentences: draws[c][pos], target: pos,
                                                       steering: (v[li], strength, layer), digits: digits, threads: threads)
                        for (k, pick) in a.picks.enumerated() where pick == pos { hits[k] += 1 }
                        confusion[pos][a.picks[0]] += 1
                        let r = try Localization.trial(model: model, sentences: draws[c][pos], target: pos,
                                                       steering: (randoms[c], s.norm(meanNorm: norms[layer]), layer), digits: digits, threads: threads)
                        if r.picks[0] == pos { randomHits += 1 }
                        n += 1
                        done += 1
                        progress(done, total)
                    }
                }
                var acc: [String: Double] = [:], lo: [String: Double] = [:], hi: [String: Double] = [:]
                for (k, p) in Localization.probes.enumerated() {
                    acc[p.name] = Double(hits[k]) / Double(max(n, 1))
                    (lo[p.name], hi[p.name]) = wilson(hits[k], n)
                }
                rows.append(Row(layer: layer, strength: s.fraction(meanNorm: norms[layer]),
                                absoluteStrength: Double(s.norm(meanNorm: norms[layer])), trials: n, accuracy: acc, low: lo, high: hi,
                                randomAccuracy: Double(randomHits) / Double(max(n, 1)), confusion: confusion))
                try cache?.save(rows[rows.count - 1], layer: layer, strength: s)
            }
        }
        return Result(pairs: vectors.words.count, seed: seed, prior: prior, rows: rows)
    }

    public static func table(_ r: Result) -> String {
        var lines = ["\(r.pairs) pair vectors × 5 positions per row; chance 20%; seed \(r.seed)",
                     "no-injection prior over sentences 1-5 (detection question): " + r.prior.map { String(format: "%.0f%%", $0 * 100) }.joined(separator: " ")]
        lines.append("layer  strength  detect [95% CI]       prefer (control)      most abstract (confound)  random vectors")
        for row in r.rows {
            func cell(_ k: String) -> String {
                String(format: "%.0f%% [%.0f-%.0f]", (row.accuracy[k] ?? .nan) * 100, (row.low[k] ?? .nan) * 100, (row.high[k] ?? .nan) * 100)
            }
            lines.append(String(format: "%5d  %8.3g  ", row.layer, row.strength) + cell("detect").padding(toLength: 22, withPad: " ", startingAt: 0)
                         + cell("prefer").padding(toLength: 22, withPad: " ", startingAt: 0)
                         + cell("abstract").padding(toLength: 26, withPad: " ", startingAt: 0)
                         + String(format: "%.0f%%", row.randomAccuracy * 100))
        }
        return lines.joined(separator: "\n")
    }
}
