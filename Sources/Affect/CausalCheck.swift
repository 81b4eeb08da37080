import Engine

/// Does each emotion vector *drive* the representation, not just correlate with it? Steer neutral text with
/// +strength × vector(E) at the reading layer and read every emotion a few layers later: E's reading should rise
/// more than any other's.
public enum CausalCheck {
    public struct Result: Sendable {
        public var emotion: String
        /// Change in each emotion's z-score at the later layer (probe-set order).
        public var rise: [Float]
        /// The emotion that rose most.
        public var top: String
        public var passed: Bool { top == emotion }
    }

    public static let neutralPrompt = """
    The committee reviewed the schedule for next week. The first session starts at nine, followed by a short \
    break, and the afternoon is reserved for reading the reports in the library.
    """

    /// - Parameters:
    ///   - strength: a fraction of the mean residual norm at the reading layer (the emotions study's unit).
    ///   - offset: how many layers after the reading layer to read (clamped to the last layer).
    public static func run(model: any InferenceBackend, probes: ProbeSet, strength: Float = 0.5, offset: Int = 3,
                           prompt: String = neutralPrompt, threads: Int? = nil) throws -> [Result] {
        let layer = probes.readingLayer
        let later = min(layer + offset, model.config.layerCount - 1)
        let norms = try model.meanResidualNorms()
        let ids = try model.tokenizer.encode(prompt, addSpecial: true, parseSpecial: false)
        let ctx = model.makeSequence(capacity: ids.count + 1, threads: threads)
        let recorder = ActivationRecorder(width: model.config.hiddenSize)
        ctx.hooks.subscribe(recorder, sites: [.layer(later)], positions: .range(min(probes.skipTokens, ids.count - 1)..<Int.max))

        func reading() throws -> [Float] {
            recorder.clear()
            ctx.rollback(to: 0)
            try ctx.evaluate(ids, logits: .none)
            let rows = recorder.rows[.layer(later)] ?? []
            let w = model.config.hiddenSize, n = rows.count / w
            var mean = [Float](repeating: 0, count: w)
            for i in 0..<n { for j in 0..<w { mean[j] += rows[i * w + j] / Float(n) } }
            let probe = probes.layers[later]
            return probe.zScores(probe.project(mean[...]))
        }

        let base = try reading()
        var results: [Result] = []
        for (e, name) in probes.emotions.enumerated() {
            ctx.hooks.steering = [Steering(site: .layer(layer), vector: probes.layers[layer].vectors[e],
                                           strength: strength * norms[layer])]
            let z = try reading()
            let rise = zip(z, base).map { $0 - $1 }
            results.append(Result(emotion: name, rise: rise, top: probes.emotions[ProbeBuilder.argmax(rise)]))
        }
        return results
    }
}
