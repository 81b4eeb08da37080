import Testing
@testable import GGUF

@Test func blockSizesMatchLlamaCpp() {
    // Byte sizes of ggml-common.h's block structs (block_q4_0 … block_q6_K).
    #expect(GGMLType.q4_0.blockBytes == 18)
    #expect(GGMLType.q4_1.blockBytes == 20)
    #expect(GGMLType.q5_0.blockBytes == 22)
    #expect(GGMLType.q5_1.blockBytes == 24)
    #expect(GGMLType.q8_0.blockBytes == 34)
    #expect(GGMLType.q4_K.blockBytes == 144)
    #expect(GGMLType.q5_K.blockBytes == 176)
    #expect(GGMLType.q6_K.blockBytes == 210)
    #expect(GGMLType.q8_K.blockBytes == 292)
}
