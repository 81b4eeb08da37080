import Foundation

/// How emotion directions are computed from passage activations.
public enum ExtractionMethod: String, Sendable, CaseIterable {
    /// The emotions study's recipe (DESIGN.md §6): per-emotion mean minus the mean over emotions, read through the
    /// inverse of the within-emotion covariance shrunk toward its mean variance (shrinkage LDA, our addition: a few
    /// massive residual dimensions and correlated nuisance directions otherwise dominate every dot product), then
    /// the top principal components of neutral text (50% of its variance) projected out, and unit-normalised. The
    /// projection comes last, so the direction has no component in the neutral subspace (whitening after it would
    /// put those components back). The shrinkage is chosen with the layer by cross-validation.
    case recipe
    /// Per-emotion mean minus the neutral mean, unit-normalised (steering-vectors' "mean difference").
    /// (repeng's `pca_diff` is not offered: it needs contrastive pairs that differ only in the emotion, and these
    /// datasets pair nothing, so its first component follows content rather than emotion.)
    case meanDiff = "mean-diff"
    /// Multinomial logistic regression with an L2 penalty on the same features, after the same neutral components
    /// are projected out; each emotion's weight vector is its direction, and the penalty is chosen with the layer by
    /// cross-validation.
    case logistic
    /// Shrinkage LDA used as a classifier, not only for its directions: after the same neutral components are
    /// projected out, each dimension is z-scored over the training passages, the within-emotion covariance is shrunk
    /// toward its mean variance (the shrinkage chosen with the layer by cross-validation), and an emotion's score is
    /// the discriminant w·x − ½·w·m + log prior with w = C⁻¹m (m its mean's offset from the centre), rather than
    /// the recipe's standardised projection. Each direction is w mapped back to the raw features, with the neutral
    /// components projected out again.
    case lda

    /// The parameter cross-validation chooses with the layer, and the values it tries, most regularised first (a
    /// tie goes to the earlier value); nil when the method has none.
    public var parameter: (name: String, candidates: [Double])? {
        switch self {
        case .recipe, .lda: ("shrinkage", ShrinkageLDA.shrinkages)
        case .meanDiff: nil
        case .logistic: ("l2", LogisticRegression.penalties)
        }
    }
}

/// One layer's probe: a unit direction per emotion and the centre that features are measured from.
public struct LayerProbe: Sendable, Equatable {
    /// (emotions, width) unit directions.
    public var vectors: [[Float]]
    /// (width) the grand mean of the emotion means: projections are taken of (x − centre). DESIGN.md §6:
    /// without centring, each emotion's projection carries its own offset and argmax collapses.
    public var center: [Float]
    /// (emotions) mean and standard deviation of each projection on neutral text: z = (p − mean) / std.
    public var calibrationMean: [Float]
    public var calibrationStd: [Float]
    /// (emotions) the classifier's offset and scale per emotion: classification takes the argmax of
    /// (projection − scoreMean) / scoreStd. For the recipe and mean-diff they are each projection's mean and standard
    /// deviation over the training passages of all emotions (raw projections carry a different spread per emotion,
    /// and argmax would favour the widest; DESIGN.md §6: "or z-score each projection"); for logistic, the model's
    /// bias and weight norm, so that the argmax is the regression's own.
    public var scoreMean: [Float]
    public var scoreStd: [Float]

    /// Centred projections of `x` on each direction.
    public func project(_ x: ArraySlice<Float>) -> [Float] {
        vectors.map { v in
            var s: Float = 0
            var i = x.startIndex
            for j in 0..<v.count { s += (x[i] - center[j]) * v[j]; i += 1 }
            return s
        }
    }

    public init(vectors: [[Float]], center: [Float], calibrationMean: [Float] = [], calibrationStd: [Float] = [],
                scoreMean: [Float] = [], scoreStd: [Float] = []) {
        self.vectors = vectors
        self.center = center
        self.calibrationMean = calibrationMean
        self.calibrationStd = calibrationStd
        self.scoreMean = scoreMean.isEmpty ? [Float](repeating: 0, count: vectors.count) : scoreMean
        self.scoreStd = scoreStd.isEmpty ? [Float](repeating: 1, count: vectors.count) : scoreStd
    }

    /// The emotion `x` reads as: argmax of the projections standardised over training passages.
    public func classify(_ x: ArraySlice<Float>) -> Int {
        let p = project(x)
        var best = 0, bestScore = -Float.infinity
        for e in p.indices {
            let s = (p[e] - scoreMean[e]) / scoreStd[e]
            if s > bestScore { best = e; bestScore = s }
        }
        return best
    }

    /// Sets the calibration from neutral features: each projection's mean and standard deviation there.
    public mutating func calibrate(neutral rows: [ArraySlice<Float>]) {
        (calibrationMean, calibrationStd) = statistics(rows)
    }

    /// Each projection's mean and standard deviation over `rows`.
    func statistics(_ rows: [ArraySlice<Float>]) -> ([Float], [Float]) {
        let projections = rows.map(project)
        let stats = vectors.indices.map { e in Statistics.meanAndStd(projections.map { $0[e] }, floor: 1e-6) }
        return (stats.map(\.mean), stats.map(\.std))
    }

    public func zScores(_ projections: [Float]) -> [Float] {
        projections.indices.map { (projections[$0] - calibrationMean[$0]) / calibrationStd[$0] }
    }
}

public enum VectorExtraction {
    /// The share of neutral text's variance whose principal components the recipe projects out (DESIGN.md §6). Kept
    /// fixed, not cross-validated: its purpose is readings that do not follow what varies in neutral text, which
    /// classification accuracy does not measure (on SmolLM2 today, 0% scores about a point higher, within noise).
    public static let pcFraction = 0.5

    /// One layer's probe from training features (`rows` with `labels` in 0..<emotionCount): principal components
    /// from `componentRows` (neutral text), calibration from `calibrationRows` (other neutral text: the spread of a
    /// projection is measured out of sample), and `parameter` (the shrinkage or penalty; the first candidate when
    /// nil).
    public static func layerProbe(rows: [[Double]], labels: [Int], emotionCount: Int, componentRows: [[Double]],
                                  calibrationRows: [[Double]], method: ExtractionMethod, pcFraction: Double = pcFraction,
                                  parameter: Double? = nil) -> LayerProbe {
        let components = method == .meanDiff ? [] : LinearAlgebra.principalComponents(componentRows, explaining: pcFraction)
        let value = parameter ?? method.parameter?.candidates.first
        var probe = probes(rows: rows, labels: labels, emotionCount: emotionCount, components: components,
                           neutralMean: mean(componentRows), method: method, values: value.map { [$0] } ?? [])[0]
        probe.calibrate(neutral: calibrationRows.map { ArraySlice($0.map(Float.init)) })
        return probe
    }

    /// One probe per value in `values` of `method`'s parameter (one probe for a method without one), fitted on the
    /// same training rows: unit directions, the centre, and the classifier's `scoreMean`/`scoreStd`. Not calibrated
    /// (readings need that; classification does not). The recipe reduces the within-emotion covariance once for
    /// all shrinkages (`ShrinkageLDA`).
    static func probes(rows: [[Double]], labels: [Int], emotionCount: Int, components: [[Double]], neutralMean: [Double],
                       method: ExtractionMethod, values: [Double]) -> [LayerProbe] {
        switch method {
        case .recipe:
            let lda = ShrinkageLDA(rows: rows, labels: labels, emotionCount: emotionCount)
            return values.map { s in
                // Whiten first, then project the neutral components out: the direction has none of them left.
                let directions = lda.solve(shrinkage: s).map { LinearAlgebra.projectOut($0, components) }
                return zScoredProbe(directions: directions, center: lda.center, rows: rows, labels: labels)
            }
        case .meanDiff:
            let means = Means(rows: rows, labels: labels, emotionCount: emotionCount)
            let directions = means.means.map { m in (0..<m.count).map { m[$0] - neutralMean[$0] } }
            // Mean-diff points from neutral to the emotion by construction; the sign test would turn around an
            // emotion nearer to neutral text than the other emotions are (SmolLM2's bored read -4 z on bored).
            return [zScoredProbe(directions: directions, center: means.center, rows: rows, labels: labels, signed: false)]
        case .logistic:
            let center = Means(rows: rows, labels: labels, emotionCount: emotionCount).center
            let features = rows.map { LinearAlgebra.projectOut($0, components) }
            return LogisticRegression.fit(rows: features, labels: labels, classCount: emotionCount, penalties: values).map {
                $0.probe(center: center, components: components)
            }
        case .lda:
            return discriminantProbes(rows: rows, labels: labels, emotionCount: emotionCount, components: components,
                                      shrinkages: values)
        }
    }

    /// `.lda`'s probes: the shrunk discriminant fitted on z-scored features (neutral components out), one per
    /// shrinkage, as directions on the raw features with the classifier's offsets in `scoreMean`/`scoreStd` (so
    /// that the argmax of `classify` is the discriminant's own).
    static func discriminantProbes(rows: [[Double]], labels: [Int], emotionCount: Int, components: [[Double]],
                                   shrinkages: [Double]) -> [LayerProbe] {
        let features = rows.map { LinearAlgebra.projectOut($0, components) }
        let n = Double(features.count), d = features[0].count
        let (mu, sigma) = Statistics.standardization(features)
        let scaled = features.map { r in (0..<d).map { (r[$0] - mu[$0]) / sigma[$0] } }
        let lda = ShrinkageLDA(rows: scaled, labels: labels, emotionCount: emotionCount)
        var counts = [Double](repeating: 0, count: emotionCount)
        for e in labels { counts[e] += 1 }
        // The centre in raw features: the grand mean of the emotion means, which z-scoring maps to lda.center.
        let center = Means(rows: rows, labels: labels, emotionCount: emotionCount).center
        return shrinkages.map { s in
            let w = lda.solve(shrinkage: s)
            let directions = w.map { we in LinearAlgebra.projectOut((0..<d).map { we[$0] / sigma[$0] }, components) }
            // score_e = w_e·(z − centre) − ½·w_e·offset_e + log prior_e, and w_e·(z − centre) = direction_e·(x − centre)
            return linearProbe(weights: directions, center: center, offsets: (0..<emotionCount).map { e in
                -0.5 * LinearAlgebra.dot(w[e], lda.offsets[e]) + Foundation.log(max(counts[e], 1) / n)
            })
        }
    }

    /// The probe of a linear classifier whose score for emotion e is weights[e]·(x − center) + offsets[e]: unit
    /// directions, with each weight's norm and offset in `scoreMean`/`scoreStd`, so that the argmax of `classify`
    /// is the classifier's own.
    static func linearProbe(weights: [[Double]], center: [Double], offsets: [Double]) -> LayerProbe {
        let norms = weights.map { max(LinearAlgebra.norm($0), 1e-300) }
        return LayerProbe(vectors: weights.indices.map { e in weights[e].map { Float($0 / norms[e]) } },
                          center: center.map(Float.init),
                          scoreMean: offsets.indices.map { Float(-offsets[$0] / norms[$0]) },
                          scoreStd: norms.map { Float(1 / $0) })
    }

    /// Unit directions, signed (unless `signed` is false) so that each emotion's own passages project positive, with
    /// the classifier's statistics: each projection's mean and spread over the training passages (argmax of raw
    /// projections would favour the widest; DESIGN.md §6).
    static func zScoredProbe(directions: [[Double]], center: [Double], rows: [[Double]], labels: [Int], signed: Bool = true) -> LayerProbe {
        var unit = directions.map(LinearAlgebra.normalized)
        let d = center.count, E = unit.count
        // Every row's centred projection on every direction, once (in Double; cross-validation calls this for every
        // fold and candidate, so it is a good share of a build).
        var projections = [[Double]](repeating: [Double](repeating: 0, count: E), count: rows.count)
        var centred = [Double](repeating: 0, count: d)
        for (k, r) in rows.enumerated() {
            for i in 0..<d { centred[i] = r[i] - center[i] }
            centred.withUnsafeBufferPointer { c in
                for e in 0..<E { projections[k][e] = unit[e].withUnsafeBufferPointer { LinearAlgebra.dotUnsafe(c.baseAddress!, $0.baseAddress!, d) } }
            }
        }
        for e in 0..<E where signed {
            let own = zip(projections, labels).reduce(0.0) { $0 + ($1.1 == e ? $1.0[e] : 0) }
            if own < 0 {
                unit[e] = unit[e].map { -$0 }
                for k in projections.indices { projections[k][e] = -projections[k][e] }
            }
        }
        var probe = LayerProbe(vectors: unit.map { $0.map(Float.init) }, center: center.map(Float.init))
        let stats = (0..<E).map { e in Statistics.meanAndStd(projections.map { $0[e] }, floor: 1e-6) }
        (probe.scoreMean, probe.scoreStd) = (stats.map { Float($0.mean) }, stats.map { Float($0.std) })
        return probe
    }

    static func mean(_ rows: [[Double]]) -> [Double] {
        guard let d = rows.first?.count else { return [] }
        var m = [Double](repeating: 0, count: d)
        for r in rows { for i in 0..<d { m[i] += r[i] / Double(rows.count) } }
        return m
    }

    /// Emotion means and their grand mean.
    struct Means {
        let means: [[Double]]
        let center: [Double]

        init(rows: [[Double]], labels: [Int], emotionCount: Int) {
            let d = rows[0].count
            var means = [[Double]](repeating: [Double](repeating: 0, count: d), count: emotionCount)
            var counts = [Int](repeating: 0, count: emotionCount)
            for (r, e) in zip(rows, labels) {
                counts[e] += 1
                for i in 0..<d { means[e][i] += r[i] }
            }
            for e in 0..<emotionCount { for i in 0..<d { means[e][i] /= Double(max(counts[e], 1)) } }
            var grand = [Double](repeating: 0, count: d)
            for m in means { for i in 0..<d { grand[i] += m[i] / Double(emotionCount) } }
            self.means = means
            center = grand
        }
    }
}
