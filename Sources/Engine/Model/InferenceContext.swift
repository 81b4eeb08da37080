import Foundation
import GGUF

/// Which positions of a forward call produce logits.
public enum LogitsRequest: Sendable {
    /// None (prefill whose output is not needed yet).
    case none
    /// The last position only (generation).
    case last
    /// Every position of the call (scoring a text).
    case all
}

/// Scratch memory for forward calls, allocated once per context ("the wave of activations", as in llama2.c).
/// Sized for `batch` tokens per forward step; longer inputs are evaluated in even steps of at most `batch`.
final class Workspace: @unchecked Sendable {
    let batch: Int
    let x: UnsafeMutablePointer<Float>        // (batch, hidden)  residual stream
    let xb: UnsafeMutablePointer<Float>       // (batch, hidden)  normed input of a sub-block
    let tmp: UnsafeMutablePointer<Float>      // (batch, hidden)  sub-block output before the residual add
    let q: UnsafeMutablePointer<Float>        // (batch, qDim)
    let k: UnsafeMutablePointer<Float>        // (batch, kvDim)
    let v: UnsafeMutablePointer<Float>        // (batch, kvDim)
    let att: UnsafeMutablePointer<Float>      // (batch, qDim)    attention output per head, concatenated
    let hb: UnsafeMutablePointer<Float>       // (batch, ffn)     gate, then silu(gate) * up
    let hb2: UnsafeMutablePointer<Float>      // (batch, ffn)     up
    let scores: UnsafeMutablePointer<Float>   // (headCount, capacity) attention weights, one row per head
    let ropeCos: UnsafeMutablePointer<Float>  // (batch, ropeDim/2)
    let ropeSin: UnsafeMutablePointer<Float>  // (batch, ropeDim/2)
    let invFreq: UnsafeMutablePointer<Float>  // (ropeDim/2)
    /// The same three for the local (sliding-window) layers' RoPE base, when the model has one (gemma3).
    let ropeCosLocal: UnsafeMutablePointer<Float>?
    let ropeSinLocal: UnsafeMutablePointer<Float>?
    let invFreqLocal: UnsafeMutablePointer<Float>?
    let keyChunks: UnsafeMutablePointer<UnsafeMutablePointer<Float>>    // (capacity / chunk + 1)
    let valueChunks: UnsafeMutablePointer<UnsafeMutablePointer<Float>>  // (capacity / chunk + 1)
    let input: QuantizedInput                 // the current mat-mul's activations, quantized once per `project`
    let capacity: Int

    init(config c: ModelConfig, batch: Int, capacity: Int) {
        self.batch = batch
        self.capacity = capacity
        func alloc<T>(_ n: Int) -> UnsafeMutablePointer<T> { .allocate(capacity: max(n, 1)) }
        x = alloc(batch * c.hiddenSize); xb = alloc(batch * c.hiddenSize); tmp = alloc(batch * c.hiddenSize)
        q = alloc(batch * c.qDim); k = alloc(batch * c.kvDim); v = alloc(batch * c.kvDim); att = alloc(batch * c.qDim)
        hb = alloc(batch * c.ffnSize); hb2 = alloc(batch * c.ffnSize)
        scores = alloc(c.headCount * capacity)
        ropeCos = alloc(batch * c.ropeDim / 2); ropeSin = alloc(batch * c.ropeDim / 2); invFreq = alloc(c.ropeDim / 2)
        func fillInverseFrequencies(_ inv: UnsafeMutablePointer<Float>, base: Float) {
            for i in 0..<c.ropeDim / 2 { inv[i] = Float(pow(Double(base), -2 * Double(i) / Double(c.ropeDim))) }
        }
        fillInverseFrequencies(invFreq, base: c.ropeBase)
        if let base = c.ropeBaseLocal {
            ropeCosLocal = alloc(batch * c.ropeDim / 2); ropeSinLocal = alloc(batch * c.ropeDim / 2)
            let inv: UnsafeMutablePointer<Float> = alloc(c.ropeDim / 2)
            fillInverseFrequencies(inv, base: base)
            invFreqLocal = inv
        } else {
            ropeCosLocal = nil; ropeSinLocal = nil; invFreqLocal = nil
        }
        keyChunks = alloc(capacity / KVCache.chunkSize + 1); valueChunks = alloc(capacity / KVCache.chunkSize + 1)
        input = QuantizedInput(maxTokens: batch, maxCols: max(c.hiddenSize, c.qDim, c.ffnSize))
    }

    deinit {
        for p in [x, xb, tmp, q, k, v, att, hb, hb2, scores, ropeCos, ropeSin, invFreq] { p.deallocate() }
        for p in [ropeCosLocal, ropeSinLocal, invFreqLocal] { p?.deallocate() }
        keyChunks.deallocate(); valueChunks.deallocate()
    }
}

/// A running sequence on a model: its KV cache, hooks, and scratch. Evaluate tokens, read logits, fork, roll back.
///
/// Not thread-safe: one caller at a time. A fork shares the workspace with its parent (no copy of scratch memory),
/// so use a fork and its parent one after the other, not concurrently.
public final class InferenceContext: @unchecked Sendable {
    public let weights: ModelWeights
    public var config: ModelConfig { weights.config }
    public internal(set) var cache: KVCache
    /// Active capture and steering; applies to every later forward call.
    public var hooks = ForwardHooks()
    /// The instruction-set level of the kernels (default: the best this CPU has). `.scalar` runs the Swift
    /// reference loops everywhere, which tests compare the fast kernels with.
    public var kernelLevel = KernelLevel.best
    let pool: ThreadPool
    let ws: Workspace
    /// (vocab × positions) logits of the last call, as requested.
    public internal(set) var logits: [Float] = []
    /// The tokens in the cache, in order (`tokens.count == position`).
    public private(set) var tokens: [Int] = []
    /// The steering each stretch of the cache was evaluated under: positions from `start` up to the next entry's
    /// start. Steering is baked into keys and values, so `reusePrefix` must know it.
    private var steeringHistory: [(start: Int, steering: [Steering])] = []
    /// Whether a forward call of this context (or of the one it was forked from) has had its output checked for NaN
    /// and infinity: the residual stream on the first call, the logits on the first call that produces any. A damaged
    /// model shows at once (an Inf block scale made every logit NaN, and generation printed nothing with exit 0), and
    /// checking once costs nothing next to the call.
    private(set) var checkedActivations = false
    private(set) var checkedLogits = false

    /// Tokens per forward step unless asked otherwise: larger steps read the weights fewer times but need more scratch.
    public static let defaultBatch = 64

    public init(weights: ModelWeights, capacity: Int? = nil, threads: Int? = nil, batch: Int = defaultBatch) {
        self.weights = weights
        let cap = min(capacity ?? weights.config.contextLength, weights.config.contextLength)
        cache = KVCache(layerCount: weights.config.layerCount, width: weights.config.kvDim, capacity: cap)
        pool = ThreadPool(threads: threads ?? ThreadPool.defaultThreads)
        ws = Workspace(config: weights.config, batch: batch, capacity: cap)
    }

    private init(forking parent: InferenceContext, keepingListeners: Bool) {
        weights = parent.weights
        cache = parent.cache.fork()
        hooks = parent.hooks
        if !keepingListeners { hooks.removeAllSubscriptions() }
        kernelLevel = parent.kernelLevel
        tokens = parent.tokens
        steeringHistory = parent.steeringHistory
        checkedActivations = parent.checkedActivations
        checkedLogits = parent.checkedLogits
        pool = parent.pool
        ws = parent.ws
    }

    /// Tokens in the cache: the next token is evaluated at this position.
    public var position: Int { cache.count }
    public var capacity: Int { cache.capacity }
    public var threads: Int { pool.threadCount }

    /// A context that continues from the same tokens without disturbing this one (copy-on-write KV cache). It
    /// keeps the steering in force; capture listeners stay with the parent unless `keepingListeners`.
    public func fork(keepingListeners: Bool = false) -> InferenceContext {
        InferenceContext(forking: self, keepingListeners: keepingListeners)
    }

    /// Forgets every token from `position` on.
    public func rollback(to position: Int) {
        cache.rollback(to: position)
        tokens.removeSubrange(position...)
        steeringHistory.removeAll { $0.start >= position }
    }

    /// Rolls back to the longest common prefix of the cache and `newTokens`, and returns what remains to evaluate.
    /// A chat re-renders the whole conversation each turn; this keeps the cache of what did not change. A token on
    /// which other steering acted than the steering in force would now is never kept (steering is baked into its
    /// keys and values), nor is anything after it.
    public func reusePrefix(of newTokens: [Int]) -> [Int] {
        var n = min(commonPrefixLength(tokens, newTokens), firstPositionSteeredDifferently())
        // Re-evaluate at least the last token so the caller gets fresh logits.
        if n == newTokens.count { n = max(0, n - 1) }
        rollback(to: n)
        return Array(newTokens[n...])
    }

    /// The first cached position on which the steering that acted differs from what the steering in force would do
    /// there (`position` when none does). Everything from there on must be evaluated again: that position's keys and
    /// values differ, and later positions attended to them.
    func firstPositionSteeredDifferently() -> Int {
        func acting(_ list: [Steering], at p: Int) -> [Steering] {
            list.filter { s in
                switch s.positions {
                case .all, .last: return true   // `.last` depends on call boundaries: assume it acted
                case .range(let r): return r.contains(p)
                }
            }
        }
        let now = hooks.steering
        for (i, stretch) in steeringHistory.enumerated() {
            let end = i + 1 < steeringHistory.count ? steeringHistory[i + 1].start : position
            guard stretch.start < end else { continue }
            if stretch.steering == now { continue }
            // What acts on a position changes only at range bounds: check the stretch's start and each bound in it.
            var checks = [stretch.start]
            for s in stretch.steering + now {
                if case .range(let r) = s.positions { checks += [r.lowerBound, r.upperBound].filter { $0 > stretch.start && $0 < end } }
            }
            for p in checks.sorted() where acting(stretch.steering, at: p) != acting(now, at: p) { return p }
        }
        return position
    }

    /// Tokens per forward step for `count` tokens: as few steps as the batch size allows, of even size. Each step
    /// reads every weight once, which costs as much as a step of a few tokens computes, so 65 tokens go as 33 + 32,
    /// not 64 + 1.
    func evenStep(_ count: Int) -> Int {
        let steps = max(1, (count + ws.batch - 1) / ws.batch)
        return (count + steps - 1) / steps
    }

    /// Evaluates `tokens` at positions `position…` and returns the logits asked for
    /// (vocab floats for `.last`, vocab × tokens for `.all`, empty for `.none`).
    @discardableResult
    public func evaluate(_ tokens: [Int], logits request: LogitsRequest = .last) throws -> [Float] {
        guard !tokens.isEmpty else { throw EngineError.emptyPrompt }
        guard position + tokens.count <= capacity else {
            throw EngineError.contextFull(needed: position + tokens.count, capacity: capacity)
        }
        let vocab = config.vocabSize
        for t in tokens where t < 0 || t >= vocab { throw EngineError.tokenOutOfRange(t, vocab: vocab) }
        if steeringHistory.last?.steering != hooks.steering { steeringHistory.append((position, hooks.steering)) }
        var out: [Float] = []
        if request == .all { out.reserveCapacity(tokens.count * vocab) }
        let size = evenStep(tokens.count)
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + size)
            let isLast = end == tokens.count
            let want: LogitsRequest = request == .all ? .all : (isLast ? request : .none)
            forward(tokens[start..<end], logits: want)
            if !checkedActivations || (want != .none && !checkedLogits) {
                do {
                    try checkOutput(tokens: end - start, logits: want != .none)
                } catch {
                    rollback(to: self.tokens.count)   // this step's keys and values came from bad numbers
                    throw error
                }
            }
            self.tokens += tokens[start..<end]
            if want != .none { out += logits }
            start = end
        }
        logits = out
        return out
    }
}

extension InferenceContext {
    /// Checks the forward call just made (`count` tokens, after `tokens`): the residual stream after the last
    /// layer, once per context; the logits, on the first call that produced them. NaN propagates through every later
    /// layer and attends into every later position, so the last layer's rows are where any damage shows.
    /// - Throws: `EngineError.nonFiniteOutput`.
    fileprivate func checkOutput(tokens count: Int, logits: Bool) throws {
        let model = URL(fileURLWithPath: weights.file.path).lastPathComponent
        let steered = !hooks.steering.isEmpty
        let first = tokens.count   // the call's first position (`tokens` is extended once the call is checked)
        if !checkedActivations {
            let D = config.hiddenSize
            for i in 0..<(count * D) where !ws.x[i].isFinite {
                throw EngineError.nonFiniteOutput(model: model, logits: false, position: first + i / D, steered: steered)
            }
            checkedActivations = true
        }
        if logits, !checkedLogits {
            let rows = self.logits.count / max(config.vocabSize, 1)
            if let i = self.logits.firstIndex(where: { !$0.isFinite }) {
                throw EngineError.nonFiniteOutput(model: model, logits: true, position: first + count - rows + i / config.vocabSize, steered: steered)
            }
            checkedLogits = true
        }
    }
}

/// How many leading elements `a` and `b` share.
public func commonPrefixLength<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
    var n = 0
    while n < a.count, n < b.count, a[n] == b[n] { n += 1 }
    return n
}
