import Foundation

extension Statistics {
    /// The Wilson score interval for `correct` successes in `total` trials (95% by default): unlike p ± z·SE it
    /// stays inside [0, 1] and is not degenerate at 0% or 100%. Nil for no trials.
    public static func wilson(correct: Int, total: Int, z: Double = 1.959964) -> (low: Double, high: Double)? {
        guard total > 0 else { return nil }
        let n = Double(total), p = Double(correct) / n, z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / (1 + z2 / n)
        // At 0% and 100% the bound is exactly 0 or 1 (the formula's rounding would leave 1 − 1e-16).
        return (correct == 0 ? 0 : max(0, centre - half), correct == total ? 1 : min(1, centre + half))
    }
}

/// What k-fold cross-validation measured at one layer: for each candidate value of the method's parameter, the
/// passages each fold got right; and the final probe, refitted on every training passage with the best value and
/// calibrated on neutral text.
struct LayerSearch: Sendable {
    /// (candidates, folds) correct counts; one candidate row for a method without a parameter.
    var correct: [[Int]]
    /// (folds) held-out passages per fold.
    var totals: [Int]
    var probe: LayerProbe

    /// Accuracy of each fold for `candidate`, leaving out folds that held no passage (possible only in a tiny
    /// dataset with blank lines).
    func foldAccuracy(_ candidate: Int) -> [Double] {
        zip(correct[candidate], totals).compactMap { $1 == 0 ? nil : Double($0) / Double($1) }
    }

    /// The mean of the fold accuracies (0 for none).
    func meanAccuracy(_ candidate: Int) -> Double {
        let a = foldAccuracy(candidate)
        return a.isEmpty ? 0 : a.reduce(0, +) / Double(a.count)
    }

    /// The candidate with the best mean accuracy, the earliest (most regularised) on ties.
    var best: Int {
        let means = correct.indices.map(meanAccuracy)
        return means.indices.max { means[$0] < means[$1] || (means[$0] == means[$1] && $0 > $1) } ?? 0
    }
}

extension Statistics {
    /// Mean and sample standard deviation (n − 1) of Double values, the deviation at least `floor`; (0, 1) for none.
    static func meanAndStd(_ x: [Double], floor: Double) -> (mean: Double, std: Double) {
        guard !x.isEmpty else { return (0, 1) }
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(x.count - 1, 1))
        return (mean, max(variance.squareRoot(), floor))
    }
}
