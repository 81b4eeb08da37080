import Affect

/// What a guard asks for after a turn (DESIGN.md §5). Actions are values: a policy returns them and the
/// `TurnPipeline` carries them out, so the terminal, the log and the tests all see the same thing.
public enum PolicyAction: Sendable, Equatable {
    /// Write an `action` event with this message.
    case log(String)
    /// Put a monitor note into the model's context (a system message before the next user turn).
    case tell(String)
    /// Steer toward (positive) or away from (negative) `emotion`, `strength` a fraction of the mean residual
    /// norm at each layer (DESIGN.md §6 units), at `layers` (default: the probe set's reading layer), for the next
    /// `turns` turns.
    case steer(emotion: String, strength: Float, layers: [Int]?, turns: Int)
    /// Stop before the next user turn and hand over to the human (interactive) or save and stop (scripts).
    case pause(String)
    /// End the session.
    case abort(String)

    /// The action's name as the log writes it.
    public var name: String {
        switch self {
        case .log: return "log"
        case .tell: return "tell"
        case .steer: return "steer"
        case .pause: return "pause"
        case .abort: return "abort"
        }
    }

    /// The action's detail as the log writes it.
    public var detail: String {
        switch self {
        case .log(let m), .tell(let m), .pause(let m), .abort(let m): return m
        case let .steer(emotion, strength, layers, turns):
            let at = layers.map { " at " + $0.map(String.init).joined(separator: ",") } ?? ""
            return "\(emotion) \(strength >= 0 ? "+" : "")\(strength)\(at) for \(turns) turn\(turns == 1 ? "" : "s")"
        }
    }
}

/// One action and the guard that fired it.
public struct FiredAction: Sendable, Equatable {
    public var guardName: String
    public var action: PolicyAction

    public init(guardName: String, action: PolicyAction) {
        self.guardName = guardName
        self.action = action
    }
}

/// What a policy sees after each turn.
public struct PolicyInput: Sendable {
    /// The index of the turn just finished (0-based, as `TurnMonitoring.turn` counts).
    public var turn: Int
    /// The assistant's reply of that turn.
    public var reply: String
    /// Every monitored turn so far, the latest last (empty without the monitor). The turn just finished is the
    /// last entry when it was monitored.
    public var history: [TurnMonitoring]

    public init(turn: Int, reply: String, history: [TurnMonitoring]) {
        self.turn = turn
        self.reply = reply
        self.history = history
    }
}

/// A set of guards evaluated after every turn (the policy language plugs in here). Evaluation only decides; the
/// pipeline acts. A policy may keep state across turns (sustained conditions, hysteresis).
public protocol Policy: AnyObject {
    /// Where it came from (a file path), for the log.
    var name: String { get }
    /// The actions to take after this turn, in the order they should happen.
    func evaluate(_ input: PolicyInput) -> [FiredAction]
    /// Forgets the turn history (windows, hysteresis): the conversation started over.
    func reset()
}

extension Policy {
    /// A policy without state has nothing to forget.
    public func reset() {}
}
