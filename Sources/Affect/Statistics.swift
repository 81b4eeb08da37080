/// Small statistics for calibration. (Correlations across turns are computed from the session log, in
/// `Reports`.)
public enum Statistics {
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
