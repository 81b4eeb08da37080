import Foundation
import Testing
@testable import Tokenizers

/// Long inputs: 10,000 words of prose and of unique words encode and decode back exactly.
@Suite(.tags(.model))
struct LongTextTests {
    /// Prose-like text: common words repeat (as in real prompts), with punctuation, numbers and newlines.
    static func prose(words: Int) -> String {
        let vocabulary = ("the of and to in is that it was for on are as with his they at be this from have or by one had "
            + "not but what all were when we there can an your which their said if do will each about how up out them "
            + "then she many some so these would other into has more her two like him see time could no make than first "
            + "been its who now people my made over did down only way find use may water long little very after words "
            + "desperate deadline tomorrow café naïve 東京 🙂 tokenizer merges Paris France feeling").split(separator: " ")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var out = ""
        for i in 0..<words {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let w = vocabulary[Int(state >> 33) % vocabulary.count]
            out += (i == 0 ? "" : (i % 17 == 0 ? ".\n" : (i % 7 == 0 ? ", " : " "))) + w
            if i % 50 == 0 { out += " \(state >> 50)" }
        }
        return out
    }

    /// Words that never repeat, so every one goes through BPE (no cache hits).
    static func uniqueWords(_ n: Int) -> String {
        var state: UInt64 = 42
        var words = [String]()
        for _ in 0..<n {
            var w = ""
            for _ in 0..<(4 + Int(state % 7)) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                w.append(Character(UnicodeScalar(UInt8(97 + (state >> 33) % 26))))
            }
            words.append(w)
        }
        return words.joined(separator: " ")
    }

    /// Ten thousand words round-trip exactly (speed is measured outside tests; see the closing notes).
    @Test(arguments: ["smollm2", "qwen2.5"])
    func tenThousandWordsRoundTrip(model: String) throws {
        let tokenizer = try (model == "smollm2" ? TestModels.smolLM2 : TestModels.qwen25).get()
        for text in [Self.prose(words: 10_000), Self.uniqueWords(10_000)] {
            let ids = try tokenizer.encode(text, addSpecial: false)
            #expect(ids.count > 10_000)
            #expect(tokenizer.decode(ids) == text)
        }
    }
}
