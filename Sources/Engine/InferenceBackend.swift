import Tokenizers

/// What the libraries above the engine (`Affect`, `Agent`, `Lab`) need from a model (DESIGN.md §2): tokenize,
/// evaluate with hooks, fork, roll back, read logits and residual norms. `LanguageModel` implements it locally;
/// a remote backend for models too large for one CPU can be added later without touching those libraries.
public protocol InferenceBackend: AnyObject, Sendable {
    /// The model's hyper-parameters (layers, hidden size, context limit, …).
    var config: ModelConfig { get }
    var tokenizer: Tokenizer { get }
    /// The chat template family (throws for an unknown one).
    func chatTemplate() throws -> ChatTemplate
    /// Mean residual-stream norm per layer on ordinary text: the unit of relative steering strength.
    func meanResidualNorms() throws -> [Float]
    /// A fresh sequence (KV cache and scratch) of `capacity` tokens, evaluating up to `batch` tokens per step
    /// (nil: the backend's choice for each).
    func makeSequence(capacity: Int?, threads: Int?, batch: Int?) -> any InferenceSequence
}

extension InferenceBackend {
    /// A fresh sequence with the backend's batch size.
    public func makeSequence(capacity: Int?, threads: Int?) -> any InferenceSequence {
        makeSequence(capacity: capacity, threads: threads, batch: nil)
    }
}

/// A running sequence on a backend: its KV cache and hooks. `InferenceContext` is the local one.
public protocol InferenceSequence: AnyObject {
    /// Tokens in the cache: the next token is evaluated at this position.
    var position: Int { get }
    var capacity: Int { get }
    var threads: Int { get }
    /// The tokens in the cache, in order.
    var tokens: [Int] { get }
    /// Capture subscriptions and steering, applied to every later evaluation.
    var hooks: ForwardHooks { get set }
    /// Evaluates `tokens` at positions `position…` and returns the logits asked for.
    @discardableResult func evaluate(_ tokens: [Int], logits: LogitsRequest) throws -> [Float]
    /// Evaluates several continuations of the tokens in the cache as one batch, each seeing only the cache and
    /// itself, and returns what `readout` asks about each one's next token; the sequence itself is unchanged. See
    /// `InferenceContext.evaluateBranches`.
    func evaluateBranches(_ branches: [[Int]], readout: BranchReadout) throws -> [[Float]]
    /// Evaluates branches as `evaluateBranches` does, handing every token's residual row at each layer's output to
    /// `sink` instead of reading logits. See `InferenceContext.readBranches`.
    func readBranches(_ branches: [[Int]], into sink: any BranchRowSink) throws
    /// The logit lens: the final norm and the LM head applied to residual rows read anywhere (a layer's output, one
    /// row of `hiddenSize` after another), reduced as `readout` asks, one result per row. Changes nothing.
    func lens(_ rows: [Float], readout: BranchReadout) throws -> [[Float]]
    /// A sequence that continues from the same tokens without disturbing this one; steering is kept, listeners
    /// only when asked.
    func fork(keepingListeners: Bool) -> Self
    /// Forgets every token from `position` on.
    func rollback(to position: Int)
    /// Rolls back to the longest prefix of `tokens` that is reusable, and returns what remains to evaluate.
    func reusePrefix(of tokens: [Int]) -> [Int]
}

extension InferenceSequence {
    /// Evaluates `tokens` and returns the last position's logits.
    @discardableResult public func evaluate(_ tokens: [Int]) throws -> [Float] { try evaluate(tokens, logits: .last) }
    /// A fork without the listeners.
    public func fork() -> Self { fork(keepingListeners: false) }
}

extension InferenceContext: InferenceSequence {}

extension LanguageModel: InferenceBackend {
    public func makeSequence(capacity: Int?, threads: Int?, batch: Int?) -> any InferenceSequence {
        makeContext(capacity: capacity, threads: threads, batch: batch)
    }
}
