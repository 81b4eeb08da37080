/// Small statistics for calibration. (Correlations across turns are computed from the session log, in
/// `Reports`.)
public enum Statistics {
    /// Mean and sample standard deviation (n − 1), summed in Double, the deviation at least `floor` so that a
    /// z-score against it stays finite. An empty sample gives (0, 1).
    public static func meanAndStd(_ x: [Float], floor: Float) -> (mean: Float, std: Float) {
        guard !x.isEmpty else { return (0, 1) }
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(max(x.count - 1, 1))
        return (Float(mean), max(Float(variance.squareRoot()), floor))
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
