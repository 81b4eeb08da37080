import Engine
import Tokenizers

/// One finished chat turn, handed to observers (the monitor, the session log) after the reply.
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

/// Something that runs after every turn (the monitor and policies plug in here).
public protocol TurnObserver: AnyObject {
    func turnFinished(_ turn: ChatTurn, session: ChatSession) throws
}

/// A conversation with a model: messages, the KV cache that holds them, and observers called after each turn.
///
/// Each turn re-renders the whole conversation with the chat template and evaluates only the tokens past the
/// longest prefix already in the cache, so the template stays the single source of truth for the format.
public final class ChatSession {
    public let model: LanguageModel
    public let template: ChatTemplate
    public let context: InferenceContext
    public private(set) var messages: [ChatMessage] = []
    public var system: String?
    public var sampling: SamplingParameters
    public var maxTokens: Int
    public var observers: [any TurnObserver] = []
    public private(set) var turnCount = 0

    public init(model: LanguageModel, context: InferenceContext, system: String? = nil,
                sampling: SamplingParameters = SamplingParameters(), maxTokens: Int = 512) throws {
        self.model = model
        self.template = try model.chatTemplate()
        self.context = context
        self.system = system
        self.sampling = sampling
        self.maxTokens = maxTokens
    }

    /// Forgets the conversation (the system prompt stays).
    public func clear() {
        messages = []
        context.rollback(to: 0)
    }

    /// The conversation as the template renders it: the system prompt (if any) and the messages.
    public var renderedMessages: [ChatMessage] {
        (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + messages
    }

    /// Sends a user message, streams the reply through `onText`, records it, and notifies the observers.
    /// A cancelled reply is kept as far as it got.
    @discardableResult
    public func send(_ user: String, isCancelled: @escaping () -> Bool = { false },
                     onText: (String) -> Void = { _ in }) throws -> ChatTurn {
        let prompt = template.render(renderedMessages + [ChatMessage(role: "user", content: user)], addGenerationPrompt: true)
        let ids = model.tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
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
        for o in observers { try o.turnFinished(turn, session: self) }
        return turn
    }
}
