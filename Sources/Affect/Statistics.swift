/// Small statistics for calibration. (Correlations across turns are computed from the session log, in
/// `Reports`.)
public enum Statistics {
    /// Each column's mean and spread (population, over `rows`), for z-scoring features: a column that does not vary
    /// gets a spread of 1e-6 × the widest one's, so no division blows up.
    static func standardization(_ rows: [[Double]]) -> (mean: [Double], std: [Double]) {
        let n = Double(rows.count), d = rows[0].count
        var mu = [Double](repeating: 0, count: d), variance = [Double](repeating: 0, count: d)
        for r in rows { for i in 0..<d { mu[i] += r[i] / n } }
        for r in rows { for i in 0..<d { variance[i] += (r[i] - mu[i]) * (r[i] - mu[i]) / n } }
        let floor = max(variance.max() ?? 0, 1e-300) * 1e-12
        return (mu, variance.map { max($0, floor).squareRoot() })
    }

    /// Mean and sample standard deviation (n − 1), summed in Double, the deviation at least `floor` so that a
    /// z-score against it stays finite. An empty sample gives (0, 1).
    public static func meanAndStd(_ x: [Float], floor: Float) -> (mean: Float, std: Float) {
        guard !x.isEmpty else { return (0, 1) }
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(max(x.count - 1, 1))
        return (Float(mean), max(Float(variance.squareRoot()), floor))
    }
}
