import GGUF

/// Errors of the quantized-weight layer.
public enum QuantError: Error, CustomStringConvertible {
    /// A tensor has an element type Limbic has no kernels for.
    case unsupportedType(tensor: String, type: GGMLType)

    public var description: String {
        switch self {
        case let .unsupportedType(tensor, type):
            let supported = GGMLType.allCases.filter(supportsDot).map(\.name).joined(separator: ", ")
            return "tensor '\(tensor)' has type \(type.name), which Limbic does not support (supported: \(supported)); "
                + "use a GGUF file quantized to one of those"
        }
    }
}

/// Whether Limbic can dequantize rows of `type` and multiply matrices of it with `matmul`.
public func supportsDot(_ type: GGMLType) -> Bool {
    activationFormat(for: type) != nil
}

/// Throws `QuantError.unsupportedType` when tensor `name` has a type without kernels; call before running a model.
public func checkSupported(_ type: GGMLType, tensor name: String) throws {
    guard supportsDot(type) else { throw QuantError.unsupportedType(tensor: name, type: type) }
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
