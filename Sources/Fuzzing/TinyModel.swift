import Engine
import GGUF

/// A tiny random transformer written as a GGUF image in memory (the fuzzer's seed models, and the unit tests'):
/// F32 weights, 3 layers, hidden 32, 4 query heads over 2 KV heads of 8, vocabulary 40. Enough to exercise every code path of the forward pass in a debug build.
/// `chatModel()` adds a byte-level tokenizer (256 byte tokens and the ChatML markers) and a ChatML template.
/// `arch: "gemma3"` adds Gemma's head norms and output norms, with a sliding window of `window` positions on the
/// layers `l % period < period − 1` (the rest global).
public enum TinyModel {
    public static let vocab = 40, hidden = 32, heads = 4, kvHeads = 2, headDim = 8, ffn = 64, layers = 3, context = 128
    /// Vocabulary of the chat variant: the 256 bytes, `<|im_start|>`, `<|im_end|>`.
    public static let chatVocab = 258

    public static func weights(arch: String = "llama", seed: UInt64 = 7, tiedOutput: Bool = true,
                               window: Int = 4, period: Int = 2) throws -> ModelWeights {
        try ModelWeights(file: GGUFFile(bytes: image(arch: arch, seed: seed, tiedOutput: tiedOutput, window: window, period: period),
                                        name: "tiny-\(arch)"))
    }

    /// A tiny model with a tokenizer and chat template, ready for chat sessions and self-reports.
    public static func chatModel(seed: UInt64 = 7, context: Int = 1024) throws -> LanguageModel {
        try LanguageModel(file: GGUFFile(bytes: image(arch: "llama", seed: seed, vocab: chatVocab, context: context, chat: true), name: "tiny-chat"))
    }

    /// GPT-2's byte-to-character mapping (printable bytes map to themselves, the rest to U+0100 onwards).
    static func byteCharacter(_ b: Int) -> String {
        let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
        if printable { return String(UnicodeScalar(UInt8(b))) }
        let others = (0..<256).filter { !((33...126).contains($0) || (161...172).contains($0) || (174...255).contains($0)) }
        return String(UnicodeScalar(UInt32(256 + others.firstIndex(of: b)!))!)
    }

    /// The GGUF bytes. `omit` leaves one tensor out; `poison` overwrites one value of an F32 tensor (a NaN or an
    /// infinity, as a damaged file holds); `edit` adds to the file last (e.g. an omitted tensor in another type).
    public static func image(arch: String, seed: UInt64, tiedOutput: Bool = true, omit: String? = nil,
                             vocab: Int = vocab, context: Int = context, chat: Bool = false, window: Int = 4, period: Int = 2,
                             poison: (tensor: String, index: Int, value: Float)? = nil,
                             edit: (inout GGUFWriter) -> Void = { _ in }) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        func random(_ n: Int, scale: Float) -> [Float] {
            (0..<n).map { _ in (Float(rng.next() >> 40) / Float(1 << 24) - 0.5) * 2 * scale }
        }
        var w = GGUFWriter()
        w.set("general.architecture", arch)
        w.set("\(arch).block_count", UInt32(layers))
        w.set("\(arch).embedding_length", UInt32(hidden))
        w.set("\(arch).feed_forward_length", UInt32(ffn))
        w.set("\(arch).attention.head_count", UInt32(heads))
        w.set("\(arch).attention.head_count_kv", UInt32(kvHeads))
        w.set("\(arch).context_length", UInt32(context))
        if arch == "gemma3" {
            w.set("gemma3.attention.sliding_window", UInt32(window))
            w.set("gemma3.attention.sliding_window_pattern", UInt32(period))
        }
        if chat {
            w.set("tokenizer.ggml.model", "gpt2")
            w.set("tokenizer.ggml.pre", "qwen2")
            w.set("tokenizer.ggml.tokens", strings: (0..<256).map(byteCharacter) + ["<|im_start|>", "<|im_end|>"])
            w.set("tokenizer.ggml.token_type", .array(.int32, (0..<256).map { _ in .int32(1) } + [.int32(3), .int32(3)]))
            w.set("tokenizer.ggml.merges", strings: [])
            w.set("tokenizer.ggml.eos_token_id", UInt32(257))
            w.set("tokenizer.chat_template", "{% for message in messages %}<|im_start|>{{ message['role'] }}\\n{{ message['content'] }}<|im_end|>\\n{% endfor %}")
        }
        w.set("\(arch).attention.layer_norm_rms_epsilon", Float(1e-5))
        w.set("\(arch).rope.freq_base", Float(10000))
        func add(_ name: String, _ dims: [Int], scale: Float = 0.3, ones: Bool = false) {
            guard name != omit else { return }
            let n = dims.reduce(1, *)
            var values = ones ? random(n, scale: 0.1).map { 1 + $0 } : random(n, scale: scale)
            if let poison, poison.tensor == name { values[poison.index] = poison.value }
            w.addTensor(name, dims: dims, floats: values)
        }
        add("token_embd.weight", [hidden, vocab], scale: 1)
        for l in 0..<layers {
            let p = "blk.\(l)."
            add(p + "attn_norm.weight", [hidden], ones: true)
            add(p + "attn_q.weight", [hidden, heads * headDim])
            add(p + "attn_k.weight", [hidden, kvHeads * headDim])
            add(p + "attn_v.weight", [hidden, kvHeads * headDim])
            add(p + "attn_output.weight", [heads * headDim, hidden])
            if arch == "qwen2" {
                add(p + "attn_q.bias", [heads * headDim], scale: 0.1)
                add(p + "attn_k.bias", [kvHeads * headDim], scale: 0.1)
                add(p + "attn_v.bias", [kvHeads * headDim], scale: 0.1)
            }
            if arch == "gemma3" {
                add(p + "attn_q_norm.weight", [headDim], ones: true)
                add(p + "attn_k_norm.weight", [headDim], ones: true)
                add(p + "post_attention_norm.weight", [hidden], ones: true)
                add(p + "post_ffw_norm.weight", [hidden], ones: true)
            }
            add(p + "ffn_norm.weight", [hidden], ones: true)
            add(p + "ffn_gate.weight", [hidden, ffn])
            add(p + "ffn_up.weight", [hidden, ffn])
            add(p + "ffn_down.weight", [ffn, hidden])
        }
        add("output_norm.weight", [hidden], ones: true)
        if !tiedOutput { add("output.weight", [hidden, vocab]) }
        edit(&w)
        return w.serialize()
    }
}
