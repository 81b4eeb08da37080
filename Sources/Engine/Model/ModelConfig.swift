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
    /// What an architecture adds to the plain llama block (all off by default; set by its `configure`):
    /// the embedding multiplied by this (gemma3: √hidden),
    public var embeddingScale: Float = 1
    /// sliding-window attention of this many positions (a token sees itself and the window − 1 before it) on the
    /// layers in `localLayers` (`A.attention.sliding_window`),
    public var slidingWindow: Int? = nil
    public var localLayers: Set<Int> = []
    /// the RoPE base of those local layers (gemma3: 10,000, against 1,000,000 on the global layers),
    public var ropeBaseLocal: Float? = nil
    /// the scale of q·k (default 1/√headDim),
    public var attentionScale: Float? = nil
    /// and a cap on the final logits, cap · tanh(logit / cap) (`A.final_logit_softcapping`).
    public var finalLogitSoftcap: Float? = nil

    /// Whether layer `l` attends through the sliding window, with the local RoPE base.
    @inline(__always) public func isLocal(_ l: Int) -> Bool { slidingWindow != nil && localLayers.contains(l) }

    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }

    /// The largest value each count or size may have, far above any released model and small enough that every
    /// product the engine forms from them (`qDim`, weight shapes, the KV cache) fits an `Int`. A file past one of
    /// these is damaged or not meant for this engine.
    public enum Limits {
        public static let layers = 4096
        public static let hiddenSize = 1 << 17
        public static let ffnSize = 1 << 20
        public static let heads = 1024
        public static let headDim = 8192
        /// For `qDim` and `kvDim`.
        public static let attentionWidth = 1 << 20
        public static let vocabulary = 1 << 24
        /// Fewer positions than this and there is no room for a chat template and a reply.
        public static let minContext = 16
        public static let maxContext = 1 << 24
        /// `layer_norm_rms_epsilon` is added to a mean of squares before its square root: released models use
        /// 1e-6 to 1e-5.
        public static let rmsEps: ClosedRange<Float> = Float.leastNormalMagnitude...0.01
    }

    /// Reads the config for `architecture` from the file, validating every value and the shapes against each other:
    /// each count within `Limits`, products checked for overflow, the head layout consistent with the hidden size,
    /// and the norm epsilon and RoPE base finite and positive. A file that fails is an `EngineError.badConfig`
    /// ("inconsistent model: …") naming the key, its value and what is allowed.
    public init(gguf: GGUFFile, architecture arch: any Architecture.Type) throws {
        let a = arch.name
        func int(_ key: String, max: Int, min: Int = 1) throws -> Int {
            let name = "\(a).\(key)"
            func outOfRange(_ v: some BinaryInteger) -> EngineError { .badConfig("\(name) is \(v); it must be \(min)-\(max)") }
            guard let value = gguf[name] else { throw GGUFError.missingKey(name) }
            if case .uint64(let u) = value, Int(exactly: u) == nil { throw outOfRange(u) }
            guard let v = value.int else { throw GGUFError.wrongKeyType(key: name, expected: "an integer", found: value.type) }
            guard v >= min, v <= max else { throw outOfRange(v) }
            return v
        }
        func optionalInt(_ key: String, max: Int, default d: Int) throws -> Int {
            gguf["\(a).\(key)"] == nil ? d : try int(key, max: max)
        }
        func float(_ key: String, default d: Float? = nil) throws -> Float {
            guard gguf["\(a).\(key)"] != nil || d == nil else { return d! }
            let v = try gguf.requireDouble("\(a).\(key)")
            let f = Float(v)
            guard f.isFinite else { throw EngineError.badConfig("\(a).\(key) is \(v); it must be a finite number") }
            return f
        }
        architecture = a
        layerCount = try int("block_count", max: Limits.layers)
        hiddenSize = try int("embedding_length", max: Limits.hiddenSize)
        ffnSize = try int("feed_forward_length", max: Limits.ffnSize)
        headCount = try int("attention.head_count", max: Limits.heads)
        kvHeadCount = try optionalInt("attention.head_count_kv", max: headCount, default: headCount)
        if gguf["\(a).attention.key_length"] == nil {
            guard hiddenSize % headCount == 0 else {
                throw EngineError.badConfig("embedding_length \(hiddenSize) is not a multiple of head_count \(headCount), and there is no attention.key_length to give the head size")
            }
            headDim = hiddenSize / headCount
        } else {
            headDim = try int("attention.key_length", max: Limits.headDim)
        }
        for (name, heads) in [("head_count", headCount), ("head_count_kv", kvHeadCount)] {
            let (width, overflow) = heads.multipliedReportingOverflow(by: headDim)
            guard !overflow, width <= Limits.attentionWidth else {
                throw EngineError.badConfig("\(name) \(heads) × key_length \(headDim) is more than \(Limits.attentionWidth) values per position")
            }
        }
        contextLength = try int("context_length", max: Limits.maxContext, min: Limits.minContext)
        rmsEps = try float("attention.layer_norm_rms_epsilon")
        guard Limits.rmsEps.contains(rmsEps) else {
            throw EngineError.badConfig("\(a).attention.layer_norm_rms_epsilon is \(rmsEps); it must be positive and at most \(Limits.rmsEps.upperBound)")
        }
        ropeBase = try float("rope.freq_base", default: 10000)
        guard ropeBase > 0 else { throw EngineError.badConfig("\(a).rope.freq_base is \(ropeBase); it must be positive") }
        ropeDim = try optionalInt("rope.dimension_count", max: headDim, default: headDim)
        ropeStyle = arch.ropeStyle
        let embd = try gguf.requireTensor("token_embd.weight")
        vocabSize = embd.rowCount
        guard embd.rowLength == hiddenSize else {
            throw EngineError.badConfig("token_embd.weight rows have \(embd.rowLength) elements, expected embedding_length \(hiddenSize)")
        }
        guard vocabSize <= Limits.vocabulary else {
            throw EngineError.badConfig("token_embd.weight has \(vocabSize) rows (tokens); at most \(Limits.vocabulary) are supported")
        }
        guard headCount % kvHeadCount == 0 else {
            throw EngineError.badConfig("head_count \(headCount) is not a multiple of head_count_kv \(kvHeadCount)")
        }
        guard ropeDim % 2 == 0 else {
            throw EngineError.badConfig("rope.dimension_count \(ropeDim) must be even and at most the head size \(headDim)")
        }
        try arch.configure(&self, gguf: gguf)
    }

    /// The optional metadata value `A.key` as a positive finite number, or nil when absent.
    public static func optionalPositive(_ gguf: GGUFFile, _ key: String) throws -> Float? {
        guard gguf[key] != nil else { return nil }
        let v = try gguf.requireDouble(key)
        guard v.isFinite, v > 0 else { throw EngineError.badConfig("\(key) is \(v); it must be a positive number") }
        return Float(v)
    }
}
