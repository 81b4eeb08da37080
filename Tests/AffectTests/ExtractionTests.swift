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
        let neutral = (0..<50).map { _ in sample(nil) }
        let probe = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: E, neutral: neutral, method: method)
        // The truth each method aims at: the recipe measures from the mean over emotions, so its target is the
        // planted direction minus the mean planted direction; mean-diff measures from neutral text.
        let meanPlanted = (0..<d).map { i in planted.reduce(0) { $0 + $1[i] } / Double(E) }
        for e in 0..<E {
            let target = LinearAlgebra.normalized(method == .recipe ? (0..<d).map { planted[e][$0] - meanPlanted[$0] } : planted[e])
            let cosine = zip(probe.vectors[e], target).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            #expect(cosine > 0.9, "\(method): emotion \(e) direction cosine \(cosine)")
        }
        var correct = 0
        for e in 0..<E {
            for _ in 0..<20 {
                let p = probe.project(ArraySlice(sample(e).map(Float.init)))
                if ProbeBuilder.argmax(p) == e { correct += 1 }
            }
        }
        // The recipe removes the neutral nuisance axis, so it should be near perfect; the simpler methods keep it.
        #expect(correct >= (method == .recipe ? 57 : 50), "\(method): \(correct)/60 held-out samples")
        let z = probe.zScores(probe.project(ArraySlice(neutral[0].map(Float.init))))
        #expect(z.allSatisfy { abs($0) < 4 })
        let zEmotion = probe.zScores(probe.project(ArraySlice(sample(1).map(Float.init))))
        #expect(zEmotion[1] > 2, "\(method): an emotion-1 sample reads high on emotion 1 (z \(zEmotion[1]))")
    }

    @Test func recipeRemovesTheNeutralAxis() {
        var me = self
        let d = 10
        let rows = (0..<30).map { k -> [Double] in (0..<d).map { i in (i == 0 ? Double(k % 3) : 0) + (i == 5 ? Double(k % 2) * 3 : 0) + 0.01 * me.gaussian() } }
        let labels = (0..<30).map { $0 % 3 }
        let neutral = (0..<30).map { _ in (0..<d).map { i in i == 5 ? 10 * me.gaussian() : 0.01 * me.gaussian() } }
        let probe = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: 3, neutral: neutral, method: .recipe)
        for v in probe.vectors { #expect(abs(v[5]) < 0.05) }
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
        #expect(ds.validation.map(\.line) == [5, 11, 5, 11])
        #expect(ds.neutral.count == 12)
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
