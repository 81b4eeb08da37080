import Affect
import Foundation

/// A checked policy file, evaluated after every turn (the `Policy` the turn pipeline runs).
///
/// Every guard is evaluated after each turn, in file order, and all that hold fire. Values missing on a turn (no
/// self-report, no monitoring, NaN) make their comparisons false. Windows (`for N turns`, `in M of N turns`)
/// count the turns this engine has evaluated, the current one included. A guard that fired is disarmed until its
/// condition has been false on `rearm` consecutive turns (hysteresis; `rearm 0` fires on every turn it holds).
public final class PolicyEngine: Policy {
    public let name: String
    public let policy: PolicyFile
    /// The regular expressions of `reply matches`, compiled once.
    private let regexes: [String: NSRegularExpression]
    private let groups: [String: [String]]
    /// The most recent turns, oldest first; as many as the longest window reaches back.
    private var frames: [Frame] = []
    private let framesKept: Int
    private var states: [GuardState]

    struct Frame {
        var turn: Int
        var reply: String
        var monitoring: TurnMonitoring?
    }

    struct GuardState {
        var armed = true
        var falseRun = 0
    }

    /// Parses and checks `text` against `emotions`; the engine is nil when there is any error. Diagnostics
    /// (errors and warnings) come sorted by place.
    public static func compile(_ text: String, file: String, emotions: [String]) -> (engine: PolicyEngine?, diagnostics: [PolicyDiagnostic]) {
        let (policy, syntax) = PolicyParser.parse(text, file: file)
        let diagnostics = syntax + PolicyChecker.check(policy, text: text, file: file, emotions: emotions)
        guard !diagnostics.hasErrors else { return (nil, diagnostics.sorted { $0.location < $1.location }) }
        return (PolicyEngine(checked: policy, name: file), diagnostics)
    }

    /// An engine for a policy that `PolicyChecker` found free of errors.
    init(checked policy: PolicyFile, name: String) {
        self.name = name
        self.policy = policy
        var regexes: [String: NSRegularExpression] = [:]
        var lookback = 0
        for g in policy.guards {
            g.condition.forEachRegex { p in regexes[p] = regexes[p] ?? (try? NSRegularExpression(pattern: p)) }
            lookback = Swift.max(lookback, g.condition.lookback)
        }
        self.regexes = regexes
        var groups: [String: [String]] = [:]
        for g in policy.groups where groups[g.name] == nil { groups[g.name] = g.members.map(\.text) }
        self.groups = groups
        framesKept = lookback + 1
        states = Array(repeating: GuardState(), count: policy.guards.count)
    }

    /// Forgets the turns seen and re-arms every guard (a cleared conversation).
    public func reset() {
        frames = []
        states = Array(repeating: GuardState(), count: policy.guards.count)
    }

    public func evaluate(_ input: PolicyInput) -> [FiredAction] {
        let monitoring = input.history.last.flatMap { $0.turn == input.turn ? $0 : nil }
        frames.append(Frame(turn: input.turn, reply: input.reply, monitoring: monitoring))
        if frames.count > framesKept { frames.removeFirst(frames.count - framesKept) }
        let now = frames.count - 1
        var fired: [FiredAction] = []
        for (g, decl) in policy.guards.enumerated() {
            let (holds, witness) = eval(decl.condition, at: now)
            if holds && states[g].armed {
                let emotion = witness ?? decl.condition.firstEmotion(groups: groups)
                fired += decl.actions.map { FiredAction(guardName: decl.name, action: action($0, guard: decl.name, emotion: emotion, frame: frames[now])) }
                if decl.rearm > 0 {
                    states[g].armed = false
                    states[g].falseRun = 0
                }
            } else if !states[g].armed {
                states[g].falseRun = holds ? 0 : states[g].falseRun + 1
                if states[g].falseRun >= decl.rearm { states[g].armed = true }
            }
        }
        return fired
    }

    // MARK: Conditions

    /// Whether `c` holds on frame `i`, and the emotion that made it hold (the group member for `any` and
    /// `max`/`min`, the first flagged emotion for a flag).
    func eval(_ c: Condition, at i: Int) -> (Bool, String?) {
        switch c {
        case let .compare(operand, op, v, _):
            guard let m = frames[i].monitoring else { return (false, nil) }
            switch operand {
            case .emotion(let r):
                return op.holds(value(r.source, r.name.text, m), v) ? (true, r.name.text) : (false, nil)
            case let .group(agg, r):
                let members = groups[r.name.text] ?? []
                let values = members.map { (name: $0, value: value(r.source, $0, m)) }
                switch agg {
                case .any:
                    return values.first { op.holds($0.value, v) }.map { (true, $0.name) } ?? (false, nil)
                case .all:
                    return !values.isEmpty && values.allSatisfy({ op.holds($0.value, v) }) ? (true, values[0].name) : (false, nil)
                case .max, .min:
                    let present = values.filter { $0.value.isFinite }
                    let pick = agg == .max ? present.max { $0.value < $1.value } : present.min { $0.value < $1.value }
                    guard let pick, op.holds(pick.value, v) else { return (false, nil) }
                    return (true, pick.name)
                }
            }
        case let .flag(d, _):
            guard let m = frames[i].monitoring else { return (false, nil) }
            let e = m.reply.emotions.indices.first { m.flag($0) == d }
            return e.map { (true, m.reply.emotions[$0]) } ?? (false, nil)
        case let .replyMatches(p, _):
            guard let r = regexes[p] else { return (false, nil) }
            let s = frames[i].reply
            return (r.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil, nil)
        case .not(let a):
            return (!eval(a, at: i).0, nil)
        case let .and(a, b):
            let x = eval(a, at: i)
            guard x.0 else { return (false, nil) }
            let y = eval(b, at: i)
            return y.0 ? (true, x.1 ?? y.1) : (false, nil)
        case let .or(a, b):
            let x = eval(a, at: i)
            return x.0 ? x : eval(b, at: i)
        case let .sustained(a, w, _):
            let lo = i - w.turns + 1
            switch w {
            case .every:
                guard lo >= 0, (lo..<i).allSatisfy({ eval(a, at: $0).0 }) else { return (false, nil) }
                return eval(a, at: i)
            case .atLeast(let m, _):
                let count = (Swift.max(lo, 0)...i).filter { eval(a, at: $0).0 }.count
                guard count >= m else { return (false, nil) }
                let now = eval(a, at: i)
                return (true, now.0 ? now.1 : nil)
            }
        }
    }

    /// The value of `emotion` from `source` on a turn, NaN when missing.
    func value(_ source: ValueSource, _ emotion: String, _ m: TurnMonitoring) -> Double {
        switch source {
        case .reading, .readingLast:
            guard let e = m.reply.emotions.firstIndex(of: emotion) else { return .nan }
            let zs = source == .reading ? m.reply.meanZ : m.reply.lastBeforeZ
            return e < zs.count ? Double(zs[e]) : .nan
        case .selfReport:
            guard let r = m.selfReport, let e = r.emotions.firstIndex(of: emotion) else { return .nan }
            let values = r.values
            return e < values.count ? Double(values[e]) : .nan
        case .gap:
            guard let gap = m.gap, let e = m.reply.emotions.firstIndex(of: emotion), e < gap.count else { return .nan }
            return Double(gap[e])
        }
    }

    // MARK: Actions

    func action(_ a: ActionSyntax, guard name: String, emotion: String?, frame: Frame) -> PolicyAction {
        let fill = { (t: Template) in self.fill(t.text, guard: name, emotion: emotion, frame: frame) }
        switch a {
        case .pause(let t): return .pause(fill(t))
        case .tell(let t): return .tell(fill(t))
        case .log(let t): return .log(fill(t))
        case .abort(let t): return .abort(fill(t))
        case let .steer(e, s, layers, turns): return .steer(emotion: e.text, strength: Float(s), layers: layers, turns: turns)
        }
    }

    /// Replaces `{emotion}`, `{z}`, `{selfreport}`, `{gap}`, `{turn}`, `{guard}`; a value that is missing reads
    /// "n/a".
    func fill(_ text: String, guard name: String, emotion: String?, frame: Frame) -> String {
        func number(_ source: ValueSource, _ format: String) -> String {
            guard let emotion, let m = frame.monitoring else { return "n/a" }
            let v = value(source, emotion, m)
            return v.isFinite ? String(format: format, v) : "n/a"
        }
        var out = text
        for (field, value) in [("emotion", emotion ?? "n/a"), ("z", number(.reading, "%.2f")),
                               ("selfreport", number(.selfReport, "%.1f")), ("gap", number(.gap, "%+.2f")),
                               ("turn", String(frame.turn)), ("guard", name)] {
            out = out.replacingOccurrences(of: "{\(field)}", with: value)
        }
        return out
    }
}

extension Condition {
    /// Turns before this one that evaluating the condition reads.
    var lookback: Int {
        switch self {
        case .compare, .flag, .replyMatches: return 0
        case .not(let a): return a.lookback
        case let .and(a, b), let .or(a, b): return Swift.max(a.lookback, b.lookback)
        case let .sustained(a, w, _): return Swift.max(w.turns - 1, 0) + a.lookback
        }
    }

    func forEachRegex(_ body: (String) -> Void) {
        switch self {
        case .compare, .flag: break
        case .replyMatches(let p, _): body(p)
        case .not(let a), .sustained(let a, _, _): a.forEachRegex(body)
        case let .and(a, b), let .or(a, b):
            a.forEachRegex(body)
            b.forEachRegex(body)
        }
    }

    /// The first emotion the condition names (a group's first member), for messages when nothing more specific
    /// made it hold.
    func firstEmotion(groups: [String: [String]]) -> String? {
        switch self {
        case .compare(.emotion(let r), _, _, _): return r.name.text
        case .compare(.group(_, let r), _, _, _): return groups[r.name.text]?.first
        case .flag, .replyMatches: return nil
        case .not(let a), .sustained(let a, _, _): return a.firstEmotion(groups: groups)
        case let .and(a, b), let .or(a, b): return a.firstEmotion(groups: groups) ?? b.firstEmotion(groups: groups)
        }
    }
}
