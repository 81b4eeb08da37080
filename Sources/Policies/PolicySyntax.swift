import Affect

/// A parsed policy file (DESIGN.md §5): groups of emotions and guards, in file order. `description` prints it
/// back in a canonical form (one clause per line, every operator's operands in parentheses), which the tests
/// compare against golden text.
public struct PolicyFile: Sendable, Equatable, CustomStringConvertible {
    public var groups: [GroupDecl]
    public var guards: [GuardDecl]

    public init(groups: [GroupDecl] = [], guards: [GuardDecl] = []) {
        self.groups = groups
        self.guards = guards
    }

    public var description: String {
        (groups.map(\.description) + guards.map(\.description)).joined(separator: "\n")
    }
}

/// `group NAME = emotion, emotion, …`
public struct GroupDecl: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var members: [Name]
    /// Where the group's name is.
    public var location: SourceLocation

    public var description: String { "group \(name) = " + members.map(\.text).joined(separator: ", ") }
}

/// A name as written, with where.
public struct Name: Sendable, Equatable {
    public var text: String
    public var location: SourceLocation
}

/// `guard "NAME" when CONDITION [rearm N] then ACTION…`
public struct GuardDecl: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// Where the guard's name (the string) is.
    public var location: SourceLocation
    public var condition: Condition
    /// Where `when` is (warnings about the whole condition point here).
    public var whenLocation: SourceLocation
    /// Turns the condition must be false after firing before the guard can fire again (1 unless `rearm N`).
    public var rearm: Int
    public var actions: [ActionSyntax]

    public var description: String {
        var s = "guard \(quoted(name))\n  when \(condition)"
        if rearm != 1 { s += "\n  rearm \(rearm)" }
        return s + "\n  then " + actions.map(\.description).joined(separator: "\n       ")
    }
}

/// Where a value is read from: the reply's mean reading z, the reading at the last token before the reply
/// (`.last`), the self-report (0-9), or the gap (reading z minus self-report z).
public enum ValueSource: String, Sendable, Equatable {
    case reading
    case readingLast
    case selfReport
    case gap
}

/// An emotion (or, inside `any(…)` and the like, a group) and where its value comes from.
public struct ValueRef: Sendable, Equatable, CustomStringConvertible {
    public var source: ValueSource
    public var name: Name

    public var description: String {
        switch source {
        case .reading: return name.text
        case .readingLast: return name.text + ".last"
        case .selfReport: return "selfreport." + name.text
        case .gap: return "gap." + name.text
        }
    }
}

/// `any`, `all`, `max` and `min` over a group.
public enum Aggregate: String, Sendable, Equatable {
    case any, all, max, min
}

/// The left side of a comparison.
public enum Operand: Sendable, Equatable, CustomStringConvertible {
    case emotion(ValueRef)
    case group(Aggregate, ValueRef)

    public var description: String {
        switch self {
        case .emotion(let v): return v.description
        case let .group(a, v): return "\(a.rawValue)(\(v))"
        }
    }

    var ref: ValueRef {
        switch self {
        case .emotion(let v), .group(_, let v): return v
        }
    }
}

public enum ComparisonOperator: String, Sendable, Equatable {
    case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="

    /// NaN (a missing value) compares false under every operator, `!=` included.
    func holds(_ a: Double, _ b: Double) -> Bool {
        guard a.isFinite else { return false }
        switch self {
        case .greater: return a > b
        case .greaterOrEqual: return a >= b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .equal: return a == b
        case .notEqual: return a != b
        }
    }
}

/// How long a condition must have held: on each of the last N turns, or on at least M of them.
public enum Window: Sendable, Equatable, CustomStringConvertible {
    case every(turns: Int)
    case atLeast(Int, ofTurns: Int)

    /// Turns the window reaches back, this one included.
    public var turns: Int {
        switch self {
        case .every(let n), .atLeast(_, let n): return n
        }
    }

    public var description: String {
        switch self {
        case .every(let n): return "for \(n) turn\(n == 1 ? "" : "s")"
        case let .atLeast(m, n): return "in \(m) of \(n) turn\(n == 1 ? "" : "s")"
        }
    }
}

/// A guard's condition.
public indirect enum Condition: Sendable, Equatable, CustomStringConvertible {
    case compare(Operand, ComparisonOperator, Double, at: SourceLocation)
    /// `flag.hidden` / `flag.overclaimed`: some emotion has this disagreement flag this turn.
    case flag(Disagreement, at: SourceLocation)
    /// `reply matches "regex"`.
    case replyMatches(String, at: SourceLocation)
    case not(Condition)
    case and(Condition, Condition)
    case or(Condition, Condition)
    case sustained(Condition, Window, at: SourceLocation)

    public var description: String {
        switch self {
        case let .compare(o, op, v, _): return "\(o) \(op.rawValue) \(formatNumber(v))"
        case let .flag(d, _): return "flag.\(d.rawValue)"
        case let .replyMatches(r, _): return "reply matches \(quoted(r))"
        case .not(let c): return "not (\(c))"
        case let .and(a, b): return "(\(a)) and (\(b))"
        case let .or(a, b): return "(\(a)) or (\(b))"
        case let .sustained(c, w, _): return "(\(c)) \(w)"
        }
    }
}

/// A message with `{emotion}`, `{z}`, `{selfreport}`, `{gap}`, `{turn}`, `{guard}` fields.
public struct Template: Sendable, Equatable {
    public var text: String
    public var location: SourceLocation
}

/// An action as written.
public enum ActionSyntax: Sendable, Equatable, CustomStringConvertible {
    case pause(Template)
    case tell(Template)
    case log(Template)
    case abort(Template)
    /// `steer EMOTION ±S [at L, L…] [for N turns]`
    case steer(Name, strength: Double, layers: [Int]?, turns: Int)

    public var description: String {
        switch self {
        case .pause(let t): return "pause \(quoted(t.text))"
        case .tell(let t): return "tell \(quoted(t.text))"
        case .log(let t): return "log \(quoted(t.text))"
        case .abort(let t): return "abort \(quoted(t.text))"
        case let .steer(e, s, layers, turns):
            let at = layers.map { " at " + $0.map(String.init).joined(separator: ", ") } ?? ""
            return "steer \(e.text) \(s >= 0 ? "+" : "")\(formatNumber(s))\(at) for \(turns) turn\(turns == 1 ? "" : "s")"
        }
    }
}

func formatNumber(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
}

func quoted(_ s: String) -> String {
    var out = "\""
    for c in s {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default: out.append(c)
        }
    }
    return out + "\""
}
