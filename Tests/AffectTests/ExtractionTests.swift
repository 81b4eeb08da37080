import FileIO
import Foundation
import TestSupport
import Testing
@testable import Affect
@testable import Engine

/// The recipe on synthetic activations: planted directions must come back.
struct ExtractionTests {
    var rng = SplitMix64(seed: 11)
    mutating func gaussian() -> Double {
        let u1 = Double(rng.next() >> 11) / Double(1 << 53) + 1e-12, u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    @Test mutating func symmetricEigenDecomposes() {
        // A random symmetric matrix: A v = λ v for every pair, eigenvalues descending.
        let n = 7
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let x = gaussian(); a[i * n + j] = x; a[j * n + i] = x } }
        let (values, vectors) = LinearAlgebra.symmetricEigen(a, n: n)
        #expect(values == values.sorted(by: >))
        for (lambda, v) in zip(values, vectors) {
            for i in 0..<n {
                let av = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * v[$1] }
                #expect(abs(av - lambda * v[i]) < 1e-9)
            }
            #expect(abs(LinearAlgebra.norm(v) - 1) < 1e-9)
        }
    }

    @Test mutating func shrunkCovarianceSolveSolves() {
        let n = 30, d = 9, s = 0.3
        let residuals = (0..<n).map { _ in (0..<d).map { _ in gaussian() } }
        let b = (0..<d).map { _ in gaussian() }
        let x = LinearAlgebra.shrunkCovarianceSolve(residuals: residuals, shrinkage: s, rhs: [b])[0]
        var c = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for r in residuals { for i in 0..<d { for j in 0..<d { c[i][j] += r[i] * r[j] / Double(n) } } }
        let ridge = s * (0..<d).reduce(0) { $0 + c[$1][$1] } / Double(d)
        for i in 0..<d {
            let cx = (0..<d).reduce(0.0) { $0 + ((1 - s) * c[i][$1] + ($1 == i ? ridge : 0)) * x[$1] }
            #expect(abs(cx - b[i]) < 1e-9)
        }
    }

    @Test mutating func principalComponentsFindTheDominantAxis() {
        // Samples spread 10× more along axis 2 than elsewhere: the first PC is ±e2 and explains > 50%.
        let rows = (0..<60).map { _ in (0..<6).map { $0 == 2 ? 10 * gaussian() : gaussian() } }
        let pcs = LinearAlgebra.principalComponents(rows, explaining: 0.5)
        #expect(pcs.count == 1)
        #expect(abs(abs(pcs[0][2]) - 1) < 0.02)
    }

    /// A symmetric n×n test matrix: kind 0 general (Gaussian), 1 of rank 4 (a Gram matrix of fewer samples than
    /// dimensions), 2 diagonal with a repeated eigenvalue (2 four times, −1 for the rest).
    mutating func symmetricMatrix(_ n: Int, kind: Int) -> [Double] {
        var a = [Double](repeating: 0, count: n * n)
        switch kind {
        case 0: for i in 0..<n { for j in i..<n { let x = gaussian(); a[i * n + j] = x; a[j * n + i] = x } }
        case 1:
            let rows = (0..<4).map { _ in (0..<n).map { _ in gaussian() } }
            for i in 0..<n { for j in 0..<n { a[i * n + j] = rows.reduce(0) { $0 + $1[i] * $1[j] } } }
        default: for i in 0..<n { a[i * n + i] = i < 4 ? 2 : -1 }
        }
        return a
    }

    /// The fast eigen-decomposition (Householder + QL) against its definition and the Jacobi reference, on a random
    /// matrix, a rank-deficient one (a Gram matrix of fewer samples than dimensions) and one with a repeated
    /// eigenvalue.
    @Test mutating func symmetricEigenQLDecomposes() {
        for (n, kind) in [(1, 0), (2, 0), (9, 0), (40, 0), (12, 1), (8, 2)] {
            let a = symmetricMatrix(n, kind: kind)
            let (values, vectors) = LinearAlgebra.symmetricEigenQL(a, n: n)
            #expect(values == values.sorted(by: >))
            let reference = LinearAlgebra.symmetricEigen(a, n: n, sweeps: 100).values
            for (x, y) in zip(values, reference) { #expect(abs(x - y) < 1e-8, "n \(n) kind \(kind): \(x) vs Jacobi \(y)") }
            for k in 0..<n {
                let v = Array(vectors[(k * n)..<((k + 1) * n)])
                for i in 0..<n {
                    let av = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * v[$1] }
                    #expect(abs(av - values[k] * v[i]) < 1e-8)
                }
                for j in 0..<n {
                    let w = Array(vectors[(j * n)..<((j + 1) * n)])
                    #expect(abs(LinearAlgebra.dot(v, w) - (j == k ? 1 : 0)) < 1e-9)
                }
            }
        }
    }

    /// Householder tridiagonalization: Q T Qᵀ rebuilds the matrix, with Q applied through the stored reflectors, for
    /// a general symmetric matrix, a rank-deficient one, a diagonal one (nothing to reflect) and the smallest sizes.
    @Test mutating func tridiagonalizationRebuildsTheMatrix() {
        for (n, kind) in [(1, 0), (2, 0), (3, 0), (17, 0), (12, 1), (8, 2)] {
            let a = symmetricMatrix(n, kind: kind)
            var work = a
            let t = LinearAlgebra.tridiagonalize(&work, n: n)
            #expect(t.diagonal.count == n && t.subdiagonal.count == max(n - 1, 0))
            // Column j of Q T Qᵀ = Q (T (Qᵀ e_j)).
            for j in 0..<n {
                var x = (0..<n).map { $0 == j ? 1.0 : 0 }
                for k in 0..<max(n - 2, 0) { LinearAlgebra.reflect(&x, work, t.betas[k], k: k, n: n) }
                var y = (0..<n).map { i in
                    t.diagonal[i] * x[i] + (i > 0 ? t.subdiagonal[i - 1] * x[i - 1] : 0) + (i + 1 < n ? t.subdiagonal[i] * x[i + 1] : 0)
                }
                for k in stride(from: n - 3, through: 0, by: -1) { LinearAlgebra.reflect(&y, work, t.betas[k], k: k, n: n) }
                for i in 0..<n { #expect(abs(y[i] - a[i * n + j]) < 1e-10, "n \(n) kind \(kind): (\(i), \(j)) \(y[i]) vs \(a[i * n + j])") }
            }
        }
    }

    /// Shrinkage LDA through one tridiagonalization equals a direct solve with the shrunk covariance, for every
    /// shrinkage, with more rows than dimensions and fewer (W rank-deficient).
    @Test mutating func shrinkageLDAMatchesADirectSolve() {
        for (n, d) in [(40, 9), (12, 30)] {
            let E = 3
            let labels = (0..<n).map { $0 % E }
            let rows = labels.map { e in (0..<d).map { i in gaussian() * (1 + Double(i % 4)) + (i == e ? 3 : 0) } }
            let lda = ShrinkageLDA(rows: rows, labels: labels, emotionCount: E)
            let means = VectorExtraction.Means(rows: rows, labels: labels, emotionCount: E)
            #expect(lda.center == means.center)
            let residuals = zip(rows, labels).map { r, e in (0..<d).map { r[$0] - means.means[e][$0] } }
            for s in [0.05, 0.3, 0.9] {
                let direct = LinearAlgebra.shrunkCovarianceSolve(residuals: residuals, shrinkage: s, rhs: lda.offsets)
                for (x, y) in zip(lda.solve(shrinkage: s), direct) {
                    let error = zip(x, y).map { abs($0 - $1) }.max() ?? 0
                    #expect(error < 1e-7 * max(LinearAlgebra.norm(y), 1), "n \(n) d \(d) s \(s): \(error)")
                }
            }
        }
    }

    /// Three emotions planted as orthogonal directions plus a shared offset and a strong "neutral" nuisance
    /// axis; the recipe must recover each planted direction, classify held-out samples, and z-score neutral near 0.
    @Test(arguments: ExtractionMethod.allCases)
    mutating func plantedDirectionsAreRecovered(method: ExtractionMethod) {
        let d = 24, E = 3
        var planted = [[Double]](repeating: [Double](repeating: 0, count: d), count: E)
        for e in 0..<E { planted[e][e * 3] = 1 }
        let nuisance = 20
        func sample(_ e: Int?) -> [Double] {
            (0..<d).map { i in
                var x = 0.3 * gaussian() + 5   // shared offset: every emotion projects differently without centring
                if i == nuisance { x += 6 * gaussian() }
                if let e { x += 2 * planted[e][i] }
                return x
            }
        }
        var rows: [[Double]] = [], labels: [Int] = []
        for e in 0..<E { for _ in 0..<40 { rows.append(sample(e)); labels.append(e) } }
        let neutral = (0..<100).map { _ in sample(nil) }
        let probe = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: E, componentRows: Array(neutral[..<50]),
                                                calibrationRows: Array(neutral[50...]), method: method)
        // The truth each method aims at: the recipe and logistic measure from the mean over emotions, so their target
        // is the planted direction minus the mean planted direction; mean-diff measures from neutral text. Logistic
        // weights are discriminative rather than a mean difference (they also lean away from noisy dimensions), so
        // they are held to a looser cosine; lda's even more so, as its z-scoring divides each dimension by a spread
        // that includes the planted signal itself (its scores are checked exactly in discriminantProbeMatchesADirectSolve).
        let meanPlanted = (0..<d).map { i in planted.reduce(0) { $0 + $1[i] } / Double(E) }
        for e in 0..<E {
            let target = LinearAlgebra.normalized(method != .meanDiff ? (0..<d).map { planted[e][$0] - meanPlanted[$0] } : planted[e])
            let cosine = zip(probe.vectors[e], target).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            #expect(cosine > (method == .logistic ? 0.75 : method == .lda ? 0.6 : 0.9), "\(method): emotion \(e) direction cosine \(cosine)")
        }
        var correct = 0
        for e in 0..<E {
            for _ in 0..<20 {
                if probe.classify(ArraySlice(sample(e).map(Float.init))) == e { correct += 1 }
            }
        }
        // The recipe removes the neutral nuisance axis, so it should be near perfect; the simpler methods keep it.
        #expect(correct >= (method == .meanDiff ? 50 : 57), "\(method): \(correct)/60 held-out samples")
        let z = probe.zScores(probe.project(ArraySlice(neutral[0].map(Float.init))))
        #expect(z.allSatisfy { abs($0) < 4 })
        // Mean-diff keeps the nuisance axis in its directions, which widens their spread on neutral text.
        let zEmotion = probe.zScores(probe.project(ArraySlice(sample(1).map(Float.init))))
        #expect(zEmotion[1] > (method == .meanDiff ? 1 : 2), "\(method): an emotion-1 sample reads high on emotion 1 (z \(zEmotion[1]))")
    }

    /// Neutral text's strongest axis mixes coordinates, and the within-emotion noise is correlated along a direction
    /// that leans on it (a non-diagonal covariance: whitening after the projection rotates the removed axis back
    /// in). The recipe's directions must have no component on the neutral principal components, and must still
    /// separate the emotions.
    @Test mutating func recipeDirectionsAreOrthogonalToTheNeutralComponentsAndStillSeparate() {
        let d = 12, E = 3
        let axis = LinearAlgebra.normalized((0..<d).map { Double($0 % 3) - 0.5 })   // neutral's big axis
        var lean = axis
        lean[0] += 0.8; lean[1] -= 0.8
        let u = LinearAlgebra.normalized(lean)   // correlated noise: covariance I + 4·u·uᵀ
        var planted = [[Double]](repeating: [Double](repeating: 0, count: d), count: E)
        for e in 0..<E { planted[e][e] = 2.5; planted[e][e + 5] = 2.5 }
        func sample(_ e: Int?) -> [Double] {
            let a = (e == nil ? 5 : 1) * gaussian(), c = 2 * gaussian()
            return (0..<d).map { i in gaussian() + c * u[i] + a * axis[i] + (e.map { planted[$0][i] } ?? 0) }
        }
        var rows: [[Double]] = [], labels: [Int] = []
        for e in 0..<E { for _ in 0..<60 { rows.append(sample(e)); labels.append(e) } }
        let componentRows = (0..<60).map { _ in sample(nil) }, calibrationRows = (0..<60).map { _ in sample(nil) }
        let pcs = LinearAlgebra.principalComponents(componentRows, explaining: VectorExtraction.pcFraction)
        #expect(!pcs.isEmpty && abs(LinearAlgebra.dot(pcs[0], axis)) > 0.9, "the first component is the planted axis")
        // The covariance does mix the removed axis back in: whitening after the projection (the old order) leaves a
        // component on it.
        let means = VectorExtraction.Means(rows: rows, labels: labels, emotionCount: E)
        let residuals = zip(rows, labels).map { r, e in (0..<d).map { r[$0] - means.means[e][$0] } }
        let projectedFirst = means.means.map { m in LinearAlgebra.projectOut((0..<d).map { m[$0] - means.center[$0] }, pcs) }
        let whitenedAfter = LinearAlgebra.shrunkCovarianceSolve(residuals: residuals, shrinkage: 0.1, rhs: projectedFirst).map(LinearAlgebra.normalized)
        let leak = whitenedAfter.map { abs(LinearAlgebra.dot($0, pcs[0])) }.max() ?? 0
        #expect(leak > 0.1, "the old order's directions lean on the first component by \(leak)")
        for s in [0.1, 0.5, 0.9] {
            let probe = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: E, componentRows: componentRows,
                                                    calibrationRows: calibrationRows, method: .recipe, parameter: s)
            for v in probe.vectors {
                for pc in pcs { #expect(abs(zip(v, pc).reduce(0.0) { $0 + Double($1.0) * $1.1 }) < 1e-5, "shrinkage \(s)") }
            }
            var correct = 0
            for e in 0..<E { for _ in 0..<30 where probe.classify(ArraySlice(sample(e).map(Float.init))) == e { correct += 1 } }
            #expect(correct >= 80, "shrinkage \(s): \(correct)/90 held-out samples")
        }
    }

    /// `.lda` classifies by the shrunk discriminant itself. On noise whose covariance mixes axes, with emotions of
    /// unequal size (so the prior counts), its scores equal the discriminant computed directly (neutral components
    /// out, z-scored, a plain solve of the shrunk covariance), and its directions have nothing on the components.
    @Test mutating func discriminantProbeMatchesADirectSolve() {
        let d = 10, E = 3, s = 0.3
        let axis = LinearAlgebra.normalized((0..<d).map { Double($0 % 3) - 0.5 })
        var lean = axis
        lean[0] += 0.8; lean[1] -= 0.8
        let u = LinearAlgebra.normalized(lean)
        func sample(_ e: Int?) -> [Double] {
            let a = (e == nil ? 5 : 1) * gaussian(), c = 2 * gaussian()
            return (0..<d).map { i in (1 + Double(i) / 4) * gaussian() + c * u[i] + a * axis[i] + (e == i ? 2 : 0) + 3 }
        }
        var rows: [[Double]] = [], labels: [Int] = []
        for (e, count) in [60, 40, 20].enumerated() { for _ in 0..<count { rows.append(sample(e)); labels.append(e) } }
        let componentRows = (0..<60).map { _ in sample(nil) }, calibrationRows = (0..<60).map { _ in sample(nil) }
        let probe = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: E, componentRows: componentRows,
                                                calibrationRows: calibrationRows, method: .lda, parameter: s)
        // The discriminant, directly.
        let pcs = LinearAlgebra.principalComponents(componentRows, explaining: VectorExtraction.pcFraction)
        let n = Double(rows.count)
        let features = rows.map { LinearAlgebra.projectOut($0, pcs) }
        let mu = (0..<d).map { i in features.reduce(0) { $0 + $1[i] } / n }
        let sd = (0..<d).map { i in (features.reduce(0) { $0 + ($1[i] - mu[i]) * ($1[i] - mu[i]) } / n).squareRoot() }
        func z(_ x: [Double]) -> [Double] { let f = LinearAlgebra.projectOut(x, pcs); return (0..<d).map { (f[$0] - mu[$0]) / sd[$0] } }
        let zs = rows.map(z)
        let counts = (0..<E).map { e in Double(labels.filter { $0 == e }.count) }
        let means = (0..<E).map { e in (0..<d).map { i in zip(zs, labels).reduce(0) { $0 + ($1.1 == e ? $1.0[i] : 0) } / counts[e] } }
        let center = (0..<d).map { i in means.reduce(0) { $0 + $1[i] } / Double(E) }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for (r, e) in zip(zs, labels) { for i in 0..<d { for j in 0..<d { cov[i][j] += (r[i] - means[e][i]) * (r[j] - means[e][j]) / n } } }
        let target = s * (0..<d).reduce(0) { $0 + cov[$1][$1] } / Double(d)
        let shrunk = (0..<d).map { i in (0..<d).map { j in (1 - s) * cov[i][j] + (i == j ? target : 0) } }
        func solve(_ m: [[Double]], _ b: [Double]) -> [Double] {   // Gaussian elimination with partial pivoting
            var a = zip(m, b).map { $0 + [$1] }
            for c in 0..<d {
                let p = (c..<d).max { abs(a[$0][c]) < abs(a[$1][c]) }!
                a.swapAt(c, p)
                for r in (c + 1)..<d { let f = a[r][c] / a[c][c]; for k in c...d { a[r][k] -= f * a[c][k] } }
            }
            var x = [Double](repeating: 0, count: d)
            for r in stride(from: d - 1, through: 0, by: -1) {
                x[r] = (a[r][d] - ((r + 1)..<d).reduce(0) { $0 + a[r][$1] * x[$1] }) / a[r][r]
            }
            return x
        }
        let offsets = means.map { m in (0..<d).map { m[$0] - center[$0] } }
        let w = offsets.map { solve(shrunk, $0) }
        let bias = (0..<E).map { -0.5 * LinearAlgebra.dot(w[$0], offsets[$0]) + log(counts[$0] / n) }
        for _ in 0..<30 {
            for e in 0..<E {
                let x = sample(e), zx = z(x)
                let direct = (0..<E).map { k in LinearAlgebra.dot(w[k], (0..<d).map { zx[$0] - center[$0] }) + bias[k] }
                let p = probe.project(ArraySlice(x.map(Float.init)))
                for k in 0..<E {
                    let got = Double((p[k] - probe.scoreMean[k]) / probe.scoreStd[k])
                    #expect(abs(got - direct[k]) < 1e-3 * max(1, abs(direct[k])), "emotion \(k): \(got) vs \(direct[k])")
                }
                #expect(probe.classify(ArraySlice(x.map(Float.init))) == direct.indices.max { direct[$0] < direct[$1] }!)
            }
        }
        for v in probe.vectors {
            for pc in pcs { #expect(abs(zip(v, pc).reduce(0.0) { $0 + Double($1.0) * $1.1 }) < 1e-5) }
        }
    }

    /// The calibration is measured on the rows it is given, not on those the components came from: a calibration
    /// half with twice the spread gives twice the standard deviation.
    @Test mutating func calibrationComesFromItsOwnHalf() {
        let d = 6
        let rows = (0..<60).map { k in (0..<d).map { i in (i == k % 3 ? 2.0 : 0) + gaussian() } }
        let labels = (0..<60).map { $0 % 3 }
        let quiet = (0..<200).map { _ in (0..<d).map { _ in gaussian() } }
        let loud = quiet.map { $0.map { 2 * $0 } }
        let components = Array(quiet[..<30])
        let a = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: 3, componentRows: components, calibrationRows: quiet, method: .recipe)
        let b = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: 3, componentRows: components, calibrationRows: loud, method: .recipe)
        #expect(a.vectors == b.vectors)
        for e in 0..<3 { #expect(abs(b.calibrationStd[e] / a.calibrationStd[e] - 2) < 1e-3) }
    }

    @Test func wilsonIntervals() throws {
        // Textbook values (Wilson 1927; Newcombe 1998, table I): 0/10 → [0, 0.2775], 10/10 → [0.7225, 1],
        // 81/263 → [0.2553, 0.3662].
        let none = try #require(Statistics.wilson(correct: 0, total: 10))
        #expect(none.low == 0 && abs(none.high - 0.2775) < 1e-4)
        let all = try #require(Statistics.wilson(correct: 10, total: 10))
        #expect(abs(all.low - 0.7225) < 1e-4 && all.high == 1)
        let some = try #require(Statistics.wilson(correct: 81, total: 263))
        #expect(abs(some.low - 0.2553) < 1e-4 && abs(some.high - 0.3662) < 1e-4)
        #expect(Statistics.wilson(correct: 0, total: 0) == nil)
    }

    @Test func bagOfWordsReadsWordsAndChoosesItsSmoothingOnTheFolds() {
        let texts = ["the storm scared me", "a scary dark storm", "I was scared of the dark", "dark storm, scary night",
                     "scared stiff", "sunny day and a picnic", "a happy sunny picnic", "we laughed on a sunny day",
                     "happy day", "picnic and laughing"]
        let labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        #expect(BagOfWords.words("Don't PANIC, it's 9am!") == ["don't", "panic", "it's", "9am"])
        let model = BagOfWords(texts: texts, labels: labels, classCount: 2, smoothing: 0.3)
        #expect(model.classify("a scary storm") == 0)
        #expect(model.classify("a sunny picnic") == 1)
        #expect(model.classify("words it never saw") == 0 || model.classify("words it never saw") == 1)
        let folds = texts.indices.map { $0 % 5 }
        #expect(BagOfWords.smoothings.contains(BagOfWords.chooseSmoothing(texts: texts, labels: labels, folds: folds, foldCount: 5, classCount: 2)))
    }

    @Test func aLayerSearchPicksTheBestMeanAndTheEarliestOnTies() {
        let probe = LayerProbe(vectors: [[1]], center: [0])
        let search = LayerSearch(correct: [[5, 5], [6, 4], [9, 9], [10, 8]], totals: [10, 10], probe: probe)
        #expect(search.best == 2)   // 0.9 ties with 0.9: the earlier, more regularised, wins
        #expect(search.meanAccuracy(1) == 0.5 && search.foldAccuracy(3) == [1, 0.8])
        let gap = LayerSearch(correct: [[3, 0]], totals: [4, 0], probe: probe)   // a fold that held nothing is left out
        #expect(gap.foldAccuracy(0) == [0.75] && gap.meanAccuracy(0) == 0.75)
        #expect(ProbeBuilder.bestLayer([0.5, 0.7, 0.7]) == 1)
    }

    /// A whole fit on synthetic activations: 3 emotions, 2 layers (layer 0 noise, layer 1 planted), the dataset's
    /// own split and folds. Layer 1 is chosen by cross-validation, the test split is counted once, and the set
    /// holds together (`problem()`), also after a round trip through its file.
    @Test mutating func aFitOnSyntheticActivationsChoosesByCrossValidationAndCountsTheTestSplit() throws {
        let lines = (0..<24).map { "passage \($0) of words" }.joined(separator: "\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("emo-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["calm", "sad", "angry", "neutral"] { try lines.write(toFile: dir + "/\(name).txt", atomically: true, encoding: .utf8) }
        let ds = try EmotionDataset(directory: dir)
        let passages = ds.training + ds.test + ds.neutral
        let d = 8, L = 2
        var values: [Float] = []
        for p in passages {
            for l in 0..<L {
                for i in 0..<d {
                    var x = gaussian()
                    if l == 1, let e = p.emotion, i == e { x += 4 }
                    values.append(Float(x))
                }
            }
        }
        let acts = PassageActivations(layerCount: L, width: d, count: passages.count, values: values)
        let set = ProbeBuilder.fit(acts, dataset: ds, lexicon: EmotionLexicon(words: ["calm": ["passage"]]), method: .recipe,
                                   modelSHA256: "synthetic", threads: 2)
        #expect(set.problem() == nil, "\(set.problem() ?? "")")
        #expect(set.readingLayer == 1)
        let e = try #require(set.evaluation)
        #expect(e.foldAccuracy.count == EmotionDataset.folds)
        #expect(e.trainingCount == 60 && e.test.total == 12)
        #expect(e.test.correct >= 11 && e.crossValidatedAccuracy > 0.9, "test \(e.test.correct)/12, cv \(e.crossValidatedAccuracy)")
        #expect(e.layer0.correct <= 8, "layer 0 is noise: \(e.layer0.correct)/12")
        #expect(e.named.total == 4 && e.unnamed.total == 8)   // only calm's passages "name" it
        #expect(e.parameter(at: 1).map { e.candidates.contains($0) } == true)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("probes-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try set.write(to: path, replace: true)
        let back = try ProbeSet(path: path)
        #expect(back.evaluation == set.evaluation && back.fileVersion == ProbeSet.version)
    }

    @Test func aDumpOfTheWrongSizeIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("acts-\(UUID()).f32").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(count: 4 * 10).write(to: URL(fileURLWithPath: path))
        #expect(try PassageActivations.read(path, layerCount: 2, width: 5, count: 1).values.count == 10)
        #expect(throws: AffectError.self) { try PassageActivations.read(path, layerCount: 2, width: 4, count: 1) }
    }
}

struct DatasetTests {
    func makeDataset(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("emo-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func loadsSplitsAndHashes() throws {
        let lines = (0..<12).map { "passage \($0)" }.joined(separator: "\n")
        let dir = try makeDataset(["calm.txt": lines, "angry.txt": lines + "\n\n", "neutral.txt": lines])
        let ds = try EmotionDataset(directory: dir)
        #expect(ds.emotions == ["angry", "calm"])
        #expect(ds.passages.count == 24)
        #expect(ds.test.map(\.line) == [5, 11, 5, 11])
        #expect(ds.training.map { $0.fold! } == Array(repeating: [0, 1, 2, 3, 4, 0, 1, 2, 3, 4], count: 2).flatMap { $0 })
        #expect(ds.neutral.count == 12)
        #expect(ds.neutralForComponents.map(\.line) == [0, 2, 4, 6, 8, 10])
        #expect(ds.neutralForCalibration.map(\.line) == [1, 3, 5, 7, 9, 11])
        let again = try EmotionDataset(directory: dir)
        #expect(again.hash == ds.hash)
        try "changed".write(toFile: dir + "/calm.txt", atomically: true, encoding: .utf8)
        #expect(throws: AffectError.self) { try EmotionDataset(directory: dir) }   // too few passages now
        try (lines + "\nmore").write(toFile: dir + "/calm.txt", atomically: true, encoding: .utf8)
        #expect(try EmotionDataset(directory: dir).hash != ds.hash)
    }

    @Test func missingPiecesAreClearErrors() throws {
        #expect(throws: AffectError.self) { try EmotionDataset(directory: "/nonexistent") }
        let noNeutral = try makeDataset(["calm.txt": "a\nb\nc", "sad.txt": "a\nb\nc"])
        do { _ = try EmotionDataset(directory: noNeutral) } catch { #expect("\(error)".contains("neutral.txt")) }
    }

    /// A named pipe among the dataset's files (or as the lexicon) is refused at once, not waited on.
    @Test func aNamedPipeIsRefusedNotRead() throws {
        let lines = (0..<12).map { "passage \($0)" }.joined(separator: "\n")
        let dir = try makeDataset(["calm.txt": lines, "neutral.txt": lines])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/sad.txt", 0o600) == 0)
        let fifo = try FIFO(name: "emotion-words.txt")
        defer { fifo.remove() }
        let start = Date()
        #expect(throws: FileIOError.notRegularFile(path: dir + "/sad.txt", kind: .namedPipe)) { try EmotionDataset(directory: dir) }
        #expect(throws: FileIOError.notRegularFile(path: fifo.path, kind: .namedPipe)) { try EmotionLexicon(path: fifo.path) }
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test func lexiconMatchesWordPrefixes() {
        let lex = EmotionLexicon(words: ["afraid": ["afraid", "fear", "scar"], "calm": ["calm"]])
        #expect(lex.names("afraid", in: "She was Scared stiff."))
        #expect(lex.names("afraid", in: "fearful eyes"))
        #expect(lex.names("afraid", in: "a scarlet coat"))     // prefixes of words: "scar" matches "scarlet"
        #expect(!lex.names("afraid", in: "An oscar night."))   // but not inside a word
        #expect(!lex.names("calm", in: "becalmed"))
        #expect(!lex.names("unknown", in: "anything"))
    }
}

struct ProbeSetTests {
    @Test func writesAndReadsBack() throws {
        let layer = LayerProbe(vectors: [[1, 0, 0], [0, 1, 0]], center: [0.5, 0.5, 0.5], calibrationMean: [0.1, -0.2], calibrationStd: [1, 2])
        let set = ProbeSet(emotions: ["calm", "sad"], layers: [layer, layer], readingLayer: 1, method: .recipe, skipTokens: 3,
                           modelSHA256: "abc", datasetHash: "def", validationAccuracy: [0.5, 0.75], accuracyUnnamed: 0.7,
                           accuracyNamed: 0.8, confusion: [[3, 1], [0, 4]])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try set.write(to: path, replace: false)
        let back = try ProbeSet(path: path)
        #expect(back.emotions == set.emotions)
        #expect(back.layers == set.layers)
        #expect(back.readingLayer == 1)
        #expect(back.confusion == set.confusion)
        #expect(back.validationAccuracy == [0.5, 0.75])
        #expect(back.modelSHA256 == "abc")
        #expect(try back.index(of: "sad") == 1)
        #expect(throws: AffectError.self) { try back.index(of: "joyful") }
        #expect(layer.project([1.5, 0.5, 2]) == [1, 0])
        #expect(layer.zScores([1.1, 1.8]) == [1, 1])
    }

    /// An existing set is replaced only with `replace` (the cache rebuild); a folder in its place is never touched.
    @Test func anExistingFileOrFolderIsNotReplacedUnasked() throws {
        let layer = LayerProbe(vectors: [[1, 0]], center: [0, 0], calibrationMean: [0], calibrationStd: [1])
        func set(_ hash: String) -> ProbeSet {
            ProbeSet(emotions: ["calm"], layers: [layer], readingLayer: 0, method: .recipe, skipTokens: 3, modelSHA256: "m",
                     datasetHash: hash, validationAccuracy: [1], accuracyUnnamed: 1, accuracyNamed: 1, confusion: [[1]])
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("probes-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/set.gguf"
        try set("one").write(to: path, replace: false)   // creates the folder
        #expect(throws: FileIOError.exists(path: path)) { try set("two").write(to: path, replace: false) }
        #expect(try ProbeSet(path: path).datasetHash == "one")
        try set("two").write(to: path, replace: true)
        #expect(try ProbeSet(path: path).datasetHash == "two")
        try FileManager.default.createDirectory(atPath: dir + "/folder.gguf", withIntermediateDirectories: false)
        #expect(throws: FileIOError.isDirectory(path: dir + "/folder.gguf")) { try set("x").write(to: dir + "/folder.gguf", replace: true) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["folder.gguf", "set.gguf"])
    }
}
