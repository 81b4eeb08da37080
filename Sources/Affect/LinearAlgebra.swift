/// The little linear algebra the probes need, in Double for stability: vectors as arrays, a symmetric
/// eigen-decomposition (cyclic Jacobi) for principal components.
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
        let (values, vectors) = symmetricEigen(gram, n: n)
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
