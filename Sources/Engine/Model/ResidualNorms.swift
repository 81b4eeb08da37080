/// The mean L2 norm of the residual stream per layer on ordinary text: the unit in which the emotions study
/// expresses steering strength ("0.05 of the average residual norm at that layer").
///
/// Measured on a fixed neutral passage, skipping the first positions: small models put massive activations on
/// the first tokens (SmolLM2's residual norm there is ~22,600 against ~35-80 elsewhere), which would dominate a
/// plain average.
public enum ResidualNorms {
    /// Positions skipped at the start of the passage.
    public static let skippedPositions = 4

    static let passage = """
    The report lists the opening hours of the library, the address of the main branch and the number of books \
    on each floor. Visitors can borrow up to ten items for three weeks, renew them online, and return them at \
    any branch. The reading room is on the second floor, next to the map collection and the public computers.
    """

    /// Mean norm per layer (index = block), measured in a fresh context of `weights`.
    public static func measure(_ weights: ModelWeights, tokenize: (String) throws -> [Int], threads: Int? = nil) throws -> [Float] {
        let ids = try tokenize(passage)
        let ctx = InferenceContext(weights: weights, capacity: ids.count + 1, threads: threads)
        let layers = weights.config.layerCount
        let recorder = ActivationRecorder(width: weights.config.hiddenSize)
        ctx.hooks.subscribe(recorder, sites: Set((0..<layers).map { HookSite.layer($0) }),
                            positions: .range(min(skippedPositions, ids.count - 1)..<Int.max))
        try ctx.evaluate(ids, logits: .none)
        return (0..<layers).map { l in
            let rows = recorder.rows[.layer(l)] ?? []
            let w = weights.config.hiddenSize
            let n = rows.count / w
            guard n > 0 else { return 0 }
            var total: Float = 0
            for i in 0..<n {
                var s: Float = 0
                for j in 0..<w { s += rows[i * w + j] * rows[i * w + j] }
                total += s.squareRoot()
            }
            return total / Float(n)
        }
    }
}
