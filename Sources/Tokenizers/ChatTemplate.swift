import GGUF

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// "system", "user", "assistant" (or "tool" where the template knows it).
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}

/// A chat template family, recognised from the Jinja source in `tokenizer.chat_template` and rendered natively
/// (we do not run Jinja). The output is byte for byte what the model's own template produces for plain messages.
public enum ChatTemplate: Sendable, Equatable {
    /// `<|im_start|>role\ncontent<|im_end|>\n`, generation prompt `<|im_start|>assistant\n` (SmolLM2, Qwen2.5…).
    case chatml(ChatML)
    /// `<start_of_turn>user\ncontent<end_of_turn>\n`, the assistant's role written `model`, generation prompt
    /// `<start_of_turn>model\n` (Gemma 1-3). Gemma has no system role: the system prompt opens the first user turn,
    /// followed by a blank line. Contents are trimmed, as Gemma's template does; BOS is the tokenizer's.
    case gemma
    /// `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`, generation prompt
    /// `<|start_header_id|>assistant<|end_header_id|>\n\n` (Llama 3.x); `<|begin_of_text|>` is the tokenizer's BOS.
    /// Contents are trimmed, as the template does.
    case llama3

    /// Families we can render, by the names `--template` takes.
    public static let supported = ["chatml", "gemma", "llama3"]

    /// The family named `name` (`--template`), with ChatML's defaults (no default system prompt).
    public static func named(_ name: String) -> ChatTemplate? {
        switch name {
        case "chatml": return .chatml(ChatML())
        case "gemma": return .gemma
        case "llama3": return .llama3
        default: return nil
        }
    }

    /// The family's name, as `--template` takes it.
    public var name: String {
        switch self {
        case .chatml: return "chatml"
        case .gemma: return "gemma"
        case .llama3: return "llama3"
        }
    }

    /// What a ChatML template does beyond the basic turn format.
    public struct ChatML: Sendable, Equatable {
        /// The system prompt the template inserts when the conversation does not start with a system message
        /// (SmolLM2: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"; Qwen2.5: "You are
        /// Qwen, created by Alibaba Cloud. You are a helpful assistant.").
        public var defaultSystemPrompt: String?
        /// Whether that default appears even for an empty conversation. SmolLM2's template inserts it inside the
        /// message loop (`loop.first`), so it needs a first message; Qwen's writes it before the loop.
        public var defaultSystemWithoutMessages: Bool
        /// Qwen's template wraps "tool" messages as `<tool_response>` blocks inside a user turn.
        public var toolResponses: Bool

        public init(defaultSystemPrompt: String? = nil, defaultSystemWithoutMessages: Bool = false, toolResponses: Bool = false) {
            self.defaultSystemPrompt = defaultSystemPrompt
            self.defaultSystemWithoutMessages = defaultSystemWithoutMessages
            self.toolResponses = toolResponses
        }
    }

    /// Recognises the family of a Jinja chat template.
    public init(template: String) throws {
        if template.contains("<|im_start|>") {
            let system = Self.literalSystemPrompt(in: template)
            self = .chatml(ChatML(defaultSystemPrompt: system,
                                  defaultSystemWithoutMessages: system != nil && !template.contains("loop.first and messages[0]"),
                                  toolResponses: template.contains("<tool_response>")))
        } else if template.contains("<start_of_turn>") {
            self = .gemma
        } else if template.contains("<|start_header_id|>") {
            self = .llama3
        } else if template.contains("[INST]") {
            throw TokenizerError.unsupportedChatTemplate(family: "llama2/mistral ([INST])", supported: Self.supported)
        } else {
            let head = template.prefix(60).replacingOccurrences(of: "\n", with: " ")
            throw TokenizerError.unsupportedChatTemplate(family: "\"\(head)…\"", supported: Self.supported)
        }
    }

    /// The template of a GGUF file: from `tokenizer.chat_template`, or, when the file has none (a base model such as
    /// Gemma 3 270M), from the turn markers its vocabulary holds (`<start_of_turn>`, `<|start_header_id|>`,
    /// `<|im_start|>`). A file with neither is `missingChatTemplate`.
    public init(gguf: GGUFFile) throws {
        if let template = gguf["tokenizer.chat_template"]?.string {
            try self.init(template: template)
            return
        }
        // One pass over the token texts for the six markers (a set of all 262k of Gemma's took half a second).
        let markers: Set<String> = ["<start_of_turn>", "<end_of_turn>", "<|start_header_id|>", "<|eot_id|>", "<|im_start|>", "<|im_end|>"]
        var tokens = Set<String>()
        if case .array(.string, let items)? = gguf["tokenizer.ggml.tokens"] {
            for item in items { if let t = item.string, t.utf8.count <= 19, markers.contains(t) { tokens.insert(t) } }
        }
        if tokens.contains("<start_of_turn>") && tokens.contains("<end_of_turn>") { self = .gemma }
        else if tokens.contains("<|start_header_id|>") && tokens.contains("<|eot_id|>") { self = .llama3 }
        else if tokens.contains("<|im_start|>") && tokens.contains("<|im_end|>") { self = .chatml(ChatML()) }
        else { throw TokenizerError.missingChatTemplate }
    }

    /// The prompt text for `messages`; with `addGenerationPrompt`, ends with the opening of an assistant turn.
    /// Encode it with `parseSpecial: true` so the turn markers become their single tokens.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        switch self {
        case .chatml(let options):
            return Self.renderChatML(messages, addGenerationPrompt: addGenerationPrompt, options)
        case .gemma:
            return Self.renderGemma(messages, addGenerationPrompt: addGenerationPrompt)
        case .llama3:
            var out = ""
            for m in messages {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(Self.trimmed(m.content))<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
            return out
        }
    }

    /// Gemma's turns: system text folded into the next user turn, as llama.cpp renders it (until a user turn comes,
    /// the system prompt renders to nothing).
    private static func renderGemma(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = "", system = ""
        for m in messages {
            if m.role == "system" {
                system += trimmed(m.content)
                continue
            }
            let role = m.role == "assistant" ? "model" : m.role
            out += "<start_of_turn>\(role)\n"
            if !system.isEmpty && role != "model" {
                out += system + "\n\n"
                system = ""
            }
            out += trimmed(m.content) + "<end_of_turn>\n"
        }
        if addGenerationPrompt { out += "<start_of_turn>model\n" }
        return out
    }

    /// Jinja's `trim`: leading and trailing whitespace removed.
    static func trimmed(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }

    private static func renderChatML(_ messages: [ChatMessage], addGenerationPrompt: Bool, _ o: ChatML) -> String {
        var out = ""
        if let system = o.defaultSystemPrompt, messages.first?.role != "system",
           !messages.isEmpty || o.defaultSystemWithoutMessages {
            out += "<|im_start|>system\n\(system)<|im_end|>\n"
        }
        for (i, m) in messages.enumerated() {
            if o.toolResponses && m.role == "tool" {
                // Consecutive tool results share one user turn.
                if i == 0 || messages[i - 1].role != "tool" { out += "<|im_start|>user" }
                out += "\n<tool_response>\n\(m.content)\n</tool_response>"
                if i == messages.count - 1 || messages[i + 1].role != "tool" { out += "<|im_end|>\n" }
            } else {
                out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n"
            }
        }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    /// The literal default system prompt a ChatML template writes, if it has one: the first
    /// `<|im_start|>system` + newline + text + `<|im_end|>` whose text is a plain string literal (no quotes, no
    /// Jinja), with Jinja string escapes undone.
    static func literalSystemPrompt(in template: String) -> String? {
        var rest = Substring(template)
        while let start = rest.range(of: "<|im_start|>system") {
            rest = rest[start.upperBound...]
            var body = rest
            if body.hasPrefix("\\n") { body = body.dropFirst(2) } else if body.hasPrefix("\n") { body = body.dropFirst() } else { continue }
            guard let end = body.range(of: "<|im_end|>") else { return nil }
            let text = body[..<end.lowerBound]
            if text.isEmpty || text.contains("'") || text.contains("\"") || text.contains("{") || text.contains("}") { continue }
            return unescapeJinja(String(text))
        }
        return nil
    }

    private static func unescapeJinja(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var escaping = false
        for c in s {
            if escaping {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// A conversation as the model reads it: rendered by the chat template, then encoded with special tokens parsed
/// (and BOS where the vocabulary adds one). The one place a conversation becomes tokens, for the chat itself and
/// for every question asked on a fork of it (self-reports, the lab), so both see the same tokens.
public struct ChatEncoder: Sendable {
    public let template: ChatTemplate
    public let tokenizer: Tokenizer

    public init(template: ChatTemplate, tokenizer: Tokenizer) {
        self.template = template
        self.tokenizer = tokenizer
    }

    /// `messages` as token ids; with `addGenerationPrompt`, ending where the assistant's next turn begins.
    public func encode(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> [Int] {
        try tokenizer.encode(template.render(messages, addGenerationPrompt: addGenerationPrompt), addSpecial: true, parseSpecial: true)
    }
}
