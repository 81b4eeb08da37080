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
