import Testing
import TestSupport
@testable import Engine

/// Capture and steering at the hook sites (DESIGN.md: "layer N" = output of block N after its residual add).
struct HookTests {
    let tokens = [3, 17, 5, 22, 9, 31, 0, 12]
    let allLayers = Set((0..<TinyModel.layers).map { HookSite.layer($0) })

    func capture(_ w: ModelWeights, _ tokens: [Int], steering: [Steering] = [], sites: Set<HookSite>? = nil,
                 positions: PositionSelector = .all) throws -> (Rows, [Float]) {
        let ctx = InferenceContext(weights: w, capacity: 64)
        let rows = Rows()
        ctx.hooks.subscribe(rows, sites: sites ?? allLayers.union([.embedding]), positions: positions)
        ctx.hooks.steering = steering
        let logits = try ctx.evaluate(tokens, logits: .all)
        return (rows, logits)
    }

    @Test func captureEqualsRecomputation() throws {
        let w = try TinyModel.weights()
        let (rows, _) = try capture(w, tokens)
        // Position p's residual depends only on tokens 0...p: recompute each prefix alone and read its last row.
        for p in [0, 3, tokens.count - 1] {
            let (alone, _) = try capture(w, Array(tokens[...p]), positions: .last)
            for site in allLayers {
                let a = rows.rows[site]![p]!, b = alone.rows[site]![p]!
                #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "\(site) at \(p)")
            }
        }
        #expect(rows.rows[.layer(0)]!.count == tokens.count)
    }

    @Test func captureDuringDecodeStreamsEachToken() throws {
        let w = try TinyModel.weights()
        let ctx = InferenceContext(weights: w, capacity: 64)
        let rows = Rows()
        ctx.hooks.subscribe(rows, sites: [.layer(2)], positions: .last)
        try ctx.evaluate(Array(tokens[..<5]))
        #expect(Array(rows.rows[.layer(2)]!.keys) == [4])
        try ctx.evaluate([7])
        #expect(Set(rows.rows[.layer(2)]!.keys) == [4, 5])
    }

    @Test func zeroOrAbsentVectorLeavesLogitsBitIdentical() throws {
        let w = try TinyModel.weights()
        let (_, plain) = try capture(w, tokens, sites: [])
        let zero = Steering(site: .layer(1), vector: [Float](repeating: 0, count: TinyModel.hidden), strength: 5)
        let (_, steered) = try capture(w, tokens, steering: [zero], sites: [])
        #expect(plain == steered)
    }

    @Test func steeringChangesNothingBeforeItsRange() throws {
        let w = try TinyModel.weights()
        var rng = SplitMix64(seed: 3)
        let v = (0..<TinyModel.hidden).map { _ in Float(rng.next() % 1000) / 500 - 1 }
        let s = Steering(site: .layer(0), vector: v, strength: 2, positions: .range(4..<6))
        let (plain, plainLogits) = try capture(w, tokens)
        let (steered, steeredLogits) = try capture(w, tokens, steering: [s])
        let V = TinyModel.vocab
        #expect(Array(plainLogits[..<(4 * V)]) == Array(steeredLogits[..<(4 * V)]))
        #expect(Array(plainLogits[(4 * V)...]) != Array(steeredLogits[(4 * V)...]))
        // At the steered layer: exactly the vector added on positions 4 and 5, nothing elsewhere.
        for p in 0..<tokens.count {
            let a = plain.rows[.layer(0)]![p]!, b = steered.rows[.layer(0)]![p]!
            let expected = (4..<6).contains(p) ? zip(a, v).map { $0 + 2 * $1 } : a
            #expect(zip(b, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "position \(p)")
        }
        // Later layers: unchanged before position 4.
        for p in 0..<4 { #expect(plain.rows[.layer(2)]![p]! == steered.rows[.layer(2)]![p]!) }
    }

    @Test func normPreservingSteeringKeepsTheNorm() throws {
        let w = try TinyModel.weights()
        let v = [Float](repeating: 1, count: TinyModel.hidden)
        let s = Steering(site: .layer(1), vector: v, strength: 3, normPreserving: true)
        let (plain, _) = try capture(w, tokens)
        let (steered, _) = try capture(w, tokens, steering: [s])
        for p in 0..<tokens.count {
            let a = plain.rows[.layer(1)]![p]!, b = steered.rows[.layer(1)]![p]!
            let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(na - nb) <= 1e-4 * na)
            #expect(a != b)
        }
    }

    @Test func steeringWhileFillingAPrefixIsBakedIntoTheCache() throws {
        let w = try TinyModel.weights()
        let v = [Float](repeating: 0.5, count: TinyModel.hidden)
        let ctx = InferenceContext(weights: w, capacity: 64)
        ctx.hooks.steering = [Steering(site: .layer(0), vector: v, strength: 4)]
        try ctx.evaluate(tokens)
        ctx.hooks.steering = []
        let afterSteeredPrefix = try ctx.evaluate([1])
        let clean = InferenceContext(weights: w, capacity: 64)
        try clean.evaluate(tokens)
        #expect(try clean.evaluate([1]) != afterSteeredPrefix)
    }

    @Test func embeddingSiteIsTheTokenRow() throws {
        let w = try TinyModel.weights()
        let (rows, _) = try capture(w, [5], sites: [.embedding])
        var expected = [Float](repeating: 0, count: TinyModel.hidden)
        expected.withUnsafeMutableBufferPointer {
            dequantizeRow(w.tokenEmbedding.type, w.tokenEmbedding.data + 5 * w.tokenEmbedding.rowBytes, $0.baseAddress!, count: TinyModel.hidden)
        }
        #expect(rows.rows[.embedding]![0]! == expected)
    }

    // MARK: Several listeners

    @Test func twoListenersOnDifferentLayersBothGetExactRows() throws {
        let w = try TinyModel.weights()
        let (reference, _) = try capture(w, tokens)   // one listener on everything
        let ctx = InferenceContext(weights: w, capacity: 64)
        let a = Rows(), b = Rows()
        ctx.hooks.subscribe(a, sites: [.layer(0)], positions: .all)
        ctx.hooks.subscribe(b, sites: [.layer(2), .embedding], positions: .range(2..<5))
        try ctx.evaluate(tokens)
        #expect(a.rows[.layer(0)] == reference.rows[.layer(0)])
        #expect(a.rows[.layer(2)] == nil)
        #expect(Set(b.rows[.layer(2)]!.keys) == [2, 3, 4])
        for p in 2..<5 {
            #expect(b.rows[.layer(2)]![p] == reference.rows[.layer(2)]![p])
            #expect(b.rows[.embedding]![p] == reference.rows[.embedding]![p])
        }
    }

    @Test func removingOneListenerLeavesTheOther() throws {
        let w = try TinyModel.weights()
        let ctx = InferenceContext(weights: w, capacity: 64)
        let a = Rows(), b = Rows()
        let ha = ctx.hooks.subscribe(a, sites: [.layer(1)])
        ctx.hooks.subscribe(b, sites: [.layer(1)])
        try ctx.evaluate(Array(tokens[..<3]))
        ctx.hooks.unsubscribe(ha)
        ctx.hooks.unsubscribe(ha)   // twice is harmless
        try ctx.evaluate(Array(tokens[3...]))
        #expect(Set(a.rows[.layer(1)]!.keys) == [0, 1, 2])
        #expect(Set(b.rows[.layer(1)]!.keys) == Set(0..<tokens.count))
        #expect(ctx.hooks.subscriptions.count == 1)
    }

    @Test func aForkDoesNotFeedTheParentsListenersUnlessAsked() throws {
        let w = try TinyModel.weights()
        let ctx = InferenceContext(weights: w, capacity: 64)
        let parent = Rows()
        ctx.hooks.subscribe(parent, sites: [.layer(1)])
        let v = [Float](repeating: 0.25, count: TinyModel.hidden)
        ctx.hooks.steering = [Steering(site: .layer(0), vector: v, strength: 1)]
        try ctx.evaluate(Array(tokens[..<4]))
        let fork = ctx.fork()
        #expect(fork.hooks.subscriptions.isEmpty)
        #expect(fork.hooks.steering == ctx.hooks.steering)   // the steering travels with the cache
        try fork.evaluate([1, 2])
        #expect(Set(parent.rows[.layer(1)]!.keys) == [0, 1, 2, 3])
        let listening = ctx.fork(keepingListeners: true)
        try listening.evaluate([7])
        #expect(parent.rows[.layer(1)]![4] != nil)
    }

    // MARK: Prefix reuse and steering

    @Test func reusePrefixNeverKeepsTokensEvaluatedUnderOtherSteering() throws {
        let w = try TinyModel.weights()
        let v = [Float](repeating: 0.5, count: TinyModel.hidden)
        let fromThree = [Steering(site: .layer(0), vector: v, strength: 3, positions: .range(3..<Int.max))]
        let ctx = InferenceContext(weights: w, capacity: 64)
        try ctx.evaluate(Array(tokens[..<3]))                // unsteered 0..<3
        ctx.hooks.steering = fromThree
        try ctx.evaluate(Array(tokens[3..<6]))               // steered 3..<6
        // The same steering in force acts the same on every cached position: all six are kept.
        #expect(ctx.reusePrefix(of: tokens) == Array(tokens[6...]))
        // Steering removed: the steered stretch and everything after it is evaluated again.
        ctx.hooks.steering = []
        #expect(ctx.reusePrefix(of: tokens) == Array(tokens[3...]))
        #expect(ctx.position == 3)
        let logits = try ctx.evaluate(ctx.reusePrefix(of: tokens))
        let clean = InferenceContext(weights: w, capacity: 64)
        #expect(try clean.evaluate(tokens) == logits)         // bit-identical to never having steered
        // Steering on every position now: even the first token was computed differently.
        ctx.hooks.steering = [Steering(site: .layer(0), vector: v, strength: 3)]
        #expect(ctx.reusePrefix(of: tokens) == tokens)
        try ctx.evaluate(tokens)
        // Another strength of the same vector is other steering, too.
        ctx.hooks.steering = [Steering(site: .layer(0), vector: v, strength: 2)]
        #expect(ctx.reusePrefix(of: tokens) == tokens)
    }
}
