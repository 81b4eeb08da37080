import GGUF
import Testing
@testable import Tokenizers

/// What the tokenizer takes: at most `maxInputBytes` of text, and no word (a run without a pre-tokenizer break)
/// longer than `maxWordBytes`. Both are errors found before the BPE work they would cost.
struct InputLimitTests {
    static func tokenizer(pre: String = "smollm") throws -> Tokenizer {
        try Tokenizer(gguf: TinyVocabularyTests.gguf(pre: pre, extra: [("aa", .normal)], merges: ["a a"]))
    }

    @Test func aWordAtTheLimitIsEncoded() throws {
        let t = try Self.tokenizer()
        let word = String(repeating: "a", count: Tokenizer.maxWordBytes)
        #expect(try t.encode(word, addSpecial: false) == [Int](repeating: 256, count: Tokenizer.maxWordBytes / 2))
    }

    /// 50 MB of one letter took 37 s and 3.2 GB; one byte past the word limit is refused, naming where it starts.
    @Test(arguments: ["smollm", "qwen2", "llama3", "gpt2"])
    func aLongerWordIsRefused(pre: String) throws {
        let t = try Self.tokenizer(pre: pre)
        let word = String(repeating: "a", count: Tokenizer.maxWordBytes + 1)
        let e = #expect(throws: TokenizerError.self) { _ = try t.encode("Hello there, " + word + " and more", addSpecial: false) }
        #expect(e == .wordTooLong(bytes: Tokenizer.maxWordBytes + 2, offset: 12, limit: Tokenizer.maxWordBytes))
        #expect(e?.description == "the text has a run of 65538 bytes with no word break at byte 12; the tokenizer takes at most 65536 (64 KiB) in one word: break it up with spaces or newlines")
        // Spaces and symbols run together into words too.
        #expect(throws: TokenizerError.self) { _ = try t.encode(String(repeating: " ", count: Tokenizer.maxWordBytes + 2) + "x") }
        #expect(throws: TokenizerError.self) { _ = try t.encode(String(repeating: "=", count: Tokenizer.maxWordBytes + 1)) }
    }

    @Test func aTextPastTheInputLimitIsRefusedBeforeAnyWork() throws {
        let t = try Self.tokenizer()
        let text = String(repeating: "ab ", count: Tokenizer.maxInputBytes / 3 + 1)
        let e = #expect(throws: TokenizerError.self) { _ = try t.encode(text) }
        #expect(e == .inputTooLong(bytes: text.utf8.count, limit: Tokenizer.maxInputBytes))
        #expect(e?.description.hasSuffix("the tokenizer takes at most 16777216 (16 MiB) at once: shorten it") == true)
    }
}
