import GGUF

/// How a built probe set was chosen and how well it reads held-out text (probe set version 3; nil for older and
/// imported sets). The reading layer and the method's parameter were chosen by k-fold cross-validation on the
/// training passages; the test split (line % 6 == 5) was read once, after everything was chosen, for the counts
/// here.
public struct ProbeEvaluation: Sendable, Equatable {
    /// Passages right out of passages read.
    public struct Count: Sendable, Equatable {
        public var correct = 0
        public var total = 0

        public init(correct: Int = 0, total: Int = 0) {
            self.correct = correct
            self.total = total
        }

        mutating func add(_ right: Bool) {
            total += 1
            if right { correct += 1 }
        }

        /// correct / total, nil for none.
        public var accuracy: Float? { total == 0 ? nil : Float(correct) / Float(total) }
        /// The 95% Wilson interval of the accuracy, nil for none.
        public var interval: (low: Double, high: Double)? { Statistics.wilson(correct: correct, total: total) }
    }

    /// Accuracy of each cross-validation fold at the chosen layer and parameter; their mean is the set's accuracy
    /// at the reading layer.
    public var foldAccuracy: [Float]
    /// The parameter chosen with the layer ("shrinkage", "l2"; empty for a method without one), the values tried,
    /// and the value chosen at each layer (NaN without one).
    public var parameterName: String
    public var candidates: [Float]
    public var layerParameters: [Float]
    /// The share of neutral variance whose principal components were projected out (NaN: none were).
    public var pcFraction: Float
    /// Training passages the folds were drawn from.
    public var trainingCount: Int
    /// On the test split: the probe at the reading layer; the same pipeline at layer 0 (little more than token
    /// embeddings: a lexical control); a bag-of-words classifier (`BagOfWords`); and the reading layer on the test
    /// passages that never name their emotion (`EmotionLexicon`) and on those that do.
    public var test: Count
    public var layer0: Count
    public var bagOfWords: Count
    /// The bag of words' smoothing, chosen on the same folds.
    public var bagOfWordsSmoothing: Float
    public var unnamed: Count
    public var named: Count

    public init(foldAccuracy: [Float], parameterName: String, candidates: [Float], layerParameters: [Float],
                pcFraction: Float, trainingCount: Int, test: Count, layer0: Count, bagOfWords: Count,
                bagOfWordsSmoothing: Float, unnamed: Count, named: Count) {
        self.foldAccuracy = foldAccuracy
        self.parameterName = parameterName
        self.candidates = candidates
        self.layerParameters = layerParameters
        self.pcFraction = pcFraction
        self.trainingCount = trainingCount
        self.test = test
        self.layer0 = layer0
        self.bagOfWords = bagOfWords
        self.bagOfWordsSmoothing = bagOfWordsSmoothing
        self.unnamed = unnamed
        self.named = named
    }

    /// The mean of the fold accuracies (NaN for none).
    public var crossValidatedAccuracy: Float {
        foldAccuracy.isEmpty ? .nan : foldAccuracy.reduce(0, +) / Float(foldAccuracy.count)
    }

    /// The parameter chosen at `layer`, nil for a method without one.
    public func parameter(at layer: Int) -> Float? {
        guard layerParameters.indices.contains(layer), !layerParameters[layer].isNaN else { return nil }
        return layerParameters[layer]
    }

    // MARK: Storage

    static let counts = [("probes.test", \ProbeEvaluation.test), ("probes.test_layer0", \.layer0),
                         ("probes.test_bag_of_words", \.bagOfWords), ("probes.test_unnamed", \.unnamed),
                         ("probes.test_named", \.named)]

    func write(to w: inout GGUFWriter) {
        w.set("probes.fold_accuracy", .array(.float32, foldAccuracy.map { .float32($0) }))
        w.set("probes.parameter", parameterName)
        w.set("probes.parameter_candidates", .array(.float32, candidates.map { .float32($0) }))
        w.set("probes.layer_parameters", .array(.float32, layerParameters.map { .float32($0) }))
        w.set("probes.pc_fraction", pcFraction)
        w.set("probes.training_count", UInt32(clamping: trainingCount))
        for (key, path) in Self.counts {
            let c = self[keyPath: path]
            w.set(key, .array(.int32, [c.correct, c.total].map { .int32(Int32(clamping: $0)) }))
        }
        w.set("probes.bag_of_words_smoothing", bagOfWordsSmoothing)
    }

    /// The evaluation stored in `f`, nil when it holds none (`probes.test` absent: an older or imported set).
    /// - Throws: the reason, in words naming the key, when one is present but malformed.
    static func read(_ f: GGUFFile) throws(ProbeSetReadError) -> ProbeEvaluation? {
        guard f["probes.test"] != nil else { return nil }
        func floats(_ key: String) throws(ProbeSetReadError) -> [Float] {
            guard let v = f[key]?.floats else { throw ProbeSetReadError("\(key) is missing or not a list of numbers") }
            return v
        }
        func count(_ key: String) throws(ProbeSetReadError) -> Count {
            guard let v = f[key]?.ints, v.count == 2 else { throw ProbeSetReadError("\(key) is missing or not [correct, total]") }
            return Count(correct: v[0], total: v[1])
        }
        guard let name = f["probes.parameter"]?.string else { throw ProbeSetReadError("probes.parameter is missing") }
        guard let pc = f["probes.pc_fraction"]?.double else { throw ProbeSetReadError("probes.pc_fraction is missing") }
        guard let n = f["probes.training_count"]?.int else { throw ProbeSetReadError("probes.training_count is missing") }
        guard let smoothing = f["probes.bag_of_words_smoothing"]?.double else {
            throw ProbeSetReadError("probes.bag_of_words_smoothing is missing")
        }
        return ProbeEvaluation(foldAccuracy: try floats("probes.fold_accuracy"), parameterName: name,
                               candidates: try floats("probes.parameter_candidates"),
                               layerParameters: try floats("probes.layer_parameters"), pcFraction: Float(pc),
                               trainingCount: n, test: try count("probes.test"), layer0: try count("probes.test_layer0"),
                               bagOfWords: try count("probes.test_bag_of_words"), bagOfWordsSmoothing: Float(smoothing),
                               unnamed: try count("probes.test_unnamed"), named: try count("probes.test_named"))
    }

    /// The first inconsistency in words naming the key, or nil. `layerAccuracy` is the set's accuracy at its
    /// reading layer, which must be the fold accuracies' mean; `confusion` must count the test split.
    func problem(layers: Int, readingLayer: Int, layerAccuracy: Float?, confusion: [[Int]]) -> String? {
        if let i = foldAccuracy.firstIndex(where: { !(0...1).contains($0) }) {
            return "probes.fold_accuracy[\(i)] is \(foldAccuracy[i]), not a fraction"
        }
        if let a = layerAccuracy, !foldAccuracy.isEmpty, abs(a - crossValidatedAccuracy) > 1e-4 {
            return "probes.fold_accuracy averages \(crossValidatedAccuracy) but the reading layer's accuracy is \(a)"
        }
        guard layerParameters.count == layers else {
            return "probes.layer_parameters has \(layerParameters.count) values for \(layers) layers"
        }
        if let i = layerParameters.firstIndex(where: { !$0.isNaN && !candidates.contains($0) }) {
            return "probes.layer_parameters[\(i)] is \(layerParameters[i]), not one of probes.parameter_candidates"
        }
        if !(pcFraction.isNaN || (0...1).contains(pcFraction)) { return "probes.pc_fraction is \(pcFraction), not a fraction" }
        for (key, path) in Self.counts {
            let c = self[keyPath: path]
            if !(c.total >= 0 && (0...c.total).contains(c.correct)) { return "\(key) is \(c.correct) of \(c.total)" }
        }
        for (key, c) in [("probes.test_layer0", layer0), ("probes.test_bag_of_words", bagOfWords)] where c.total != test.total {
            return "\(key) counts \(c.total) passages, the test split \(test.total)"
        }
        if unnamed.total + named.total != test.total || unnamed.correct + named.correct != test.correct {
            return "probes.test_unnamed and probes.test_named do not add up to probes.test"
        }
        if !confusion.isEmpty {
            let total = confusion.reduce(0) { $0 + $1.reduce(0, +) }
            let right = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
            if total != test.total || right != test.correct {
                return "probes.confusion holds \(right) of \(total), probes.test \(test.correct) of \(test.total)"
            }
        }
        return nil
    }
}

/// A malformed evaluation key (the reason, in words).
struct ProbeSetReadError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
