import Testing
import TestSupport
@testable import Engine

/// `evaluateBranches`: several continuations of one sequence in one batch must give what each gives alone on a fork,
/// and leave the sequence as it was.
struct BranchTests {
    let prefix = [3, 17, 5, 22, 9, 31, 0, 12, 39, 4]
    /// Lengths 1 to 5, two branches sharing their first token (they must still not see each other).
    let branches = [[7], [1, 2, 3], [1, 8], [30, 31, 32, 33, 34], [6, 6]]

    func context(_ w: ModelWeights, capacity: Int = 64, batch: Int = 64, threads: Int = 2) throws -> InferenceContext {
        let ctx = InferenceContext(weights: w, capacity: capacity, threads: threads, batch: batch)
        try ctx.evaluate(prefix, logits: .none)
        return ctx
    }

    /// Each branch's last logits, evaluated alone on a fork of `ctx`.
    func alone(_ ctx: InferenceContext, _ branches: [[Int]]) throws -> [[Float]] {
        try branches.map { try ctx.fork().evaluate($0) }
    }

    func maxDiff(_ a: [[Float]], _ b: [[Float]]) -> Float {
        guard a.count == b.count, zip(a, b).allSatisfy({ $0.count == $1.count }) else { return .infinity }
        return zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    }

    /// gemma3's tiny model has a 4-position sliding window on layers 0 and 2, so the longer branches' last tokens
    /// see only part of the prefix, and the 5-token branch's last token not even its own first token.
    @Test(arguments: ["llama", "qwen2", "gemma3"])
    func branchesInOneBatchEqualForks(arch: String) throws {
        let w = try TinyModel.weights(arch: arch)
        let ctx = try context(w)
        let expected = try alone(ctx, branches)
        let batched = try ctx.evaluateBranches(branches, readout: .logits)
        #expect(maxDiff(batched, expected) < 1e-5, "max |Δlogit| \(maxDiff(batched, expected))")
    }

    @Test func readoutsAgreeWithTheFullRow() throws {
        let w = try TinyModel.weights(tiedOutput: false)
        let ctx = try context(w)
        let full = try ctx.evaluateBranches(branches, readout: .logits)
        let ids = [[0, 5, 39], [2], [], [7, 7, 1], [38, 0]]   // a repeated id, an empty list
        let some = try ctx.evaluateBranches(branches, readout: .logitsOf(ids))
        let logProbabilities = try ctx.evaluateBranches(branches, readout: .logProbabilitiesOf(ids))
        for b in branches.indices {
            #expect(some[b] == ids[b].map { full[b][$0] }, "branch \(b)")
            let lse = Sampler.logSumExp(full[b])
            for (k, id) in ids[b].enumerated() {
                #expect(abs(Double(logProbabilities[b][k]) - (Double(full[b][id]) - lse)) < 1e-5)
            }
        }
    }

    @Test func theSequenceIsUnchanged() throws {
        let w = try TinyModel.weights()
        let reference = try context(w)
        let ctx = try context(w)
        let listener = Rows()
        ctx.hooks.subscribe(listener, sites: [.embedding, .layer(0), .layer(2)])
        _ = try ctx.evaluateBranches(branches, readout: .logits)
        #expect(ctx.position == prefix.count && ctx.tokens == prefix)
        #expect(listener.rows.isEmpty, "listeners must not see branch tokens")
        let width = w.config.kvDim
        for l in 0..<w.config.layerCount {
            for p in 0..<prefix.count {
                #expect(Array(UnsafeBufferPointer(start: ctx.cache.keyRow(layer: l, position: p), count: width))
                        == Array(UnsafeBufferPointer(start: reference.cache.keyRow(layer: l, position: p), count: width)))
                #expect(Array(UnsafeBufferPointer(start: ctx.cache.valueRow(layer: l, position: p), count: width))
                        == Array(UnsafeBufferPointer(start: reference.cache.valueRow(layer: l, position: p), count: width)))
            }
        }
        // The sequence continues bit-identically, and its listener sees exactly the continuation.
        #expect(try ctx.evaluate([8, 2], logits: .all) == reference.evaluate([8, 2], logits: .all))
        #expect(Set(listener.rows[.layer(0)]!.keys) == [prefix.count, prefix.count + 1])
    }

    @Test func aForkSharingTheLastChunkIsNotDisturbed() throws {
        let w = try TinyModel.weights()
        let ctx = try context(w)
        let fork = ctx.fork()   // shares every chunk with ctx; the branches write past position into the shared one
        let before = try context(w).evaluate([5])
        _ = try fork.evaluateBranches(branches, readout: .logits)
        #expect(try ctx.evaluate([5]) == before)
        #expect(try fork.evaluate([5]) == before)
    }

    @Test(arguments: [KernelLevel.scalar, .best])
    func steeringActsOnBranchTokensAsOnAFork(level: KernelLevel) throws {
        let w = try TinyModel.weights()
        var rng = SplitMix64(seed: 9)
        let v = (0..<TinyModel.hidden).map { _ in Float(rng.next() % 1000) / 500 - 1 }
        let selectors: [PositionSelector] = [.all, .last, .range(11..<13)]   // .range: the 2nd and 3rd token of a branch
        for positions in selectors {
            let ctx = try context(w)
            ctx.kernelLevel = level
            ctx.hooks.steering = [Steering(site: .layer(1), vector: v, strength: 1.5, positions: positions)]
            let expected = try alone(ctx, branches)
            let batched = try ctx.evaluateBranches(branches, readout: .logits)
            #expect(maxDiff(batched, expected) < 1e-5, "\(positions): max |Δlogit| \(maxDiff(batched, expected))")
            ctx.hooks.steering = []
            #expect(maxDiff(try ctx.evaluateBranches(branches, readout: .logits), expected) > 1e-3, "\(positions) had no effect")
        }
    }

    @Test func stepsSmallerThanABranchAndGroupsThatFitTheContext() throws {
        let w = try TinyModel.weights()
        let long = (0..<9).map { ($0 * 5 + 1) % TinyModel.vocab }
        let all = branches + [long]
        let expected = try alone(try context(w), all)
        // Steps of 4 tokens: branches cross step boundaries, the long one spans three steps.
        #expect(maxDiff(try context(w, batch: 4).evaluateBranches(all, readout: .logits), expected) < 1e-5)
        // Room for 12 tokens after the prefix: 20 branch tokens go in groups, each branch whole.
        let tight = try context(w, capacity: prefix.count + 12)
        #expect(maxDiff(try tight.evaluateBranches(all, readout: .logits), expected) < 1e-5)
        #expect(tight.position == prefix.count)
        #expect(throws: EngineError.self) { try tight.evaluateBranches([long + long], readout: .logits) }
    }

    /// Rows by branch, index and layer, as `readBranches` hands them over.
    final class BranchRows: BranchRowSink {
        var rows: [[Int]: [Float]] = [:]
        func receive(branch: Int, index: Int, layer: Int, row: UnsafeBufferPointer<Float>) {
            rows[[branch, index, layer]] = Array(row)
        }
    }

    /// `readBranches` hands over every branch token's row at every layer, as a listener sees it when the branch is
    /// evaluated alone: after a prefix, and from an empty cache (how probe builds read passages), in steps that cut
    /// branches in two.
    @Test(arguments: ["llama", "qwen2", "gemma3"])
    func readBranchesGivesEachTokensRowsAsAlone(arch: String) throws {
        let w = try TinyModel.weights(arch: arch)
        let layers = Set((0..<w.config.layerCount).map { HookSite.layer($0) })
        for (start, batch) in [(prefix, 64), ([], 64), ([], 3)] {
            let ctx = InferenceContext(weights: w, capacity: 64, threads: 2, batch: batch)
            if !start.isEmpty { try ctx.evaluate(start, logits: .none) }
            let sink = BranchRows()
            try ctx.readBranches(branches, into: sink)
            #expect(ctx.position == start.count)
            #expect(sink.rows.count == branches.joined().count * w.config.layerCount)
            var worst: Float = 0
            for (b, branch) in branches.enumerated() {
                let fork = ctx.fork()
                let listener = Rows()
                fork.hooks.subscribe(listener, sites: layers)
                try fork.evaluate(branch, logits: .none)
                for l in 0..<w.config.layerCount {
                    for i in branch.indices {
                        guard let got = sink.rows[[b, i, l]], let want = listener.rows[.layer(l)]?[start.count + i] else {
                            Issue.record("branch \(b) token \(i) layer \(l): no row"); continue
                        }
                        worst = max(worst, zip(got, want).map { abs($0 - $1) }.max() ?? 0)
                    }
                }
            }
            #expect(worst < 1e-4, "\(arch), prefix \(start.count), batch \(batch): max |Δ| \(worst)")
        }
    }

    @Test func badBranchesAreClearErrors() throws {
        let ctx = try context(try TinyModel.weights())
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try ctx.evaluateBranches([[1], []], readout: .logits) }.contains("branch 1 is empty"))
        #expect(message { _ = try ctx.evaluateBranches([[1], [2]], readout: .logitsOf([[0]])) }.contains("2 branches but 1 lists"))
        #expect(message { _ = try ctx.evaluateBranches([[1, 40]], readout: .logits) }.contains("token id 40"))
        #expect(message { _ = try ctx.evaluateBranches([[1]], readout: .logProbabilitiesOf([[-1]])) }.contains("token id -1"))
        #expect(try ctx.evaluateBranches([], readout: .logits).isEmpty)
        #expect(ctx.position == prefix.count)
    }
}
