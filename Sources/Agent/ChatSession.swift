import Foundation
import Engine
import Tokenizers

/// One finished chat turn: what was said, and where it sits in the context.
public struct ChatTurn: Sendable {
    public var index: Int
    public var user: String
    public var reply: String
    public var result: GenerationResult
    /// Absolute token positions of this turn's prompt: the user's message and the template around it, up to where
    /// the reply starts.
    public var promptPositions: Range<Int>
    /// Absolute token positions of the assistant's reply that were evaluated into the context, for readers of
    /// captured activations. A reply cut off by a full context has one token more than this span: the last one
    /// was sampled but had no position left.
    public var replyPositions: Range<Int>
    /// Older messages dropped from the model's view before this turn to make room (0 almost always).
    public var droppedMessages = 0
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
    /// Ends a generated reply early once its text so far satisfies this (an agent's reply holds one whole action).
    public var stopWhen: ((String) -> Bool)?
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

    /// Replaces the text of the last assistant message with `text` (a person edited it), returning the old text;
    /// nil when there is no reply yet. The context catches up on the next turn: it is re-evaluated from the first
    /// token that differs, and readings there are taken again.
    @discardableResult public func replaceLastReply(with text: String) -> String? {
        guard let i = messages.lastIndex(where: { $0.role == "assistant" }) else { return nil }
        let old = messages[i].content
        messages[i] = ChatMessage(role: "assistant", content: text)
        return old
    }

    /// Puts back a conversation read from a session log (`limbic chat --resume`): its messages (system notes
    /// included) and how many turns it had, so turn numbers go on. Nothing is evaluated until the next turn.
    public func restore(messages: [ChatMessage], turns: Int) {
        self.messages = messages
        turnCount = turns
        context.rollback(to: 0)
    }

    /// Adds a note to the conversation as a system message (a policy's `tell`): the model reads it before the
    /// next user turn, and the transcript shows it as the monitor's.
    public func addNote(_ text: String) {
        messages.append(ChatMessage(role: "system", content: text))
    }

    /// Positions a reply is guaranteed before a turn starts: when the prompt would leave less, the oldest
    /// exchanges are dropped first (as llama-cli does when its context fills).
    public var replyRoom: Int { min(maxTokens, max(16, context.capacity / 4)) }

    /// Sends a user message and streams the reply through `onText`; records both. A cancelled reply is kept as
    /// far as it got, and so is a reply cut off by a full context (`stopReason == .contextFull`).
    ///
    /// When the conversation no longer leaves `replyRoom` positions, the oldest exchanges after the system prompt
    /// are dropped from the model's view (the caller's log keeps them) and the rest is evaluated again from where it
    /// first differs. Readings stay right: every position is read as it is evaluated, by absolute position, so the
    /// re-evaluated turns simply overwrite what was read there before, and this turn's spans are where its tokens
    /// are now. Throws `contextFull` only when the system prompt and this message alone do not fit.
    ///
    /// `forced` replaces generation with a given reply (a scripted agent, `limbic run --actions`): its tokens are
    /// evaluated after the prompt, so the monitor reads the model on them as on a reply it wrote.
    public func reply(to user: String, forced: String? = nil, isCancelled: @escaping () -> Bool = { false },
                      onText: (String) -> Void = { _ in }) throws -> ChatTurn {
        let message = ChatMessage(role: "user", content: user)
        var ids = try encoder.encode(renderedMessages + [message])
        var dropped = 0
        while ids.count + replyRoom > context.capacity, let end = messages.firstIndex(where: { $0.role == "assistant" }) {
            messages.removeSubrange(...end)
            dropped += end + 1
            ids = try encoder.encode(renderedMessages + [message])
        }
        guard ids.count < context.capacity else {
            throw EngineError.contextFull(needed: ids.count + 1, capacity: context.capacity)
        }
        // Where this turn's own tokens start: after everything the conversation so far renders to.
        let turnStart = commonPrefixLength(try encoder.encode(renderedMessages, addGenerationPrompt: false), ids)
        let remaining = context.reusePrefix(of: ids)
        let start = context.position + remaining.count
        let result: GenerationResult
        if let forced {
            let tokens = try model.tokenizer.encode(forced, addSpecial: false, parseSpecial: false)
            guard ids.count + tokens.count < context.capacity else {
                throw EngineError.contextFull(needed: ids.count + tokens.count + 1, capacity: context.capacity)
            }
            let t0 = Date()
            try context.evaluate(remaining + tokens, logits: .none)
            result = GenerationResult(tokens: tokens, text: forced, stopReason: .endOfGeneration, promptTokens: remaining.count,
                                      prefillSeconds: Date().timeIntervalSince(t0))
            onText(forced)
        } else {
            var generator = Generator(parameters: sampling, maxTokens: maxTokens)
            generator.isCancelled = isCancelled
            generator.stopWhen = stopWhen
            result = try generator.run(in: context, tokenizer: model.tokenizer, prompt: remaining, onText: onText)
        }
        messages.append(message)
        messages.append(ChatMessage(role: "assistant", content: result.text))
        var turn = ChatTurn(index: turnCount, user: user, reply: result.text, result: result,
                            promptPositions: min(turnStart, start)..<start,
                            replyPositions: start..<min(start + result.tokens.count, context.position))
        turn.droppedMessages = dropped
        turnCount += 1
        return turn
    }
}
