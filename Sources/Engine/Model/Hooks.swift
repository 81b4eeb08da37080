/// Where in the forward pass a hook reads or writes the residual stream. Names and numbering follow llama.cpp's
/// graph (`inp_embd`, `attn_out-N`, `ffn_out-N`, `l_out-N`) so that our layer N is llama.cpp's layer N:
///
/// | site | llama.cpp name | what it holds |
/// | --- | --- | --- |
/// | `.embedding` | `inp_embd` | the token embedding, the residual stream's input to block 0 |
/// | `.attnOut(N)` | `attn_out-N` | block N's attention output after its output projection, before the residual add |
/// | `.ffnOut(N)` | `ffn_out-N` | block N's feed-forward output, before the residual add |
/// | `.layer(N)` | `l_out-N` | the residual stream at the output of block N, after both residual adds ("layer N") |
///
/// Steering adds to `.embedding` or `.layer(N)` only: those are the residual stream itself, so an addition there
/// flows into every later block (repeng's and llama.cpp's `direction.N` is `.layer(N)`).
public enum HookSite: Hashable, Sendable, CustomStringConvertible {
    case embedding
    case attnOut(Int)
    case ffnOut(Int)
    case layer(Int)

    public var description: String {
        switch self {
        case .embedding: return "inp_embd"
        case .attnOut(let n): return "attn_out-\(n)"
        case .ffnOut(let n): return "ffn_out-\(n)"
        case .layer(let n): return "l_out-\(n)"
        }
    }
}

/// Token positions, absolute in the KV cache, so a choice survives across calls ("the tokens of sentence 3").
public enum PositionSelector: Sendable, Equatable {
    case all
    /// Only the last position of each forward call.
    case last
    /// Positions in `lowerBound..<upperBound`; use `Int.max` as the upper bound for "from here on".
    case range(Range<Int>)

    @inline(__always) func contains(_ position: Int, lastOfCall: Int) -> Bool {
        switch self {
        case .all: return true
        case .last: return position == lastOfCall
        case .range(let r): return r.contains(position)
        }
    }
}

/// Adds `strength × vector` to the residual stream at one site over chosen positions.
///
/// Steering that is active while a prefix is evaluated is baked into that prefix's keys and values in the KV cache:
/// later tokens attend to the steered prefix even after the steering is removed. The published injection protocols
/// rely on exactly this (inject while the prompt is filled, then read the answer unsteered). For the same reason
/// `InferenceContext.reusePrefix` never reuses tokens evaluated under other steering than the one in force.
public struct Steering: Sendable, Equatable {
    public var site: HookSite
    /// (hidden) Direction to add; need not be unit length.
    public var vector: [Float]
    /// Absolute multiplier. To express a fraction of the mean residual norm, multiply by that norm first.
    public var strength: Float
    public var positions: PositionSelector
    /// Rescale each steered row back to its norm before steering, so only the direction changes.
    public var normPreserving: Bool

    public init(site: HookSite, vector: [Float], strength: Float, positions: PositionSelector = .all, normPreserving: Bool = false) {
        self.site = site
        self.vector = vector
        self.strength = strength
        self.positions = positions
        self.normPreserving = normPreserving
    }
}

/// Receives activations during a forward call: for each site and each selected position, `receive` gets the row
/// (hidden floats) — a view into the engine's scratch memory, valid only during the call, so copy what you keep.
/// Rows arrive in position order within a site; sites in forward order. No allocation happens per token.
public protocol ActivationSink: AnyObject {
    func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>)
}

/// Identifies one capture subscription, to remove it later.
public struct CaptureHandle: Hashable, Sendable {
    let id: Int
}

/// One listener: which sites and positions it reads, and where the rows go.
public struct CaptureSubscription: @unchecked Sendable {
    public let handle: CaptureHandle
    public var sites: Set<HookSite>
    public var positions: PositionSelector
    /// Held strongly until unsubscribed (a sink does not hold the context, so there is no cycle).
    public let sink: any ActivationSink
}

/// What to read and what to add during forward calls: any number of capture subscriptions (the monitor, a policy
/// that reads another layer, a lab experiment can all listen to one forward pass) and the steering list. Lives on
/// an `InferenceContext` and applies to every later prefill and decode until changed.
///
/// A fork copies the steering (it is part of what the forked cache was computed with) but not the listeners,
/// unless asked (`InferenceContext.fork(keepingListeners:)`): a self-report question asked on a fork must not
/// reach the conversation's monitor.
public struct ForwardHooks: Sendable {
    public var steering: [Steering] = []
    public private(set) var subscriptions: [CaptureSubscription] = []
    private var nextID = 0

    public init() {}

    /// Starts delivering rows of `sites` at `positions` to `sink`; returns the handle that removes it.
    @discardableResult
    public mutating func subscribe(_ sink: any ActivationSink, sites: Set<HookSite>, positions: PositionSelector = .all) -> CaptureHandle {
        let handle = CaptureHandle(id: nextID)
        nextID += 1
        subscriptions.append(CaptureSubscription(handle: handle, sites: sites, positions: positions, sink: sink))
        return handle
    }

    /// Stops the subscription `handle` (no effect when it is already gone).
    public mutating func unsubscribe(_ handle: CaptureHandle) {
        subscriptions.removeAll { $0.handle == handle }
    }

    /// Changes which positions an existing subscription reads (e.g. skip the first tokens of each passage).
    public mutating func setPositions(_ positions: PositionSelector, for handle: CaptureHandle) {
        for i in subscriptions.indices where subscriptions[i].handle == handle { subscriptions[i].positions = positions }
    }

    /// Removes every listener (steering stays).
    public mutating func removeAllSubscriptions() { subscriptions = [] }

    public var isEmpty: Bool { steering.isEmpty && subscriptions.isEmpty }
}
