import GGUF

/// How RoPE pairs up dimensions.
public enum RopeStyle: String, Sendable {
    /// Adjacent pairs (2i, 2i+1): llama as converted by llama.cpp (which permutes Q/K rows for it).
    case normal
    /// Halves (i, i + d/2): GPT-NeoX style, used by qwen2 and gemma3.
    case neox
}

/// The hyper-parameters of a transformer, read from GGUF metadata.
///
/// GGUF key ↔ field, with `A` the value of `general.architecture`:
/// | field | key |
/// | --- | --- |
/// | layerCount | `A.block_count` |
/// | hiddenSize | `A.embedding_length` |
/// | ffnSize | `A.feed_forward_length` |
/// | headCount | `A.attention.head_count` |
/// | kvHeadCount | `A.attention.head_count_kv` (default: headCount) |
/// | headDim | `A.attention.key_length` (default: hiddenSize / headCount) |
/// | contextLength | `A.context_length` |
/// | rmsEps | `A.attention.layer_norm_rms_epsilon` |
/// | ropeBase | `A.rope.freq_base` (default 10000) |
/// | ropeDim | `A.rope.dimension_count` (default: headDim) |
public struct ModelConfig: Sendable, Equatable {
    public var architecture: String
    public var layerCount: Int
    public var hiddenSize: Int
    public var ffnSize: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var vocabSize: Int
    public var contextLength: Int
    public var rmsEps: Float
    public var ropeBase: Float
    public var ropeDim: Int
    public var ropeStyle: RopeStyle

    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }

    /// Reads the config for `architecture` from the file, validating the shapes against each other.
    public init(gguf: GGUFFile, architecture arch: any Architecture.Type) throws {
        let a = arch.name
        func int(_ key: String) throws -> Int {
            let v = try gguf.requireInt("\(a).\(key)")
            guard v > 0 else { throw EngineError.badConfig("\(a).\(key) is \(v); it must be positive") }
            return v
        }
        architecture = a
        layerCount = try int("block_count")
        hiddenSize = try int("embedding_length")
        ffnSize = try int("feed_forward_length")
        headCount = try int("attention.head_count")
        kvHeadCount = gguf["\(a).attention.head_count_kv"] == nil ? headCount : try int("attention.head_count_kv")
        headDim = gguf["\(a).attention.key_length"] == nil ? hiddenSize / headCount : try int("attention.key_length")
        contextLength = try int("context_length")
        rmsEps = Float(try gguf.requireDouble("\(a).attention.layer_norm_rms_epsilon"))
        ropeBase = Float(gguf["\(a).rope.freq_base"]?.double ?? 10000)
        ropeDim = gguf["\(a).rope.dimension_count"] == nil ? headDim : try int("rope.dimension_count")
        ropeStyle = arch.ropeStyle
        let embd = try gguf.requireTensor("token_embd.weight")
        vocabSize = embd.rowCount
        guard embd.rowLength == hiddenSize else {
            throw EngineError.badConfig("token_embd.weight rows have \(embd.rowLength) elements, expected embedding_length \(hiddenSize)")
        }
        guard headCount % kvHeadCount == 0 else {
            throw EngineError.badConfig("head_count \(headCount) is not a multiple of head_count_kv \(kvHeadCount)")
        }
        guard ropeDim <= headDim, ropeDim % 2 == 0 else {
            throw EngineError.badConfig("rope.dimension_count \(ropeDim) must be even and at most the head size \(headDim)")
        }
    }
}
