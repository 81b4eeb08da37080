/// Llama (SmolLM2, Llama 3.x). Ported from llama.cpp's `src/models/llama.cpp`: RMSNorm, RoPE on adjacent pairs
/// (llama.cpp's converter permutes the Q/K rows so that "normal" RoPE is right for GGUF files), grouped-query
/// attention, SwiGLU feed-forward, LM head tied to the embedding when `output.weight` is absent.
public enum Llama: Architecture {
    public static let name = "llama"
    public static let ropeStyle = RopeStyle.normal

    public static func loadLayer(_ i: Int, from t: TensorLoader, config c: ModelConfig) throws -> LayerWeights {
        try loadLayer(i, from: t, config: c, qkvBiases: false)
    }

    /// The llama block's tensors, with or without `attn_{q,k,v}.bias` (qwen2 has them).
    static func loadLayer(_ i: Int, from t: TensorLoader, config c: ModelConfig, qkvBiases: Bool) throws -> LayerWeights {
        let p = "blk.\(i)."
        return LayerWeights(
            attnNorm: try t.vector(p + "attn_norm.weight", c.hiddenSize),
            attention: try AttentionWeights(t, layer: i, config: c, biases: qkvBiases),
            ffnNorm: try t.vector(p + "ffn_norm.weight", c.hiddenSize),
            ffn: try FeedForwardWeights(t, layer: i, config: c))
    }

    public static func block(_ l: Int, _ L: LayerWeights, _ p: ForwardPass) {
        // h = x + attention(rmsnorm(x))
        p.rmsNorm(L.attnNorm)
        p.attention(layer: l, L.attention)
        p.residualAdd(.attnOut(l))
        // out = h + down(silu(gate(rmsnorm(h))) * up(rmsnorm(h)))
        p.rmsNorm(L.ffnNorm)
        p.gatedFeedForward(L.ffn, .silu)
        p.residualAdd(.ffnOut(l))
    }
}
