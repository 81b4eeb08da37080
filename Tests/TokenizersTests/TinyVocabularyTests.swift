import GGUF
import Testing
@testable import Tokenizers

/// Tokenizers built from small hand-made GGUF files, to pin down BPE and loading rules without a real model.
struct TinyVocabularyTests {
    /// The 256 byte characters (ids 0…255, in byte order), then `extra` tokens from id 256.
    static func gguf(pre: String? = "qwen2", model: String = "gpt2", extra: [(String, TokenType)] = [],
                     merges: [String] = [], addBOS: Bool? = nil, bos: Int? = nil) throws -> GGUFFile {
        var tokens = (0..<256).map { String(ByteLevel.scalarForByte[$0]) }
        var types = [TokenType](repeating: .normal, count: 256)
        for (t, type) in extra { tokens.append(t); types.append(type) }
        var w = GGUFWriter()
        w.set("general.architecture", "llama")
        w.set("tokenizer.ggml.model", model)
        if let pre { w.set("tokenizer.ggml.pre", pre) }
        w.set("tokenizer.ggml.tokens", strings: tokens)
        w.set("tokenizer.ggml.token_type", .array(.int32, types.map { .int32(Int32($0.rawValue)) }))
        w.set("tokenizer.ggml.merges", strings: merges)
        if let addBOS { w.set("tokenizer.ggml.add_bos_token", addBOS) }
        if let bos { w.set("tokenizer.ggml.bos_token_id", UInt32(bos)) }
        return try GGUFFile(bytes: w.serialize())
    }

    static func byteID(_ c: Character) -> Int { Int(c.asciiValue!) }

    @Test func unknownPreTokenizerIsAClearError() throws {
        let file = try Self.gguf(pre: "no-such-pre")
        #expect(throws: TokenizerError.unsupportedPreTokenizer("no-such-pre", supported: PreTokenizer.supportedNames)) {
            try Tokenizer(gguf: file)
        }
        let message = String(describing: TokenizerError.unsupportedPreTokenizer("no-such-pre", supported: PreTokenizer.supportedNames))
        #expect(message == "unsupported pre-tokenizer 'no-such-pre' (tokenizer.ggml.pre); supported: "
            + "gpt-2, gpt2, smollm, starcoder, qwen2, deepseek-r1-qwen, llama3, llama-v3, llama-bpe, falcon3")
    }

    @Test func otherLoadErrors() throws {
        #expect(throws: TokenizerError.missingKey("tokenizer.ggml.pre")) { try Tokenizer(gguf: Self.gguf(pre: nil)) }
        #expect(throws: TokenizerError.unsupportedModel("bert", supported: ["gpt2", "llama"])) {
            try Tokenizer(gguf: Self.gguf(model: "bert"))
        }
        #expect(throws: TokenizerError.duplicateToken("a", first: 97, second: 256)) {
            try Tokenizer(gguf: Self.gguf(extra: [("a", .normal)]))
        }
    }

    @Test func mergesApplyByRankThenLeftmost() throws {
        let t = try Tokenizer(gguf: Self.gguf(
            extra: [("ab", .normal), ("bc", .normal), ("abc", .normal), ("aa", .normal)],
            merges: ["a b", "b c", "ab c", "a a"]))
        // "abc": a+b (rank 0) beats b+c (rank 1); then ab+c (rank 2).
        #expect(try t.encode("abc") == [258])
        // "bcab": b+c and a+b are both possible; rank 0 (a+b) goes first, then b+c.
        #expect(try t.encode("bcab") == [257, 256])
        // "aaa": equal ranks, the leftmost pair merges first.
        #expect(try t.encode("aaa") == [259, Self.byteID("a")])
        // A space leads the next word (" ab" is one word), but no merge joins "Ġ" and "ab".
        #expect(try t.encode("x ab") == [Self.byteID("x"), t.tokenID("Ġ")!, 256])
    }

    @Test func llama3TakesWholeWordsThatAreTokens() throws {
        // With no merges, only `ignore_merges` (llama3) can produce "xyz".
        let extra: [(String, TokenType)] = [("xyz", .normal), ("<s>", .control)]
        let llama3 = try Tokenizer(gguf: Self.gguf(pre: "llama-bpe", extra: extra, bos: 257))
        #expect(llama3.addsBOS)  // llama3 adds BOS unless the file says not to
        #expect(try llama3.encode("xyz") == [257, 256])
        #expect(try llama3.encode("xyz", addSpecial: false) == [256])
        let qwen2 = try Tokenizer(gguf: Self.gguf(pre: "qwen2", extra: extra, bos: 257))
        #expect(!qwen2.addsBOS)
        #expect(try qwen2.encode("xyz") == [Self.byteID("x"), Self.byteID("y"), Self.byteID("z")])
        let told = try Tokenizer(gguf: Self.gguf(pre: "llama-bpe", extra: extra, addBOS: false, bos: 257))
        #expect(try told.encode("xyz") == [256])
    }

    @Test func longestSpecialWins() throws {
        let t = try Tokenizer(gguf: Self.gguf(extra: [("<|a|>", .control), ("<|a|><|b|>", .control), ("<u>", .userDefined)]))
        #expect(try t.encode("<|a|><|b|>x<|a|>") == [257, Self.byteID("x"), 256])
        #expect(try t.encode("<u>", parseSpecial: false) == [258])
        #expect(try t.encode("<|a|>", parseSpecial: false).count == 5)
    }

    @Test func endOfTurnFoundByText() throws {
        let t = try Tokenizer(gguf: Self.gguf(extra: [("<|endoftext|>", .control), ("<|im_end|>", .normal)]))
        // <|im_end|> is preferred as end of turn and promoted to a control token, as llama.cpp does.
        #expect(t.endOfTurn == 257)
        #expect(t.isControl(257))
        #expect(t.isEndOfGeneration(256) && t.isEndOfGeneration(257))
        #expect(try t.encode("<|im_end|>") == [257])
        #expect(t.decode([257], special: false) == "")
    }
}
