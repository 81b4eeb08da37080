import GGUF
import Tokenizers

/// A model ready to run: the mapped file, its weights, tokenizer and chat template.
public final class LanguageModel: @unchecked Sendable {
    public let path: String
    public let file: GGUFFile
    public let weights: ModelWeights
    public let tokenizer: Tokenizer
    public var config: ModelConfig { weights.config }
    private var normsCache: [Float]?
    /// The chat template family to use instead of the detected one (`--template`).
    public var templateOverride: ChatTemplate?

    /// Opens a GGUF file and checks that every tensor the architecture needs is there with a supported type.
    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path, role: "model file"))
    }

    /// A model from an opened file (also one built in memory, for tests).
    public init(file: GGUFFile) throws {
        self.path = file.path
        self.file = file
        weights = try ModelWeights(file: file)
        tokenizer = try Tokenizer(gguf: file)
    }

    /// The chat template family: `templateOverride` when set, else detected from `tokenizer.chat_template` or the
    /// vocabulary's turn markers (throws for an unknown one, naming it and `--template`).
    public func chatTemplate() throws -> ChatTemplate {
        if let templateOverride { return templateOverride }
        if detectedTemplate == nil { detectedTemplate = Result { try ChatTemplate(gguf: file) } }
        return try detectedTemplate!.get()
    }
    /// The template detected from the file, once (a file without one is read through its whole vocabulary).
    private var detectedTemplate: Result<ChatTemplate, any Error>?

    /// Mean residual-stream norm per layer on ordinary text (measured once, on first use): the unit of relative
    /// steering strength. See `ResidualNorms`.
    public func meanResidualNorms() throws -> [Float] {
        if let n = normsCache { return n }
        let n = try ResidualNorms.measure(weights, tokenize: { try self.tokenizer.encode($0, addSpecial: true, parseSpecial: false) })
        normsCache = n
        return n
    }

    /// A fresh context (KV cache and scratch) of `capacity` tokens, default 4096 or the model's limit if smaller,
    /// evaluating up to `batch` tokens per forward step (default 64).
    public func makeContext(capacity: Int? = nil, threads: Int? = nil, batch: Int? = nil) -> InferenceContext {
        InferenceContext(weights: weights, capacity: capacity ?? min(4096, config.contextLength), threads: threads,
                         batch: batch ?? InferenceContext.defaultBatch)
    }
}
