import Foundation

/// Multinomial logistic regression with an L2 penalty (`--method logistic`): softmax over w_e·x + b_e, fitted by
/// L-BFGS on standardised features (each dimension's mean and spread over the training rows), the penalty on the
/// weights only. The standardisation is folded back into the weights, so a model scores raw features.
struct LogisticRegression {
    /// (classes, width) weights and (classes) biases on raw features: score_e(x) = weights[e]·x + bias[e].
    var weights: [[Double]]
    var bias: [Double]

    /// The penalties cross-validation tries, strongest first (on standardised features, per row of loss).
    static let penalties: [Double] = [0.3, 0.1, 0.03, 0.01]
    /// L-BFGS stops after this many iterations per penalty, or once the gradient is this small.
    static let maxIterations = 300
    static let tolerance = 1e-5

    /// One model per penalty, in the order given; each fit starts from the previous one's solution (a path of
    /// weakening penalties converges in far fewer iterations than fits from zero).
    static func fit(rows: [[Double]], labels: [Int], classCount: Int, penalties: [Double]) -> [LogisticRegression] {
        let n = rows.count, d = rows[0].count, E = classCount
        let (mu, sigma) = Statistics.standardization(rows)
        var x = [Double](repeating: 0, count: n * d)
        for (k, r) in rows.enumerated() { for i in 0..<d { x[k * d + i] = (r[i] - mu[i]) / sigma[i] } }

        var theta = [Double](repeating: 0, count: E * d + E)   // weights (E × d) then biases
        var models: [LogisticRegression] = []
        x.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!
            for lambda in penalties {
                theta = LBFGS.minimize(theta, maxIterations: maxIterations, tolerance: tolerance) { t, grad in
                    loss(t, grad: &grad, x: xp, labels: labels, n: n, d: d, classes: E, lambda: lambda)
                }
                var weights: [[Double]] = [], bias: [Double] = []
                for e in 0..<E {
                    let w = (0..<d).map { theta[e * d + $0] / sigma[$0] }
                    weights.append(w)
                    bias.append(theta[E * d + e] - LinearAlgebra.dot(w, mu))
                }
                models.append(LogisticRegression(weights: weights, bias: bias))
            }
        }
        return models
    }

    /// The mean negative log-likelihood plus λ/2·|W|², and its gradient into `grad`.
    static func loss(_ t: UnsafePointer<Double>, grad: inout [Double], x: UnsafePointer<Double>, labels: [Int], n: Int,
                     d: Int, classes E: Int, lambda: Double) -> Double {
        var total = 0.0
        for i in 0..<grad.count { grad[i] = 0 }
        var z = [Double](repeating: 0, count: E)
        grad.withUnsafeMutableBufferPointer { gb in
            let g = gb.baseAddress!
            for k in 0..<n {
                let row = x + k * d
                var top = -Double.infinity
                for e in 0..<E {
                    z[e] = LinearAlgebra.dotUnsafe(t + e * d, row, d) + t[E * d + e]
                    top = max(top, z[e])
                }
                var sum = 0.0
                for e in 0..<E { z[e] = exp(z[e] - top); sum += z[e] }
                total -= log(max(z[labels[k]] / sum, 1e-300))
                for e in 0..<E {
                    let r = (z[e] / sum - (labels[k] == e ? 1 : 0)) / Double(n)
                    LinearAlgebra.axpy(g + e * d, r, row, d)
                    g[E * d + e] += r
                }
            }
            var penalty = 0.0
            for i in 0..<(E * d) {
                penalty += t[i] * t[i]
                g[i] += lambda * t[i]
            }
            total = total / Double(n) + lambda / 2 * penalty
        }
        return total
    }

    /// The probe reading this model: direction u_e = P⊥ w_e (`components` projected out: the model was fitted on
    /// features with them projected out, so w·P⊥x = (P⊥w)·x), measured from `center`; the classifier's offset and
    /// scale make argmax of (p − scoreMean)/scoreStd the model's own argmax of u·(x − c) + u·c + b.
    func probe(center: [Double], components: [[Double]]) -> LayerProbe {
        let directions = weights.map { LinearAlgebra.projectOut($0, components) }
        return VectorExtraction.linearProbe(weights: directions, center: center,
                                            offsets: directions.indices.map { LinearAlgebra.dot(directions[$0], center) + bias[$0] })
    }
}

/// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo line search: enough for the
/// smooth, convex losses here.
enum LBFGS {
    static func minimize(_ start: [Double], memory: Int = 10, maxIterations: Int, tolerance: Double,
                         _ f: (UnsafePointer<Double>, inout [Double]) -> Double) -> [Double] {
        let m = start.count
        var x = start
        var g = [Double](repeating: 0, count: m)
        var fx = x.withUnsafeBufferPointer { f($0.baseAddress!, &g) }
        var ss: [[Double]] = [], ys: [[Double]] = [], rhos: [Double] = []
        var trial = [Double](repeating: 0, count: m), gTrial = [Double](repeating: 0, count: m)
        for iteration in 0..<maxIterations {
            if (g.map(abs).max() ?? 0) < tolerance { break }
            // Two-loop recursion: the search direction −H·g.
            var q = g
            var alphas = [Double](repeating: 0, count: ss.count)
            for i in stride(from: ss.count - 1, through: 0, by: -1) {
                alphas[i] = rhos[i] * LinearAlgebra.dot(ss[i], q)
                for j in 0..<m { q[j] -= alphas[i] * ys[i][j] }
            }
            if let s = ss.last, let y = ys.last {
                let gamma = LinearAlgebra.dot(s, y) / LinearAlgebra.dot(y, y)
                for j in 0..<m { q[j] *= gamma }
            } else {
                let scale = 1 / max(LinearAlgebra.norm(g), 1e-300)
                for j in 0..<m { q[j] *= scale }
            }
            for i in 0..<ss.count {
                let beta = rhos[i] * LinearAlgebra.dot(ys[i], q)
                for j in 0..<m { q[j] += (alphas[i] - beta) * ss[i][j] }
            }
            var slope = -LinearAlgebra.dot(g, q)
            if slope >= 0 {   // not a descent direction (numerical trouble): restart from steepest descent
                ss.removeAll(); ys.removeAll(); rhos.removeAll()
                q = g
                slope = -LinearAlgebra.dot(g, g)
            }
            var step = 1.0, accepted = false
            var fTrial = fx
            for _ in 0..<40 {
                for j in 0..<m { trial[j] = x[j] - step * q[j] }
                fTrial = trial.withUnsafeBufferPointer { f($0.baseAddress!, &gTrial) }
                if fTrial <= fx + 1e-4 * step * slope { accepted = true; break }
                step /= 2
            }
            guard accepted else { break }
            let s = (0..<m).map { trial[$0] - x[$0] }
            let y = (0..<m).map { gTrial[$0] - g[$0] }
            let sy = LinearAlgebra.dot(s, y)
            let improvement = fx - fTrial
            swap(&x, &trial)
            swap(&g, &gTrial)
            fx = fTrial
            if sy > 1e-12 {
                ss.append(s); ys.append(y); rhos.append(1 / sy)
                if ss.count > memory { ss.removeFirst(); ys.removeFirst(); rhos.removeFirst() }
            }
            if improvement <= 1e-12 * max(abs(fx), 1) && iteration > 0 { break }
        }
        return x
    }
}
