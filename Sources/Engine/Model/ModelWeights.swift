import GGUF

/// The attention sub-block's projections (and, for qwen2, their biases).
public struct AttentionWeights: @unchecked Sendable {
    public var wq: WeightMatrix         // (qDim rows, hidden cols)
    public var wk: WeightMatrix         // (kvDim, hidden)
    public var wv: WeightMatrix         // (kvDim, hidden)
    public var wo: WeightMatrix         // (hidden, qDim)
    public var bq: [Float]?             // (qDim)  qwen2
    public var bk: [Float]?             // (kvDim) qwen2
    public var bv: [Float]?             // (kvDim) qwen2
    public var qNorm: [Float]?          // (headDim) gemma3: RMSNorm of each query head before RoPE
    public var kNorm: [Float]?          // (headDim) gemma3: and of each key head

    /// `blk.N.attn_{q,k,v,output}.weight`, `attn_{q,k,v}.bias` when `biases`, `attn_{q,k}_norm.weight` when
    /// `headNorms`.
    public init(_ t: TensorLoader, layer i: Int, config c: ModelConfig, biases: Bool, headNorms: Bool = false) throws {
        let p = "blk.\(i)."
        wq = try t.matrix(p + "attn_q.weight", rows: c.qDim, cols: c.hiddenSize)
        wk = try t.matrix(p + "attn_k.weight", rows: c.kvDim, cols: c.hiddenSize)
        wv = try t.matrix(p + "attn_v.weight", rows: c.kvDim, cols: c.hiddenSize)
        wo = try t.matrix(p + "attn_output.weight", rows: c.hiddenSize, cols: c.qDim)
        bq = biases ? try t.vector(p + "attn_q.bias", c.qDim) : nil
        bk = biases ? try t.vector(p + "attn_k.bias", c.kvDim) : nil
        bv = biases ? try t.vector(p + "attn_v.bias", c.kvDim) : nil
        qNorm = headNorms ? try t.vector(p + "attn_q_norm.weight", c.headDim) : nil
        kNorm = headNorms ? try t.vector(p + "attn_k_norm.weight", c.headDim) : nil
    }
}

/// A gated feed-forward sub-block: down(act(gate(x)) * up(x)).
public struct FeedForwardWeights: @unchecked Sendable {
    public var gate: WeightMatrix       // (ffn, hidden)
    public var up: WeightMatrix         // (ffn, hidden)
    public var down: WeightMatrix       // (hidden, ffn)

    /// `blk.N.ffn_{gate,up,down}.weight`.
    public init(_ t: TensorLoader, layer i: Int, config c: ModelConfig) throws {
        let p = "blk.\(i)."
        gate = try t.matrix(p + "ffn_gate.weight", rows: c.ffnSize, cols: c.hiddenSize)
        up = try t.matrix(p + "ffn_up.weight", rows: c.ffnSize, cols: c.hiddenSize)
        down = try t.matrix(p + "ffn_down.weight", rows: c.hiddenSize, cols: c.ffnSize)
    }
}

/// One block's weights, as the architectures of `Architectures.all` load them.
public struct LayerWeights: @unchecked Sendable {
    public var attnNorm: [Float]        // (hidden)
    public var attention: AttentionWeights
    public var ffnNorm: [Float]         // (hidden)
    public var ffn: FeedForwardWeights
    /// gemma3: RMSNorm of each sub-block's output before its residual add.
    public var postAttentionNorm: [Float]?  // (hidden)
    public var postFFNNorm: [Float]?        // (hidden)

    public init(attnNorm: [Float], attention: AttentionWeights, ffnNorm: [Float], ffn: FeedForwardWeights,
                postAttentionNorm: [Float]? = nil, postFFNNorm: [Float]? = nil) {
        self.attnNorm = attnNorm
        self.attention = attention
        self.ffnNorm = ffnNorm
        self.ffn = ffn
        self.postAttentionNorm = postAttentionNorm
        self.postFFNNorm = postFFNNorm
    }
}

/// All weights of a model, pointing into its `GGUFFile` (which this keeps alive).
public final class ModelWeights: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    public let architecture: any Architecture.Type
    public let tokenEmbedding: WeightMatrix   // (vocab rows, hidden cols)
    public let layers: [LayerWeights]
    public let outputNorm: [Float]            // (hidden)
    public let output: WeightMatrix           // (vocab, hidden); the embedding itself when tied
    /// The packed copies of the blocks' quantized matrices (empty on CPUs without AVX-512 VNNI).
    public let packed: PackedWeights

    public init(file: GGUFFile) throws {
        guard let archName = file.architecture else { throw GGUFError.missingKey("general.architecture") }
        let arch = try Architectures.named(archName)
        let c = try ModelConfig(gguf: file, architecture: arch)
        self.file = file
        self.architecture = arch
        self.config = c
        packed = PackedWeights()
        let t = TensorLoader(file: file, packs: packed)
        // The embedding is read by rows (token lookup, the self-report's answer logits), so it stays as in the file.
        tokenEmbedding = try t.matrix("token_embd.weight", rows: c.vocabSize, cols: c.hiddenSize, pack: false)
        layers = try (0..<c.layerCount).map { try arch.loadLayer($0, from: t, config: c) }
        outputNorm = try t.vector("output_norm.weight", c.hiddenSize)
        // No `output.weight`: the LM head is tied to the token embedding (llama.cpp does the same for every
        // architecture here).
        output = t.has("output.weight") ? try t.matrix("output.weight", rows: c.vocabSize, cols: c.hiddenSize, pack: false) : tokenEmbedding
    }
}
