/// The within-emotion covariance W of one set of training rows, eigen-decomposed once, so that the shrunk LDA
/// directions C_s⁻¹ (m_e − centre), with C_s = (1 − s)·W + s·(tr W / d)·I, cost only a rescaling for any
/// shrinkage s: C_s has W's eigenvectors and eigenvalues (1 − s)·λ + s·tr W / d. That is what makes choosing the
/// shrinkage by cross-validation cheap (one decomposition per fold and layer, not one solve per value).
///
/// With fewer rows than dimensions (Qwen2.5-1.5B: 768 rows of 1536 in a fold) W has rank below its width; the
/// decomposition is then taken of the rows' Gram matrix (n × n), and the directions W does not span get the
/// shrinkage target's eigenvalue s·tr W / d alone.
struct ShrinkageLDA {
    /// The shrinkages cross-validation tries (the recipe and `--method lda`), most regularised first.
    static let shrinkages = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]

    let width: Int
    /// The grand mean of the emotion means (d): what projections are measured from.
    let center: [Double]
    /// Each emotion's mean minus `center` (E × d).
    let offsets: [[Double]]
    /// W's eigenvalues (descending; the ones not kept are 0) and unit eigenvectors, `vectors[k]` for `values[k]`.
    let values: [Double]
    let vectors: [[Double]]
    /// tr W / d, the shrinkage target's variance.
    let meanVariance: Double
    /// `offsets[e]` on each eigenvector (E × kept).
    let coefficients: [[Double]]

    init(rows: [[Double]], labels: [Int], emotionCount: Int) {
        let n = rows.count, d = rows[0].count
        width = d
        let emotionMeans = VectorExtraction.Means(rows: rows, labels: labels, emotionCount: emotionCount)
        let means = emotionMeans.means, grand = emotionMeans.center
        center = grand
        offsets = means.map { m in (0..<d).map { m[$0] - grand[$0] } }

        // Residuals from each row's emotion mean, flat (n × d).
        var residuals = [Double](repeating: 0, count: n * d)
        var trace = 0.0
        for (k, (r, e)) in zip(rows, labels).enumerated() {
            for i in 0..<d {
                let x = r[i] - means[e][i]
                residuals[k * d + i] = x
                trace += x * x
            }
        }
        meanVariance = trace / Double(n) / Double(d)

        if d <= n {
            // W = RᵀR / n directly (d × d), features as rows so each entry is one contiguous dot product.
            var rt = [Double](repeating: 0, count: d * n)
            for k in 0..<n { for i in 0..<d { rt[i * n + k] = residuals[k * d + i] } }
            var w = [Double](repeating: 0, count: d * d)
            rt.withUnsafeBufferPointer { r in
                let p = r.baseAddress!
                for i in 0..<d {
                    for j in i..<d {
                        let v = LinearAlgebra.dotUnsafe(p + i * n, p + j * n, n) / Double(n)
                        w[i * d + j] = v
                        w[j * d + i] = v
                    }
                }
            }
            let (values, flat) = LinearAlgebra.symmetricEigenQL(w, n: d)
            self.values = values.map { max($0, 0) }
            vectors = (0..<d).map { Array(flat[($0 * d)..<(($0 + 1) * d)]) }
        } else {
            // The Gram matrix G = R Rᵀ / n (n × n) shares W's non-zero eigenvalues; W's eigenvector for λ is
            // Rᵀu / sqrt(n·λ) for G's unit eigenvector u.
            var g = [Double](repeating: 0, count: n * n)
            residuals.withUnsafeBufferPointer { r in
                let p = r.baseAddress!
                for a in 0..<n {
                    for b in a..<n {
                        let v = LinearAlgebra.dotUnsafe(p + a * d, p + b * d, d) / Double(n)
                        g[a * n + b] = v
                        g[b * n + a] = v
                    }
                }
            }
            let (gValues, u) = LinearAlgebra.symmetricEigenQL(g, n: n)
            let top = gValues.first ?? 0
            let kept = gValues.indices.filter { gValues[$0] > 1e-10 * top && gValues[$0] > 0 }
            values = kept.map { gValues[$0] }
            vectors = residuals.withUnsafeBufferPointer { r in
                kept.map { k in
                    var v = [Double](repeating: 0, count: d)
                    let scale = 1 / (Double(n) * gValues[k]).squareRoot()
                    v.withUnsafeMutableBufferPointer { vb in
                        for a in 0..<n where u[k * n + a] != 0 {
                            LinearAlgebra.axpy(vb.baseAddress!, u[k * n + a] * scale, r.baseAddress! + a * d, d)
                        }
                    }
                    return v
                }
            }
        }
        let vectors = self.vectors
        coefficients = offsets.map { o in vectors.map { LinearAlgebra.dot($0, o) } }
    }

    /// C_s⁻¹ (m_e − centre) for every emotion e (E × d), for a shrinkage s in (0, 1].
    func solve(shrinkage s: Double) -> [[Double]] {
        let target = s * max(meanVariance, 1e-300)
        let rest = 1 / target   // the eigenvalue of the directions W does not span
        return offsets.indices.map { e in
            var x = offsets[e].map { $0 * rest }
            x.withUnsafeMutableBufferPointer { xb in
                for (k, v) in vectors.enumerated() {
                    let c = coefficients[e][k] * (1 / ((1 - s) * values[k] + target) - rest)
                    if c != 0 { v.withUnsafeBufferPointer { LinearAlgebra.axpy(xb.baseAddress!, c, $0.baseAddress!, width) } }
                }
            }
            return x
        }
    }
}
