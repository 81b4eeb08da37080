/// Small statistics for the disagreement log.
public enum Statistics {
    /// Spearman's rank correlation (ties get their average rank); nil with fewer than 3 pairs or no variance.
    public static func spearman(_ x: [Float], _ y: [Float]) -> Float? {
        guard x.count == y.count, x.count >= 3 else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    public static func pearson(_ x: [Float], _ y: [Float]) -> Float? {
        let n = Float(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy: Float = 0, sxx: Float = 0, syy: Float = 0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// 1-based ranks, ties averaged.
    public static func ranks(_ x: [Float]) -> [Float] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Float](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, x[order[j + 1]] == x[order[i]] { j += 1 }
            let rank = Float(i + j) / 2 + 1
            for k in i...j { r[order[k]] = rank }
            i = j + 1
        }
        return r
    }

    public static func meanAndStd(_ x: [Float]) -> (Float, Float) {
        guard !x.isEmpty else { return (0, 1) }
        let m = x.reduce(0, +) / Float(x.count)
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Float(max(x.count - 1, 1))
        return (m, max(v.squareRoot(), 1e-3))
    }
}

/// Self-reports' own baseline: each emotion's expected rating after neutral dialogues, so self-reports have
/// z-scores comparable with readings (DESIGN.md §4: a gap is reading z minus self-report z).
public struct SelfReportCalibration: Sendable, Codable, Equatable {
    public var style: String
    public var emotions: [String]
    public var mean: [Float]
    public var std: [Float]
    /// How many neutral dialogues it was measured on.
    public var samples: Int
    /// What it was measured for (model sha256 and template text hash); a mismatch means rebuild.
    public var key: String

    public init(style: String, emotions: [String], mean: [Float], std: [Float], samples: Int, key: String) {
        self.style = style
        self.emotions = emotions
        self.mean = mean
        self.std = std
        self.samples = samples
        self.key = key
    }

    public func z(_ values: [Float]) -> [Float] { values.indices.map { (values[$0] - mean[$0]) / std[$0] } }
}
