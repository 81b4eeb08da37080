import GGUF

/// Whether Limbic can dequantize rows of `type` and multiply matrices of it with `matmul`.
public func supportsDot(_ type: GGMLType) -> Bool {
    activationFormat(for: type) != nil
}

/// What a weight type's dot kernel reads on the activation side (llama.cpp's `vec_dot_type`).
enum ActivationFormat: Sendable {
    /// 32-element int8 blocks with a float scale and the block sum (llama.cpp's Q8_0 / Q8_1).
    case q8Blocks32
    /// 256-element int8 blocks with a float scale and sums per 16 (llama.cpp's Q8_K).
    case q8K
    /// Plain f32.
    case float
}

func activationFormat(for type: GGMLType) -> ActivationFormat? {
    switch type {
    case .f32, .f16, .bf16: return .float
    case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return .q8Blocks32
    case .q4_K, .q5_K, .q6_K: return .q8K
    default: return nil
    }
}
