import Affect
import Engine
import Foundation
import Tokenizers

/// Emotion self-report under injection (ours; DESIGN.md §6): the ground truth for how far a model's self-reports
/// can be trusted. Paired design: the same short conversation with and without emotion E's vector added on its
/// tokens (never on the question or the prefilled emotion name), then all 16 logit self-reports read on forks.
/// Δ(E→F) is F's rating with E injected minus without. E's self-report tracks the injection when Δ(E→E) stands
/// out among the 16: its rank among them, as an AUROC (1 = always the highest rise, 0.5 = chance), is the trust
/// score; norm-matched random vectors give the null.
public enum InjectedSelfReport {
    public struct Context: Sendable {
        public var messages: [ChatMessage]
        public init(messages: [ChatMessage]) { self.messages = messages }
    }

    /// One emotion's row.
    public struct EmotionRow: Codable, Sendable {
        public var emotion: String
        /// Mean Δ of its own rating and of the other 15, over contexts (0-9 points).
        public var ownRise: Double
        public var othersRise: Double
        /// The trust score: per context, the share of the other emotions whose rise it beats (ties half), averaged.
        public var auroc: Estimate
    }

    public struct Result: Codable, Sendable {
        public var layer: Int
        public var strength: Double
        public var contexts: Int
        public var emotions: [EmotionRow]
        /// Every emotion's trials pooled.
        public var diagonalAUROC: Estimate
        /// The same statistic under random vectors of the same norm, for each emotion as if it were injected.
        public var randomAUROC: Estimate
        /// matrix[injected][reported]: mean Δ rating.
        public var matrix: [[Double]]
    }

    /// The 16 expected ratings after `context`, with `steering` on the context's tokens only.
    static func ratings(model: any InferenceBackend, reporter: SelfReporter, template: SelfReportTemplate, context: Context,
                        steering: Steering?, threads: Int?) throws -> [Double] {
        let ids = try reporter.chat.encode(context.messages, addGenerationPrompt: false)
        let ctx = model.makeSequence(capacity: ids.count + 512, threads: threads)
        if var s = steering {
            s.positions = .range(1..<ids.count)   // never position 0
            ctx.hooks.steering = [s]
        }
        try ctx.evaluate(ids, logits: .none)
        // The steering stays in force, limited to the context's positions: the forks reuse the steered prefix and
        // evaluate the question and the answers unsteered.
        let report = try reporter.ask(template, messages: context.messages, context: ctx)
        return report.values.map(Double.init)
    }

    /// The rank statistic of `own` among the rises: the share of the others it beats, ties counted half. A
    /// missing rating (under the mass floor: NaN) is left out; nil when `own`'s is missing or no other is there.
    static func auroc(_ rises: [Double], own: Int) -> Double? {
        guard rises[own].isFinite else { return nil }
        var beat = 0.0, n = 0
        for (i, r) in rises.enumerated() where i != own && r.isFinite {
            n += 1
            if rises[own] > r { beat += 1 } else if rises[own] == r { beat += 0.5 }
        }
        return n > 0 ? beat / Double(n) : nil
    }

    public static func run(model: any InferenceBackend, emotions: [String], vectors: [[Float]], layer: Int, strength: InjectionStrength,
                           template: SelfReportTemplate, contexts: [Context], randomVectors: Int, seed: UInt64,
                           threads: Int? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let reporter = SelfReporter(model: model, chat: try model.chatTemplate(), emotions: emotions)
        let meanNorm = try model.meanResidualNorms()[layer]
        let norm = strength.norm(meanNorm: meanNorm)
        let E = emotions.count
        let total = contexts.count * (1 + E + randomVectors)
        var done = 0
        // Sums and counts of the finite rises: a missing rating is left out of its cell's mean.
        var sums = [[Double]](repeating: [Double](repeating: 0, count: E), count: E)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: E), count: E)
        var perEmotion = [[Double]](repeating: [], count: E)
        var random: [Double] = []
        let randoms = CausalCheck.randomDirections(count: randomVectors, width: vectors.first?.count ?? 0, seed: seed)
        for c in contexts {
            let base = try ratings(model: model, reporter: reporter, template: template, context: c, steering: nil, threads: threads)
            done += 1
            progress(done, total)
            for e in 0..<E {
                let v = vectors[e]
                let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let s = Steering(site: .layer(layer), vector: v.map { $0 / max(n, 1e-12) }, strength: norm)
                let r = try ratings(model: model, reporter: reporter, template: template, context: c, steering: s, threads: threads)
                let rises = zip(r, base).map { $0 - $1 }
                for f in 0..<E where rises[f].isFinite {
                    sums[e][f] += rises[f]
                    counts[e][f] += 1
                }
                if let a = auroc(rises, own: e) { perEmotion[e].append(a) }
                done += 1
                progress(done, total)
            }
            for v in randoms {
                let r = try ratings(model: model, reporter: reporter, template: template, context: c,
                                    steering: Steering(site: .layer(layer), vector: v, strength: norm), threads: threads)
                let rises = zip(r, base).map { $0 - $1 }
                for e in 0..<E { if let a = auroc(rises, own: e) { random.append(a) } }
                done += 1
                progress(done, total)
            }
        }
        let matrix = (0..<E).map { e in (0..<E).map { f in counts[e][f] > 0 ? sums[e][f] / Double(counts[e][f]) : .nan } }
        let rows = (0..<E).map { e in
            EmotionRow(emotion: emotions[e], ownRise: matrix[e][e],
                       othersRise: Estimate((0..<E).filter { $0 != e && matrix[e][$0].isFinite }.map { matrix[e][$0] }).mean,
                       auroc: Estimate(perEmotion[e]))
        }
        return Result(layer: layer, strength: strength.fraction(meanNorm: meanNorm), contexts: contexts.count, emotions: rows,
                      diagonalAUROC: Estimate(perEmotion.flatMap { $0 }), randomAUROC: Estimate(random), matrix: matrix)
    }

    public static func table(_ r: Result) -> String {
        var lines = [String(format: "emotion vectors injected at layer %d, %.3g × the mean residual norm, on %d contexts; ratings 0-9", r.layer, r.strength, r.contexts),
                     "emotion      own rise  others  trust (AUROC) [95% CI]"]
        for row in r.emotions {
            lines.append(row.emotion.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + String(format: " %+8.2f %+7.2f  %.2f [%.2f, %.2f]", row.ownRise, row.othersRise, row.auroc.mean,
                                  max(0, row.auroc.low), min(1, row.auroc.high)))
        }
        lines.append(String(format: "all emotions: AUROC %.2f [%.2f, %.2f] (n %d); random vectors of the same norm: %.2f [%.2f, %.2f]; chance 0.50",
                            r.diagonalAUROC.mean, r.diagonalAUROC.low, r.diagonalAUROC.high, r.diagonalAUROC.n,
                            r.randomAUROC.mean, r.randomAUROC.low, r.randomAUROC.high))
        return lines.joined(separator: "\n")
    }
}
