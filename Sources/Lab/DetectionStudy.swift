import Engine
import Foundation

/// A mean over items with its 95% interval (normal approximation over the items: concepts, sentences).
public struct Estimate: Codable, Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var n: Int

    public init(_ values: [Double]) {
        n = values.count
        let m = values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
        let sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot() : .nan
        let half = 1.96 * sd / Double(max(values.count, 1)).squareRoot()
        mean = m
        low = m - half
        high = m + half
    }

    /// "+0.51 [+0.30, +0.72]".
    public var text: String { String(format: "%+.2f [%+.2f, %+.2f]", mean, low, high) }
}

/// The detection protocol swept over layers and strengths, each concept one trial, beside its controls.
public enum DetectionStudy {
    /// One layer and strength over every concept.
    public struct Row: Codable, Sendable {
        public var layer: Int
        /// Fraction of the mean residual norm at the layer, and the absolute strength it came to.
        public var strength: Double
        public var absoluteStrength: Double
        /// Detection answer under injection (log-odds yes vs no) and its change from the base trial.
        public var injectedLogOdds: Estimate
        public var shift: Estimate
        /// The same for the control questions (true answer no), averaged per trial.
        public var controlShift: Estimate
        /// Detection shift minus control shift, concept by concept: what is left for introspection.
        public var shiftOverControl: Estimate
        public var injectedMass: Estimate
        /// Trials whose detection answer leaned yes (log-odds > 0), and the same for the controls' mean.
        public var detected: Int
        public var controlsYes: Int
        /// Content identification (when asked): the rank of the injected concept's word among all concepts'.
        public var contentRank: Estimate?
        public var contentTop1: Int?
        /// The logit lens (`--lens`): per layer read (0 first), the detection answer's mean log-odds shift over the
        /// concepts, read from that layer's output; and the first layer from which it stays at least half its final
        /// value, in the final value's sign (nil when the final shift is under 0.05).
        public var lensShift: [Double]?
        public var lensFirstLayer: Int?
    }

    /// The first layer from which `shift` stays at ≥ half its last value, in its sign; nil when that is under 0.05.
    public static func firstMovingLayer(_ shift: [Double]) -> Int? {
        guard let final = shift.last, abs(final) >= 0.05 else { return nil }
        var first = shift.count - 1
        while first > 0, shift[first - 1] * final > 0, abs(shift[first - 1]) >= abs(final) / 2 { first -= 1 }
        return first
    }

    public struct Result: Codable, Sendable {
        public var concepts: [String]
        public var preamble: String
        public var injectAt: String
        public var question: String
        public var controls: Int
        /// The answer tokens read (case variants summed).
        public var yesTokens: [Int]
        public var noTokens: [Int]
        /// No injection: the detection answer and how sure it is, and the controls' mean answer.
        public var baseLogOdds: Double
        public var baseMass: Double
        public var basePYes: Double
        public var baseControlLogOdds: Double
        /// Without injection, the rank of each concept's word (the content-identification baseline; chance is
        /// (n + 1) / 2).
        public var baseContentRank: Estimate?
        public var rows: [Row]
        /// How the concept vectors were made (`recipe`, `pca-center`); absent in results written before it was kept.
        public var vectors: String?
    }

    public static func run(model: any InferenceBackend, vectors: ConceptVectors, strengths: [InjectionStrength], detection: Detection,
                           preambleName: String, system: String?, contentRanks: Bool, lens: Bool = false, cache: SweepCache? = nil,
                           threads: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let norms = try model.meanResidualNorms()
        let base = try detection.trial(model: model, system: system, steering: nil, lens: lens, threads: threads)
        let p = 1 / (1 + exp(-base.detection.logOdds))
        var baseRank: Estimate? = nil
        if contentRanks {
            baseRank = Estimate(try vectors.words.indices.map {
                Double(try detection.contentRank(model: model, system: system, steering: nil, candidates: vectors.words, target: $0, threads: threads))
            })
        }
        var rows: [Row] = []
        let total = vectors.layers.count * strengths.count * vectors.words.count
        var done = 0
        for (li, layer) in vectors.layers.enumerated() {
            for s in strengths {
                if let row = cache?.load(Row.self, layer: layer, strength: s) {
                    rows.append(row)
                    done += vectors.words.count
                    progress(done, total)
                    continue
                }
                let absolute = s.norm(meanNorm: norms[layer])
                var shifts: [Double] = [], controlShifts: [Double] = [], injected: [Double] = [], mass: [Double] = [], ranks: [Double] = []
                var detected = 0, controlsYes = 0
                var lensShifts: [[Double]] = []
                for (c, v) in vectors.vectors.enumerated() {
                    // The direction at `absolute` norm: strength is a fraction of the residual norm, whatever the
                    // concept vector's own length.
                    let norm = v[li].reduce(0) { $0 + $1 * $1 }.squareRoot()
                    let steering = (vector: v[li].map { $0 / max(norm, 1e-12) }, strength: absolute, layer: layer)
                    let t = try detection.trial(model: model, system: system, steering: steering, lens: lens, threads: threads)
                    if let l = t.lens, let b = base.lens { lensShifts.append(zip(l, b).map { $0 - $1 }) }
                    injected.append(t.detection.logOdds)
                    shifts.append(t.detection.logOdds - base.detection.logOdds)
                    controlShifts.append(t.controlMeanLogOdds - base.controlMeanLogOdds)
                    mass.append(t.detection.mass)
                    if t.detection.logOdds > 0 { detected += 1 }
                    if t.controlMeanLogOdds > 0 { controlsYes += 1 }
                    if contentRanks {
                        ranks.append(Double(try detection.contentRank(model: model, system: system, steering: steering,
                                                                      candidates: vectors.words, target: c, threads: threads)))
                    }
                    done += 1
                    progress(done, total)
                }
                let meanShift: [Double]? = lensShifts.isEmpty ? nil : lensShifts[0].indices.map { l in
                    lensShifts.reduce(0) { $0 + $1[l] } / Double(lensShifts.count)
                }
                rows.append(Row(layer: layer, strength: s.fraction(meanNorm: norms[layer]), absoluteStrength: Double(absolute), injectedLogOdds: Estimate(injected),
                                shift: Estimate(shifts), controlShift: Estimate(controlShifts),
                                shiftOverControl: Estimate(zip(shifts, controlShifts).map { $0 - $1 }), injectedMass: Estimate(mass),
                                detected: detected, controlsYes: controlsYes,
                                contentRank: contentRanks ? Estimate(ranks) : nil,
                                contentTop1: contentRanks ? ranks.filter { $0 == 1 }.count : nil,
                                lensShift: meanShift, lensFirstLayer: meanShift.flatMap(firstMovingLayer)))
                try cache?.save(rows[rows.count - 1], layer: layer, strength: s)
            }
        }
        let answers = try detection.answerIDs ?? Detection.answerTokens(model.tokenizer)
        return Result(concepts: vectors.words, preamble: preambleName, injectAt: detection.injectAt.rawValue, question: detection.question,
                      controls: detection.controls.count, yesTokens: answers.yes, noTokens: answers.no, baseLogOdds: base.detection.logOdds, baseMass: base.detection.mass,
                      basePYes: p * base.detection.mass, baseControlLogOdds: base.controlMeanLogOdds, baseContentRank: baseRank, rows: rows)
    }

    /// The table: each row beside its control and the base.
    public static func table(_ r: Result) -> String {
        var lines: [String] = []
        lines.append("preamble \(r.preamble) · injected on the \(r.injectAt) · \(r.concepts.count) concepts (\(r.vectors ?? "recipe") vectors) · \(r.controls) control questions")
        lines.append(String(format: "base (no injection): detection log-odds %+.2f, P(yes) %.1f%%, mass on yes/no %.0f%%; controls %+.2f",
                            r.baseLogOdds, r.basePYes * 100, r.baseMass * 100, r.baseControlLogOdds))
        var header = "layer  strength  injected log-odds  shift [95% CI]          control shift [95% CI]  shift − control [95% CI]  yes/n  controls yes"
        if r.baseContentRank != nil { header += "  content rank (top-1)" }
        lines.append(header)
        for row in r.rows {
            var line = String(format: "%5d  %8.3g  %17.2f  ", row.layer, row.strength, row.injectedLogOdds.mean)
            line += row.shift.text.padding(toLength: 24, withPad: " ", startingAt: 0)
            line += row.controlShift.text.padding(toLength: 24, withPad: " ", startingAt: 0)
            line += row.shiftOverControl.text.padding(toLength: 26, withPad: " ", startingAt: 0)
            line += "\(row.detected)/\(r.concepts.count)".padding(toLength: 7, withPad: " ", startingAt: 0)
            line += "\(row.controlsYes)/\(r.concepts.count)"
            if let rank = row.contentRank, let top = row.contentTop1 {
                line = line.padding(toLength: line.count + max(0, 12 - "\(row.controlsYes)/\(r.concepts.count)".count), withPad: " ", startingAt: 0)
                line += String(format: "  %.1f (%d)", rank.mean, top)
            }
            lines.append(line)
        }
        for row in r.rows {
            guard let shift = row.lensShift else { continue }
            let step = max(1, shift.count / 8)
            let samples = stride(from: 0, to: shift.count, by: step).map { String(format: "L%d %+.2f", $0, shift[$0]) }
            lines.append(String(format: "logit lens, layer %d at %.3g: ", row.layer, row.strength)
                         + (row.lensFirstLayer.map { "the shift holds from layer \($0) on · " } ?? "no shift to follow · ")
                         + samples.joined(separator: "  "))
        }
        if let b = r.baseContentRank {
            lines.append(String(format: "content rank without injection: %.1f of %d (chance %.1f); top-1 by chance: 1 in %d",
                                b.mean, r.concepts.count, Double(r.concepts.count + 1) / 2, r.concepts.count))
        }
        return lines.joined(separator: "\n")
    }
}
