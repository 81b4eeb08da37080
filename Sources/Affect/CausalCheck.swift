import Engine
import Foundation
import Tokenizers

/// Does each emotion vector *drive* the model, not just correlate with its activations?
///
/// Neutral texts are steered with +strength × the emotion's mean-difference direction (emotion mean minus neutral
/// mean) at one layer, on ordinary positions only (never position 0, where small models keep a massive activation,
/// nor the first `skip` tokens, which the probes never read either). Two effects are measured, each against the
/// unsteered run of the same text:
///
/// - **readings**: every emotion's z (the reading probe set, normally the recipe) at a layer at least a few blocks
///   later, averaged over the text's positions from `skip` on. The steered emotion's rise should beat the other
///   emotions' mean rise, and be the largest.
/// - **words**: the log of the summed next-token probability, at the end of the text, of the emotion's own words
///   (its name and a few synonyms, each a single token with a leading space, lower-case and capitalised).
///
/// Each effect has a control: random directions of the same norm at the same layer and positions, through the same
/// measurements. A random vector's effect on emotion E is E's baseline. Strengths are fractions of the mean residual
/// norm at the steering layer (the emotions study moved behaviour at 0.05-0.1).
///
/// Caveat: the residual stream is additive, so the steered vector is still present at the reading layer. `direct`
/// is the rise the added vector alone contributes there (strength × its projection on the reading direction, in
/// neutral-text standard deviations); what the blocks in between add or remove is the measured rise minus that.
public enum CausalCheck {
    public static let defaultStrengths: [Float] = [0.02, 0.05, 0.1, 0.2]
    public static let defaultRandomVectors = 4
    /// How many layers after the steering layer the readings are taken, by default (clamped to the last layer).
    public static let defaultReadOffset = 4

    /// Flat passages written for this check (not from `prompts/emotions/neutral.txt`, which the probes are
    /// calibrated on). Each ends on an open slot ("I felt") so that the next token is a word about a state, which
    /// makes the emotion words' probability measurable; the slot is the same with and without steering.
    public static let neutralTexts: [String] = [
        "The committee went through next week's schedule: a session at nine, a short break, then reports in the afternoon. When the meeting ended, I felt",
        "The train left at ten past eight and stopped at four towns. I read the paper and got off at the last stop. On the platform I felt",
        "We moved the printer to the second floor, labelled the paper trays and put the manual back on the shelf. Looking around the office, I felt",
        "The recipe needs two cups of flour, one egg and a pinch of salt; mix them and leave the dough for ten minutes. While I cleaned up, I felt",
        "The library opens at nine on weekdays, and books can be borrowed for three weeks and renewed once online. Walking out with my card, I felt",
        "He checked the tyres, filled the tank and drove forty minutes along the ring road to the warehouse. When he parked, he felt",
        "The report lists quarterly sales, costs and orders per region, with a note on the new accounting format. After reading it, she felt",
        "I sorted the mail, started the laundry and wrote a shopping list: eggs, rice, soap and batteries for the clock. At that point I felt",
    ]

    /// Each emotion's own words: its name and a few synonyms. Only the ones that are a single token (with a
    /// leading space) for the model are used (`wordTokens`); an emotion with none has no word measurement.
    public static let emotionWords: [String: [String]] = [
        "afraid": ["afraid", "scared", "frightened", "terrified", "fearful", "fear"],
        "angry": ["angry", "furious", "mad", "enraged", "irritated", "anger"],
        "anxious": ["anxious", "nervous", "worried", "uneasy", "tense", "anxiety"],
        "ashamed": ["ashamed", "embarrassed", "humiliated", "shame", "mortified"],
        "bored": ["bored", "boring", "dull", "tedious", "boredom", "restless"],
        "calm": ["calm", "relaxed", "peaceful", "serene", "tranquil", "content"],
        "curious": ["curious", "intrigued", "interested", "fascinated", "inquisitive", "curiosity"],
        "desperate": ["desperate", "hopeless", "frantic", "despair", "helpless", "desperation"],
        "frustrated": ["frustrated", "annoyed", "exasperated", "frustration", "stuck", "irritated"],
        "guilty": ["guilty", "guilt", "remorseful", "sorry", "regretful", "remorse"],
        "happy": ["happy", "glad", "joyful", "cheerful", "delighted", "joy"],
        "hopeful": ["hopeful", "optimistic", "hope", "encouraged", "confident", "hopes"],
        "loving": ["loving", "love", "affectionate", "tender", "fond", "loved"],
        "proud": ["proud", "pride", "accomplished", "triumphant", "satisfied", "fulfilled"],
        "sad": ["sad", "unhappy", "sorrowful", "miserable", "gloomy", "grief"],
        "surprised": ["surprised", "amazed", "astonished", "shocked", "stunned", "startled"],
    ]

    /// What to run. `strengths` are fractions of the mean residual norm at `steeringLayer`.
    public struct Configuration: Sendable {
        public var strengths: [Float] = CausalCheck.defaultStrengths
        public var steeringLayer: Int
        /// Where the readings are taken; after `steeringLayer`.
        public var readLayer: Int
        public var texts: [String] = CausalCheck.neutralTexts
        public var randomVectors: Int = CausalCheck.defaultRandomVectors
        public var seed: UInt64 = 1
        /// Positions before this are never steered nor read (at least 1: position 0 is never steered).
        public var skip: Int
        public var words: [String: [String]] = CausalCheck.emotionWords

        public init(steeringLayer: Int, readLayer: Int, skip: Int) {
            self.steeringLayer = steeringLayer
            self.readLayer = readLayer
            self.skip = skip
        }

        /// The reading layer `defaultReadOffset` after `steeringLayer`, clamped to the last of `layerCount`.
        public static func defaultReadLayer(after steeringLayer: Int, layerCount: Int) -> Int {
            min(steeringLayer + CausalCheck.defaultReadOffset, layerCount - 1)
        }
    }

    /// A check that cannot run as configured, in words naming the value and the fix.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    /// A mean with its 95% interval (Student's t over `n` values taken as independent); `low`/`high` are nil for
    /// fewer than two values.
    public struct Estimate: Sendable, Equatable {
        public var mean: Double
        public var low: Double?
        public var high: Double?
        public var n: Int

        /// Nil for no values.
        public static func of(_ values: [Double]) -> Estimate? {
            guard !values.isEmpty else { return nil }
            let n = values.count
            let mean = values.reduce(0, +) / Double(n)
            guard n >= 2 else { return Estimate(mean: mean, low: nil, high: nil, n: n) }
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            let half = tCritical95(df: n - 1) * (variance / Double(n)).squareRoot()
            return Estimate(mean: mean, low: mean - half, high: mean + half, n: n)
        }

        /// Two-sided 95% quantile of Student's t; between table entries the smaller df's (a slightly wider
        /// interval, never a narrower one).
        static func tCritical95(df: Int) -> Double {
            let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
                                   2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                   2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
            if df >= 1 && df <= table.count { return table[df - 1] }
            if df <= 40 { return 2.042 }
            if df <= 60 { return 2.021 }
            if df <= 120 { return 2.000 }
            return 1.980
        }
    }

    /// One emotion at one strength, averaged over the texts.
    public struct EmotionResult: Sendable {
        public var emotion: String
        /// Rise of this emotion's z under its own vector.
        public var ownRise: Double
        /// Mean rise of the other emotions' z under this emotion's vector.
        public var otherRise: Double
        /// Rise of this emotion's z under the random vectors (their mean).
        public var randomRise: Double
        /// The emotion whose z rose most under this emotion's vector (rises averaged over texts).
        public var topRiser: String
        /// Change of the log summed probability of this emotion's words; nil when it has no single-token word.
        public var wordShift: Double?
        public var randomWordShift: Double?
    }

    /// One strength: estimates over the (text, emotion) cells.
    public struct Row: Sendable {
        public var strength: Float
        public var ownRise: Estimate
        public var otherRise: Estimate
        public var randomRise: Estimate
        /// Own rise minus the random vectors' rise of the same emotion on the same text (paired).
        public var ownMinusRandom: Estimate
        /// The rise the added vector alone carries to the reading layer (see the type's caveat).
        public var directRise: Estimate
        /// Emotions whose own z rose most (rises averaged over texts), of `emotions.count`.
        public var topRisers: Int
        /// Fraction of (text, emotion) cells where the own z rose most.
        public var topRiserCells: Double
        /// Nil when no emotion has a single-token word.
        public var wordShift: Estimate?
        public var randomWordShift: Estimate?
        public var wordShiftMinusRandom: Estimate?
        public var perEmotion: [EmotionResult]
    }

    public struct Report: Sendable {
        public var emotions: [String]
        public var steeringLayer: Int
        public var readLayer: Int
        public var skip: Int
        public var texts: Int
        public var randomVectors: Int
        /// The mean residual norm at the steering layer (strength 1 is a vector of this length).
        public var residualNorm: Float
        /// Per emotion, the words measured (those that are one token).
        public var words: [[String]]
        /// In the order of `Configuration.strengths`.
        public var rows: [Row]
    }

    /// Forward passes a run makes: per text, one unsteered and one per strength × (emotions + random vectors).
    public static func passes(_ config: Configuration, emotions: Int) -> Int {
        config.texts.count * (1 + config.strengths.count * (emotions + config.randomVectors))
    }

    /// Runs the check.
    /// - Parameters:
    ///   - reading: the probe set read at `config.readLayer` (normally the recipe's).
    ///   - directions: per emotion of `reading`, the direction steered along at `config.steeringLayer` (normally
    ///     the mean-difference set's vectors there); normalised here.
    ///   - progress: forward passes done, of `passes(config, emotions:)`.
    public static func run(model: any InferenceBackend, reading: ProbeSet, directions: [[Float]], config: Configuration,
                           threads: Int? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let c = model.config, E = reading.emotions.count, D = c.hiddenSize
        let L = config.steeringLayer, R = config.readLayer
        guard (0..<c.layerCount).contains(L) else { throw ConfigurationError("steering layer \(L) is outside the model's layers 0-\(c.layerCount - 1)") }
        guard reading.layers.indices.contains(R), R > L else {
            throw ConfigurationError("reading layer \(R) must come after the steering layer \(L) and be at most \(reading.layers.count - 1)")
        }
        guard directions.count == E, directions.allSatisfy({ $0.count == D }) else {
            throw ConfigurationError("need \(E) steering directions of \(D) values, got \(directions.count)")
        }
        guard !config.strengths.isEmpty, !config.texts.isEmpty, config.randomVectors >= 1 else {
            throw ConfigurationError("the check needs at least one strength, one text and one random vector")
        }
        let skip = max(config.skip, 1)
        let ids = try config.texts.map { try model.tokenizer.encode($0, addSpecial: true, parseSpecial: false) }
        if let short = ids.firstIndex(where: { $0.count <= skip + 1 }) {
            throw ConfigurationError("text \(short + 1) has \(ids[short].count) tokens; the check steers from token \(skip) on and needs at least \(skip + 2)")
        }
        let norm = try model.meanResidualNorms()[L]
        let steer = directions.map(unit)
        let random = randomDirections(count: config.randomVectors, width: D, seed: config.seed)
        let wordIDs = reading.emotions.map { wordTokens(config.words[$0] ?? [$0], tokenizer: model.tokenizer) }
        let probe = reading.layers[R]

        let ctx = model.makeSequence(capacity: (ids.map(\.count).max() ?? 1) + 1, threads: threads)
        let recorder = ActivationRecorder(width: D)
        ctx.hooks.subscribe(recorder, sites: [.layer(R)], positions: .range(skip..<Int.max))
        let total = passes(config, emotions: E)
        var done = 0
        func measure(_ tokens: [Int], _ steering: Steering?) throws -> Measurement {
            defer { done += 1; progress(done, total) }
            return try CausalCheck.measure(ctx, tokens: tokens, steering: steering, recorder: recorder, site: .layer(R),
                                           readFrom: skip, probe: probe, wordIDs: wordIDs.map { $0.map(\.id) })
        }

        // cells[s][t][e]: emotion e's vector on text t at strength s; randomCells[s][t][k].
        var cells = [[[Measurement]]](repeating: [], count: config.strengths.count)
        var randomCells = cells
        var bases: [Measurement] = []
        for tokens in ids {
            bases.append(try measure(tokens, nil))
            for (s, strength) in config.strengths.enumerated() {
                let plan = steerings(strength: strength * norm, layer: L, skip: skip, directions: steer, random: random)
                cells[s].append(try plan.emotions.map { try measure(tokens, $0) })
                randomCells[s].append(try plan.random.map { try measure(tokens, $0) })
            }
        }

        let rows = config.strengths.indices.map { s in
            summarize(strength: config.strengths[s], emotions: reading.emotions, bases: bases, cells: cells[s],
                      randomCells: randomCells[s], direct: steer.enumerated().map { e, v in
                          Double(config.strengths[s] * norm * dot(v, probe.vectors[e]) / probe.calibrationStd[e])
                      })
        }
        return Report(emotions: reading.emotions, steeringLayer: L, readLayer: R, skip: skip, texts: ids.count,
                      randomVectors: random.count, residualNorm: norm, words: wordIDs.map { $0.map(\.word) }, rows: rows)
    }

    // MARK: Pieces (internal for tests)

    /// One forward pass's measurements.
    struct Measurement {
        /// (emotions) z at the reading layer, averaged over the read positions.
        var z: [Float]
        /// (emotions) log of the summed next-token probability of each emotion's words; nil for none.
        var wordLogP: [Double?]
    }

    /// Steering that adds `strength × vector` at `layer` on positions from `skip` (at least 1) on.
    static func steering(vector: [Float], strength: Float, layer: Int, skip: Int) -> Steering {
        Steering(site: .layer(layer), vector: vector, strength: strength, positions: .range(max(skip, 1)..<Int.max))
    }

    /// The steerings of one strength: each emotion's direction and each random one, all made unit length, so every
    /// added vector is `strength` long.
    static func steerings(strength: Float, layer: Int, skip: Int, directions: [[Float]],
                          random: [[Float]]) -> (emotions: [Steering], random: [Steering]) {
        func make(_ v: [Float]) -> Steering { steering(vector: unit(v), strength: strength, layer: layer, skip: skip) }
        return (directions.map(make), random.map(make))
    }

    /// Evaluates `tokens` under `steering` (or none), reading `site` through `recorder` (which the caller
    /// subscribed on `ctx` for positions from `readFrom` on) and the last position's logits. What the cache already
    /// holds of `tokens` before `readFrom`, evaluated under steering that acted there as this one does (none, for
    /// the check's), is kept: the same text's first tokens are evaluated once, not once per pass.
    static func measure(_ ctx: any InferenceSequence, tokens: [Int], steering: Steering?, recorder: ActivationRecorder,
                        site: HookSite, readFrom: Int, probe: LayerProbe, wordIDs: [[Int]]) throws -> Measurement {
        recorder.clear()
        ctx.hooks.steering = steering.map { [$0] } ?? []
        defer { ctx.hooks.steering = [] }
        _ = ctx.reusePrefix(of: tokens)
        let kept = min(ctx.position, readFrom)
        ctx.rollback(to: kept)
        let logits = try ctx.evaluate(Array(tokens[kept...]), logits: .last)
        let rows = recorder.rows[site] ?? []
        let w = recorder.width, n = rows.count / w
        var mean = [Float](repeating: 0, count: w)
        for i in 0..<n { for j in 0..<w { mean[j] += rows[i * w + j] } }
        for j in 0..<w { mean[j] /= Float(max(n, 1)) }
        let all = logSumExp(logits, ids: nil)
        return Measurement(z: probe.zScores(probe.project(mean[...])),
                           wordLogP: wordIDs.map { $0.isEmpty ? nil : logSumExp(logits, ids: $0) - all })
    }

    /// `words` (each lower-case and capitalised, with a leading space) that are one token, with their ids; each id once.
    static func wordTokens(_ words: [String], tokenizer: Tokenizer) -> [(word: String, id: Int)] {
        var out: [(word: String, id: Int)] = []
        for word in words {
            for form in [word.lowercased(), word.prefix(1).uppercased() + word.dropFirst()] {
                guard let ids = try? tokenizer.encode(" " + form, addSpecial: false, parseSpecial: false), ids.count == 1,
                      !out.contains(where: { $0.id == ids[0] }) else { continue }
                out.append((form, ids[0]))
            }
        }
        return out
    }

    /// `count` random unit directions of `width` (Gaussian, so uniform on the sphere), the same for the same seed.
    public static func randomDirections(count: Int, width: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        func uniform() -> Double { (Double(rng.next() >> 11) + 0.5) / Double(1 << 53) }   // in (0, 1)
        return (0..<count).map { _ in
            unit((0..<width).map { _ in Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) })
        }
    }

    static func unit(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// log Σ exp(logits[i]) over `ids` (all when nil), in Double.
    static func logSumExp(_ logits: [Float], ids: [Int]?) -> Double {
        let values = ids.map { $0.map { Double(logits[$0]) } } ?? logits.map(Double.init)
        guard let top = values.max() else { return -.infinity }
        return top + log(values.reduce(0) { $0 + exp($1 - top) })
    }

    /// One row of the table from the measurements at one strength: cells[t][e], randomCells[t][k], bases[t].
    static func summarize(strength: Float, emotions: [String], bases: [Measurement], cells: [[Measurement]],
                          randomCells: [[Measurement]], direct: [Double]) -> Row {
        let E = emotions.count, T = bases.count
        var own: [Double] = [], other: [Double] = [], rand: [Double] = [], diff: [Double] = []
        var words: [Double] = [], randWords: [Double] = [], wordDiff: [Double] = []
        var topCells = 0
        var meanRise = [[Double]](repeating: [Double](repeating: 0, count: E), count: E)   // [steered][read]
        var perOwn = [[Double]](repeating: [], count: E), perOther = perOwn, perRand = perOwn, perWords = perOwn, perRandWords = perOwn
        for t in 0..<T {
            let base = bases[t]
            // The random vectors' mean effect on each emotion of this text: that emotion's baseline.
            let randomRise = (0..<E).map { e in randomCells[t].map { Double($0.z[e] - base.z[e]) }.reduce(0, +) / Double(randomCells[t].count) }
            let randomWord: [Double?] = (0..<E).map { e in
                guard let b = base.wordLogP[e] else { return nil }
                return randomCells[t].map { $0.wordLogP[e]! - b }.reduce(0, +) / Double(randomCells[t].count)
            }
            for e in 0..<E {
                let rise = (0..<E).map { Double(cells[t][e].z[$0] - base.z[$0]) }
                for r in 0..<E { meanRise[e][r] += rise[r] / Double(T) }
                let others = (0..<E).filter { $0 != e }.map { rise[$0] }
                let otherMean = others.isEmpty ? 0 : others.reduce(0, +) / Double(others.count)
                own.append(rise[e]); other.append(otherMean); rand.append(randomRise[e]); diff.append(rise[e] - randomRise[e])
                perOwn[e].append(rise[e]); perOther[e].append(otherMean); perRand[e].append(randomRise[e])
                if ProbeBuilder.argmax(rise.map(Float.init)) == e { topCells += 1 }
                if let b = base.wordLogP[e], let steered = cells[t][e].wordLogP[e], let r = randomWord[e] {
                    words.append(steered - b); randWords.append(r); wordDiff.append(steered - b - r)
                    perWords[e].append(steered - b); perRandWords[e].append(r)
                }
            }
        }
        func mean(_ x: [Double]) -> Double? { x.isEmpty ? nil : x.reduce(0, +) / Double(x.count) }
        let tops = (0..<E).map { ProbeBuilder.argmax(meanRise[$0].map(Float.init)) }
        let perEmotion = (0..<E).map { e in
            EmotionResult(emotion: emotions[e], ownRise: mean(perOwn[e]) ?? .nan, otherRise: mean(perOther[e]) ?? .nan,
                          randomRise: mean(perRand[e]) ?? .nan, topRiser: emotions[tops[e]],
                          wordShift: mean(perWords[e]), randomWordShift: mean(perRandWords[e]))
        }
        // Every list below has T × E ≥ 1 values (run checks there is a text and an emotion).
        return Row(strength: strength, ownRise: .of(own)!, otherRise: .of(other)!, randomRise: .of(rand)!,
                   ownMinusRandom: .of(diff)!, directRise: .of(direct)!, topRisers: (0..<E).filter { tops[$0] == $0 }.count,
                   topRiserCells: Double(topCells) / Double(max(T * E, 1)), wordShift: .of(words), randomWordShift: .of(randWords),
                   wordShiftMinusRandom: .of(wordDiff), perEmotion: perEmotion)
    }
}
