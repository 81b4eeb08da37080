import GGUF

/// What GGUF's `tokenizer.ggml.token_type` says a token is (llama.cpp's `llama_token_type` numbering).
public enum TokenType: Int, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// llama.cpp's per-token attributes: the GGUF token type, plus what its load step adds by looking at token texts.
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt16
    static let undefined = TokenAttributes(rawValue: 1 << 0)
    static let unknown = TokenAttributes(rawValue: 1 << 1)
    static let unused = TokenAttributes(rawValue: 1 << 2)
    static let normal = TokenAttributes(rawValue: 1 << 3)
    static let control = TokenAttributes(rawValue: 1 << 4)
    static let userDefined = TokenAttributes(rawValue: 1 << 5)
    static let byte = TokenAttributes(rawValue: 1 << 6)

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init(_ type: TokenType) {
        switch type {
        case .undefined: self = .undefined
        case .normal: self = .normal
        case .unknown: self = .unknown
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .unused: self = .unused
        case .byte: self = .byte
        }
    }
}

/// The token list of a GGUF file and everything llama.cpp derives from it at load time: types, the text → id
/// index, the special token ids, and the set of ids that end generation.
struct Vocabulary: Sendable {
    let tokens: [String]
    let types: [TokenType]
    var attributes: [TokenAttributes]
    /// Token text (its UTF-8 bytes) → id. Keyed by bytes, not `String`: Swift compares strings by canonical
    /// equivalence, and large SentencePiece vocabularies (Gemma's) hold distinct tokens that are canonically
    /// equivalent spellings of one text (`ায়` as U+09BE U+09AF U+09BC and as U+09BE U+09DF), as llama.cpp's byte
    /// keys keep them apart.
    let idForBytes: [[UInt8]: Int]

    /// The id of the token whose text is exactly `text`, byte for byte.
    func id(_ text: String) -> Int? { idForBytes[Array(text.utf8)] }

    var bos: Int?
    var eos: Int?
    var eot: Int?
    var eom: Int?
    var unk: Int?
    var pad: Int?
    var addBOS: Bool
    var addEOS: Bool
    /// Ids that end generation (llama.cpp's `special_eog_ids`).
    var endOfGeneration: Set<Int> = []

    /// Reads `tokenizer.ggml.tokens`, `.token_type` and the special-token keys.
    /// `defaultAddBOS` is what the vocabulary family implies when the file does not say (llama3 and SentencePiece:
    /// true); `defaults` are llama.cpp's ids for a family whose file names none (used only when in range).
    init(gguf: GGUFFile, defaultAddBOS: Bool, defaults: (bos: Int?, eos: Int?, unk: Int?)) throws {
        guard let value = gguf["tokenizer.ggml.tokens"] else { throw TokenizerError.missingKey("tokenizer.ggml.tokens") }
        guard let tokens = value.strings else {
            throw TokenizerError.wrongKeyType(key: "tokenizer.ggml.tokens", expected: "an array of strings")
        }
        var types = [TokenType](repeating: .normal, count: tokens.count)
        if let t = gguf["tokenizer.ggml.token_type"] {
            guard let raw = t.ints else {
                throw TokenizerError.wrongKeyType(key: "tokenizer.ggml.token_type", expected: "an array of integers")
            }
            guard raw.count >= tokens.count else { throw TokenizerError.tokenTypeCount(types: raw.count, tokens: tokens.count) }
            for i in tokens.indices { types[i] = TokenType(rawValue: raw[i]) ?? .undefined }
        }
        var index = [[UInt8]: Int](minimumCapacity: tokens.count)
        var texts = tokens
        for i in texts.indices {
            // llama.cpp renames empty tokens so that each id keeps a distinct text.
            if texts[i].isEmpty { texts[i] = "[EMPTY_\(i)]" }
            if let first = index.updateValue(i, forKey: Array(texts[i].utf8)) {
                throw TokenizerError.duplicateToken(texts[i], first: first, second: i)
            }
        }
        self.tokens = texts
        self.types = types
        self.attributes = types.map(TokenAttributes.init)
        self.idForBytes = index

        func id(_ key: String) -> Int? {
            guard let v = gguf[key]?.int, v >= 0, v < texts.count else { return nil }
            return v
        }
        func fallback(_ d: Int?) -> Int? { d.flatMap { $0 < texts.count ? $0 : nil } }
        bos = id("tokenizer.ggml.bos_token_id") ?? fallback(defaults.bos)
        eos = id("tokenizer.ggml.eos_token_id") ?? fallback(defaults.eos)
        eot = id("tokenizer.ggml.eot_token_id")
        eom = id("tokenizer.ggml.eom_token_id")
        unk = id("tokenizer.ggml.unknown_token_id") ?? fallback(defaults.unk)
        pad = id("tokenizer.ggml.padding_token_id")
        addBOS = gguf["tokenizer.ggml.add_bos_token"]?.bool ?? defaultAddBOS
        addEOS = gguf["tokenizer.ggml.add_eos_token"]?.bool ?? false
        findSpecialsByText()
    }

    /// llama.cpp's load step finds end-of-turn and end-of-generation tokens by their text (the GGUF keys rarely say),
    /// and marks any it finds as control tokens so that they are parsed and printed as specials.
    private mutating func findSpecialsByText() {
        func firstPresent(_ texts: [String]) -> Int? {
            for t in texts { if let id = id(t) { return id } }
            return nil
        }
        // Why a priority order: llama.cpp takes whichever of these its hash map yields first; with both
        // `<|im_end|>` and `<|endoftext|>` present we want the end of a ChatML turn.
        let eotTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"]
        if eot == nil { eot = firstPresent(eotTexts) }
        if eom == nil { eom = id("<|eom_id|>") }
        let fim: [[String]] = [
            ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"],
            ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"],
            ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"],
        ]
        // FIM pad / repo / file-separator tokens also end generation in llama.cpp.
        let fimEnding: [[String]] = [
            ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
            ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
            ["<|file_sep|>"],
        ]
        var control = [eot, eom].compactMap { $0 }
        for group in fim { if let id = firstPresent(group) { control.append(id) } }
        var ending = Set<Int>()
        for group in fimEnding { if let id = firstPresent(group) { ending.insert(id) } }
        let endingTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                           "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                           "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                           "<｜end▁of▁sentence｜>", "[e~["]
        for text in endingTexts { if let id = id(text) { ending.insert(id) } }
        control.append(contentsOf: ending)
        for id in [eos, eot, eom].compactMap({ $0 }) { ending.insert(id) }
        endOfGeneration = ending
        for id in control { attributes[id].insert(.control) }
        // Control tokens named "…unused…" are placeholders (llama.cpp marks them unused as well).
        for id in tokens.indices where attributes[id].contains(.control) && tokens[id].contains("unused") {
            attributes[id].insert(.unused)
        }
    }

    var count: Int { tokens.count }
}
