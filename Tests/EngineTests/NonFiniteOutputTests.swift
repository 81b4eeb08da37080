import Foundation
import GGUF
import Testing
import TestSupport
@testable import Engine

/// A damaged model (a NaN or infinity in a weight) is a clear error on the first forward pass of a context, never
/// NaN logits and empty output; a damaged control vector is an error naming its file and tensor.
struct NonFiniteOutputTests {
    func model(_ poison: (tensor: String, index: Int, value: Float)? = nil, omit: String? = nil,
               edit: (inout GGUFWriter) -> Void = { _ in }) throws -> ModelWeights {
        try ModelWeights(file: GGUFFile(bytes: TinyModel.image(arch: "llama", seed: 7, omit: omit, poison: poison, edit: edit),
                                        name: "damaged.gguf"))
    }

    /// The error `body` throws, if it is `nonFiniteOutput`.
    func nonFinite(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> (logits: Bool, position: Int, message: String)? {
        do {
            try body()
            Issue.record("no error", sourceLocation: sourceLocation)
        } catch let e as EngineError {
            if case let .nonFiniteOutput(model, logits, position, _) = e {
                #expect(model == "damaged.gguf", sourceLocation: sourceLocation)
                return (logits, position, e.description)
            }
            Issue.record("unexpected \(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func aNaNInANormWeightIsAClearErrorOnTheFirstCall() throws {
        let ctx = InferenceContext(weights: try model(("blk.1.attn_norm.weight", 3, .nan)), capacity: 32)
        let e = nonFinite { try ctx.evaluate([1, 2, 3, 4]) }
        #expect(e?.logits == false && e?.position == 0)
        #expect(e?.message == "damaged.gguf gave NaN or infinite activations after the last layer on its first forward pass (position 0): the model file may be damaged — check it with 'limbic models verify' (registry models) or get a fresh copy")
        // Nothing of the failed call is kept.
        #expect(ctx.position == 0 && ctx.tokens.isEmpty)
    }

    /// A probe build reads passages with `readBranches`, which reads no logits: a damaged model is still an error
    /// there, naming the last position of the first branch that went bad, not NaN features.
    @Test func readingBranchesOfADamagedModelIsAClearError() throws {
        final class Ignore: BranchRowSink { func receive(branch: Int, index: Int, layer: Int, row: UnsafeBufferPointer<Float>) {} }
        let ctx = InferenceContext(weights: try model(("blk.1.attn_norm.weight", 3, .nan)), capacity: 32)
        let e = nonFinite { try ctx.readBranches([[1, 2, 3], [4, 5]], into: Ignore()) }
        #expect(e?.logits == false && e?.position == 2)
        #expect(ctx.position == 0)
        // A sound model reads without error.
        try InferenceContext(weights: try TinyModel.weights(), capacity: 32).readBranches([[1, 2, 3], [4, 5]], into: Ignore())
    }

    @Test func anInfinityOnlyInTheOutputNormShowsInTheFirstLogits() throws {
        let weights = try model(("output_norm.weight", 0, .infinity))
        // Prefill without logits is fine (the residual stream is sound); the first logits are not.
        let ctx = InferenceContext(weights: weights, capacity: 32)
        try ctx.evaluate([1, 2, 3], logits: .none)
        let e = nonFinite { try ctx.evaluate([4]) }
        #expect(e?.logits == true && e?.position == 3)
        #expect(ctx.position == 3)
        let all = InferenceContext(weights: weights, capacity: 32)
        #expect(nonFinite({ try all.evaluate([1, 2], logits: .all) })?.position == 0)
    }

    @Test func anInfiniteBlockScaleInAQuantizedWeightIsAClearError() throws {
        // ffn_down of layer 0 as Q8_0 (two 32-value blocks per 64-wide row), one block's f16 scale +Inf.
        let name = "blk.0.ffn_down.weight"
        var rng = SplitMix64(seed: 9)
        var bytes: [UInt8] = []
        for row in 0..<TinyModel.hidden {
            for block in 0..<(TinyModel.ffn / 32) {
                bytes += row == 5 && block == 1 ? [0x00, 0x7C] : [0x1F, 0x20]   // f16 +Inf, else ≈0.0079
                bytes += (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next() % 64) }
            }
        }
        let weights = try model(omit: name, edit: { $0.addTensor(name, dims: [TinyModel.ffn, TinyModel.hidden], type: .q8_0, bytes: bytes) })
        #expect(weights.layers[0].ffn.down.type == .q8_0)
        let ctx = InferenceContext(weights: weights, capacity: 32)
        #expect(nonFinite({ try ctx.evaluate([1, 2, 3]) })?.logits == false)
    }

    @Test func aSoundModelIsCheckedOnceAndForksInheritTheCheck() throws {
        let weights = try TinyModel.weights()
        let ctx = InferenceContext(weights: weights, capacity: 32)
        let logits = try ctx.evaluate([1, 2, 3])
        #expect(logits.allSatisfy { $0.isFinite })
        let fork = ctx.fork()
        #expect(try fork.evaluate([4]).count == TinyModel.vocab)
    }

    @Test func steeringInForceIsNamedAsAPossibleCause() throws {
        let ctx = InferenceContext(weights: try TinyModel.weights(), capacity: 32)
        ctx.hooks.steering = [Steering(site: .layer(0), vector: [Float](repeating: 1, count: TinyModel.hidden), strength: .infinity)]
        do {
            try ctx.evaluate([1, 2])
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("the steering in force may be too strong, or the model file may be damaged"))
        }
    }

    @Test func aControlVectorWithANaNOrInfinityIsRejectedNamingFileAndTensor() throws {
        for (value, what) in [(Float.nan, "a NaN"), (-Float.infinity, "an infinite value")] {
            var w = GGUFWriter()
            w.set("general.architecture", "controlvector")
            w.addTensor("direction.1", dims: [4], floats: [1, 0, 0, 0])
            w.addTensor("direction.2", dims: [4], floats: [0.5, 0.5, value, 0])
            do {
                _ = try ControlVector(file: GGUFFile(bytes: w.serialize(), name: "calm.gguf"))
                Issue.record("accepted \(value)")
            } catch {
                #expect("\(error)" == "bad steering vector: calm.gguf: tensor 'direction.2' has \(what) at index 2; the file is damaged — make or download it again")
            }
        }
    }
}
