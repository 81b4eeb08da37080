import Testing
@testable import Tokenizers

struct ChatTemplateTests {
    @Test func unknownFamiliesAreClearErrors() {
        #expect(throws: TokenizerError.self) { try ChatTemplate(template: "{{ messages }}") }
        do {
            _ = try ChatTemplate(template: "{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}")
            Issue.record("expected an error")
        } catch {
            let message = String(describing: error)
            #expect(message.hasPrefix("unsupported chat template"))
            #expect(message.hasSuffix("(supported: chatml)"))
        }
        #expect(throws: TokenizerError.unsupportedChatTemplate(family: "gemma (<start_of_turn>)", supported: ["chatml"])) {
            try ChatTemplate(template: "{{ bos_token }}<start_of_turn>user\n")
        }
    }

    @Test func plainChatMLHasNoDefaultSystem() throws {
        let t = try ChatTemplate(template: "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}")
        #expect(t == .chatml(.init()))
        #expect(t.render([.user("Hi")], addGenerationPrompt: false) == "<|im_start|>user\nHi<|im_end|>\n")
        #expect(t.render([.user("Hi")], addGenerationPrompt: true) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }
}

/// Rendering with the templates stored in the model files, against what their Jinja produces.
@Suite(.tags(.model))
struct ModelChatTemplateTests {
    @Test func smolLM2() throws {
        let template = try ChatTemplate(gguf: TestModels.open(TestModels.smolLM2Name))
        let system = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        #expect(template == .chatml(.init(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")))
        #expect(template.render([.user("How are you?")], addGenerationPrompt: true)
            == system + "<|im_start|>user\nHow are you?<|im_end|>\n<|im_start|>assistant\n")
        #expect(template.render([.system("Be brief."), .user("Hi"), .assistant("Hello!"), .user("Bye")], addGenerationPrompt: false)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n")
        // The default sits inside the message loop (loop.first): no messages, no system turn.
        #expect(template.render([], addGenerationPrompt: true) == "<|im_start|>assistant\n")
    }

    @Test func qwen25() throws {
        let template = try ChatTemplate(gguf: TestModels.open(TestModels.qwen25Name))
        let system = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        #expect(template.render([.user("How are you?")], addGenerationPrompt: true)
            == system + "<|im_start|>user\nHow are you?<|im_end|>\n<|im_start|>assistant\n")
        #expect(template.render([.system("Be brief."), .user("Hi")], addGenerationPrompt: true)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        // Qwen writes its default before the loop, so even an empty conversation has it.
        #expect(template.render([], addGenerationPrompt: false) == system)
        // Consecutive tool results share one user turn of <tool_response> blocks.
        let tools = [ChatMessage.user("q"), ChatMessage(role: "tool", content: "r1"), ChatMessage(role: "tool", content: "r2")]
        #expect(template.render(tools, addGenerationPrompt: false) == system + "<|im_start|>user\nq<|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n")
    }

    @Test func renderedChatMLEncodesToTurnMarkers() throws {
        let tokenizer = try TestModels.smolLM2.get()
        let template = try ChatTemplate(gguf: TestModels.open(TestModels.smolLM2Name))
        let ids = try tokenizer.encode(template.render([.system("S"), .user("How are you feeling today?")], addGenerationPrompt: true))
        // The user turn and generation prompt are the golden ChatML case's ids.
        let golden = Golden.smollm2.first { $0.name == "chatml_user_assistant" }!.ids
        #expect(Array(ids.suffix(golden.count)) == golden)
        #expect(ids.first == tokenizer.tokenID("<|im_start|>"))
    }
}
