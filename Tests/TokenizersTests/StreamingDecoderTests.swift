import Testing
@testable import Tokenizers

struct StreamingDecoderUnitTests {
    @Test func holdsBackOnlyUnfinishedSequences() {
        let f = StreamingDecoder.incompleteSuffixLength
        #expect(f([]) == 0)
        #expect(f(Array("abc".utf8)) == 0)
        #expect(f([0xF0]) == 1)
        #expect(f([0x41, 0xF0, 0x9F]) == 2)
        #expect(f([0xF0, 0x9F, 0x99]) == 3)
        #expect(f([0xF0, 0x9F, 0x99, 0x82]) == 0)  // complete 🙂
        #expect(f([0xE6, 0x9D]) == 2)
        #expect(f([0xC3]) == 1)
        // Never valid: a lone continuation byte, an overlong or surrogate start, bytes past U+10FFFF.
        #expect(f([0x80]) == 0)
        #expect(f([0xC0]) == 0)
        #expect(f([0xE0, 0x80]) == 0)
        #expect(f([0xED, 0xA0]) == 0)
        #expect(f([0xF5]) == 0)
    }
}

@Suite(.tags(.model))
struct StreamingDecoderModelTests {
    @Test(arguments: ["smollm2", "qwen2.5"])
    func neverEmitsReplacementForValidText(model: String) throws {
        let tokenizer = try (model == "smollm2" ? TestModels.smolLM2 : TestModels.qwen25).get()
        for s in trickyStrings where !s.contains("\u{FFFD}") {
            var stream = tokenizer.streamingDecoder(showSpecial: true)
            var out = ""
            for id in try tokenizer.encode(s, addSpecial: false) {
                let chunk = stream.push(id)
                #expect(!chunk.contains("\u{FFFD}"), "\(model): U+FFFD in a chunk of \(s.debugDescription)")
                out += chunk
            }
            out += stream.flush()
            #expect(out == s)
        }
    }

    /// An emoji spelled as four single-byte tokens comes out whole, on the fourth.
    @Test(arguments: ["smollm2", "qwen2.5"])
    func emojiSplitOverByteTokens(model: String) throws {
        let tokenizer = try (model == "smollm2" ? TestModels.smolLM2 : TestModels.qwen25).get()
        let bytes: [UInt8] = Array("🙂".utf8)
        let ids = try bytes.map { try #require(tokenizer.tokenID(ByteLevel.encode([$0]))) }
        var stream = tokenizer.streamingDecoder()
        #expect(try stream.push(tokenizer.encode("Hi ", addSpecial: false)[0]) == "Hi")
        var chunks = ids.map { stream.push($0) }
        chunks.append(stream.flush())
        #expect(chunks == ["", "", "", "🙂", ""])
    }

    @Test func hidesControlTokensUnlessAsked() throws {
        let tokenizer = try TestModels.smolLM2.get()
        var quiet = tokenizer.streamingDecoder()
        var loud = tokenizer.streamingDecoder(showSpecial: true)
        #expect(quiet.push(2) == "")
        #expect(loud.push(2) == "<|im_end|>")
    }

    @Test func flushGivesUpAnUnfinishedCharacter() throws {
        let tokenizer = try TestModels.qwen25.get()
        var stream = tokenizer.streamingDecoder()
        let first = try #require(tokenizer.tokenID(ByteLevel.encode([0xF0])))
        #expect(stream.push(first) == "")
        #expect(stream.pendingByteCount == 1)
        #expect(stream.flush() == "\u{FFFD}")
        #expect(stream.pendingByteCount == 0)
    }
}
