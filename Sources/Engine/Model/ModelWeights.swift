import GGUF

/// One block's weights. Matrices stay quantized inside the file mapping; norms and biases are small f32 copies.
public struct LayerWeights: @unchecked Sendable {
    public var attnNorm: [Float]        // (hidden)
    public var wq: WeightMatrix         // (qDim rows, hidden cols)
    public var wk: WeightMatrix         // (kvDim, hidden)
    public var wv: WeightMatrix         // (kvDim, hidden)
    public var wo: WeightMatrix         // (hidden, qDim)
    public var bq: [Float]?             // (qDim)  qwen2
    public var bk: [Float]?             // (kvDim) qwen2
    public var bv: [Float]?             // (kvDim) qwen2
    public var ffnNorm: [Float]         // (hidden)
    public var gate: WeightMatrix       // (ffn, hidden)
    public var up: WeightMatrix         // (ffn, hidden)
    public var down: WeightMatrix       // (hidden, ffn)
}

/// All weights of a model, pointing into its `GGUFFile` (which this keeps alive).
public final class ModelWeights: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    public let arch: ArchitectureSpec
    public let tokenEmbedding: WeightMatrix   // (vocab rows, hidden cols)
    public let layers: [LayerWeights]
    public let outputNorm: [Float]            // (hidden)
    public let output: WeightMatrix           // (vocab, hidden); the embedding itself when tied

    public init(file: GGUFFile) throws {
        guard let archName = file.architecture else { throw GGUFError.missingKey("general.architecture") }
        let arch = try Architectures.spec(archName)
        let c = try ModelConfig(gguf: file, arch: arch)
        self.file = file
        self.arch = arch
        self.config = c

        func matrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
            let t = try file.requireTensor(name)
            guard t.dims == [cols, rows] else { throw EngineError.badTensorShape(tensor: name, dims: t.dims, expected: [cols, rows]) }
            guard supportsDot(t.type) else { throw EngineError.unsupportedTensorType(tensor: name, type: t.type) }
            return WeightMatrix(type: t.type, data: file.data(for: t).baseAddress!, rows: rows, cols: cols)
        }
        func vector(_ name: String, _ n: Int) throws -> [Float] {
            let t = try file.requireTensor(name)
            guard t.elementCount == n else { throw EngineError.badTensorShape(tensor: name, dims: t.dims, expected: [n]) }
            guard supportsDot(t.type) else { throw EngineError.unsupportedTensorType(tensor: name, type: t.type) }
            var out = [Float](repeating: 0, count: n)
            out.withUnsafeMutableBufferPointer { dequantizeRow(t.type, file.data(for: t).baseAddress!, $0.baseAddress!, count: n) }
            return out
        }

        tokenEmbedding = try matrix("token_embd.weight", rows: c.vocabSize, cols: c.hiddenSize)
        var layers: [LayerWeights] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            layers.append(LayerWeights(
                attnNorm: try vector(p + "attn_norm.weight", c.hiddenSize),
                wq: try matrix(p + "attn_q.weight", rows: c.qDim, cols: c.hiddenSize),
                wk: try matrix(p + "attn_k.weight", rows: c.kvDim, cols: c.hiddenSize),
                wv: try matrix(p + "attn_v.weight", rows: c.kvDim, cols: c.hiddenSize),
                wo: try matrix(p + "attn_output.weight", rows: c.hiddenSize, cols: c.qDim),
                bq: arch.qkvBias ? try vector(p + "attn_q.bias", c.qDim) : nil,
                bk: arch.qkvBias ? try vector(p + "attn_k.bias", c.kvDim) : nil,
                bv: arch.qkvBias ? try vector(p + "attn_v.bias", c.kvDim) : nil,
                ffnNorm: try vector(p + "ffn_norm.weight", c.hiddenSize),
                gate: try matrix(p + "ffn_gate.weight", rows: c.ffnSize, cols: c.hiddenSize),
                up: try matrix(p + "ffn_up.weight", rows: c.ffnSize, cols: c.hiddenSize),
                down: try matrix(p + "ffn_down.weight", rows: c.hiddenSize, cols: c.ffnSize)))
        }
        self.layers = layers
        outputNorm = try vector("output_norm.weight", c.hiddenSize)
        if file.tensor(named: "output.weight") != nil {
            output = try matrix("output.weight", rows: c.vocabSize, cols: c.hiddenSize)
        } else {
            output = tokenEmbedding
        }
    }
}
