import GGUF
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
            #expect(message.hasPrefix("unsupported chat template llama2/mistral ([INST])"))
            #expect(message.hasSuffix("(supported: chatml, gemma, llama3); if the model follows one of those, choose it with --template chatml|gemma|llama3"))
        }
        #expect(ChatTemplate.named("gemma") == .gemma && ChatTemplate.named("llama3") == .llama3 && ChatTemplate.named("jinja") == nil)
    }

    /// Gemma's template (Gemma 3's `tokenizer_config.json`), as llama.cpp renders it: the assistant is `model`, the
    /// system prompt opens the first user turn after a blank line, contents are trimmed, and BOS is the tokenizer's.
    @Test func gemmaTurns() throws {
        let jinja = "{{ bos_token }}{%- if messages[0]['role'] == 'system' -%}…{{ '<start_of_turn>' + role + '\n' }}…{{'<start_of_turn>model\n'}}"
        #expect(try ChatTemplate(template: jinja) == .gemma)
        let chat: [ChatMessage] = [.system("Be brief."), .user(" Hi \n"), .assistant("Hello!\n"), .user("Bye")]
        #expect(ChatTemplate.gemma.render(chat, addGenerationPrompt: true) == """
            <start_of_turn>user
            Be brief.

            Hi<end_of_turn>
            <start_of_turn>model
            Hello!<end_of_turn>
            <start_of_turn>user
            Bye<end_of_turn>
            <start_of_turn>model

            """)
        // A system prompt alone renders to nothing until a user turn takes it.
        #expect(ChatTemplate.gemma.render([.system("Be brief.")], addGenerationPrompt: false) == "")
        #expect(ChatTemplate.gemma.render([.user("Hi")], addGenerationPrompt: false) == "<start_of_turn>user\nHi<end_of_turn>\n")
    }

    /// Llama 3's prompt format as Meta documents it (llama.com, "Llama 3 model card / prompt format"), without
    /// `<|begin_of_text|>`, which the tokenizer adds as BOS.
    @Test func llama3TurnsMatchTheDocumentedFormat() throws {
        let jinja = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
        #expect(try ChatTemplate(template: jinja) == .llama3)
        let chat: [ChatMessage] = [.system("You are a helpful AI assistant for travel tips and recommendations"),
                                   .user("What can you help me with?")]
        #expect(ChatTemplate.llama3.render(chat, addGenerationPrompt: true) == "<|start_header_id|>system<|end_header_id|>\n\n"
            + "You are a helpful AI assistant for travel tips and recommendations<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
            + "What can you help me with?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    /// A file without `tokenizer.chat_template` (a base model) gets the family its vocabulary's turn markers name.
    @Test func aFileWithoutATemplateIsReadByItsTurnMarkers() throws {
        func file(_ tokens: [String], template: String? = nil) throws -> GGUFFile {
            var w = GGUFWriter()
            w.set("general.architecture", "gemma3")
            w.set("tokenizer.ggml.tokens", strings: tokens)
            if let template { w.set("tokenizer.chat_template", template) }
            return try GGUFFile(bytes: w.serialize())
        }
        #expect(try ChatTemplate(gguf: file(["<bos>", "<start_of_turn>", "<end_of_turn>"])) == .gemma)
        #expect(try ChatTemplate(gguf: file(["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"])) == .llama3)
        #expect(try ChatTemplate(gguf: file(["<|im_start|>", "<|im_end|>"])) == .chatml(.init()))
        #expect(throws: TokenizerError.missingChatTemplate) { try ChatTemplate(gguf: file(["a", "b"])) }
        #expect(String(describing: TokenizerError.missingChatTemplate).hasSuffix("choose one with --template chatml|gemma|llama3"))
        #expect(try ChatTemplate(gguf: file(["<start_of_turn>", "<end_of_turn>"], template: "{{'<|im_start|>'}}")) == .chatml(.init()),
                "a template in the file wins")
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
