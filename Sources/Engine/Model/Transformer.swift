import CKernels
import GGUF

/// The forward pass shared by every architecture; `ArchitectureSpec` switches the differences.
/// Reads top to bottom like the math (after llama2.c's `forward`), on the named buffers of `Workspace`.
extension InferenceContext {
    func forward(_ tokens: ArraySlice<Int>, logits request: LogitsRequest) {
        let c = config, w = weights, ws = ws
        let T = tokens.count
        let D = c.hiddenSize, hd = c.headDim, half = c.ropeDim / 2
        let start = cache.count
        let hooksOn = !hooks.isEmpty

        // Token embeddings → x.
        for (t, id) in tokens.enumerated() {
            dequantizeRow(w.tokenEmbedding.type, w.tokenEmbedding.data + id * w.tokenEmbedding.rowBytes, ws.x + t * D, count: D)
        }
        if hooksOn { applyHooks(.embedding, ws.x, tokens: T, start: start) }

        cache.extend(to: start + T)
        // RoPE angles for this call's positions, shared by every head and layer. Computed in Double: the angle
        // position × base^(-2i/d) is large for late positions and float rounding there would shift the rotation.
        for t in 0..<T {
            for i in 0..<half {
                let theta = Double(start + t) * Double(ws.invFreq[i])
                ws.ropeCos[t * half + i] = Float(_cos(theta))
                ws.ropeSin[t * half + i] = Float(_sin(theta))
            }
        }

        for l in 0..<c.layerCount {
            let L = w.layers[l]
            // Attention: x → xb = rmsnorm(x) → q, k, v.
            for t in 0..<T { L.attnNorm.withUnsafeBufferPointer { Ops.rmsnorm(ws.xb + t * D, ws.x + t * D, $0.baseAddress!, D, eps: c.rmsEps) } }
            ws.inputType = nil
            mul(L.wq, ws.xb, T, into: ws.q)
            mul(L.wk, ws.xb, T, into: ws.k)
            mul(L.wv, ws.xb, T, into: ws.v)
            if let bq = L.bq, let bk = L.bk, let bv = L.bv {
                for t in 0..<T {
                    bq.withUnsafeBufferPointer { Ops.axpy(ws.q + t * c.qDim, $0.baseAddress!, 1, c.qDim) }
                    bk.withUnsafeBufferPointer { Ops.axpy(ws.k + t * c.kvDim, $0.baseAddress!, 1, c.kvDim) }
                    bv.withUnsafeBufferPointer { Ops.axpy(ws.v + t * c.kvDim, $0.baseAddress!, 1, c.kvDim) }
                }
            }
            // RoPE on q and k, then k, v into the cache.
            for t in 0..<T {
                let cosT = ws.ropeCos + t * half, sinT = ws.ropeSin + t * half
                for h in 0..<c.headCount { Ops.rope(ws.q + t * c.qDim + h * hd, ropeDim: c.ropeDim, cos: cosT, sin: sinT, style: c.ropeStyle) }
                for h in 0..<c.kvHeadCount { Ops.rope(ws.k + t * c.kvDim + h * hd, ropeDim: c.ropeDim, cos: cosT, sin: sinT, style: c.ropeStyle) }
                cache.keyRow(layer: l, position: start + t).update(from: ws.k + t * c.kvDim, count: c.kvDim)
                cache.valueRow(layer: l, position: start + t).update(from: ws.v + t * c.kvDim, count: c.kvDim)
            }
            attention(layer: l, tokens: T, start: start)
            // Output projection; residual add.
            ws.inputType = nil
            mul(L.wo, ws.att, T, cols: c.qDim, into: ws.tmp)
            if hooksOn { applyHooks(.attnOut(l), ws.tmp, tokens: T, start: start) }
            Ops.axpy(ws.x, ws.tmp, 1, T * D)

            // Feed-forward: x → xb = rmsnorm(x) → down(silu(gate(xb)) * up(xb)); residual add.
            for t in 0..<T { L.ffnNorm.withUnsafeBufferPointer { Ops.rmsnorm(ws.xb + t * D, ws.x + t * D, $0.baseAddress!, D, eps: c.rmsEps) } }
            ws.inputType = nil
            mul(L.gate, ws.xb, T, into: ws.hb)
            mul(L.up, ws.xb, T, into: ws.hb2)
            Ops.swiglu(ws.hb, ws.hb2, T * c.ffnSize)
            ws.inputType = nil
            mul(L.down, ws.hb, T, cols: c.ffnSize, into: ws.tmp)
            if hooksOn { applyHooks(.ffnOut(l), ws.tmp, tokens: T, start: start) }
            Ops.axpy(ws.x, ws.tmp, 1, T * D)

            if hooksOn { applyHooks(.layer(l), ws.x, tokens: T, start: start) }
        }

        // Final norm and LM head, for the positions asked for.
        let rows: Range<Int>
        switch request {
        case .none: logits = []; return
        case .last: rows = (T - 1)..<T
        case .all: rows = 0..<T
        }
        for (i, t) in rows.enumerated() {
            w.outputNorm.withUnsafeBufferPointer { Ops.rmsnorm(ws.xb + i * D, ws.x + t * D, $0.baseAddress!, D, eps: c.rmsEps) }
        }
        let V = c.vocabSize
        var out = [Float](repeating: 0, count: rows.count * V)
        ws.inputType = nil
        out.withUnsafeMutableBufferPointer { mul(w.output, ws.xb, rows.count, into: $0.baseAddress!) }
        logits = out
    }

    /// out (tokens × w.rows) = input (tokens × cols) · wᵀ, rows split across the pool's threads.
    /// The input is quantized once per weight type and reused by consecutive products on the same input.
    @inline(__always)
    func mul(_ w: WeightMatrix, _ x: UnsafeMutablePointer<Float>, _ tokens: Int, cols: Int? = nil, into out: UnsafeMutablePointer<Float>) {
        let ws = ws
        let cols = cols ?? w.cols
        if ws.inputType != w.type {
            ws.input.quantize(x, tokens: tokens, cols: cols, rowStride: cols, for: w.type)
            ws.inputType = w.type
        }
        let input = ws.input
        let o = UncheckedBox(out)
        let level = kernelLevel
        pool.parallelRanges(w.rows, granule: 16) { r in
            matmul(w, input, rows: r, out: o.value, outStride: w.rows, level: level)
        }
    }

    /// Causal grouped-query attention for this call's tokens over everything in the cache; heads in parallel.
    func attention(layer l: Int, tokens T: Int, start: Int) {
        let c = config, ws = ws
        let hd = c.headDim, group = c.headCount / c.kvHeadCount
        let chunk = KVCache.chunkSize
        let chunkCount = (start + T + chunk - 1) / chunk
        for i in 0..<chunkCount {
            ws.keyChunks[i] = cache.keyRow(layer: l, position: i * chunk)
            ws.valueChunks[i] = cache.valueRow(layer: l, position: i * chunk)
        }
        let scale = 1 / Float(hd).squareRoot()
        let kvDim = c.kvDim, qDim = c.qDim, cap = ws.capacity
        if kernelLevel != .scalar {
            let level = Int32(kernelLevel.rawValue)
            let keys = UnsafeRawPointer(ws.keyChunks).assumingMemoryBound(to: UnsafePointer<Float>?.self)
            let values = UnsafeRawPointer(ws.valueChunks).assumingMemoryBound(to: UnsafePointer<Float>?.self)
            // One task per head (each owns its row of `scores`), its tokens in order.
            pool.parallel(c.headCount) { h in
                for t in 0..<T {
                    limbic_attention(level, ws.q + t * qDim + h * hd, Int64(hd), keys, values, Int64(chunk), Int64(kvDim),
                                     Int64((h / group) * hd), Int64(start + t + 1), scale, ws.scores + h * cap, ws.att + t * qDim + h * hd)
                }
            }
            return
        }
        // The scalar reference (kernelLevel .scalar), which the C kernel is tested against.
        pool.parallel(c.headCount) { h in
            let kvOffset = (h / group) * hd
            let scores = ws.scores + h * cap
            for t in 0..<T {
                let n = start + t + 1   // positions this token attends to
                let q = ws.q + t * qDim + h * hd
                for p in 0..<n {
                    let k = ws.keyChunks[p / chunk] + (p % chunk) * kvDim + kvOffset
                    scores[p] = Ops.dot(q, k, hd) * scale
                }
                Ops.softmax(scores, n)
                let out = ws.att + t * qDim + h * hd
                out.initialize(repeating: 0, count: hd)
                for p in 0..<n {
                    let v = ws.valueChunks[p / chunk] + (p % chunk) * kvDim + kvOffset
                    Ops.axpy(out, v, scores[p], hd)
                }
            }
        }
    }

    /// Steering, then capture, at one site for this call's rows.
    func applyHooks(_ site: HookSite, _ x: UnsafeMutablePointer<Float>, tokens T: Int, start: Int) {
        let D = config.hiddenSize
        let last = start + T - 1
        for s in hooks.steering where s.site == site {
            guard s.vector.count == D else { continue }   // validated when steering is attached
            for t in 0..<T where s.positions.contains(start + t, lastOfCall: last) {
                let row = x + t * D
                let before = s.normPreserving ? Ops.sumOfSquares(row, D).squareRoot() : 0
                s.vector.withUnsafeBufferPointer { Ops.axpy(row, $0.baseAddress!, s.strength, D) }
                if s.normPreserving {
                    let after = Ops.sumOfSquares(row, D).squareRoot()
                    if after > 0 { for i in 0..<D { row[i] *= before / after } }
                }
            }
        }
        if hooks.captures(site), let sink = hooks.sink {
            for t in 0..<T where hooks.capturePositions.contains(start + t, lastOfCall: last) {
                sink.receive(site: site, position: start + t, row: UnsafeBufferPointer(start: x + t * D, count: D))
            }
        }
    }
}

import Foundation
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Foundation.sin(x) }
