import Foundation
import Tokenizers

/// Why generation stopped.
public enum StopReason: String, Sendable {
    /// The model produced an end-of-generation token (EOS or end of turn).
    case endOfGeneration = "eos"
    case maxTokens = "max_tokens"
    case cancelled
    /// The context filled up: the last sampled token was emitted but not evaluated (there is no position left).
    case contextFull = "context"
    /// The text so far met the caller's `stopWhen` (an agent's reply holds one complete action); the last token was
    /// emitted but not evaluated, as with an end-of-generation token.
    case stopCondition = "stop"
}

/// What one generation produced, with timings.
public struct GenerationResult: Sendable {
    public var tokens: [Int] = []
    public var text = ""
    public var stopReason = StopReason.maxTokens
    public var promptTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(tokens.count) / decodeSeconds : 0 }

    public init(tokens: [Int] = [], text: String = "", stopReason: StopReason = .maxTokens, promptTokens: Int = 0,
                prefillSeconds: Double = 0, decodeSeconds: Double = 0) {
        self.tokens = tokens
        self.text = text
        self.stopReason = stopReason
        self.promptTokens = promptTokens
        self.prefillSeconds = prefillSeconds
        self.decodeSeconds = decodeSeconds
    }
}

/// The decode loop: evaluate the prompt, then sample one token at a time, streaming text until end of generation,
/// `maxTokens`, cancellation or a full context.
public struct Generator {
    public var sampler: Sampler
    public var maxTokens: Int
    /// Polled before each token; return true to stop (Ctrl-C in chat).
    public var isCancelled: () -> Bool = { false }
    /// Checked on the text after each token; true ends the reply there (`StopReason.stopCondition`).
    public var stopWhen: ((String) -> Bool)?

    public init(parameters: SamplingParameters, maxTokens: Int) {
        sampler = Sampler(parameters)
        self.maxTokens = maxTokens
    }

    /// Evaluates `prompt` in `context` (after what the context already holds) and generates. `onText` receives
    /// complete UTF-8 text as it is decoded (partial multi-byte characters are held back).
    /// The end-of-generation token is not evaluated into the cache; callers that continue the conversation
    /// re-render it as part of the next prompt.
    public mutating func run(in context: any InferenceSequence, tokenizer: Tokenizer, prompt: [Int],
                             onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        var result = GenerationResult()
        result.promptTokens = prompt.count
        let t0 = Date()
        var logits = try context.evaluate(prompt)
        result.prefillSeconds = Date().timeIntervalSince(t0)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        let t1 = Date()
        while true {
            if result.tokens.count >= maxTokens { result.stopReason = .maxTokens; break }
            if isCancelled() { result.stopReason = .cancelled; break }
            let next = sampler.sample(logits, history: context.tokens)
            if tokenizer.isEndOfGeneration(next) { result.stopReason = .endOfGeneration; break }
            result.tokens.append(next)
            let piece = decoder.push(next)
            if !piece.isEmpty { result.text += piece; onText(piece) }
            if let stopWhen, !piece.isEmpty, stopWhen(result.text) { result.stopReason = .stopCondition; break }
            if context.position >= context.capacity { result.stopReason = .contextFull; break }
            logits = try context.evaluate([next])
        }
        let rest = decoder.flush()
        if !rest.isEmpty { result.text += rest; onText(rest) }
        result.decodeSeconds = Date().timeIntervalSince(t1)
        return result
    }
}
