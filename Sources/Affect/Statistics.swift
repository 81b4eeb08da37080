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

    /// The smallest standard deviation a baseline may have, in rating points: below it a self-report's z is noise
    /// blown up (a model that always answers the same gets this, not 0). Measured baselines use it as their floor.
    public static let minimumStd: Float = 0.05

    /// Each value as z against this baseline; NaN where the baseline has no entry (never a trap: a baseline read
    /// from a file is validated with `problem(emotions:style:)` first).
    public func z(_ values: [Float]) -> [Float] {
        values.indices.map { $0 < mean.count && $0 < std.count ? (values[$0] - mean[$0]) / std[$0] : .nan }
    }

    /// The first thing that makes this baseline unusable for `expected` emotions and the `style` of question, or nil:
    /// one mean and one deviation per emotion, all finite, each deviation at least `minimumStd`.
    public func problem(emotions expected: [String], style expectedStyle: String) -> String? {
        guard style == expectedStyle else { return "it is for the '\(style)' question style, not '\(expectedStyle)'" }
        guard emotions == expected else { return "it is for the emotions \(emotions.joined(separator: ",")), not \(expected.joined(separator: ","))" }
        guard mean.count == emotions.count else { return "'mean' has \(mean.count) values for \(emotions.count) emotions" }
        guard std.count == emotions.count else { return "'std' has \(std.count) values for \(emotions.count) emotions" }
        if let i = mean.firstIndex(where: { !$0.isFinite }) { return "'mean' of '\(emotions[i])' is \(mean[i])" }
        if let i = std.firstIndex(where: { !($0.isFinite && $0 >= Self.minimumStd) }) {
            return "'std' of '\(emotions[i])' is \(std[i]), below the floor of \(Self.minimumStd) rating points"
        }
        guard samples >= 0 else { return "'samples' is \(samples)" }
        return nil
    }
}
