import Foundation

// Several short continuations of one sequence evaluated as one batch: the per-emotion answers of a self-report,
// the option orders of a multiple-choice question. Evaluating each on its own fork reads every weight once per
// branch (and, for the logits, the whole LM head once per branch); here the weights are read once per step of up
// to `batch` tokens, as in a prefill.
//
// Layout: the sequence holds the shared prefix in cache rows 0..<P. The branches' tokens are written one branch
// after the other into rows P…, so branch b's token i sits in row P + offset(b) + i, but is evaluated at position
// P + i (RoPE and steering) and attends to rows 0..<P and to its own branch's rows up to itself: the rows of the
// branches before it are a gap in its causal mask (block-diagonal over the branches). That is exactly what token i
// sees when the branch is evaluated alone on a fork, in the same order of operations, so the logits agree to
// rounding. Afterwards the cache is rolled back to P: rows past it were never part of the sequence.

/// Where each token of one forward step of branches sits (see `ForwardPass`).
struct BranchStep {
    /// Length of the shared prefix: rows 0..<prefix are attended by every branch token.
    let prefix: Int
    /// Position of each token of the step (prefix + its index in its branch).
    let positions: [Int]
    /// Cache row where each token's branch starts.
    let branchStarts: [Int]
    /// Whether each token is its branch's last (steering's `.last` acts there, as at the end of a call on a fork).
    let endsBranch: [Bool]
    /// The branch (its index in the call) each token belongs to.
    let owners: [Int]
    /// Where each token's residual rows go at every layer's output (`readBranches`), if anywhere.
    let sink: (any BranchRowSink)?

    /// The cache rows token t skips: those of the branches laid out before its own.
    @inline(__always) func gap(_ t: Int) -> (Int, Int) { (prefix, branchStarts[t]) }
}

/// Receives the residual rows of branch tokens during `InferenceContext.readBranches`: a view into the engine's
/// scratch memory, valid only during the call (copy what you keep). No allocation happens per token.
public protocol BranchRowSink: AnyObject {
    /// Token `index` of branch `branch` (indices as given to `readBranches`), at the output of `layer`.
    func receive(branch: Int, index: Int, layer: Int, row: UnsafeBufferPointer<Float>)
}

/// What `evaluateBranches` returns for each branch: something about the next-token distribution after its last token.
public enum BranchReadout: Sendable, Equatable {
    /// The full vocabulary row of logits.
    case logits
    /// The logits of these token ids only, one list per branch: the LM head is computed for those rows alone, so
    /// this costs next to nothing, but says nothing about the rest of the vocabulary.
    case logitsOf([[Int]])
    /// The log-probabilities of these token ids under the whole next-token distribution, one list per branch: the
    /// full LM head row is computed for the normaliser (log Σ exp over the vocabulary), only these values returned.
    case logProbabilitiesOf([[Int]])

    var ids: [[Int]]? {
        switch self {
        case .logits: return nil
        case .logitsOf(let ids), .logProbabilitiesOf(let ids): return ids
        }
    }
}

extension InferenceContext {
    /// Evaluates `branches`, each a continuation of this sequence's tokens, as one batch, and returns for each branch
    /// what `readout` asks about the next token after its last one (ids in the order given). Each branch sees the
    /// sequence and its own tokens only, never another branch, so the result equals evaluating `branches[b]` on a
    /// fork (to rounding).
    ///
    /// The sequence is unchanged afterwards: position, tokens and the keys and values of 0..<position (rows past
    /// `position` are used as scratch, copy-on-write as any write is, so no fork sharing them is disturbed). Steering
    /// in force acts on branch tokens as in `evaluate` on a fork (`.last` on each branch's last token); capture
    /// listeners do not see them, since they are no part of the sequence. Branches are evaluated in even steps of at
    /// most the context's batch size; when together they do not fit in the context after the prefix, in groups that do.
    /// - Throws: `EngineError.badBranches` (an empty branch, or not one list of ids per branch), `tokenOutOfRange`,
    ///   `contextFull` (a branch longer than the room left), `nonFiniteOutput`.
    public func evaluateBranches(_ branches: [[Int]], readout: BranchReadout) throws -> [[Float]] {
        let prefix = position
        let logitIDs = readout.ids
        if let ids = logitIDs, ids.count != branches.count {
            throw EngineError.badBranches("\(branches.count) branches but \(ids.count) lists of logit ids: give one list per branch")
        }
        for t in (logitIDs ?? []).joined() where t < 0 || t >= config.vocabSize { throw EngineError.tokenOutOfRange(t, vocab: config.vocabSize) }
        let finals = try runBranches(branches, sink: nil)
        let out = readOut(finals, count: branches.count, readout)
        if !checkedActivations || !checkedLogits {
            for (b, row) in out.enumerated() where row.contains(where: { !$0.isFinite }) {
                let model = URL(fileURLWithPath: weights.file.path).lastPathComponent
                throw EngineError.nonFiniteOutput(model: model, logits: true, position: prefix + branches[b].count - 1,
                                                  steered: !hooks.steering.isEmpty)
            }
        }
        return out
    }

    /// Evaluates `branches` as `evaluateBranches` does (one batch, each branch seeing the cache and itself only) but
    /// reads no logits: every branch token's residual row at each layer's output goes to `sink` instead (capture
    /// listeners still see nothing). Texts read from an empty cache this way give the rows each would give alone,
    /// to rounding, with the weights read once per step of up to the batch size rather than once per text. The
    /// sequence is unchanged afterwards.
    /// - Throws: as `evaluateBranches`; `nonFiniteOutput` when, before this context has checked a call's residual
    ///   stream, a branch's last row is not finite (a damaged model).
    public func readBranches(_ branches: [[Int]], into sink: any BranchRowSink) throws {
        let prefix = position
        let finals = try runBranches(branches, sink: sink)
        guard !checkedActivations, let i = finals.firstIndex(where: { !$0.isFinite }) else { return }
        let b = i / config.hiddenSize
        throw EngineError.nonFiniteOutput(model: URL(fileURLWithPath: weights.file.path).lastPathComponent, logits: false,
                                          position: prefix + branches[b].count - 1, steered: !hooks.steering.isEmpty)
    }

    /// Checks `branches`, evaluates them in groups that fit, and returns each one's last residual row
    /// (branches × hidden); the cache is rolled back to where it was.
    private func runBranches(_ branches: [[Int]], sink: (any BranchRowSink)?) throws -> [Float] {
        let c = config, D = c.hiddenSize, prefix = position
        for (b, branch) in branches.enumerated() {
            guard !branch.isEmpty else { throw EngineError.badBranches("branch \(b) is empty: each branch needs at least one token") }
            for t in branch where t < 0 || t >= c.vocabSize { throw EngineError.tokenOutOfRange(t, vocab: c.vocabSize) }
            guard prefix + branch.count <= capacity else {
                throw EngineError.contextFull(needed: prefix + branch.count, capacity: capacity)
            }
        }
        defer { cache.rollback(to: prefix) }

        // The last layer's residual row of each branch's last token, (branches × hidden).
        var finals = [Float](repeating: 0, count: branches.count * D)
        var first = 0
        while first < branches.count {
            // A group: as many whole branches as fit after the prefix.
            var end = first, rows = 0
            while end < branches.count, prefix + rows + branches[end].count <= capacity { rows += branches[end].count; end += 1 }
            evaluateGroup(branches, first..<end, sink: sink, into: &finals)
            cache.rollback(to: prefix)
            first = end
        }
        return finals
    }

    /// Runs branches `group` (laid out one after the other from row `position`) in even steps, and
    /// copies each one's last residual row into `finals`.
    private func evaluateGroup(_ branches: [[Int]], _ group: Range<Int>, sink: (any BranchRowSink)?, into finals: inout [Float]) {
        let D = config.hiddenSize, prefix = position
        var tokens: [Int] = [], positions: [Int] = [], starts: [Int] = [], ends: [Bool] = [], owner: [Int] = []
        for b in group {
            let row = prefix + tokens.count
            for (i, t) in branches[b].enumerated() {
                tokens.append(t)
                positions.append(prefix + i)
                starts.append(row)
                ends.append(i == branches[b].count - 1)
                owner.append(b)
            }
        }
        let size = evenStep(tokens.count)
        var s = 0
        while s < tokens.count {
            let e = min(tokens.count, s + size)
            let step = BranchStep(prefix: prefix, positions: Array(positions[s..<e]), branchStarts: Array(starts[s..<e]),
                                  endsBranch: Array(ends[s..<e]), owners: Array(owner[s..<e]), sink: sink)
            runBlocks(tokens[s..<e], ForwardPass(self, tokens: e - s, start: prefix + s, branches: step))
            for t in s..<e where ends[t] {
                finals.withUnsafeMutableBufferPointer { f in
                    (f.baseAddress! + owner[t] * D).update(from: ws.x + (t - s) * D, count: D)
                }
            }
            s = e
        }
    }

    /// The logit lens (`InferenceSequence.lens`): `rows` holds whole residual rows.
    public func lens(_ rows: [Float], readout: BranchReadout) throws -> [[Float]] {
        let D = config.hiddenSize
        guard D > 0, rows.count % D == 0 else { throw EngineError.badBranches("the lens takes whole rows of \(D) values, not \(rows.count)") }
        let count = rows.count / D
        if let ids = readout.ids {
            guard ids.count == count else { throw EngineError.badBranches("\(ids.count) lists of ids for \(count) rows") }
            for id in ids.joined() where !(0..<config.vocabSize).contains(id) { throw EngineError.tokenOutOfRange(id, vocab: config.vocabSize) }
        }
        return count == 0 ? [] : readOut(rows, count: count, readout)
    }

    /// The final norm and LM head for `count` residual rows, in steps of the batch size, reduced as `readout` asks.
    private func readOut(_ finals: [Float], count: Int, _ readout: BranchReadout) -> [[Float]] {
        let c = config, w = weights, ws = ws, D = c.hiddenSize, V = c.vocabSize
        var out: [[Float]] = []
        var s = 0
        while s < count {
            let e = min(count, s + ws.batch), n = e - s
            finals.withUnsafeBufferPointer { f in
                w.outputNorm.withUnsafeBufferPointer { norm in
                    for i in 0..<n { Ops.rmsnorm(ws.xb + i * D, f.baseAddress! + (s + i) * D, norm.baseAddress!, D, eps: c.rmsEps) }
                }
            }
            let pass = ForwardPass(self, tokens: n, start: 0)
            if case .logitsOf(let ids) = readout {
                // One product for the union of this step's ids, then each branch picks its own.
                let union = Array(Set(ids[s..<e].joined())).sorted()
                var column: [Int: Int] = [:]
                for (k, id) in union.enumerated() { column[id] = k }
                var rows = [Float](repeating: 0, count: n * union.count)
                if !union.isEmpty {
                    rows.withUnsafeMutableBufferPointer {
                        pass.project(ws.xb, cols: D, w.output, rows: union, out: $0.baseAddress!)
                        if let cap = c.finalLogitSoftcap { Ops.softcap($0.baseAddress!, $0.count, cap) }
                    }
                }
                for i in 0..<n { out.append(ids[s + i].map { rows[i * union.count + column[$0]!] }) }
            } else {
                var rows = [Float](repeating: 0, count: n * V)
                rows.withUnsafeMutableBufferPointer {
                    pass.project(ws.xb, cols: D, (w.output, $0.baseAddress!))
                    if let cap = c.finalLogitSoftcap { Ops.softcap($0.baseAddress!, $0.count, cap) }
                }
                if case .logProbabilitiesOf(let ids) = readout {
                    // log Σ exp of each row as `Sampler.logSumExp` computes it (in Double), rows in parallel.
                    var lse = [Double](repeating: 0, count: n)
                    rows.withUnsafeBufferPointer { r in
                        lse.withUnsafeMutableBufferPointer { l in
                            let r = UncheckedBox(r), l = UncheckedBox(l)
                            pool.parallel(n) { i in l.value[i] = Sampler.logSumExp(r.value[(i * V)..<((i + 1) * V)]) }
                        }
                    }
                    for i in 0..<n { out.append(ids[s + i].map { Float(Double(rows[i * V + $0]) - lse[i]) }) }
                } else {
                    for i in 0..<n { out.append(Array(rows[(i * V)..<((i + 1) * V)])) }
                }
            }
            s = e
        }
        return out
    }
}
