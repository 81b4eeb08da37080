import Testing
@testable import Tokenizers

@Suite(.tags(.model))
struct SpecialTokenTests {
    @Test func parseSpecialOnAndOff() throws {
        let smol = try TestModels.smolLM2.get()
        #expect(try smol.encode("<|im_start|>", parseSpecial: true) == [1])
        let plain = try smol.encode("<|im_start|>", parseSpecial: false)
        #expect(plain.count > 1 && !plain.contains(1))
        #expect(smol.decode(plain) == "<|im_start|>")
        // Specials glued to text on both sides.
        #expect(try smol.encode("a<|im_end|>b") == smol.encode("a", addSpecial: false) + [2] + smol.encode("b", addSpecial: false))
        // Adjacent specials, and a special that is not a prefix of another.
        #expect(try smol.encode("<|im_end|><|im_start|><|endoftext|>") == [2, 1, 0])
    }

    @Test func userDefinedTokensAreSplitEvenWithoutParseSpecial() throws {
        // llama.cpp skips only control/unknown tokens when parse_special is off; Qwen's <tool_call> is user-defined.
        let qwen = try TestModels.qwen25.get()
        #expect(qwen.tokenType(151657) == .userDefined)
        #expect(try qwen.encode("<tool_call>", parseSpecial: false) == [151657])
        #expect(try qwen.encode("<|im_start|>", parseSpecial: false) != [151644])
        #expect(try qwen.encode("<|im_start|>", parseSpecial: true) == [151644])
    }

    @Test func textLookalikesAreNotSpecials() throws {
        let qwen = try TestModels.qwen25.get()
        let ids = try qwen.encode("<|im_start|", parseSpecial: true)
        #expect(!ids.contains(151644))
        #expect(qwen.decode(ids) == "<|im_start|")
    }
}
