import Foundation
import Testing
@testable import Tokenizers

/// Encoding speed on 10,000 words. The bound is loose so the debug build passes; run it in release for the
/// figure that matters: `swift test -c release -Xswiftc -enable-testing --filter ThroughputTests`.
@Suite(.tags(.model))
struct ThroughputTests {
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

    @Test(arguments: ["smollm2", "qwen2.5"])
    func tenThousandWords(model: String) throws {
        let tokenizer = try (model == "smollm2" ? TestModels.smolLM2 : TestModels.qwen25).get()
        for (label, text) in [("prose", Self.prose(words: 10_000)), ("unique", Self.uniqueWords(10_000))] {
            let start = Date()
            let ids = tokenizer.encode(text, addSpecial: false)
            let seconds = Date().timeIntervalSince(start)
            print("encode \(model) \(label): 10000 words, \(text.utf8.count) bytes → \(ids.count) tokens in "
                + String(format: "%.3f s (%.0f tokens/s)", seconds, Double(ids.count) / seconds))
            #expect(tokenizer.decode(ids) == text)
            #expect(seconds < 20)
        }
    }

    /// Building the tokenizer from an open file (vocabulary index, merge table, pieces).
    @Test func loadTime() throws {
        for file in [TestModels.smolLM2File, TestModels.qwen25File] {
            let gguf = try TestModels.open(file)
            let start = Date()
            let tokenizer = try Tokenizer(gguf: gguf)
            print("load \(file): \(tokenizer.vocabularySize) tokens in " + String(format: "%.3f s", Date().timeIntervalSince(start)))
        }
    }
}
