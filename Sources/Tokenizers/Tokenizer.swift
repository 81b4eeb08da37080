import Foundation
import GGUF

/// A tokenizer built from a GGUF file's vocabulary, giving the same token ids as llama.cpp's `llama_tokenize` and
/// the same pieces as its `llama_token_to_piece`, for the two vocabulary families of the models people run locally:
/// byte-level BPE (`tokenizer.ggml.model == "gpt2"`: SmolLM2, Qwen2.5, Llama 3) and SentencePiece-style
/// (`"llama"`: Gemma, Llama 2, Mistral).
///
/// The pipeline, one file per stage: special-token partition (`SpecialTokens.swift`) → for BPE, pre-tokenizer
/// (`PreTokenizer.swift`) and byte-level BPE per word (`BytePairEncoder.swift`, `ByteLevel.swift`); for
/// SentencePiece, score-ordered merges over each fragment (`SentencePiece.swift`) → and back, `Detokenizer.swift`.
/// Thread-safe: encoding shares only a locked cache of words already seen.
public final class Tokenizer: Sendable {
    let vocabulary: Vocabulary
    let model: Model
    let specials: SpecialTokenMatcher
    let pieces: PieceTable
    private let cache = WordCache()

    /// How text between special tokens becomes ids.
    enum Model: Sendable {
        case bytePair(PreTokenizer, BytePairEncoder)
        case sentencePiece(SentencePieceEncoder)
    }

    public static let supportedModels = ["gpt2", "llama"]

    public init(gguf: GGUFFile) throws {
        guard let model = gguf["tokenizer.ggml.model"] else { throw TokenizerError.missingKey("tokenizer.ggml.model") }
        guard let modelName = model.string else {
            throw TokenizerError.wrongKeyType(key: "tokenizer.ggml.model", expected: "a string")
        }
        guard Self.supportedModels.contains(modelName) else {
            throw TokenizerError.unsupportedModel(modelName, supported: Self.supportedModels)
        }
        if modelName == "llama" {
            // SentencePiece: llama.cpp's defaults for such a vocabulary are BOS 1, EOS 2, unknown 0, BOS added, and a
            // space prefix; Gemma's file overrides the ids and turns the prefix off.
            let vocabulary = try Vocabulary(gguf: gguf, defaultAddBOS: true, defaults: (bos: 1, eos: 2, unk: 0))
            guard let scoreValue = gguf["tokenizer.ggml.scores"] else { throw TokenizerError.missingKey("tokenizer.ggml.scores") }
            guard let scores = scoreValue.floats, scores.count >= vocabulary.count else {
                throw TokenizerError.wrongKeyType(key: "tokenizer.ggml.scores", expected: "an array of \(vocabulary.count) numbers, one per token")
            }
            let prefix = gguf["tokenizer.ggml.add_space_prefix"]?.bool ?? true
            self.vocabulary = vocabulary
            self.model = .sentencePiece(SentencePieceEncoder(vocabulary: vocabulary, scores: scores, addSpacePrefix: prefix))
            self.specials = SpecialTokenMatcher(vocabulary: vocabulary)
            self.pieces = PieceTable(vocabulary: vocabulary, sentencePiece: true)
            return
        }
        // llama.cpp falls back to a "default" regex when the key is absent, warning that quality degrades; we
        // would rather say so plainly.
        guard let pre = gguf["tokenizer.ggml.pre"] else { throw TokenizerError.missingKey("tokenizer.ggml.pre") }
        guard let preName = pre.string else { throw TokenizerError.wrongKeyType(key: "tokenizer.ggml.pre", expected: "a string") }
        let preTokenizer = try PreTokenizer(name: preName)
        guard let mergeValue = gguf["tokenizer.ggml.merges"] else { throw TokenizerError.missingKey("tokenizer.ggml.merges") }
        guard let merges = mergeValue.strings else {
            throw TokenizerError.wrongKeyType(key: "tokenizer.ggml.merges", expected: "an array of strings")
        }
        // llama3 vocabularies add BOS unless the file says otherwise, and take a word that is a token whole.
        let isLlama3 = preTokenizer.kind == .llama3
        // Why 11: llama.cpp's defaults for a "gpt2" vocabulary whose file names no BOS/EOS.
        let vocabulary = try Vocabulary(gguf: gguf, defaultAddBOS: isLlama3, defaults: (bos: 11, eos: 11, unk: nil))
        self.vocabulary = vocabulary
        self.model = .bytePair(preTokenizer, BytePairEncoder(vocabulary: vocabulary, merges: merges, ignoreMerges: isLlama3))
        self.specials = SpecialTokenMatcher(vocabulary: vocabulary)
        self.pieces = PieceTable(vocabulary: vocabulary, sentencePiece: false)
    }

    // MARK: Vocabulary

    public var vocabularySize: Int { vocabulary.count }
    public var bos: Int? { vocabulary.bos }
    public var eos: Int? { vocabulary.eos }
    /// End of turn: `tokenizer.ggml.eot_token_id`, or found by text (`<|im_end|>` for ChatML models).
    public var endOfTurn: Int? { vocabulary.eot }
    public var unknown: Int? { vocabulary.unk }
    public var padding: Int? { vocabulary.pad }
    /// Whether `encode(addSpecial: true)` puts BOS first (`tokenizer.ggml.add_bos_token`).
    public var addsBOS: Bool { vocabulary.addBOS }
    /// Whether `encode(addSpecial: true)` puts EOS last (`tokenizer.ggml.add_eos_token`).
    public var addsEOS: Bool { vocabulary.addEOS }
    /// The `tokenizer.ggml.pre` value in use ("none" for SentencePiece, which has no pre-tokenizer).
    public var preTokenizerName: String {
        if case .bytePair(let pre, _) = model { return pre.name }
        return "none"
    }

    /// Whether this is a SentencePiece-style vocabulary (`tokenizer.ggml.model == "llama"`).
    public var isSentencePiece: Bool {
        if case .sentencePiece = model { return true }
        return false
    }

    /// Whether generation should stop at `id`: EOS, end of turn, and the other ids llama.cpp treats as
    /// end-of-generation (`<|endoftext|>`, FIM pad/repo/file separators…).
    public func isEndOfGeneration(_ id: Int) -> Bool { vocabulary.endOfGeneration.contains(id) }

    /// All end-of-generation ids, sorted.
    public var endOfGenerationIDs: [Int] { vocabulary.endOfGeneration.sorted() }

    /// The id of the token whose text is exactly `text` (in vocabulary spelling for normal tokens: "Ġthe"),
    /// e.g. `tokenID("<|im_start|>")`.
    public func tokenID(_ text: String) -> Int? { vocabulary.id(text) }

    /// The token's text as stored in the vocabulary.
    public func tokenText(_ id: Int) -> String? { id >= 0 && id < vocabulary.count ? vocabulary.tokens[id] : nil }

    /// The token's type as the GGUF file gives it.
    public func tokenType(_ id: Int) -> TokenType? { id >= 0 && id < vocabulary.count ? vocabulary.types[id] : nil }

    /// Whether `id` is a control token (including tokens llama.cpp promotes to control, such as end of turn).
    public func isControl(_ id: Int) -> Bool {
        id >= 0 && id < vocabulary.count && vocabulary.attributes[id].contains(.control)
    }

    // MARK: Encoding

    /// The most UTF-8 bytes one `encode` call takes (16 MiB): far more than any context holds, and a bound on the
    /// memory tokenizing takes (about 20 bytes per input byte).
    public static let maxInputBytes = 16 << 20
    /// The longest pre-tokenizer word BPE is run on (64 KiB). BPE works on a whole word at once, with about 64
    /// bytes of scratch per byte and a heap of its pairs; a word this long never occurs in text (it would be a run
    /// of 65,536 letters, spaces or symbols with no break), and 50 MB of one letter took 37 s and 3.2 GB before
    /// this limit.
    public static let maxWordBytes = 64 << 10
    /// The longest text between special tokens SentencePiece encodes in one piece (1 MiB; it has no pre-tokenizer,
    /// and Gemma's newlines are tokens of their own, so this is a line there): about 100 bytes of scratch per byte.
    public static let maxFragmentBytes = 1 << 20

    /// Token ids for `text`.
    /// - Parameters:
    ///   - addSpecial: add BOS / EOS where the model asks for them (`add_bos_token`, `add_eos_token`).
    ///   - parseSpecial: read special-token texts such as `<|im_start|>` in `text` as those single tokens; when
    ///     false they are tokenized as ordinary text (user-defined tokens are still matched, as in llama.cpp).
    /// - Throws: `TokenizerError.inputTooLong` past `maxInputBytes`, `TokenizerError.wordTooLong` for a word past
    ///   `maxWordBytes` (before that word's BPE).
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) throws -> [Int] {
        guard text.utf8.count <= Self.maxInputBytes else {
            throw TokenizerError.inputTooLong(bytes: text.utf8.count, limit: Self.maxInputBytes)
        }
        let bytes = Array(text.utf8)
        var out = [Int]()
        out.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && vocabulary.addBOS, let bos = vocabulary.bos { out.append(bos) }
        var work = EncodeScratch()
        var afterSpecial = true
        for fragment in specials.partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                out.append(id)
                afterSpecial = true
            case .text(let range):
                switch model {
                case let .bytePair(pre, bpe): try encodeText(bytes, range, pre, bpe, into: &out, &work)
                case .sentencePiece(let spm):
                    guard range.count <= Self.maxFragmentBytes else {
                        throw TokenizerError.wordTooLong(bytes: range.count, offset: range.lowerBound, limit: Self.maxFragmentBytes)
                    }
                    spm.encode(bytes, range, afterSpecial: afterSpecial, into: &out)
                }
                afterSpecial = false
            }
        }
        if addSpecial && vocabulary.addEOS, let eos = vocabulary.eos { out.append(eos) }
        return out
    }

    /// The words the pre-tokenizer makes of `text` (no special-token parsing), for inspection and tests; the whole
    /// text for SentencePiece.
    public func preTokenize(_ text: String) -> [String] {
        if case .bytePair(let pre, _) = model { return pre.split(text) }
        return [text]
    }

    private struct EncodeScratch {
        var scalars: [UInt32] = []
        var classes: [UnicodeClass] = []
        var byteStart: [Int] = []
        var ends: [Int] = []
        var bpe = BytePairEncoder.Scratch()
    }

    private func encodeText(_ bytes: [UInt8], _ range: Range<Int>, _ preTokenizer: PreTokenizer, _ bpe: BytePairEncoder,
                            into out: inout [Int], _ w: inout EncodeScratch) throws {
        w.scalars.removeAll(keepingCapacity: true)
        w.classes.removeAll(keepingCapacity: true)
        w.byteStart.removeAll(keepingCapacity: true)
        w.ends.removeAll(keepingCapacity: true)
        // Decode UTF-8 (valid: it came from a String, and partition cuts only at whole special-token texts).
        var i = range.lowerBound
        while i < range.upperBound {
            let b0 = UInt32(bytes[i])
            var v: UInt32
            var n: Int
            if b0 < 0x80 { v = b0; n = 1 }
            else if b0 < 0xE0 { v = b0 & 0x1F; n = 2 }
            else if b0 < 0xF0 { v = b0 & 0x0F; n = 3 }
            else { v = b0 & 0x07; n = 4 }
            for k in 1..<max(n, 1) where i + k < range.upperBound { v = v << 6 | (UInt32(bytes[i + k]) & 0x3F) }
            w.scalars.append(v)
            w.classes.append(UnicodeClass.of(v))
            w.byteStart.append(i)
            i += n
        }
        w.byteStart.append(range.upperBound)
        preTokenizer.pieceEnds(w.scalars, w.classes, into: &w.ends)
        var start = 0
        for end in w.ends {
            let word = bytes[w.byteStart[start]..<w.byteStart[end]]
            guard word.count <= Self.maxWordBytes else {
                throw TokenizerError.wordTooLong(bytes: word.count, offset: word.startIndex, limit: Self.maxWordBytes)
            }
            start = end
            if let ids = cache.get(word) { out.append(contentsOf: ids); continue }
            let before = out.count
            bpe.encode(word, into: &out, scratch: &w.bpe)
            if word.count > 1 { cache.put(word, Array(out[before...])) }
        }
    }

    // MARK: Decoding

    /// The bytes of one token, as llama.cpp's `token_to_piece`: with `special` (the default) control tokens show
    /// their text; without it they give nothing. May be part of a UTF-8 sequence. Empty for an unknown id.
    public func pieceBytes(_ id: Int, special: Bool = true) -> [UInt8] { Array(pieces.piece(id, special: special)) }

    /// The text of `ids`: their pieces joined, then read as UTF-8 (invalid or unfinished sequences become U+FFFD).
    /// With `special` (the default) control tokens such as `<|im_end|>` appear as their text, so
    /// `decode(encode(x)) == x`. No space clean-up is applied (llama.cpp's `clean_spaces` is off for smollm and qwen2).
    public func decode(_ ids: [Int], special: Bool = true) -> String {
        var bytes = [UInt8]()
        for id in ids { bytes.append(contentsOf: pieces.piece(id, special: special)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A streaming decoder for this tokenizer (see `StreamingDecoder`).
    public func streamingDecoder(showSpecial: Bool = false) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, showSpecial: showSpecial)
    }
}

/// Token ids of words already encoded. BPE on a word depends only on its bytes, and text repeats its words.
private final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var map = [ArraySlice<UInt8>: [Int]]()
    private static let limit = 1 << 16

    func get(_ word: ArraySlice<UInt8>) -> [Int]? {
        lock.lock(); defer { lock.unlock() }
        return map[word]
    }

    func put(_ word: ArraySlice<UInt8>, _ ids: [Int]) {
        lock.lock(); defer { lock.unlock() }
        if map.count >= Self.limit { map.removeAll(keepingCapacity: true) }
        // Copy the key out of the caller's buffer so the cache does not keep the whole input alive.
        map[ArraySlice(Array(word))] = ids
    }
}
