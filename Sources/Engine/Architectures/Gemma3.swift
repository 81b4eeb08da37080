import Foundation
import GGUF

/// Gemma 3 (text). Facts from llama.cpp's gemma3 graph and hyper-parameter loader (commit 0c1e57098):
/// - the token embedding is multiplied by √hidden;
/// - RMSNorm everywhere (eps from the file). Gemma computes x · (1 + w), and llama.cpp's converter stores 1 + w in
///   the GGUF, so the stored weights are used as they are;
/// - RMSNorm of each query and key head (`attn_q_norm`, `attn_k_norm`, head-sized) before NeoX RoPE;
/// - q·k scaled by 1/√headDim, except 1/√(hidden / heads) for the 62-layer 27B model (`A.attention.scale`, when a
///   file gives one, wins);
/// - the attention and feed-forward outputs each RMS-normed (`post_attention_norm`, `post_ffw_norm`) before their
///   residual adds;
/// - a GELU (tanh approximation) gated feed-forward;
/// - sliding-window attention (`A.attention.sliding_window` positions) with RoPE base 10,000 on five layers of
///   every six; every sixth (index 5, 11, 17…) is global, with the file's RoPE base (10⁶). The period is
///   `A.attention.sliding_window_pattern` when a file gives one;
/// - the LM head tied to the embedding, and the final logits soft-capped when the file asks
///   (`A.final_logit_softcapping`; Gemma 3 files do not).
public enum Gemma3: Architecture {
    public static let name = "gemma3"
    public static let ropeStyle = RopeStyle.neox

    public static func configure(_ c: inout ModelConfig, gguf: GGUFFile) throws {
        let a = name
        c.embeddingScale = Float(c.hiddenSize).squareRoot()
        if gguf["\(a).attention.sliding_window"] != nil {
            guard let w = gguf["\(a).attention.sliding_window"]?.int, w > 0 else {
                throw EngineError.badConfig("\(a).attention.sliding_window must be a positive whole number")
            }
            var period = 6
            if gguf["\(a).attention.sliding_window_pattern"] != nil {
                guard let p = gguf["\(a).attention.sliding_window_pattern"]?.int, p > 0 else {
                    throw EngineError.badConfig("\(a).attention.sliding_window_pattern must be a positive whole number")
                }
                period = p
            }
            c.slidingWindow = w
            c.localLayers = Set((0..<c.layerCount).filter { $0 % period < period - 1 })
            c.ropeBaseLocal = 10_000
        }
        let defaultScale = c.layerCount == 62 ? 1 / (Float(c.hiddenSize) / Float(c.headCount)).squareRoot() : 1 / Float(c.headDim).squareRoot()
        c.attentionScale = try ModelConfig.optionalPositive(gguf, "\(a).attention.scale") ?? defaultScale
        c.finalLogitSoftcap = try ModelConfig.optionalPositive(gguf, "\(a).final_logit_softcapping")
    }

    public static func loadLayer(_ i: Int, from t: TensorLoader, config c: ModelConfig) throws -> LayerWeights {
        let p = "blk.\(i)."
        return LayerWeights(
            attnNorm: try t.vector(p + "attn_norm.weight", c.hiddenSize),
            attention: try AttentionWeights(t, layer: i, config: c, biases: false, headNorms: true),
            ffnNorm: try t.vector(p + "ffn_norm.weight", c.hiddenSize),
            ffn: try FeedForwardWeights(t, layer: i, config: c),
            postAttentionNorm: try t.vector(p + "post_attention_norm.weight", c.hiddenSize),
            postFFNNorm: try t.vector(p + "post_ffw_norm.weight", c.hiddenSize))
    }

    public static func block(_ l: Int, _ L: LayerWeights, _ p: ForwardPass) {
        // h = x + postnorm(attention(rmsnorm(x)))
        p.rmsNorm(L.attnNorm)
        p.attention(layer: l, L.attention)
        p.normalizeOutput(L.postAttentionNorm!)
        p.residualAdd(.attnOut(l))
        // out = h + postnorm(down(gelu(gate(rmsnorm(h))) * up(rmsnorm(h))))
        p.rmsNorm(L.ffnNorm)
        p.gatedFeedForward(L.ffn, .gelu)
        p.normalizeOutput(L.postFFNNorm!)
        p.residualAdd(.ffnOut(l))
    }
}
