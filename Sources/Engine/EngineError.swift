import GGUF

/// Errors of the engine: unsupported or inconsistent models, and inputs that do not fit.
public enum EngineError: Error, CustomStringConvertible {
    case unsupportedArchitecture(String)
    /// A registry model whose architecture Limbic cannot run (refused before it is downloaded).
    case cannotRun(model: String, architecture: String)
    case badConfig(String)
    case unsupportedTensorType(tensor: String, type: GGMLType)
    case badTensorShape(tensor: String, dims: [Int], expected: [Int])
    case contextFull(needed: Int, capacity: Int)
    case emptyPrompt
    /// Branches that `InferenceContext.evaluateBranches` cannot evaluate (what is wrong with them).
    case badBranches(String)
    case tokenOutOfRange(Int, vocab: Int)
    case badSteeringVector(String)
    /// The first forward pass of a context produced NaN or infinity: in the residual stream after the last layer
    /// (`logits == false`) or in the logits. `model` is the file's name; `steered` says steering was in force.
    case nonFiniteOutput(model: String, logits: Bool, position: Int, steered: Bool)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let a):
            return "architecture '\(a)' is not supported (supported: \(Architectures.names.joined(separator: ", ")))"
        case let .cannotRun(model, architecture):
            return "\(model) is a \(architecture) model, which Limbic cannot run yet (it runs \(Architectures.names.joined(separator: ", "))); 'limbic models info \(model)' describes it without downloading"
        case .badConfig(let s):
            return "inconsistent model: \(s)"
        case .unsupportedTensorType(let t, let type):
            return "tensor '\(t)' has type \(type.name), which Limbic cannot compute with (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)"
        case .badTensorShape(let t, let dims, let expected):
            return "tensor '\(t)' has shape \(dims), expected \(expected)"
        case .contextFull(let needed, let capacity):
            return "the context holds \(capacity) tokens but \(needed) are needed: shorten the prompt, /clear the chat, or raise --context"
        case .emptyPrompt:
            return "the prompt is empty: nothing to evaluate"
        case .badBranches(let s):
            return "bad branches: \(s)"
        case .tokenOutOfRange(let t, let vocab):
            return "token id \(t) is outside the vocabulary (0..<\(vocab))"
        case .badSteeringVector(let s):
            return "bad steering vector: \(s)"
        case let .nonFiniteOutput(model, logits, position, steered):
            let what = logits ? "logits" : "activations after the last layer"
            let cause = steered ? "the steering in force may be too strong, or the model file may be damaged" : "the model file may be damaged"
            return "\(model) gave NaN or infinite \(what) on its first forward pass (position \(position)): \(cause) — check it with 'limbic models verify' (registry models) or get a fresh copy"
        }
    }
}
