/// The within-emotion covariance W of one set of training rows, reduced once, so that the shrunk LDA directions
/// C_s⁻¹ (m_e − centre), with C_s = (1 − s)·W + s·(tr W / d)·I, cost only a tridiagonal solve for any shrinkage s.
/// That is what makes choosing the shrinkage by cross-validation cheap (one reduction per fold and layer, not one
/// solve per value).
///
/// The reduction is Householder tridiagonalization, W = Q T Qᵀ (Golub & Van Loan §8.3.1), with Q kept as its
/// reflectors and never formed: C_s = Q ((1 − s)·T + s·(tr W / d)·I) Qᵀ, so C_s⁻¹ o = Q · S_s⁻¹ · Qᵀ o with S_s
/// tridiagonal and positive definite. No eigenvectors are computed: with an eigen-decomposition here instead
/// (tridiagonalization, then QL rotations accumulated into every eigenvector, used only for this solve) the whole
/// Qwen2.5-1.5B probe fit took 3.1 times as long.
struct ShrinkageLDA {
    /// The shrinkages cross-validation tries (the recipe and `--method lda`), most regularised first.
    static let shrinkages = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]

    let width: Int
    /// The grand mean of the emotion means (d): what projections are measured from.
    let center: [Double]
    /// Each emotion's mean minus `center` (E × d).
    let offsets: [[Double]]
    /// tr W / d, the shrinkage target's variance.
    let meanVariance: Double
    /// T's diagonal (d) and sub-diagonal (d − 1).
    let diagonal: [Double], subdiagonal: [Double]
    /// Reflector k acts on coordinates k + 1 ..< d: x ← x − β_k·v_k (v_kᵀ x), v_k stored from
    /// `reflectors[k * d + k + 1]` on (the rest of the row unused), β_k in `betas[k]` (0: no reflection).
    let reflectors: [Double], betas: [Double]
    /// Qᵀ offsets[e], each emotion's offset in the reduced basis (E × d).
    let reduced: [[Double]]

    init(rows: [[Double]], labels: [Int], emotionCount: Int) {
        let n = rows.count, d = rows[0].count
        width = d
        let emotionMeans = VectorExtraction.Means(rows: rows, labels: labels, emotionCount: emotionCount)
        let means = emotionMeans.means, grand = emotionMeans.center
        center = grand
        offsets = means.map { m in (0..<d).map { m[$0] - grand[$0] } }

        // Residuals from each row's emotion mean, features as rows (d × n), so each entry of W = RᵀR / n is one
        // contiguous dot product.
        var rt = [Double](repeating: 0, count: d * n)
        var trace = 0.0
        for (k, (r, e)) in zip(rows, labels).enumerated() {
            for i in 0..<d {
                let x = r[i] - means[e][i]
                rt[i * n + k] = x
                trace += x * x
            }
        }
        meanVariance = trace / Double(n) / Double(d)
        var w = LinearAlgebra.upperGram(rt, rows: d, length: n, scale: 1 / Double(n))
        let t = LinearAlgebra.tridiagonalize(&w, n: d)
        reduced = offsets.map { o in
            var x = o
            for k in 0..<max(d - 2, 0) { LinearAlgebra.reflect(&x, w, t.betas[k], k: k, n: d) }
            return x
        }
        diagonal = t.diagonal
        subdiagonal = t.subdiagonal
        betas = t.betas
        reflectors = w
    }

    /// C_s⁻¹ (m_e − centre) for every emotion e (E × d), for a shrinkage s in (0, 1].
    func solve(shrinkage s: Double) -> [[Double]] {
        let d = width
        let target = s * max(meanVariance, 1e-300)
        // S_s = (1 − s)·T + target·I: LDLᵀ by the Thomas algorithm (S_s is positive definite, so no pivoting).
        var pivots = [Double](repeating: 0, count: d), multipliers = [Double](repeating: 0, count: max(d - 1, 0))
        for i in 0..<d {
            var p = (1 - s) * diagonal[i] + target
            if i > 0 {
                let off = (1 - s) * subdiagonal[i - 1]
                multipliers[i - 1] = off / pivots[i - 1]
                p -= multipliers[i - 1] * off
            }
            pivots[i] = p
        }
        return reduced.map { z in
            var y = z
            for i in 1..<max(d, 1) { y[i] -= multipliers[i - 1] * y[i - 1] }
            for i in 0..<d { y[i] /= pivots[i] }
            for i in stride(from: d - 2, through: 0, by: -1) { y[i] -= multipliers[i] * y[i + 1] }
            for k in stride(from: d - 3, through: 0, by: -1) { LinearAlgebra.reflect(&y, reflectors, betas[k], k: k, n: d) }
            return y
        }
    }
}

extension LinearAlgebra {
    /// Householder tridiagonalization of the symmetric n×n matrix `a` (row-major, only its upper triangle read;
    /// Golub & Van Loan §8.3.1): Qᵀ A Q = T with Q = H_0 ⋯ H_(n−3), H_k = I − β_k v_k v_kᵀ acting on coordinates
    /// k + 1 ..< n. On return row k of `a` holds v_k in columns k + 1 ..< n (what `reflect` reads); the rest of `a`
    /// is scratch. Each step works on the upper triangle of the trailing block alone, row by row (contiguous).
    static func tridiagonalize(_ a: inout [Double], n: Int) -> (diagonal: [Double], subdiagonal: [Double], betas: [Double]) {
        precondition(a.count == n * n, "tridiagonalize: \(a.count) values for \(n)×\(n)")
        var diagonal = [Double](repeating: 0, count: n), subdiagonal = [Double](repeating: 0, count: max(n - 1, 0))
        var betas = [Double](repeating: 0, count: max(n - 2, 0))
        var p = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
        a.withUnsafeMutableBufferPointer { ab in
            p.withUnsafeMutableBufferPointer { pb in
                w.withUnsafeMutableBufferPointer { wb in
                    let a = ab.baseAddress!, p = pb.baseAddress!, w = wb.baseAddress!
                    for k in 0..<max(n - 2, 0) {
                        diagonal[k] = a[k * n + k]
                        // x = A[k][k + 1 ..< n] (the upper triangle's part of column k): it becomes v in place.
                        let m = n - k - 1, v = a + k * n + k + 1
                        let norm = dotUnsafe(v, v, m).squareRoot()
                        if norm == 0 { subdiagonal[k] = 0; continue }
                        let alpha = v[0] > 0 ? -norm : norm
                        subdiagonal[k] = alpha
                        v[0] -= alpha
                        let vv = dotUnsafe(v, v, m)
                        guard vv > 0 else { continue }
                        let beta = 2 / vv
                        betas[k] = beta
                        // The trailing block B = A[k + 1 ..< n][k + 1 ..< n] (row i from b + i·n, upper triangle):
                        // p = β B v, w = p − (β/2)(pᵀv) v, B ← B − v wᵀ − w vᵀ.
                        let b = a + (k + 1) * n + k + 1
                        for i in 0..<m { p[i] = 0 }
                        for i in 0..<m { symmetricRowProduct(b + i * n + i, v + i, p + i, m - i) }
                        for i in 0..<m { p[i] *= beta }
                        let kk = 0.5 * beta * dotUnsafe(p, v, m)
                        for i in 0..<m { w[i] = p[i] - kk * v[i] }
                        for i in 0..<m { symmetricRowUpdate(b + i * n + i, v + i, w + i, m - i) }
                    }
                    if n >= 2 {
                        diagonal[n - 2] = a[(n - 2) * n + n - 2]
                        subdiagonal[n - 2] = a[(n - 2) * n + n - 1]
                    }
                    if n >= 1 { diagonal[n - 1] = a[(n - 1) * n + n - 1] }
                }
            }
        }
        return (diagonal, subdiagonal, betas)
    }

    /// Row i of a symmetric matrix's product with v, from its upper triangle: `row` is B[i][i ..< i + count], `v`
    /// and `p` start at i. p[0] += row·v (the upper part of row i), p[j] += row[j]·v[0] for j ≥ 1 (the lower part
    /// of the rows below, by symmetry).
    @inline(__always)
    private static func symmetricRowProduct(_ row: UnsafePointer<Double>, _ v: UnsafePointer<Double>, _ p: UnsafeMutablePointer<Double>, _ count: Int) {
        let vi = v[0]
        var acc = SIMD4<Double>(), j = 1
        let rr = UnsafeRawPointer(row), rv = UnsafeRawPointer(v), rp = UnsafeMutableRawPointer(p)
        let viv = SIMD4<Double>(repeating: vi)
        while j + 4 <= count {
            let r = rr.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
            acc += r * rv.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
            rp.storeBytes(of: rp.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self) + r * viv, toByteOffset: j * 8, as: SIMD4<Double>.self)
            j += 4
        }
        var sum = row[0] * vi + acc.sum()
        while j < count { sum += row[j] * v[j]; p[j] += row[j] * vi; j += 1 }
        p[0] += sum
    }

    /// row −= v[0]·w + w[0]·v over `count` values: the rank-2 update of one row of the upper triangle.
    @inline(__always)
    private static func symmetricRowUpdate(_ row: UnsafeMutablePointer<Double>, _ v: UnsafePointer<Double>, _ w: UnsafePointer<Double>, _ count: Int) {
        let a = SIMD4<Double>(repeating: v[0]), c = SIMD4<Double>(repeating: w[0])
        let rr = UnsafeMutableRawPointer(row), rv = UnsafeRawPointer(v), rw = UnsafeRawPointer(w)
        var j = 0
        while j + 4 <= count {
            let x = rr.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
            let y = x - a * rw.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self) - c * rv.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
            rr.storeBytes(of: y, toByteOffset: j * 8, as: SIMD4<Double>.self)
            j += 4
        }
        while j < count { row[j] -= v[0] * w[j] + w[0] * v[j]; j += 1 }
    }

    /// The upper triangle of G = s·X Xᵀ (row-major `rows` × `rows`; below the diagonal left 0) for X = `x`, `rows`
    /// rows of `length`. Four rows against four at a time, so each load feeds four products.
    static func upperGram(_ x: [Double], rows: Int, length: Int, scale: Double) -> [Double] {
        var g = [Double](repeating: 0, count: rows * rows)
        x.withUnsafeBufferPointer { xb in
            g.withUnsafeMutableBufferPointer { gb in
                let x = UnsafeRawPointer(xb.baseAddress!), g = gb.baseAddress!
                let blocks = rows / 4
                for bi in 0..<blocks {
                    for bj in bi..<blocks {
                        var c00 = SIMD4<Double>(), c01 = SIMD4<Double>(), c02 = SIMD4<Double>(), c03 = SIMD4<Double>()
                        var c10 = SIMD4<Double>(), c11 = SIMD4<Double>(), c12 = SIMD4<Double>(), c13 = SIMD4<Double>()
                        var c20 = SIMD4<Double>(), c21 = SIMD4<Double>(), c22 = SIMD4<Double>(), c23 = SIMD4<Double>()
                        var c30 = SIMD4<Double>(), c31 = SIMD4<Double>(), c32 = SIMD4<Double>(), c33 = SIMD4<Double>()
                        let ra = 4 * bi * length * 8, rb = 4 * bj * length * 8, row = length * 8
                        var k = 0
                        while k + 4 <= length {
                            let o = k * 8
                            let a0 = x.loadUnaligned(fromByteOffset: ra + o, as: SIMD4<Double>.self)
                            let a1 = x.loadUnaligned(fromByteOffset: ra + row + o, as: SIMD4<Double>.self)
                            let a2 = x.loadUnaligned(fromByteOffset: ra + 2 * row + o, as: SIMD4<Double>.self)
                            let a3 = x.loadUnaligned(fromByteOffset: ra + 3 * row + o, as: SIMD4<Double>.self)
                            let b0 = x.loadUnaligned(fromByteOffset: rb + o, as: SIMD4<Double>.self)
                            let b1 = x.loadUnaligned(fromByteOffset: rb + row + o, as: SIMD4<Double>.self)
                            let b2 = x.loadUnaligned(fromByteOffset: rb + 2 * row + o, as: SIMD4<Double>.self)
                            let b3 = x.loadUnaligned(fromByteOffset: rb + 3 * row + o, as: SIMD4<Double>.self)
                            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3
                            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3
                            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3
                            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3
                            k += 4
                        }
                        let acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]
                        for r in 0..<4 {
                            for c in 0..<4 {
                                let i = 4 * bi + r, j = 4 * bj + c
                                guard j >= i else { continue }
                                var v = acc[4 * r + c].sum()
                                for t in k..<length { v += xb[i * length + t] * xb[j * length + t] }
                                g[i * rows + j] = v * scale
                            }
                        }
                    }
                }
                // The rows past the last whole block of four, against every row from their own on.
                let p = xb.baseAddress!
                for i in 0..<rows {
                    for j in max(i, 4 * blocks)..<rows { g[i * rows + j] = dotUnsafe(p + i * length, p + j * length, length) * scale }
                }
            }
        }
        return g
    }

    /// x ← H_k x, the reflector k of `tridiagonalize` (its own inverse, so it serves for Q and for Qᵀ alike).
    @inline(__always)
    static func reflect(_ x: inout [Double], _ reflectors: [Double], _ beta: Double, k: Int, n: Int) {
        guard beta != 0 else { return }
        let m = n - k - 1
        reflectors.withUnsafeBufferPointer { r in
            x.withUnsafeMutableBufferPointer { xb in
                let v = r.baseAddress! + k * n + k + 1, y = xb.baseAddress! + k + 1
                axpy(y, -beta * dotUnsafe(v, y, m), v, m)
            }
        }
    }
}
