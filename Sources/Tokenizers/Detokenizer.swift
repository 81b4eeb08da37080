/// Token ids back to bytes and text.
///
/// A token's piece is what llama.cpp's `token_to_piece` gives: a normal token's text mapped back through GPT-2's
/// byte table (byte-level BPE) or with `▁` read as a space (SentencePiece); a `<0xNN>` byte token its byte; a
/// user-defined token's text as is; a control or unknown token's
/// text only when specials are shown (otherwise nothing); an unused or undefined token nothing. Pieces are
/// computed once for the whole vocabulary, as llama.cpp caches them.
struct PieceTable: Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int]
    /// Whether a piece is hidden unless specials are shown (control and unknown tokens).
    private let hiddenUnlessSpecial: [Bool]

    /// `sentencePiece`: normal tokens write a space as `▁` (U+2581); else they are byte-level (`Ġ` for a space).
    init(vocabulary: Vocabulary, sentencePiece: Bool) {
        var bytes = [UInt8]()
        var offsets = [0]
        var hidden = [Bool]()
        offsets.reserveCapacity(vocabulary.count + 1)
        hidden.reserveCapacity(vocabulary.count)
        for id in 0..<vocabulary.count {
            let a = vocabulary.attributes[id]
            let text = vocabulary.tokens[id]
            let special = !a.isDisjoint(with: [.control, .unknown])
            if special || a.contains(.userDefined) {
                bytes.append(contentsOf: text.utf8)
            } else if a.contains(.normal) {
                if sentencePiece {
                    bytes.append(contentsOf: String(text.map { $0 == "\u{2581}" ? " " : $0 }).utf8)
                } else {
                    bytes.append(contentsOf: ByteLevel.decode(text))
                }
            } else if a.contains(.byte) {
                // A `<0xNN>` byte token (SentencePiece-style byte fallback).
                let hex = text.dropFirst(3).prefix(2)
                if let b = UInt8(hex, radix: 16) { bytes.append(b) }
            }
            offsets.append(bytes.count)
            hidden.append(special)
        }
        self.bytes = bytes
        self.offsets = offsets
        self.hiddenUnlessSpecial = hidden
    }

    var count: Int { offsets.count - 1 }

    /// The piece of `id`, or nothing for an id out of range.
    func piece(_ id: Int, special: Bool) -> ArraySlice<UInt8> {
        guard id >= 0, id < count, special || !hiddenUnlessSpecial[id] else { return [] }
        return bytes[offsets[id]..<offsets[id + 1]]
    }
}

/// Turns a stream of token ids into text as they are generated, emitting only complete UTF-8.
///
/// A character can be spread over several byte tokens (an emoji is often two or three); decoding each piece on
/// its own would print U+FFFD halves. This holds back the bytes of an incomplete sequence at the end until the
/// tokens that complete it arrive. Bytes that can never become valid UTF-8 are let through (as U+FFFD) at once.
public struct StreamingDecoder: Sendable {
    public let tokenizer: Tokenizer
    /// Whether control tokens (e.g. `<|im_end|>`) are written out.
    public var showSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer, showSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.showSpecial = showSpecial
    }

    /// Adds one token and returns the text that is now complete (possibly empty).
    public mutating func push(_ id: Int) -> String {
        pending.append(contentsOf: tokenizer.pieces.piece(id, special: showSpecial))
        let keep = Self.incompleteSuffixLength(pending)
        let ready = pending.count - keep
        guard ready > 0 else { return "" }
        let text = String(decoding: pending[..<ready], as: UTF8.self)
        pending.removeFirst(ready)
        return text
    }

    /// Returns whatever is held back (an unfinished sequence comes out as U+FFFD) and starts afresh.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Bytes held back, waiting for the rest of a character.
    public var pendingByteCount: Int { pending.count }

    /// How many bytes at the end of `bytes` are the valid start of a UTF-8 sequence still missing its continuation
    /// bytes (0 when the end is complete, or when the tail could never become valid).
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        var continuation = 0
        while i >= 0 && continuation < 3 && bytes[i] & 0xC0 == 0x80 { continuation += 1; i -= 1 }
        guard i >= 0 else { return 0 }
        let lead = bytes[i]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return 0
        }
        let have = continuation + 1
        guard have < need else { return 0 }
        // The second byte of some sequences has a narrower range (no overlongs, no surrogates, nothing past U+10FFFF).
        if have >= 2 {
            let second = bytes[i + 1]
            switch lead {
            case 0xE0: if second < 0xA0 { return 0 }
            case 0xED: if second > 0x9F { return 0 }
            case 0xF0: if second < 0x90 { return 0 }
            case 0xF4: if second > 0x8F { return 0 }
            default: break
            }
        }
        return have
    }
}
