import Foundation

/// Sampling settings. Defaults are llama.cpp's (`llama-cli`): temperature 0.8, top-k 40, top-p 0.95, min-p 0.05,
/// repetition penalty 1.0 (off) over the last 64 tokens.
public struct SamplingParameters: Sendable, Equatable {
    /// 0 means greedy (argmax).
    public var temperature: Float = 0.8
    /// 0 disables top-k.
    public var topK: Int = 40
    /// 1 disables top-p.
    public var topP: Float = 0.95
    /// 0 disables min-p.
    public var minP: Float = 0.05
    /// 1 disables the penalty. Applied as in llama.cpp: a positive logit is divided, a negative one multiplied.
    public var repetitionPenalty: Float = 1.0
    public var repetitionWindow: Int = 64
    public var seed: UInt64 = 0

    public init() {}

    public static var greedy: SamplingParameters { var p = SamplingParameters(); p.temperature = 0; return p }
}

/// A small deterministic PRNG (SplitMix64): the same seed gives the same text on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Picks the next token from logits. Order as llama.cpp's default chain: repetition penalty → top-k → top-p →
/// min-p → temperature → draw.
public struct Sampler: Sendable {
    public var parameters: SamplingParameters
    private var rng: SplitMix64

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = SplitMix64(seed: parameters.seed)
    }

    /// The next token given the logits of the last position and the tokens so far (for the penalty).
    public mutating func sample(_ logits: [Float], history: [Int] = []) -> Int {
        var logits = logits
        let p = parameters
        if p.repetitionPenalty != 1 {
            for id in Set(history.suffix(p.repetitionWindow)) where id >= 0 && id < logits.count {
                logits[id] = logits[id] > 0 ? logits[id] / p.repetitionPenalty : logits[id] * p.repetitionPenalty
            }
        }
        if p.temperature <= 0 { return Sampler.argmax(logits) }

        // Candidates sorted by logit, cut by top-k.
        var ids = Array(logits.indices)
        let k = p.topK > 0 ? min(p.topK, ids.count) : ids.count
        if k < ids.count {
            ids = Sampler.topIndices(logits, k)
        } else {
            ids.sort { logits[$0] > logits[$1] }
        }
        // Probabilities at temperature 1 for the cut-offs (llama.cpp applies top-p/min-p before temperature).
        var probs = Sampler.softmax(ids.map { logits[$0] })
        if p.topP < 1 {
            var cumulative: Float = 0, keep = ids.count
            for (i, q) in probs.enumerated() { cumulative += q; if cumulative >= p.topP { keep = i + 1; break } }
            ids.removeSubrange(keep...); probs.removeSubrange(keep...)
        }
        if p.minP > 0, let top = probs.first {
            let keep = max(1, probs.prefix { $0 >= p.minP * top }.count)
            ids.removeSubrange(keep...); probs.removeSubrange(keep...)
        }
        let final = Sampler.softmax(ids.map { logits[$0] / p.temperature })
        let r = Float(Double(rng.next() >> 11) / Double(1 << 53))
        var cumulative: Float = 0
        for (i, q) in final.enumerated() {
            cumulative += q
            if r < cumulative { return ids[i] }
        }
        return ids.last!
    }

    /// Index of the largest logit; ties go to the lower id (as llama.cpp).
    public static func argmax(_ x: [Float]) -> Int {
        var best = 0
        for i in x.indices where x[i] > x[best] { best = i }
        return best
    }

    /// The `k` indices with the largest values, in descending order (ties to the lower id).
    public static func topIndices(_ x: [Float], _ k: Int) -> [Int] {
        guard k > 0 else { return [] }
        var heap: [Int] = []   // kept sorted descending; k is small
        heap.reserveCapacity(k + 1)
        for i in x.indices {
            if heap.count == k, x[i] <= x[heap[k - 1]] { continue }
            var lo = 0, hi = heap.count
            while lo < hi { let mid = (lo + hi) / 2; if x[heap[mid]] >= x[i] { lo = mid + 1 } else { hi = mid } }
            heap.insert(i, at: lo)
            if heap.count > k { heap.removeLast() }
        }
        return heap
    }

    public static func softmax(_ x: [Float]) -> [Float] {
        guard let m = x.max() else { return [] }
        let e = x.map { expf($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// log-sum-exp over all logits, in Double (for log-probabilities).
    public static func logSumExp(_ x: [Float]) -> Double { logSumExp(x[...]) }

    /// log Σ exp(x) of a slice (a row of a larger buffer).
    public static func logSumExp<C: Collection<Float>>(_ x: C) -> Double {
        guard let m = x.max() else { return -.infinity }
        var s = 0.0
        for v in x { s += exp(Double(v - m)) }
        return Double(m) + log(s)
    }
}
