/// The little linear algebra the probes need, in Double for stability: vectors as arrays, symmetric
/// eigen-decompositions (Householder + QL in `SymmetricEigen.swift`; cyclic Jacobi kept as its reference) for
/// principal components and shrinkage LDA.
enum LinearAlgebra {
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    static func normalized(_ a: [Double]) -> [Double] {
        let n = norm(a)
        return n > 0 ? a.map { $0 / n } : a
    }

    /// a − (a·u) u for each unit vector u (u must be orthonormal).
    static func projectOut(_ a: [Double], _ basis: [[Double]]) -> [Double] {
        var r = a
        for u in basis {
            let c = dot(r, u)
            for i in r.indices { r[i] -= c * u[i] }
        }
        return r
    }

    /// Eigenvalues (descending) and unit eigenvectors of a symmetric n×n matrix (row-major), by cyclic Jacobi
    /// rotations. Fine for the few-hundred-square Gram matrices of principal component analysis.
    static func symmetricEigen(_ matrix: [Double], n: Int, sweeps: Int = 30) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<sweeps {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += a[p * n + q] * a[p * n + q] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        return (order.map { a[$0 * n + $0] }, order.map { j in (0..<n).map { v[$0 * n + j] } })
    }

    /// The top principal directions of `rows` (each a sample) that together explain at least `fraction` of the
    /// variance, via the Gram matrix (samples are fewer than dimensions here). Returns orthonormal directions.
    static func principalComponents(_ rows: [[Double]], explaining fraction: Double) -> [[Double]] {
        let n = rows.count
        guard n >= 2, let d = rows.first?.count else { return [] }
        var mean = [Double](repeating: 0, count: d)
        for r in rows { for i in 0..<d { mean[i] += r[i] / Double(n) } }
        let centred = rows.map { r in (0..<d).map { r[$0] - mean[$0] } }
        var gram = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let g = dot(centred[i], centred[j]); gram[i * n + j] = g; gram[j * n + i] = g } }
        let (values, flat) = symmetricEigenQL(gram, n: n)
        let vectors = (0..<n).map { Array(flat[($0 * n)..<(($0 + 1) * n)]) }
        let total = values.reduce(0) { $0 + max($1, 0) }
        guard total > 0 else { return [] }
        var out: [[Double]] = []
        var explained = 0.0
        for (lambda, u) in zip(values, vectors) where lambda > 1e-12 * total {
            // Direction in feature space: Xᵀu / sqrt(λ).
            var dir = [Double](repeating: 0, count: d)
            for (k, c) in u.enumerated() where c != 0 { for i in 0..<d { dir[i] += c * centred[k][i] } }
            out.append(normalized(projectOut(dir, out)))
            explained += lambda
            if explained >= fraction * total { break }
        }
        return out
    }
}

extension LinearAlgebra {
    /// Solves C x = b for each b in `rhs`, with C the covariance of `residuals` (rows are samples, already
    /// centred) shrunk toward a multiple of the identity: C = (1 − s)·RᵀR/n + s·(trace/D)·I (Ledoit-Wolf style
    /// shrinkage with a fixed s; the sample covariance of a few hundred passages in hundreds of dimensions is
    /// singular without it).
    static func shrunkCovarianceSolve(residuals: [[Double]], shrinkage s: Double, rhs: [[Double]]) -> [[Double]] {
        let n = residuals.count, d = residuals[0].count
        // Features as rows (d × n), so each covariance entry is one contiguous dot product.
        let rt = UnsafeMutablePointer<Double>.allocate(capacity: d * n)
        defer { rt.deallocate() }
        for (k, r) in residuals.enumerated() { for i in 0..<d { rt[i * n + k] = r[i] } }
        let c = UnsafeMutablePointer<Double>.allocate(capacity: d * d)
        defer { c.deallocate() }
        for i in 0..<d {
            for j in i..<d {
                let v = dotUnsafe(rt + i * n, rt + j * n, n) / Double(n)
                c[i * d + j] = v
                c[j * d + i] = v
            }
        }
        var trace = 0.0
        for i in 0..<d { trace += c[i * d + i] }
        let ridge = s * trace / Double(d)
        for i in 0..<(d * d) { c[i] *= (1 - s) }
        for i in 0..<d { c[i * d + i] += ridge }
        // Cholesky: C = L Lᵀ, L stored in the lower triangle of c.
        for j in 0..<d {
            var sum = c[j * d + j]
            sum -= dotUnsafe(c + j * d, c + j * d, j)
            let ljj = max(sum, 1e-300).squareRoot()
            c[j * d + j] = ljj
            for i in (j + 1)..<max(j + 1, d) {
                let v = c[i * d + j] - dotUnsafe(c + i * d, c + j * d, j)
                c[i * d + j] = v / ljj
            }
        }
        return rhs.map { b in
            var y = b
            for i in 0..<d {   // L y = b
                var v = y[i]
                for k in 0..<i { v -= c[i * d + k] * y[k] }
                y[i] = v / c[i * d + i]
            }
            for i in stride(from: d - 1, through: 0, by: -1) {   // Lᵀ x = y
                var v = y[i]
                for k in (i + 1)..<max(i + 1, d) { v -= c[k * d + i] * y[k] }
                y[i] = v / c[i * d + i]
            }
            return y
        }
    }

    @inline(__always)
    static func dotUnsafe(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self) * rb.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: i * 8 + 32, as: SIMD4<Double>.self) * rb.loadUnaligned(fromByteOffset: i * 8 + 32, as: SIMD4<Double>.self)
            i += 8
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }
}
