import Foundation

/// The lexical baseline a probe must beat: multinomial naive Bayes on lower-cased word counts, with add-α
/// (Lidstone) smoothing chosen by the same cross-validation folds as the probe. It sees only which words a passage
/// uses, so an emotion probe scoring near it may be reading words, not emotions. (Measured on today's data: it
/// scores as well as multinomial logistic regression on the same counts, 41% against 43% on the test split, at a
/// fraction of the cost.)
public struct BagOfWords: Sendable {
    /// (classes, vocabulary) log P(word | class), and log P(class).
    let logLikelihood: [[Double]]
    let logPrior: [Double]
    let vocabulary: [String: Int]

    /// The smoothing values cross-validation tries, strongest first (a tie goes to the earlier).
    public static let smoothings: [Double] = [1, 0.3, 0.1, 0.03]

    /// Lower-cased runs of letters, digits and apostrophes.
    public static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }
    }

    public init(texts: [String], labels: [Int], classCount: Int, smoothing: Double) {
        var vocabulary: [String: Int] = [:]
        var counts: [[Int: Double]] = Array(repeating: [:], count: classCount)
        for (text, label) in zip(texts, labels) {
            for w in Self.words(text) {
                let j = vocabulary[String(w)] ?? { let j = vocabulary.count; vocabulary[String(w)] = j; return j }()
                counts[label][j, default: 0] += 1
            }
        }
        let V = vocabulary.count
        logLikelihood = counts.map { c in
            let total = c.values.reduce(0, +) + smoothing * Double(V)
            var row = [Double](repeating: log(smoothing / total), count: V)
            for (j, n) in c { row[j] = log((n + smoothing) / total) }
            return row
        }
        let classTotals = (0..<classCount).map { e in Double(labels.filter { $0 == e }.count) }
        logPrior = classTotals.map { log(max($0, 0.5) / Double(max(labels.count, 1))) }
        self.vocabulary = vocabulary
    }

    /// The most likely class; words never seen in training are ignored.
    public func classify(_ text: String) -> Int {
        var score = logPrior
        for w in Self.words(text) {
            guard let j = vocabulary[String(w)] else { continue }
            for e in score.indices { score[e] += logLikelihood[e][j] }
        }
        var best = 0
        for e in score.indices where score[e] > score[best] { best = e }
        return best
    }

    /// The smoothing with the best mean accuracy over `folds` (each passage's fold, 0..<count), the earliest on ties.
    public static func chooseSmoothing(texts: [String], labels: [Int], folds: [Int], foldCount: Int, classCount: Int) -> Double {
        let accuracy = smoothings.map { a in
            (0..<foldCount).map { f -> Double in
                let train = texts.indices.filter { folds[$0] != f }, held = texts.indices.filter { folds[$0] == f }
                guard !held.isEmpty else { return 0 }
                let model = BagOfWords(texts: train.map { texts[$0] }, labels: train.map { labels[$0] }, classCount: classCount, smoothing: a)
                return Double(held.filter { model.classify(texts[$0]) == labels[$0] }.count) / Double(held.count)
            }.reduce(0, +) / Double(foldCount)
        }
        let best = accuracy.indices.max { accuracy[$0] < accuracy[$1] || (accuracy[$0] == accuracy[$1] && $0 > $1) } ?? 0
        return smoothings[best]
    }
}
