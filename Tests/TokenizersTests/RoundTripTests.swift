import Testing
@testable import Tokenizers

/// Strings that stress the byte-level round trip: multi-byte characters, marks, whitespace runs, digit runs.
let trickyStrings: [String] = [
    "Hello, world!",
    "🙂👍🏽 emoji, 👨‍👩‍👧 family (ZWJ), 🇫🇷 flag",
    "東京タワー 和 中文 한국어",
    "e\u{301}cole, n\u{303}, a\u{30A}\u{301} (combining marks)",
    "   leading spaces",
    "trailing spaces   ",
    "\n\nnewlines\n\n\nand\r\nCRLF\n",
    "\ttabs\t\tand\t mixed \t",
    "1234567 1 12 123 1234 3.14159 -42 1,000,000",
    "don't WE'LL it's 'quoted'",
    "<|im_start|>user\nHi<|im_end|>\n",
    "x\u{A0}nbsp\u{3000}ideographic\u{2028}sep",
    "",
    " ",
    "a",
    "\u{10FFFF}\u{E000} private use, \u{FFFD} replacement",
]

@Suite(.tags(.model))
struct RoundTripTests {
    @Test(arguments: ["smollm2", "qwen2.5"], [true, false])
    func decodeOfEncodeIsIdentity(model: String, parseSpecial: Bool) throws {
        let tokenizer = try (model == "smollm2" ? TestModels.smolLM2 : TestModels.qwen25).get()
        for s in trickyStrings {
            let ids = try tokenizer.encode(s, addSpecial: false, parseSpecial: parseSpecial)
            #expect(tokenizer.decode(ids) == s, "\(model): \(s.debugDescription) → \(ids)")
            #expect(ids.allSatisfy { $0 >= 0 && $0 < tokenizer.vocabularySize })
        }
    }

    @Test func repeatedWordsGiveTheSameIDs() throws {
        // The word cache must not change results: the second encoding is served from it.
        let tokenizer = try TestModels.qwen25.get()
        let text = "The capital of France is Paris. The capital of France is Paris."
        let first = try tokenizer.encode(text)
        #expect(try tokenizer.encode(text) == first)
        #expect(Array(first[0..<5]) == [785, 6722, 315, 9625, 374])
    }

    @Test func piecesFollowTokenToPiece() throws {
        let smol = try TestModels.smolLM2.get()
        #expect(smol.pieceBytes(19556) == Array("Hello".utf8))
        // Control tokens show their text with special, nothing without (llama.cpp token_to_piece).
        #expect(smol.pieceBytes(1) == Array("<|im_start|>".utf8))
        #expect(smol.pieceBytes(1, special: false) == [])
        #expect(smol.decode([1, 4093, 198], special: false) == "user\n")
        #expect(smol.pieceBytes(-1) == [] && smol.pieceBytes(smol.vocabularySize) == [])
        // " " is "Ġ" in the vocabulary: the piece is the raw space.
        let space = try #require(smol.tokenID("Ġ"))
        #expect(smol.pieceBytes(space) == [0x20])

        let qwen = try TestModels.qwen25.get()
        // Unused padding tokens print nothing; user-defined ones print their text even without special.
        #expect(qwen.pieceBytes(151665) == [])
        #expect(qwen.pieceBytes(151657, special: false) == Array("<tool_call>".utf8))
    }
}
