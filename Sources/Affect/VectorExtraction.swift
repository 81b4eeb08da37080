/// How emotion directions are computed from passage activations.
public enum ExtractionMethod: String, Sendable, CaseIterable {
    /// The emotions study's recipe (DESIGN.md §6): per-emotion mean minus the mean over emotions, with the top
    /// principal components of neutral text (50% of its variance) projected out, unit-normalised.
    case recipe
    /// Per-emotion mean minus the neutral mean, unit-normalised (steering-vectors' "mean difference").
    /// (repeng's `pca_diff` is not offered: it needs contrastive pairs that differ only in the emotion, and these
    /// datasets pair nothing, so its first component follows content rather than emotion.)
    case meanDiff = "mean-diff"
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

    /// Centred projections of `x` on each direction.
    public func project(_ x: ArraySlice<Float>) -> [Float] {
        vectors.map { v in
            var s: Float = 0
            var i = x.startIndex
            for j in 0..<v.count { s += (x[i] - center[j]) * v[j]; i += 1 }
            return s
        }
    }

    public init(vectors: [[Float]], center: [Float], calibrationMean: [Float] = [], calibrationStd: [Float] = []) {
        self.vectors = vectors
        self.center = center
        self.calibrationMean = calibrationMean
        self.calibrationStd = calibrationStd
    }

    /// Sets the calibration from neutral features: each projection's mean and standard deviation there.
    public mutating func calibrate(neutral rows: [ArraySlice<Float>]) {
        let projections = rows.map(project)
        calibrationMean = []
        calibrationStd = []
        for e in vectors.indices {
            let p = projections.map { Double($0[e]) }
            let mean = p.reduce(0, +) / Double(max(p.count, 1))
            let variance = p.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(p.count - 1, 1))
            calibrationMean.append(Float(mean))
            calibrationStd.append(Float(max(variance.squareRoot(), 1e-6)))
        }
    }

    public func zScores(_ projections: [Float]) -> [Float] {
        projections.indices.map { (projections[$0] - calibrationMean[$0]) / calibrationStd[$0] }
    }
}

public enum VectorExtraction {
    /// Builds one layer's probe from training features (`rows` with `labels` in 0..<emotionCount) and neutral
    /// features (for principal components and calibration).
    public static func layerProbe(rows: [[Double]], labels: [Int], emotionCount: Int, neutral: [[Double]],
                                  method: ExtractionMethod, pcFraction: Double = 0.5) -> LayerProbe {
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
        var neutralMean = [Double](repeating: 0, count: d)
        for r in neutral { for i in 0..<d { neutralMean[i] += r[i] / Double(neutral.count) } }

        var directions: [[Double]]
        switch method {
        case .recipe:
            let pcs = LinearAlgebra.principalComponents(neutral, explaining: pcFraction)
            directions = means.map { m in LinearAlgebra.projectOut((0..<d).map { m[$0] - grand[$0] }, pcs) }
        case .meanDiff:
            directions = means.map { m in (0..<d).map { m[$0] - neutralMean[$0] } }
        }
        directions = directions.map(LinearAlgebra.normalized)
        // Sign: the emotion's own passages project positive (PCA directions have no sign of their own).
        for e in 0..<emotionCount {
            let own = zip(rows, labels).filter { $0.1 == e }.map(\.0)
            var s = 0.0
            for r in own { for i in 0..<d { s += (r[i] - grand[i]) * directions[e][i] } }
            if s < 0 { directions[e] = directions[e].map { -$0 } }
        }
        var probe = LayerProbe(vectors: directions.map { $0.map(Float.init) }, center: grand.map(Float.init))
        probe.calibrate(neutral: neutral.map { ArraySlice($0.map(Float.init)) })
        return probe
    }
}
