/// Everything that can stop a tokenizer or chat template from being built from a GGUF file.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A required `tokenizer.*` key is absent.
    case missingKey(String)
    /// A key holds the wrong kind of value.
    case wrongKeyType(key: String, expected: String)
    /// `tokenizer.ggml.model` names a tokenizer family we do not implement.
    case unsupportedModel(String, supported: [String])
    /// `tokenizer.ggml.pre` names a pre-tokenizer we do not implement.
    case unsupportedPreTokenizer(String, supported: [String])
    /// Two token ids share one text (llama.cpp refuses such a vocabulary too).
    case duplicateToken(String, first: Int, second: Int)
    /// `tokenizer.ggml.token_type` is shorter than the token list.
    case tokenTypeCount(types: Int, tokens: Int)
    /// `tokenizer.chat_template` is absent.
    case missingChatTemplate
    /// The chat template is of a family we cannot render.
    case unsupportedChatTemplate(family: String, supported: [String])
    /// A text longer than `Tokenizer.maxInputBytes`.
    case inputTooLong(bytes: Int, limit: Int)
    /// A pre-tokenizer word (a run with no break) longer than `Tokenizer.maxWordBytes`, starting at byte `offset`.
    case wordTooLong(bytes: Int, offset: Int, limit: Int)

    public var description: String {
        switch self {
        case .missingKey(let key):
            return "the GGUF file has no '\(key)': it carries no usable tokenizer"
        case .wrongKeyType(let key, let expected):
            return "'\(key)' should be \(expected)"
        case .unsupportedModel(let name, let supported):
            return "unsupported tokenizer model '\(name)' (tokenizer.ggml.model); supported: \(supported.joined(separator: ", "))"
        case .unsupportedPreTokenizer(let name, let supported):
            return "unsupported pre-tokenizer '\(name)' (tokenizer.ggml.pre); supported: \(supported.joined(separator: ", "))"
        case .duplicateToken(let text, let first, let second):
            return "duplicate token in vocabulary: '\(text)' has ids \(first) and \(second)"
        case .tokenTypeCount(let types, let tokens):
            return "tokenizer.ggml.token_type has \(types) entries but there are \(tokens) tokens"
        case .missingChatTemplate:
            return "the GGUF file has no 'tokenizer.chat_template' and its vocabulary has no known turn markers: choose one with --template \(ChatTemplate.supported.joined(separator: "|"))"
        case .unsupportedChatTemplate(let family, let supported):
            return "unsupported chat template \(family) (supported: \(supported.joined(separator: ", "))); if the model follows one of those, choose it with --template \(supported.joined(separator: "|"))"
        case .inputTooLong(let bytes, let limit):
            return "the text is \(bytes) bytes; the tokenizer takes at most \(limit) (\(limit >> 20) MiB) at once: shorten it"
        case .wordTooLong(let bytes, let offset, let limit):
            return "the text has a run of \(bytes) bytes with no word break at byte \(offset); the tokenizer takes at most \(limit) (\(limit >> 10) KiB) in one word: break it up with spaces or newlines"
        }
    }
}
