import Engine

/// Mean residual stream per passage at every layer: the features every probe is built from.
///
/// Each passage is read alone from position 0, and its tokens are averaged at each layer's output, skipping the
/// first `skip` positions: small models put massive activations on the first tokens (DESIGN.md §7), and the
/// emotions study skips them too.
public struct PassageActivations: Sendable {
    public let layerCount: Int
    public let width: Int
    public let count: Int
    /// (passage, layer, width) flattened.
    public var values: [Float]

    /// The mean vector of `passage` at `layer`.
    @inline(__always) public func row(_ passage: Int, _ layer: Int) -> ArraySlice<Float> {
        let o = (passage * layerCount + layer) * width
        return values[o..<(o + width)]
    }

    public init(layerCount: Int, width: Int, count: Int, values: [Float]) {
        self.layerCount = layerCount
        self.width = width
        self.count = count
        self.values = values
    }

    /// Tokens skipped at the start of each passage.
    public static let defaultSkip = 3

    /// Runs the model over `texts` (each from an empty context) and averages each layer's residual stream.
    public static func collect(model: any InferenceBackend, texts: [String], skip: Int = defaultSkip, threads: Int? = nil,
                               progress: (Int) -> Void = { _ in }) throws -> PassageActivations {
        let c = model.config
        let ids = try texts.map { try model.tokenizer.encode($0, addSpecial: true, parseSpecial: false) }
        let longest = ids.map(\.count).max() ?? 1
        let ctx = model.makeSequence(capacity: min(c.contextLength, longest + 1), threads: threads)
        let acc = MeanAccumulator(layerCount: c.layerCount, width: c.hiddenSize)
        let listener = ctx.hooks.subscribe(acc, sites: Set((0..<c.layerCount).map { HookSite.layer($0) }))
        var values = [Float](repeating: 0, count: texts.count * c.layerCount * c.hiddenSize)
        for (p, tokens) in ids.enumerated() {
            guard !tokens.isEmpty else { continue }
            ctx.rollback(to: 0)
            // Skip the first tokens but always keep at least the last one.
            ctx.hooks.setPositions(.range(min(skip, tokens.count - 1)..<Int.max), for: listener)
            acc.reset()
            try ctx.evaluate(tokens, logits: .none)
            acc.means(into: &values, at: p * c.layerCount * c.hiddenSize)
            progress(p + 1)
        }
        return PassageActivations(layerCount: c.layerCount, width: c.hiddenSize, count: texts.count, values: values)
    }
}

/// Sums rows per layer as they stream out of the forward pass (no allocation per token).
final class MeanAccumulator: ActivationSink {
    let layerCount: Int, width: Int
    var sums: [Double]
    var counts: [Int]

    init(layerCount: Int, width: Int) {
        self.layerCount = layerCount
        self.width = width
        sums = [Double](repeating: 0, count: layerCount * width)
        counts = [Int](repeating: 0, count: layerCount)
    }

    func reset() {
        for i in sums.indices { sums[i] = 0 }
        for i in counts.indices { counts[i] = 0 }
    }

    func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>) {
        guard case .layer(let l) = site else { return }
        let o = l * width
        sums.withUnsafeMutableBufferPointer { s in
            for i in 0..<width { s[o + i] += Double(row[i]) }
        }
        counts[l] += 1
    }

    func means(into values: inout [Float], at offset: Int) {
        for l in 0..<layerCount {
            let n = Double(max(counts[l], 1))
            for i in 0..<width { values[offset + l * width + i] = Float(sums[l * width + i] / n) }
        }
    }
}
