import GGUF
@testable import Engine

/// A tiny random transformer written as a GGUF image in memory: F32 weights, 3 layers, hidden 32, 4 query heads
/// over 2 KV heads of 8, vocabulary 40. Enough to exercise every code path of the forward pass in a debug build.
enum TinyModel {
    static let vocab = 40, hidden = 32, heads = 4, kvHeads = 2, headDim = 8, ffn = 64, layers = 3, context = 128

    static func weights(arch: String = "llama", seed: UInt64 = 7, tiedOutput: Bool = true) throws -> ModelWeights {
        try ModelWeights(file: GGUFFile(bytes: image(arch: arch, seed: seed, tiedOutput: tiedOutput), name: "tiny-\(arch)"))
    }

    static func image(arch: String, seed: UInt64, tiedOutput: Bool = true, omit: String? = nil) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        func random(_ n: Int, scale: Float) -> [Float] {
            (0..<n).map { _ in (Float(rng.next() >> 40) / Float(1 << 24) - 0.5) * 2 * scale }
        }
        var w = GGUFWriter()
        w.set("general.architecture", arch)
        w.set("\(arch).block_count", UInt32(layers))
        w.set("\(arch).embedding_length", UInt32(hidden))
        w.set("\(arch).feed_forward_length", UInt32(ffn))
        w.set("\(arch).attention.head_count", UInt32(heads))
        w.set("\(arch).attention.head_count_kv", UInt32(kvHeads))
        w.set("\(arch).context_length", UInt32(context))
        w.set("\(arch).attention.layer_norm_rms_epsilon", Float(1e-5))
        w.set("\(arch).rope.freq_base", Float(10000))
        func add(_ name: String, _ dims: [Int], scale: Float = 0.3, ones: Bool = false) {
            guard name != omit else { return }
            let n = dims.reduce(1, *)
            w.addTensor(name, dims: dims, floats: ones ? random(n, scale: 0.1).map { 1 + $0 } : random(n, scale: scale))
        }
        add("token_embd.weight", [hidden, vocab], scale: 1)
        for l in 0..<layers {
            let p = "blk.\(l)."
            add(p + "attn_norm.weight", [hidden], ones: true)
            add(p + "attn_q.weight", [hidden, heads * headDim])
            add(p + "attn_k.weight", [hidden, kvHeads * headDim])
            add(p + "attn_v.weight", [hidden, kvHeads * headDim])
            add(p + "attn_output.weight", [heads * headDim, hidden])
            if arch == "qwen2" {
                add(p + "attn_q.bias", [heads * headDim], scale: 0.1)
                add(p + "attn_k.bias", [kvHeads * headDim], scale: 0.1)
                add(p + "attn_v.bias", [kvHeads * headDim], scale: 0.1)
            }
            add(p + "ffn_norm.weight", [hidden], ones: true)
            add(p + "ffn_gate.weight", [hidden, ffn])
            add(p + "ffn_up.weight", [hidden, ffn])
            add(p + "ffn_down.weight", [ffn, hidden])
        }
        add("output_norm.weight", [hidden], ones: true)
        if !tiedOutput { add("output.weight", [hidden, vocab]) }
        return w.serialize()
    }
}

/// Keeps every captured row.
final class Rows: ActivationSink {
    var rows: [HookSite: [Int: [Float]]] = [:]
    func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>) {
        rows[site, default: [:]][position] = Array(row)
    }
}
