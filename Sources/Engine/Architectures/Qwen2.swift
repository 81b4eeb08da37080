/// Qwen2 / Qwen2.5. Ported from llama.cpp's `src/models/qwen2.cpp`: the llama block, with biases on the Q, K and
/// V projections and NeoX RoPE (rotate halves); the 1.5B model has a separate `output.weight`.
public enum Qwen2: Architecture {
    public static let name = "qwen2"
    public static let ropeStyle = RopeStyle.neox

    public static func loadLayer(_ i: Int, from t: TensorLoader, config c: ModelConfig) throws -> LayerWeights {
        try Llama.loadLayer(i, from: t, config: c, qkvBiases: true)
    }

    /// Llama's block: qwen2 differs only in its weights (the biases, which `attention` adds when present) and
    /// its RoPE variant.
    public static func block(_ l: Int, _ L: LayerWeights, _ p: ForwardPass) {
        Llama.block(l, L, p)
    }
}
