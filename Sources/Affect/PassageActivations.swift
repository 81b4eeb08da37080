import Engine

/// Mean residual stream per passage at every layer: the features every probe is built from.
///
/// Each passage is read as if alone from position 0 (several in one batch, none seeing another), and its tokens are
/// averaged at each layer's output, skipping the first `skip` positions: small models put massive activations on
/// the first tokens (DESIGN.md §7), and the emotions study skips them too.
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

    /// Tokens read per forward step: several passages at once, each seeing only itself (`readBranches`), so the
    /// weights are read once per step instead of once per passage. (SmolLM2's prefill runs at about the same rate in
    /// steps of 32, 64 or 256 tokens, so the size matters little; reading the dataset this way measured 8% faster.)
    public static let stepTokens = 256

    /// Runs the model over `texts` (each as if from an empty context) and averages each layer's residual stream.
    /// Passages are read several at a time, in steps of about `stepTokens` tokens (`progress` after each step).
    public static func collect(model: any InferenceBackend, texts: [String], skip: Int = defaultSkip, threads: Int? = nil,
                               progress: (Int) -> Void = { _ in }) throws -> PassageActivations {
        let c = model.config
        let ids = try texts.map { try model.tokenizer.encode($0, addSpecial: true, parseSpecial: false) }
        let longest = ids.map(\.count).max() ?? 1
        // Room for one step's passages, or for the longest passage (read in steps of `stepTokens`: a long text
        // passed to `probe classify` must not size the scratch memory by its length).
        let room = max(longest, stepTokens)
        let ctx = model.makeSequence(capacity: min(c.contextLength, room + 1), threads: threads, batch: stepTokens)
        let perPassage = c.layerCount * c.hiddenSize
        var values = [Float](repeating: 0, count: texts.count * perPassage)
        var first = 0
        while first < ids.count {
            // As many passages as fit in one step (at least one); empty ones are left at zero.
            var end = first, tokens = 0
            while end < ids.count, end == first || tokens + ids[end].count <= room { tokens += ids[end].count; end += 1 }
            let chunk = Array(first..<end).filter { !ids[$0].isEmpty }
            if !chunk.isEmpty {
                // Skip the first tokens of each passage but always keep at least the last one.
                let acc = MeanAccumulator(layerCount: c.layerCount, width: c.hiddenSize,
                                          skips: chunk.map { min(skip, ids[$0].count - 1) })
                try ctx.readBranches(chunk.map { ids[$0] }, into: acc)
                for (k, p) in chunk.enumerated() { acc.means(k, into: &values, at: p * perPassage) }
            }
            progress(end)
            first = end
        }
        return PassageActivations(layerCount: c.layerCount, width: c.hiddenSize, count: texts.count, values: values)
    }
}

/// Sums rows per passage and layer as they stream out of the forward pass (no allocation per token), in token
/// order, skipping each passage's first tokens.
final class MeanAccumulator: BranchRowSink {
    let layerCount: Int, width: Int
    let skips: [Int]
    var sums: [Double]
    var counts: [Int]

    init(layerCount: Int, width: Int, skips: [Int]) {
        self.layerCount = layerCount
        self.width = width
        self.skips = skips
        sums = [Double](repeating: 0, count: skips.count * layerCount * width)
        counts = [Int](repeating: 0, count: skips.count * layerCount)
    }

    func receive(branch: Int, index: Int, layer: Int, row: UnsafeBufferPointer<Float>) {
        guard index >= skips[branch] else { return }
        let o = (branch * layerCount + layer) * width
        sums.withUnsafeMutableBufferPointer { s in
            for i in 0..<width { s[o + i] += Double(row[i]) }
        }
        counts[branch * layerCount + layer] += 1
    }

    /// Passage `branch`'s means (layers × width) into `values` from `offset`.
    func means(_ branch: Int, into values: inout [Float], at offset: Int) {
        for l in 0..<layerCount {
            let n = Double(max(counts[branch * layerCount + l], 1))
            let o = (branch * layerCount + l) * width
            for i in 0..<width { values[offset + l * width + i] = Float(sums[o + i] / n) }
        }
    }
}
