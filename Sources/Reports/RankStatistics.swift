import Foundation

/// Rank correlations: pure functions over paired samples, with no missing values (callers drop incomplete pairs
/// first). Everything is computed on ranks, so a reading of 1e300 weighs no more than the largest ordinary one.
public enum RankStatistics {
    /// Ranks from 1, ties given the average of the ranks they span (1, 2.5, 2.5, 4).
    public static func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, v[order[j + 1]] == v[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
            i = j + 1
        }
        return r
    }

    /// Pearson's correlation; nil with fewer than 3 pairs or when either side has no spread.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 3 else { return nil }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        // Residuals of a perfect fit are not exactly 0 in floating point: spread below this counts as none.
        let tiny = 1e-9 * Double(x.count)
        guard sxx > tiny, syy > tiny else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }

    /// Spearman's rank correlation (Pearson on average ranks); nil with fewer than 3 pairs or no spread.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 3 else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// Partial Spearman of x and y controlling for z: the ranks of x and of y are each residualised on the ranks
    /// of z by least squares, and the residuals correlated. Equal to (r_xy − r_xz·r_yz) / √((1 − r_xz²)(1 − r_yz²))
    /// on Spearman's r; where z has no spread it is plain Spearman. Nil with fewer than 4 triples, or when a
    /// residual has no spread (x or y a function of z's rank).
    public static func partialSpearman(_ x: [Double], _ y: [Double], controlling z: [Double]) -> Double? {
        guard x.count == y.count, x.count == z.count, x.count >= 4 else { return nil }
        let rz = ranks(z)
        return pearson(residuals(ranks(x), on: rz), residuals(ranks(y), on: rz))
    }

    /// y minus its least-squares line on x (y minus its mean when x has no spread).
    static func residuals(_ y: [Double], on x: [Double]) -> [Double] {
        let n = Double(y.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        return zip(x, y).map { a, b in b - my - slope * (a - mx) }
    }

    /// The q-quantile (0...1) of sorted values, interpolating between neighbours (type 7, R's default).
    public static func quantile(sorted v: [Double], _ q: Double) -> Double? {
        guard !v.isEmpty, q.isFinite else { return nil }
        let h = Double(v.count - 1) * max(0, min(1, q))
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, v.count - 1)
        return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
    }

    /// Where each value ranks within its row, 1 for the largest (ties averaged); nil entries stay nil and are not
    /// ranked.
    public static func descendingRanks(_ row: [Double?]) -> [Double?] {
        let present = row.indices.filter { row[$0] != nil }
        let r = ranks(present.map { -row[$0]! })
        var out = [Double?](repeating: nil, count: row.count)
        for (k, i) in present.enumerated() { out[i] = r[k] }
        return out
    }
}
