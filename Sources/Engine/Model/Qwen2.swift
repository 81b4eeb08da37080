/// Qwen2 / Qwen2.5. Ported from llama.cpp's `src/models/qwen2.cpp`: as llama, but with biases on the Q, K and V
/// projections and NeoX RoPE (rotate halves); the 1.5B model has a separate `output.weight`.
extension Architectures {
    public static let qwen2 = ArchitectureSpec(name: "qwen2", ropeStyle: .neox, qkvBias: true, tiedOutputAllowed: true)
}
