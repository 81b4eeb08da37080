import Foundation
import GGUF

/// The forward pass every architecture shares: embed, then each block as its architecture writes it
/// (`Architectures/*.swift`) with the hooks of "layer N" after it, then the final norm and the LM head. Reads top to
/// bottom like llama2.c's `forward`, on the named buffers of `Workspace` through `ForwardPass`.
extension InferenceContext {
    func forward(_ tokens: ArraySlice<Int>, logits request: LogitsRequest) {
        let c = config, w = weights, ws = ws
        let T = tokens.count, D = c.hiddenSize
        let start = cache.count
        let pass = ForwardPass(self, tokens: T, start: start)
        runBlocks(tokens, pass)

        // Final norm and LM head, for the positions asked for.
        let rows: Range<Int>
        switch request {
        case .none: logits = []; return
        case .last: rows = (T - 1)..<T
        case .all: rows = 0..<T
        }
        w.outputNorm.withUnsafeBufferPointer { norm in
            for (i, t) in rows.enumerated() { Ops.rmsnorm(ws.xb + i * D, ws.x + t * D, norm.baseAddress!, D, eps: c.rmsEps) }
        }
        var out = [Float](repeating: 0, count: rows.count * c.vocabSize)
        out.withUnsafeMutableBufferPointer {
            ForwardPass(self, tokens: rows.count, start: start).project(ws.xb, cols: D, (w.output, $0.baseAddress!))
            if let cap = c.finalLogitSoftcap { Ops.softcap($0.baseAddress!, $0.count, cap) }
        }
        logits = out
    }

    /// Embeds `tokens` into x, writes their keys and values to cache rows `pass.start…`, and runs every block with
    /// the hooks of "layer N" after it: x then holds the last layer's residual stream of each token.
    func runBlocks(_ tokens: ArraySlice<Int>, _ pass: ForwardPass) {
        let c = config, w = weights, ws = ws
        let D = c.hiddenSize, half = c.ropeDim / 2

        // Token embeddings → x (times the architecture's embedding scale: gemma3 √hidden).
        for (t, id) in tokens.enumerated() {
            dequantizeRow(w.tokenEmbedding.type, w.tokenEmbedding.data + id * w.tokenEmbedding.rowBytes, ws.x + t * D, count: D)
        }
        if c.embeddingScale != 1 { for i in 0..<(tokens.count * D) { ws.x[i] *= c.embeddingScale } }
        pass.hooks(.embedding, ws.x)

        cache.extend(to: pass.start + pass.T)
        // RoPE angles for this call's positions, shared by every head and layer. Computed in Double: the angle
        // position × base^(-2i/d) is large for late positions and float rounding there would shift the rotation.
        // The local layers' base has tables of its own (gemma3).
        var tables = [(ws.invFreq, ws.ropeCos, ws.ropeSin)]
        if let inv = ws.invFreqLocal, let cosL = ws.ropeCosLocal, let sinL = ws.ropeSinLocal { tables.append((inv, cosL, sinL)) }
        for (inv, cosTable, sinTable) in tables {
            for t in 0..<pass.T {
                let position = Double(pass.position(t))
                for i in 0..<half {
                    let theta = position * Double(inv[i])
                    cosTable[t * half + i] = Float(cos(theta))
                    sinTable[t * half + i] = Float(sin(theta))
                }
            }
        }

        for l in 0..<c.layerCount {
            w.architecture.block(l, w.layers[l], pass)
            pass.hooks(.layer(l), ws.x)
        }
    }
}
