import Affect
import Engine
import Foundation
import LimbicCLI

/// `limbic probe causal`: steer neutral texts with each emotion's mean-difference vector and measure its readings
/// and its words against random vectors of the same norm (`CausalCheck`).
enum ProbeCausal {
    static func run(model: LanguageModel, _ args: ParsedArguments) throws {
        let threads = try ModelOptions.threads(args)
        let (reading, _) = try ProbeOptions.load(args, model: model)
        let last = reading.layers.count - 1
        guard last >= 1 else { throw UsageError("the probe set has one layer; the causal check steers at one layer and reads a later one") }
        let layer = try args.int("layer", in: 0...(last - 1)) ?? min(reading.readingLayer, last - 1)
        let readLayer = try args.int("read-layer", in: (layer + 1)...last)
            ?? CausalCheck.Configuration.defaultReadLayer(after: layer, layerCount: reading.layers.count)
        let steering = try meanDiffSet(args, model: model)
        guard steering.emotions == reading.emotions else {
            throw UsageError("the probe set's emotions (\(reading.emotions.joined(separator: ","))) are not the dataset's (\(steering.emotions.joined(separator: ","))): use the same --emotions for both, or leave out --probe")
        }
        var config = CausalCheck.Configuration(steeringLayer: layer, readLayer: readLayer, skip: reading.skipTokens)
        config.strengths = try CausalOptions.strengths(args)
        config.randomVectors = try CausalOptions.randomVectors(args)
        config.seed = try CausalOptions.seed(args)
        let total = CausalCheck.passes(config, emotions: reading.emotions.count)
        let bar = ProgressBar(label: "causal check", total: Int64(total), unit: .items("passes"))
        let start = Date()
        let report = try CausalCheck.run(model: model, reading: reading, directions: steering.layers[layer].vectors,
                                         config: config, threads: threads) { done, _ in bar.update(Int64(done)) }
        bar.finish(String(format: "%d passes in %.1f s", total, Date().timeIntervalSince(start)))
        Terminal.out(args.flag("json") ? json(report) + "\n" : table(report))
    }

    /// The mean-difference probe set of the dataset (`--emotions`), from the cache or built once into it, whatever
    /// `--method` and `--probe` say: its directions are what is steered along.
    static func meanDiffSet(_ args: ParsedArguments, model: LanguageModel) throws -> ProbeSet {
        var argv = ["--method", ExtractionMethod.meanDiff.rawValue]
        if let e = args.string("emotions") { argv += ["--emotions", e] }
        if let t = args.string("threads") { argv += ["--threads", t] }
        let options = try ParsedArguments(command: "probe", options: ModelOptions.modelAndThreads + ProbeOptions.specs, arguments: argv)
        return try ProbeOptions.load(options, model: model).0
    }

    static func table(_ r: CausalCheck.Report) -> String {
        let E = r.emotions.count
        func signed(_ x: Double?) -> String { x.map { String(format: "%+.2f", $0) } ?? "—" }
        func ci(_ e: CausalCheck.Estimate?) -> String {
            guard let e else { return "—" }
            guard let lo = e.low, let hi = e.high else { return signed(e.mean) }
            return "\(signed(e.mean)) [\(signed(lo)), \(signed(hi))]"
        }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var out = "steered at layer \(r.steeringLayer) (mean-difference vectors, positions \(r.skip)+, mean residual norm "
            + String(format: "%.1f", r.residualNorm) + "); read at layer \(r.readLayer); \(r.texts) neutral texts × \(E) emotions; "
            + "\(r.randomVectors) random vectors of the same norm per strength\n"
        out += pad("strength", 8) + pad("own rise z [95% CI]", 26) + pad("others", 8) + pad("top", 7) + pad("random", 8)
            + pad("direct", 8) + pad("own words Δlog p [95% CI]", 28) + pad("random", 8) + "\n"
        for row in r.rows {
            out += pad(String(format: "%.3g", row.strength), 8) + pad(ci(row.ownRise), 26) + pad(signed(row.otherRise.mean), 8)
                + pad("\(row.topRisers)/\(E)", 7) + pad(signed(row.randomRise.mean), 8) + pad(signed(row.directRise.mean), 8)
                + pad(ci(row.wordShift), 28) + pad(signed(row.randomWordShift?.mean), 8) + "\n"
        }
        out += """
        own rise: the steered emotion's z change at the reading layer; others: the other emotions' mean change; top: \
        emotions whose own z rose most; random: the same emotion's change under random vectors; direct: the part the \
        added vector carries by itself (still in the residual stream). Δlog p: log of the summed next-token \
        probability of the emotion's own words at the end of the text, steered minus unsteered. Intervals treat the \
        \(r.texts * E) text × emotion cells as independent.

        """
        let missing = r.emotions.indices.filter { r.words[$0].isEmpty }.map { r.emotions[$0] }
        if !missing.isEmpty { out += "no single-token word for: \(missing.joined(separator: ", ")) (left out of Δlog p)\n" }
        return out
    }

    static func json(_ r: CausalCheck.Report) -> String {
        func num(_ x: Double?) -> String { x.map(jsonNumber) ?? "null" }
        func est(_ e: CausalCheck.Estimate?) -> String {
            guard let e else { return "null" }
            return "{\"mean\":\(num(e.mean)),\"low\":\(num(e.low)),\"high\":\(num(e.high)),\"n\":\(e.n)}"
        }
        func strings(_ a: [String]) -> String { "[" + a.map(jsonString).joined(separator: ",") + "]" }
        let words = zip(r.emotions, r.words).map { "\(jsonString($0)):\(strings($1))" }.joined(separator: ",")
        let rows = r.rows.map { row in
            let per = row.perEmotion.map { e in
                "{\"emotion\":\(jsonString(e.emotion)),\"own_rise\":\(num(e.ownRise)),\"other_rise\":\(num(e.otherRise)),"
                    + "\"random_rise\":\(num(e.randomRise)),\"top_riser\":\(jsonString(e.topRiser)),"
                    + "\"word_shift\":\(num(e.wordShift)),\"random_word_shift\":\(num(e.randomWordShift))}"
            }.joined(separator: ",")
            return "{\"strength\":\(jsonNumber(Double(row.strength))),\"own_rise\":\(est(row.ownRise)),\"other_rise\":\(est(row.otherRise)),"
                + "\"random_rise\":\(est(row.randomRise)),\"own_minus_random\":\(est(row.ownMinusRandom)),"
                + "\"direct_rise\":\(est(row.directRise)),\"top_risers\":\(row.topRisers),"
                + "\"top_riser_cells\":\(num(row.topRiserCells)),\"word_shift\":\(est(row.wordShift)),"
                + "\"random_word_shift\":\(est(row.randomWordShift)),\"word_shift_minus_random\":\(est(row.wordShiftMinusRandom)),"
                + "\"per_emotion\":[\(per)]}"
        }.joined(separator: ",")
        return "{\"steering_layer\":\(r.steeringLayer),\"read_layer\":\(r.readLayer),\"skip_tokens\":\(r.skip),"
            + "\"texts\":\(r.texts),\"random_vectors\":\(r.randomVectors),\"residual_norm\":\(jsonNumber(Double(r.residualNorm))),"
            + "\"emotions\":\(strings(r.emotions)),\"words\":{\(words)},\"rows\":[\(rows)]}"
    }
}
