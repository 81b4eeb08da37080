import CKernels

/// One forward call's view of a context: the call's tokens (`T` of them, at absolute positions `start…`), the
/// named scratch buffers of the workspace, and the shared helpers that architectures write their blocks with
/// (`Architectures/*.swift`). Each helper reads and writes fixed buffers, as llama2.c's forward does:
///
/// | helper | reads | writes |
/// | --- | --- | --- |
/// | `rmsNorm(w)` | x | xb |
/// | `attention(layer:, w)` | xb, the KV cache | q, k, v, att, tmp; the cache at this call's rows |
/// | `gatedFeedForward(w, .silu / .gelu)` | xb | hb, hb2, tmp |
/// | `normalizeOutput(w)` | tmp | tmp |
/// | `residualAdd(site)` | tmp | x (after the hooks at `site` saw tmp) |
///
/// Every mat-mul goes through `project`, which quantizes its input once for the products it is given and keeps
/// nothing between calls, so no stale quantized input can ever be reused.
///
/// A call evaluates either a run of tokens that continue the sequence (token t at cache row and position
/// `start + t`, attending to every row before it), or a step of branches over a shared prefix (`branches`, see
/// `BranchStep`): token t is still written to cache row `start + t`, but its position (RoPE, steering) is its place
/// in its own branch after the prefix, and it attends to the prefix and its own branch's rows only.
public struct ForwardPass {
    let ctx: InferenceContext
    let ws: Workspace
    let config: ModelConfig
    /// Tokens in this call, and the cache row of the first (for a plain call also its position).
    public let T: Int
    public let start: Int
    /// Where each token sits when the call is a step of branches (nil: a plain call).
    let branches: BranchStep?
    let hooksOn: Bool

    init(_ ctx: InferenceContext, tokens: Int, start: Int, branches: BranchStep? = nil) {
        self.ctx = ctx
        ws = ctx.ws
        config = ctx.config
        T = tokens
        self.start = start
        self.branches = branches
        // Listeners never see branch tokens (only steering acts on them, and a `readBranches` sink reads them), so a
        // branch step runs hooks only for those.
        hooksOn = branches == nil ? !ctx.hooks.isEmpty : !ctx.hooks.steering.isEmpty || branches?.sink != nil
    }

    /// The position of this call's token t: what RoPE rotates by and what steering ranges select.
    @inline(__always) func position(_ t: Int) -> Int { branches?.positions[t] ?? start + t }

    // MARK: Named buffers (see `Workspace` for shapes)

    var x: UnsafeMutablePointer<Float> { ws.x }
    var xb: UnsafeMutablePointer<Float> { ws.xb }
    var tmp: UnsafeMutablePointer<Float> { ws.tmp }

    // MARK: Helpers

    /// xb = rmsnorm(x) · weight, per token.
    public func rmsNorm(_ weight: [Float]) {
        let D = config.hiddenSize
        weight.withUnsafeBufferPointer { w in
            for t in 0..<T { Ops.rmsnorm(ws.xb + t * D, ws.x + t * D, w.baseAddress!, D, eps: config.rmsEps) }
        }
    }

    /// Self-attention on xb into tmp: q, k, v projections (plus biases when the weights have them), RoPE, this
    /// call's keys and values into the cache, causal grouped-query attention over the cache, output projection.
    public func attention(layer l: Int, _ w: AttentionWeights) {
        let c = config
        project(ws.xb, cols: c.hiddenSize, (w.wq, ws.q), (w.wk, ws.k), (w.wv, ws.v))
        if let bq = w.bq, let bk = w.bk, let bv = w.bv {
            for t in 0..<T {
                bq.withUnsafeBufferPointer { Ops.axpy(ws.q + t * c.qDim, $0.baseAddress!, 1, c.qDim) }
                bk.withUnsafeBufferPointer { Ops.axpy(ws.k + t * c.kvDim, $0.baseAddress!, 1, c.kvDim) }
                bv.withUnsafeBufferPointer { Ops.axpy(ws.v + t * c.kvDim, $0.baseAddress!, 1, c.kvDim) }
            }
        }
        let hd = c.headDim, half = c.ropeDim / 2
        // gemma3: RMSNorm of each head of q and k.
        if let qn = w.qNorm, let kn = w.kNorm {
            qn.withUnsafeBufferPointer { g in
                for r in 0..<(T * c.headCount) { Ops.rmsnorm(ws.q + r * hd, ws.q + r * hd, g.baseAddress!, hd, eps: c.rmsEps) }
            }
            kn.withUnsafeBufferPointer { g in
                for r in 0..<(T * c.kvHeadCount) { Ops.rmsnorm(ws.k + r * hd, ws.k + r * hd, g.baseAddress!, hd, eps: c.rmsEps) }
            }
        }
        // RoPE on q and k (a local layer's own base when it has one), then k, v into the cache.
        let local = c.isLocal(l) && ws.ropeCosLocal != nil
        let cosTable = local ? ws.ropeCosLocal! : ws.ropeCos, sinTable = local ? ws.ropeSinLocal! : ws.ropeSin
        for t in 0..<T {
            let cosT = cosTable + t * half, sinT = sinTable + t * half
            for h in 0..<c.headCount { Ops.rope(ws.q + t * c.qDim + h * hd, ropeDim: c.ropeDim, cos: cosT, sin: sinT, style: c.ropeStyle) }
            for h in 0..<c.kvHeadCount { Ops.rope(ws.k + t * c.kvDim + h * hd, ropeDim: c.ropeDim, cos: cosT, sin: sinT, style: c.ropeStyle) }
            ctx.cache.keyRow(layer: l, position: start + t).update(from: ws.k + t * c.kvDim, count: c.kvDim)
            ctx.cache.valueRow(layer: l, position: start + t).update(from: ws.v + t * c.kvDim, count: c.kvDim)
        }
        attend(layer: l)
        project(ws.att, cols: c.qDim, (w.wo, ws.tmp))
    }

    /// The activation of a gated feed-forward.
    public enum Gate: Sendable {
        /// silu (SwiGLU: llama, qwen2).
        case silu
        /// GELU, tanh approximation (GEGLU: gemma3).
        case gelu
    }

    /// tmp = down(act(gate(xb)) · up(xb)), act as `gate` says.
    public func gatedFeedForward(_ w: FeedForwardWeights, _ activation: Gate) {
        let c = config
        project(ws.xb, cols: c.hiddenSize, (w.gate, ws.hb), (w.up, ws.hb2))
        // Element-wise, so split across the pool: one e^x per element, ~5% of a 2-thread prefill when run on one.
        let gate = UncheckedBox(ws.hb), up = UncheckedBox(ws.hb2)
        let level = ctx.kernelLevel
        ctx.pool.parallelRanges(T * c.ffnSize, granule: 64) { r in
            switch activation {
            case .silu where level > .scalar:
                limbic_swiglu(Int32(level.rawValue), gate.value + r.lowerBound, up.value + r.lowerBound, Int64(r.count))
            case .silu: Ops.swiglu(gate.value + r.lowerBound, up.value + r.lowerBound, r.count)
            case .gelu: Ops.geglu(gate.value + r.lowerBound, up.value + r.lowerBound, r.count)
            }
        }
        project(ws.hb, cols: c.ffnSize, (w.down, ws.tmp))
    }

    /// tmp = rmsnorm(tmp) · weight, per token: a sub-block's output normed before its residual add (gemma3).
    public func normalizeOutput(_ weight: [Float]) {
        let D = config.hiddenSize
        weight.withUnsafeBufferPointer { w in
            for t in 0..<T { Ops.rmsnorm(ws.tmp + t * D, ws.tmp + t * D, w.baseAddress!, D, eps: config.rmsEps) }
        }
    }

    /// The hooks at `site` see tmp (a sub-block's output), then x += tmp.
    public func residualAdd(_ site: HookSite) {
        hooks(site, ws.tmp)
        Ops.axpy(ws.x, ws.tmp, 1, T * config.hiddenSize)
    }

    /// Steering, then capture, at `site` for this call's rows of `rows` (hidden floats each).
    func hooks(_ site: HookSite, _ rows: UnsafeMutablePointer<Float>) {
        guard hooksOn else { return }
        let hooks = ctx.hooks
        let D = config.hiddenSize
        // `.last` selects the last token of the call, or of each branch (as if each were evaluated on its own fork).
        func lastOfCall(_ t: Int) -> Int {
            guard let b = branches else { return start + T - 1 }
            return b.endsBranch[t] ? b.positions[t] : -1
        }
        for s in hooks.steering where s.site == site {
            guard s.vector.count == D else { continue }   // validated when steering is attached
            for t in 0..<T where s.positions.contains(position(t), lastOfCall: lastOfCall(t)) {
                let row = rows + t * D
                let before = s.normPreserving ? Ops.sumOfSquares(row, D).squareRoot() : 0
                s.vector.withUnsafeBufferPointer { Ops.axpy(row, $0.baseAddress!, s.strength, D) }
                if s.normPreserving {
                    let after = Ops.sumOfSquares(row, D).squareRoot()
                    if after > 0 { for i in 0..<D { row[i] *= before / after } }
                }
            }
        }
        if let b = branches {
            if let sink = b.sink, case .layer(let l) = site {
                for t in 0..<T {
                    sink.receive(branch: b.owners[t], index: b.positions[t] - b.prefix, layer: l,
                                 row: UnsafeBufferPointer(start: rows + t * D, count: D))
                }
            }
            return
        }
        let last = start + T - 1
        for sub in hooks.subscriptions where sub.sites.contains(site) {
            for t in 0..<T where sub.positions.contains(start + t, lastOfCall: last) {
                sub.sink.receive(site: site, position: start + t, row: UnsafeBufferPointer(start: rows + t * D, count: D))
            }
        }
    }

    /// out_i (T × w_i.rows) = input (T × cols) · w_iᵀ for up to three products of the same input. The input is
    /// quantized once for the first weight type and again only when a later one reads another format; rows are
    /// split across the pool's threads.
    public func project(_ input: UnsafeMutablePointer<Float>, cols: Int, _ a: (WeightMatrix, UnsafeMutablePointer<Float>),
                        _ b: (WeightMatrix, UnsafeMutablePointer<Float>)? = nil, _ c: (WeightMatrix, UnsafeMutablePointer<Float>)? = nil) {
        project(input, cols: cols, a, first: true)
        if let b { project(input, cols: cols, b, first: false) }
        if let c { project(input, cols: cols, c, first: false) }
    }

    @inline(__always)
    private func project(_ x: UnsafeMutablePointer<Float>, cols: Int, _ product: (WeightMatrix, UnsafeMutablePointer<Float>), first: Bool) {
        let (w, out) = product
        let input = ws.input
        if first || !input.isQuantized(for: w.type) {
            input.quantize(x, tokens: T, cols: cols, rowStride: cols, for: w.type)
        }
        let o = UncheckedBox(out)
        let level = ctx.kernelLevel
        ctx.pool.parallelRanges(w.rows, granule: 16) { r in
            matmul(w, input, rows: r, out: o.value, outStride: w.rows, level: level)
        }
    }

    /// out (T × ids.count) = input (T × cols) · w[ids]ᵀ: only the chosen rows of `w` (e.g. the LM head for a few
    /// candidate tokens), each computed as `project` would compute it; rows split across the pool's threads.
    public func project(_ x: UnsafeMutablePointer<Float>, cols: Int, _ w: WeightMatrix, rows ids: [Int], out: UnsafeMutablePointer<Float>) {
        precondition(ids.allSatisfy { $0 >= 0 && $0 < w.rows }, "project: a row id outside 0..<\(w.rows)")
        let input = ws.input
        input.quantize(x, tokens: T, cols: cols, rowStride: cols, for: w.type)
        let o = UncheckedBox(out)
        let level = ctx.kernelLevel
        ctx.pool.parallelRanges(ids.count) { r in
            for k in r {
                let row = WeightMatrix(type: w.type, data: w.data + ids[k] * w.rowBytes, rows: 1, cols: w.cols)
                matmul(row, input, rows: 0..<1, out: o.value + k, outStride: ids.count, level: level)
            }
        }
    }

    /// Causal grouped-query attention of this call's queries (q) over the cache, into att; heads in parallel. Token
    /// t attends to rows 0...start + t except, in a branch step, the other branches' rows (`BranchStep.gap`), and
    /// on a sliding-window layer the rows more than `slidingWindow − 1` positions back.
    func attend(layer l: Int) {
        let c = config, ws = ws, cache = ctx.cache
        let hd = c.headDim, group = c.headCount / c.kvHeadCount
        let chunk = KVCache.chunkSize
        let chunkCount = (start + T + chunk - 1) / chunk
        for i in 0..<chunkCount {
            ws.keyChunks[i] = cache.keyRow(layer: l, position: i * chunk)
            ws.valueChunks[i] = cache.valueRow(layer: l, position: i * chunk)
        }
        let scale = c.attentionScale ?? 1 / Float(hd).squareRoot()
        let kvDim = c.kvDim, qDim = c.qDim, cap = ws.capacity
        let T = T, start = start, branches = branches
        let window = c.isLocal(l) ? c.slidingWindow : nil
        // The rows token t attends to: [lo, gap0) and [gap1, start + t + 1). A plain call skips none; a branch step
        // skips the other branches' rows; a sliding window also drops rows more than window − 1 positions back.
        // Prefix rows sit at their own positions, and a branch's rows follow the prefix in position order.
        @inline(__always) func span(_ t: Int) -> (lo: Int, gap0: Int, gap1: Int) {
            let (gap0, gap1) = branches?.gap(t) ?? (start + t + 1, start + t + 1)
            guard let window else { return (0, gap0, gap1) }
            let first = (branches?.positions[t] ?? start + t) - window + 1   // the earliest position seen
            if first <= gap0 { return (max(0, first), gap0, gap1) }
            return (gap0, gap0, gap1 + (first - gap0))
        }
        if ctx.kernelLevel != .scalar {
            let level = Int32(ctx.kernelLevel.rawValue)
            let keys = UnsafeRawPointer(ws.keyChunks).assumingMemoryBound(to: UnsafePointer<Float>?.self)
            let values = UnsafeRawPointer(ws.valueChunks).assumingMemoryBound(to: UnsafePointer<Float>?.self)
            let threads = ctx.pool.threadCount
            let block = Int(LIMBIC_MAX_GROUP) / group
            if branches == nil, window == nil, block >= 2, T >= 2 * threads {
                // Plain causal prefill: blocks of up to `block` consecutive tokens × the group's heads at once, so each
                // key and value row is read once per block (token b of a block sees one position more than b − 1);
                // blocks dealt to the threads in turn. The queries are gathered into scratch and the outputs
                // scattered back.
                let blockSize = min(block, 8)
                let blocks = (T + blockSize - 1) / blockSize
                let stripes = threads * c.kvHeadCount
                let width = group * hd
                ctx.pool.parallel(stripes) { task in
                    let kv = task % c.kvHeadCount, stripe = task / c.kvHeadCount
                    let rowsMax = blockSize * group
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: rowsMax * (start + T) + 2 * rowsMax * hd) { scratch in
                        withUnsafeTemporaryAllocation(of: Int64.self, capacity: rowsMax) { limits in
                            let scores = scratch.baseAddress!, qs = scores + rowsMax * (start + T), outs = qs + rowsMax * hd
                            var j = stripe
                            while j < blocks {
                                let t0 = j * blockSize, count = min(blockSize, T - t0)
                                for b in 0..<count {
                                    (qs + b * width).update(from: ws.q + (t0 + b) * qDim + kv * width, count: width)
                                    for h in 0..<group { limits[b * group + h] = Int64(start + t0 + b + 1) }
                                }
                                limbic_attention_block(level, qs, Int64(count * group), limits.baseAddress!, Int64(hd), keys,
                                                       values, Int64(chunk), Int64(kvDim), Int64(kv * hd),
                                                       Int64(start + t0 + count), scale, scores, outs)
                                for b in 0..<count {
                                    (ws.att + (t0 + b) * qDim + kv * width).update(from: outs + b * width, count: width)
                                }
                                j += threads
                            }
                        }
                    }
                }
                return
            }
            if group > 1, group <= Int(LIMBIC_MAX_GROUP), T >= 2 * threads {
                // Prefill: a group's heads together at each token (each key and value row read once for all of them),
                // tokens dealt to the threads in turn (causal rows grow with t, so striding balances them), each
                // thread with scratch of its own.
                let stripes = threads * c.kvHeadCount
                ctx.pool.parallel(stripes) { task in
                    let kv = task % c.kvHeadCount, stripe = task / c.kvHeadCount
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: group * (start + T)) { scratch in
                        var t = stripe
                        while t < T {
                            let (lo, gap0, gap1) = span(t)
                            let head = t * qDim + kv * group * hd
                            limbic_attention_group(level, ws.q + head, Int64(group), Int64(hd), keys, values, Int64(chunk),
                                                   Int64(kvDim), Int64(kv * hd), Int64(lo), Int64(gap0), Int64(gap1),
                                                   Int64(start + t + 1), scale, scratch.baseAddress!, ws.att + head)
                            t += threads
                        }
                    }
                }
                return
            }
            // One task per head (each owns its row of `scores`), its tokens in order.
            ctx.pool.parallel(c.headCount) { h in
                for t in 0..<T {
                    let (lo, gap0, gap1) = span(t)
                    limbic_attention(level, ws.q + t * qDim + h * hd, Int64(hd), keys, values, Int64(chunk), Int64(kvDim),
                                     Int64((h / group) * hd), Int64(lo), Int64(gap0), Int64(gap1), Int64(start + t + 1), scale,
                                     ws.scores + h * cap, ws.att + t * qDim + h * hd)
                }
            }
            return
        }
        // The scalar reference (kernelLevel .scalar), which the C kernel is tested against.
        ctx.pool.parallel(c.headCount) { h in
            let kvOffset = (h / group) * hd
            let scores = ws.scores + h * cap
            for t in 0..<T {
                let (lo, gap0, gap1) = span(t)
                let rows = Array(lo..<gap0) + Array(gap1..<(start + t + 1))   // the cache rows this token attends to
                let q = ws.q + t * qDim + h * hd
                for (i, p) in rows.enumerated() {
                    let k = ws.keyChunks[p / chunk] + (p % chunk) * kvDim + kvOffset
                    scores[i] = Ops.dot(q, k, hd) * scale
                }
                Ops.softmax(scores, rows.count)
                let out = ws.att + t * qDim + h * hd
                out.initialize(repeating: 0, count: hd)
                for (i, p) in rows.enumerated() {
                    let v = ws.valueChunks[p / chunk] + (p % chunk) * kvDim + kvOffset
                    Ops.axpy(out, v, scores[i], hd)
                }
            }
        }
    }
}
