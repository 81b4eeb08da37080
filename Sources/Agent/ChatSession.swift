import Engine
import Tokenizers

/// One finished chat turn: what was said, and where it sits in the context.
public struct ChatTurn: Sendable {
    public var index: Int
    public var user: String
    public var reply: String
    public var result: GenerationResult
    /// Absolute token positions evaluated for this turn's prompt (the user's message and the template around it).
    public var promptPositions: Range<Int>
    /// Absolute token positions of the assistant's reply in the context, for readers of captured activations.
    public var replyPositions: Range<Int>
}

/// A conversation with a model: its messages and the sequence (KV cache) that holds them. It only talks to the
/// model; monitoring, policies and the log are the `TurnPipeline`'s, which calls `reply` once per turn.
///
/// Each turn re-renders the whole conversation with the chat template (`ChatEncoder`, the same rendering the
/// self-report forks use) and evaluates only the tokens past the longest reusable prefix already in the cache, so
/// the template stays the single source of truth for the format.
public final class ChatSession {
    public let model: any InferenceBackend
    public let encoder: ChatEncoder
    public let context: any InferenceSequence
    public private(set) var messages: [ChatMessage] = []
    public var system: String?
    public var sampling: SamplingParameters
    public var maxTokens: Int
    public private(set) var turnCount = 0

    public init(model: any InferenceBackend, context: any InferenceSequence, system: String? = nil,
                sampling: SamplingParameters = SamplingParameters(), maxTokens: Int = 512) throws {
        self.model = model
        encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        self.context = context
        self.system = system
        self.sampling = sampling
        self.maxTokens = maxTokens
    }

    public var template: ChatTemplate { encoder.template }

    /// Forgets the conversation (the system prompt stays).
    public func clear() {
        messages = []
        context.rollback(to: 0)
    }

    /// The conversation as the template renders it: the system prompt (if any) and the messages.
    public var renderedMessages: [ChatMessage] {
        (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + messages
    }

    /// Adds a note to the conversation as a system message (a policy's `tell`): the model reads it before the
    /// next user turn, and the transcript shows it as the monitor's.
    public func addNote(_ text: String) {
        messages.append(ChatMessage(role: "system", content: text))
    }

    /// Sends a user message and streams the reply through `onText`; records both. A cancelled reply is kept as
    /// far as it got.
    public func reply(to user: String, isCancelled: @escaping () -> Bool = { false },
                      onText: (String) -> Void = { _ in }) throws -> ChatTurn {
        let ids = try encoder.encode(renderedMessages + [ChatMessage(role: "user", content: user)])
        guard ids.count < context.capacity else {
            throw EngineError.contextFull(needed: ids.count + 1, capacity: context.capacity)
        }
        let remaining = context.reusePrefix(of: ids)
        var generator = Generator(parameters: sampling, maxTokens: maxTokens)
        generator.isCancelled = isCancelled
        let promptStart = context.position
        let start = promptStart + remaining.count
        let result = try generator.run(in: context, tokenizer: model.tokenizer, prompt: remaining, onText: onText)
        messages.append(ChatMessage(role: "user", content: user))
        messages.append(ChatMessage(role: "assistant", content: result.text))
        let turn = ChatTurn(index: turnCount, user: user, reply: result.text, result: result,
                            promptPositions: promptStart..<start, replyPositions: start..<(start + result.tokens.count))
        turnCount += 1
        return turn
    }
}
