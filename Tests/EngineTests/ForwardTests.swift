import GGUF
import Testing
import TestSupport
@testable import Engine

/// The forward pass on tiny random models: batching, the KV cache, forks and rollback.
struct ForwardTests {
    let tokens = [3, 17, 5, 22, 9, 31, 0, 12, 39, 4]

    func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test(arguments: ["llama", "qwen2", "gemma3"])
    func batchedPrefillEqualsTokenByToken(arch: String) throws {
        let w = try TinyModel.weights(arch: arch)
        let batched = InferenceContext(weights: w, capacity: 64, threads: 2)
        let all = try batched.evaluate(tokens, logits: .all)
        let single = InferenceContext(weights: w, capacity: 64, threads: 1)
        for (i, t) in tokens.enumerated() {
            let logits = try single.evaluate([t])
            let row = Array(all[(i * TinyModel.vocab)..<((i + 1) * TinyModel.vocab)])
            #expect(maxDiff(logits, row) < 1e-4, "position \(i)")
        }
    }

    /// gemma3's sliding window: with every layer local (window 3, 3 layers), the last token's logits depend only on
    /// the 3 × (3 − 1) = 6 positions before it, so changing the first of 12 tokens changes nothing there, exactly;
    /// with layer 1 global it does. Both in one call and token by token (the window then cuts the cache).
    @Test func theSlidingWindowBoundsWhatALocalLayerSees() throws {
        let seq = [3, 17, 5, 22, 9, 31, 0, 12, 39, 4, 8, 15]
        var changed = seq
        changed[0] = 30
        for (period, reaches) in [(6, false), (2, true)] {
            let w = try TinyModel.weights(arch: "gemma3", window: 3, period: period)
            #expect(w.config.localLayers == (period == 6 ? [0, 1, 2] : [0, 2]))
            let a = try InferenceContext(weights: w, capacity: 64, threads: 1).evaluate(seq)
            let b = try InferenceContext(weights: w, capacity: 64, threads: 1).evaluate(changed)
            let one = InferenceContext(weights: w, capacity: 64, threads: 1)
            var c: [Float] = []
            for t in changed { c = try one.evaluate([t]) }
            #expect((a == b) == !reaches, "period \(period): max |Δ| \(maxDiff(a, b))")
            #expect(maxDiff(b, c) < 1e-4)
        }
    }

    @Test func stepsOfTheBatchSizeGiveTheSameLogits() throws {
        let w = try TinyModel.weights()
        let long = (0..<70).map { ($0 * 7) % TinyModel.vocab }
        let a = try InferenceContext(weights: w, capacity: 128, threads: 1, batch: 64).evaluate(long)
        let b = try InferenceContext(weights: w, capacity: 128, threads: 1, batch: 16).evaluate(long)
        #expect(maxDiff(a, b) < 1e-4)
    }

    @Test func forkLeavesTheOriginalUntouched() throws {
        let w = try TinyModel.weights()
        let reference = InferenceContext(weights: w, capacity: 64)
        try reference.evaluate(Array(tokens[..<6]))
        let expected = try reference.evaluate([7])

        let ctx = InferenceContext(weights: w, capacity: 64)
        try ctx.evaluate(Array(tokens[..<6]))
        let fork = ctx.fork()
        try fork.evaluate([1, 2, 3, 4, 5, 6, 7, 8])   // writes into the shared last chunk: must copy it
        fork.rollback(to: 2)
        try fork.evaluate([8, 8, 8])                  // overwrites positions the original still uses
        #expect(fork.position == 5)
        #expect(ctx.position == 6)
        #expect(try ctx.evaluate([7]) == expected)   // bit-identical

        // And the other way: the original moving on does not disturb the fork.
        let forkNext = try fork.evaluate([7])
        let fresh = InferenceContext(weights: w, capacity: 64)
        try fresh.evaluate(Array(tokens[..<2]) + [8, 8, 8])
        #expect(try fresh.evaluate([7]) == forkNext)
    }

    @Test func forkAcrossChunkBoundariesAndDeepCaches() throws {
        let w = try TinyModel.weights()
        let prefix = (0..<(KVCache.chunkSize + 5)).map { $0 % TinyModel.vocab }
        let ctx = InferenceContext(weights: w, capacity: 128)
        try ctx.evaluate(prefix)
        let fork = ctx.fork()
        let forkLogits = try fork.evaluate([9, 9])
        let after = try ctx.evaluate([9, 9])
        #expect(after == forkLogits)   // same computation on shared history
    }

    @Test func rollbackThenContinueEqualsAFreshRun() throws {
        let w = try TinyModel.weights()
        let ctx = InferenceContext(weights: w, capacity: 64)
        try ctx.evaluate(Array(tokens[..<4]))
        try ctx.evaluate(Array(tokens[4...]))
        ctx.rollback(to: 4)
        #expect(ctx.tokens == Array(tokens[..<4]))
        let resumed = try ctx.evaluate([11, 13])

        let fresh = InferenceContext(weights: w, capacity: 64)
        try fresh.evaluate(Array(tokens[..<4]))
        #expect(try fresh.evaluate([11, 13]) == resumed)
    }

    @Test func reusePrefixKeepsTheCommonPart() throws {
        let ctx = InferenceContext(weights: try TinyModel.weights(), capacity: 64)
        try ctx.evaluate([1, 2, 3, 4, 5])
        #expect(ctx.reusePrefix(of: [1, 2, 3, 9, 9]) == [9, 9])
        #expect(ctx.position == 3)
        #expect(ctx.reusePrefix(of: [1, 2, 3]) == [3])   // always leaves one token to evaluate
    }

    @Test func untiedOutputIsUsed() throws {
        let tied = try InferenceContext(weights: TinyModel.weights(tiedOutput: true), capacity: 16).evaluate([1, 2])
        let untied = try InferenceContext(weights: TinyModel.weights(tiedOutput: false), capacity: 16).evaluate([1, 2])
        #expect(tied != untied)
    }

    @Test func badInputsAreClearErrors() throws {
        let ctx = InferenceContext(weights: try TinyModel.weights(), capacity: 8)
        #expect(throws: EngineError.self) { try ctx.evaluate([]) }
        #expect(throws: EngineError.self) { try ctx.evaluate([TinyModel.vocab]) }
        #expect(throws: EngineError.self) { try ctx.evaluate(Array(repeating: 1, count: 9)) }
        do { try ctx.evaluate(Array(repeating: 1, count: 9)) } catch {
            #expect("\(error)".contains("the context holds 8 tokens but 9 are needed"))
        }
        #expect(ctx.position == 0)   // a refused call changes nothing
    }

    @Test func malformedModelsAreClearErrors() throws {
        let missing = TinyModel.image(arch: "llama", seed: 1, omit: "blk.1.ffn_up.weight")
        #expect(throws: (any Error).self) { try ModelWeights(file: GGUFFile(bytes: missing)) }
        do { _ = try ModelWeights(file: GGUFFile(bytes: missing)) } catch {
            #expect("\(error)" == "tensor 'blk.1.ffn_up.weight' is missing")
        }
        let unknown = TinyModel.image(arch: "mamba", seed: 1)
        do { _ = try ModelWeights(file: GGUFFile(bytes: unknown)) } catch {
            #expect("\(error)".contains("architecture 'mamba' is not supported"))
        }
    }
}

/// The fast kernels (quantized mat-muls and the C attention) against the scalar Swift references, whole forward.
struct KernelLevelTests {
    @Test(arguments: ["llama", "qwen2", "gemma3"])
    func fastKernelsMatchTheScalarReference(arch: String) throws {
        let w = try TinyModel.weights(arch: arch)
        let tokens = (0..<90).map { ($0 * 13) % TinyModel.vocab }   // past one KV chunk, so attention walks chunks
        let fast = InferenceContext(weights: w, capacity: 128, threads: 2)
        let slow = InferenceContext(weights: w, capacity: 128, threads: 2)
        slow.kernelLevel = .scalar
        let a = try fast.evaluate(tokens, logits: .all), b = try slow.evaluate(tokens, logits: .all)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "max |Δlogit| \(worst)")
        let a1 = try fast.evaluate([5]), b1 = try slow.evaluate([5])
        #expect((zip(a1, b1).map { abs($0 - $1) }.max() ?? 1) < 1e-3)
    }
}
