/// Llama (SmolLM2, Llama 3.x). Ported from llama.cpp's `src/models/llama.cpp`: RMSNorm, RoPE on adjacent pairs
/// (llama.cpp's converter permutes the Q/K rows so that "normal" RoPE is right for GGUF files), grouped-query
/// attention, SwiGLU feed-forward, LM head tied to the embedding when `output.weight` is absent.
extension Architectures {
    public static let llama = ArchitectureSpec(name: "llama", ropeStyle: .normal, qkvBias: false, tiedOutputAllowed: true)
}
