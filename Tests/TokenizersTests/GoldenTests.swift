import Testing
@testable import Tokenizers

/// Exact ids against llama.cpp for every golden prompt of both models.
@Suite(.tags(.model))
struct GoldenTests {
    @Test(arguments: Golden.smollm2.map(\.name))
    func smolLM2(_ name: String) throws {
        let tokenizer = try TestModels.smolLM2.get()
        let c = Golden.smollm2.first { $0.name == name }!
        #expect(try tokenizer.encode(c.text, addSpecial: true, parseSpecial: c.parseSpecial) == c.ids)
    }

    @Test(arguments: Golden.qwen25.map(\.name))
    func qwen25(_ name: String) throws {
        let tokenizer = try TestModels.qwen25.get()
        let c = Golden.qwen25.first { $0.name == name }!
        #expect(try tokenizer.encode(c.text, addSpecial: true, parseSpecial: c.parseSpecial) == c.ids)
    }

    @Test(arguments: Golden.gemma3.map(\.name))
    func gemma3(_ name: String) throws {
        let tokenizer = try TestModels.gemma3.get()
        let c = Golden.gemma3.first { $0.name == name }!
        #expect(try tokenizer.encode(c.text, addSpecial: true, parseSpecial: c.parseSpecial) == c.ids)
        #expect(tokenizer.decode(Array(c.ids.dropFirst())) == c.text, "decoding gives the text back")
    }

    /// The no-parse-special ChatML case exists only in the SmolLM2 file; Qwen must not turn the markers into specials
    /// either (its `<|im_start|>` is a control token).
    @Test func qwenNoParseSpecialUsesNoSpecials() throws {
        let tokenizer = try TestModels.qwen25.get()
        let chat = Golden.qwen25.first { $0.name == "chatml_user_assistant" }!
        let ids = try tokenizer.encode(chat.text, parseSpecial: false)
        #expect(!ids.contains(151644) && !ids.contains(151645))
        #expect(tokenizer.decode(ids) == chat.text)
    }

    @Test func specialIDs() throws {
        let smol = try TestModels.smolLM2.get()
        #expect(smol.vocabularySize == 49152)
        #expect(smol.bos == 1 && smol.eos == 2 && smol.endOfTurn == 2)
        #expect(!smol.addsBOS)
        #expect(smol.tokenID("<|im_start|>") == 1 && smol.tokenID("<|endoftext|>") == 0)
        #expect(smol.isEndOfGeneration(2) && smol.isEndOfGeneration(0) && !smol.isEndOfGeneration(1))

        let qwen = try TestModels.qwen25.get()
        #expect(qwen.vocabularySize == 151936)
        #expect(qwen.eos == 151645 && qwen.endOfTurn == 151645 && qwen.tokenID("<|endoftext|>") == 151643)
        #expect(!qwen.addsBOS)
        #expect(qwen.isEndOfGeneration(151645) && qwen.isEndOfGeneration(151643) && !qwen.isEndOfGeneration(151644))
        #expect(try qwen.encode("Hello", addSpecial: true) == [9707])
    }
}
