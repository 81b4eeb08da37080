import GGUF
import Testing
@testable import Tokenizers

/// SentencePiece-style encoding (`tokenizer.ggml.model == "llama"`) on a hand-made vocabulary: merges by score,
/// `▁` for spaces, the space prefix, byte fallback, specials, and decoding back.
struct SentencePieceTests {
    /// <unk>, <s>, </s>, the 256 byte tokens (ids 3…258), then these normal tokens with their scores, then a control
    /// token `<start>`.
    static let pieces: [(String, Float)] = [("▁", -1), ("a", -2), ("b", -3), ("c", -4), ("ab", -5), ("bc", -1), ("▁a", -0.5), ("▁▁", -7)]
    static let start = 259 + pieces.count

    static func tokenizer(spacePrefix: Bool? = false, addBOS: Bool? = nil) throws -> Tokenizer {
        var tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { "<0x" + ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) + ">" }
        var types: [TokenType] = [.unknown, .control, .control] + Array(repeating: .byte, count: 256)
        var scores = [Float](repeating: 0, count: tokens.count)
        for (t, s) in pieces { tokens.append(t); types.append(.normal); scores.append(s) }
        tokens.append("<start>"); types.append(.control); scores.append(0)
        var w = GGUFWriter()
        w.set("general.architecture", "gemma3")
        w.set("tokenizer.ggml.model", "llama")
        w.set("tokenizer.ggml.tokens", strings: tokens)
        w.set("tokenizer.ggml.token_type", .array(.int32, types.map { .int32(Int32($0.rawValue)) }))
        w.set("tokenizer.ggml.scores", .array(.float32, scores.map { .float32($0) }))
        if let spacePrefix { w.set("tokenizer.ggml.add_space_prefix", spacePrefix) }
        if let addBOS { w.set("tokenizer.ggml.add_bos_token", addBOS) }
        return try Tokenizer(gguf: GGUFFile(bytes: w.serialize()))
    }

    static func id(_ piece: String) -> Int { 259 + pieces.firstIndex { $0.0 == piece }! }
    static func byte(_ b: UInt8) -> Int { 3 + Int(b) }

    @Test func mergesGoByScoreNotByPosition() throws {
        let t = try Self.tokenizer()
        #expect(t.isSentencePiece && t.addsBOS && t.bos == 1 && t.eos == 2 && t.unknown == 0, "llama.cpp's defaults")
        // b+c (score −1) beats a+b (−5), and "abc" is no token: a, bc; never ab, c.
        #expect(try t.encode("abc", addSpecial: false) == [Self.id("a"), Self.id("bc")])
        #expect(try t.encode("ab", addSpecial: false) == [Self.id("ab")])
        #expect(try t.encode("abc") == [1, Self.id("a"), Self.id("bc")], "BOS first")
    }

    @Test func spacesAreTheVisibleSpaceAndThePrefixIsOptional() throws {
        let t = try Self.tokenizer()
        #expect(try t.encode("a a", addSpecial: false) == [Self.id("a"), Self.id("▁a")])
        // Two spaces: ▁▁ (−7) against ▁a (−0.5): ▁a merges first, leaving ▁.
        #expect(try t.encode("  a", addSpecial: false) == [Self.id("▁"), Self.id("▁a")])
        let prefixed = try Self.tokenizer(spacePrefix: nil)   // llama.cpp's default for the family: a space prefix
        #expect(try prefixed.encode("a", addSpecial: false) == [Self.id("▁a")])
        // The prefix goes at the start and after a special token, not after plain text.
        #expect(try prefixed.encode("a<start>a", addSpecial: false) == [Self.id("▁a"), Self.start, Self.id("▁a")])
        #expect(try t.encode("a<start>a", addSpecial: false) == [Self.id("a"), Self.start, Self.id("a")])
        #expect(try t.encode("a<start>a", addSpecial: false, parseSpecial: false).contains(Self.start) == false)
    }

    @Test func charactersOutsideTheVocabularyFallBackToBytes() throws {
        let t = try Self.tokenizer()
        let ids = try t.encode("aé🙂", addSpecial: false)
        #expect(ids == [Self.id("a"), Self.byte(0xC3), Self.byte(0xA9), Self.byte(0xF0), Self.byte(0x9F), Self.byte(0x99), Self.byte(0x82)])
        #expect(t.decode(ids) == "aé🙂")
        #expect(t.decode([Self.id("▁a"), Self.id("▁")]) == " a ")
        // Streaming: the emoji's four byte tokens give nothing until the last.
        var d = t.streamingDecoder()
        #expect(ids.map { d.push($0) } == ["a", "", "é", "", "", "", "🙂"])
        // Control tokens show only when asked.
        #expect(t.decode([Self.start], special: false).isEmpty && t.decode([Self.start]) == "<start>")
    }

    @Test func aMissingOrShortScoreListIsAClearError() throws {
        var w = GGUFWriter()
        w.set("general.architecture", "gemma3")
        w.set("tokenizer.ggml.model", "llama")
        w.set("tokenizer.ggml.tokens", strings: ["<unk>", "a"])
        #expect(throws: TokenizerError.missingKey("tokenizer.ggml.scores")) { try Tokenizer(gguf: GGUFFile(bytes: w.serialize())) }
        w.set("tokenizer.ggml.scores", .array(.float32, [.float32(0)]))
        #expect(throws: TokenizerError.self) { try Tokenizer(gguf: GGUFFile(bytes: w.serialize())) }
    }
}
