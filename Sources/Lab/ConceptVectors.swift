import Engine
import Foundation
import Tokenizers

/// Concept vectors for injection (DESIGN.md §6, Lindsey 2025's recipe): the residual stream at the last token of
/// the prompt "Tell me about {word}" rendered through the chat template (the token before the assistant's turn),
/// minus the mean of the same activation over baseline words, at each requested layer. Localization vectors are the
/// same activation of one word minus another's.
public struct ConceptVectors: Sendable {
    /// vectors[i][l]: word i's vector at `layers[l]`.
    public var words: [String]
    public var layers: [Int]
    public var vectors: [[[Float]]]

    public static let prompt = "Tell me about {word}"

    /// The last-token activation of each word's prompt at `layers`.
    public static func activations(model: any InferenceBackend, words: [String], layers: [Int], threads: Int? = nil) throws -> [[[Float]]] {
        try activations(model: model, messages: words.map { prompt.replacingOccurrences(of: "{word}", with: $0) }, layers: layers, threads: threads)
    }

    /// The activation at the last token before the assistant's turn of each user message, at `layers`.
    public static func activations(model: any InferenceBackend, messages: [String], layers: [Int], threads: Int? = nil) throws -> [[[Float]]] {
        let count = model.config.layerCount
        if let bad = layers.first(where: { !(0..<count).contains($0) }) { throw LabError.layerOutOfRange(bad, layers: count) }
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let prompts = try messages.map { try encoder.encode([ChatMessage(role: "user", content: $0)]) }
        let ctx = model.makeSequence(capacity: min(model.config.contextLength, (prompts.map(\.count).max() ?? 1) + 1), threads: threads)
        let sink = LastRows(layers: layers)
        _ = ctx.hooks.subscribe(sink, sites: Set(layers.map { HookSite.layer($0) }), positions: .last)
        return try prompts.map { ids in
            ctx.rollback(to: 0)
            try ctx.evaluate(ids, logits: .none)
            return sink.rows
        }
    }

    /// The published recipe: each concept's activation minus the baseline words' mean.
    public static func build(model: any InferenceBackend, concepts: [String], baseline: [String], layers: [Int],
                             threads: Int? = nil) throws -> ConceptVectors {
        let c = try activations(model: model, words: concepts, layers: layers, threads: threads)
        let b = try activations(model: model, words: baseline, layers: layers, threads: threads)
        let width = c.first?.first?.count ?? 0
        let means = layers.indices.map { l in
            (0..<width).map { i in b.reduce(Float(0)) { $0 + $1[l][i] } / Float(max(b.count, 1)) }
        }
        let vectors = c.map { rows in layers.indices.map { l in zip(rows[l], means[l]).map { $0 - $1 } } }
        return ConceptVectors(words: concepts, layers: layers, vectors: vectors)
    }

    /// The phrasings of repeng's pca-center recipe: each with the concept, and with "anything" in its place.
    public static let centerTemplates = ["Talk about {word}.", "Tell me about {word}.", "Write one sentence about {word}.",
                                         "Think about {word}.", "Describe {word} to me.", "What comes to mind with {word}?",
                                         "Say something about {word}.", "Let us discuss {word}."]

    /// repeng's pca-center vectors: for each phrasing, the activation with the concept and with "anything" instead,
    /// each centred on the pair's mean; the first principal component of those centred rows, signed so that the
    /// concept's side projects positive, at the length of the mean difference (so a strength scales it as the
    /// recipe's vector would be scaled).
    public static func pcaCenter(model: any InferenceBackend, concepts: [String], layers: [Int], threads: Int? = nil) throws -> ConceptVectors {
        let fill = { (t: String, w: String) in t.replacingOccurrences(of: "{word}", with: w) }
        let negative = try activations(model: model, messages: centerTemplates.map { fill($0, "anything") }, layers: layers, threads: threads)
        var vectors: [[[Float]]] = []
        for c in concepts {
            let positive = try activations(model: model, messages: centerTemplates.map { fill($0, c) }, layers: layers, threads: threads)
            vectors.append(layers.indices.map { l in
                let diffs = zip(positive, negative).map { p, n in zip(p[l], n[l]).map { ($0 - $1) / 2 } }
                return firstComponent(centred: diffs.flatMap { [$0, $0.map { -$0 }] }, meanDifference: diffs)
            })
        }
        return ConceptVectors(words: concepts, layers: layers, vectors: vectors)
    }

    /// The first principal component of rows already centred (power iteration on XᵀX), signed along the mean of
    /// `meanDifference` and scaled to its length.
    static func firstComponent(centred rows: [[Float]], meanDifference: [[Float]]) -> [Float] {
        let width = rows.first?.count ?? 0
        var mean = [Float](repeating: 0, count: width)
        for d in meanDifference { for i in 0..<width { mean[i] += 2 * d[i] / Float(meanDifference.count) } }
        let length = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var v = mean.map { $0 / max(length, 1e-12) }
        for _ in 0..<100 {
            var next = [Float](repeating: 0, count: width)
            for r in rows {
                let p = zip(r, v).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<width { next[i] += p * r[i] }
            }
            let n = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard n > 1e-20 else { break }
            v = next.map { $0 / n }
        }
        let sign: Float = zip(v, mean).reduce(0) { $0 + $1.0 * $1.1 } < 0 ? -1 : 1
        return v.map { $0 * sign * length }
    }

    /// Contrastive pairs: activation(word1) − activation(word2), named "word1-word2".
    public static func pairs(model: any InferenceBackend, pairs: [(String, String)], layers: [Int], threads: Int? = nil) throws -> ConceptVectors {
        let a = try activations(model: model, words: pairs.map(\.0), layers: layers, threads: threads)
        let b = try activations(model: model, words: pairs.map(\.1), layers: layers, threads: threads)
        let vectors = zip(a, b).map { x, y in layers.indices.map { l in zip(x[l], y[l]).map { $0 - $1 } } }
        return ConceptVectors(words: pairs.map { "\($0.0)-\($0.1)" }, layers: layers, vectors: vectors)
    }

    /// Word i's vector at `layer`.
    public func vector(_ i: Int, layer: Int) -> [Float]? {
        layers.firstIndex(of: layer).map { vectors[i][$0] }
    }
}

/// Keeps the last row each layer delivered.
final class LastRows: ActivationSink {
    let layers: [Int]
    var rows: [[Float]]

    init(layers: [Int]) {
        self.layers = layers
        rows = layers.map { _ in [] }
    }

    func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>) {
        guard case .layer(let l) = site, let i = layers.firstIndex(of: l) else { return }
        rows[i] = Array(row)
    }
}
