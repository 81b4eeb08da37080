import Foundation

/// Checks a parsed policy against the emotions of the probe set in use: every name is an emotion or a group,
/// guard names are unique, windows are possible, regular expressions compile, message fields exist; warns about
/// conditions that can never hold and guards that need a self-report to fire.
public enum PolicyChecker {
    /// The fields a message may use.
    public static let templateFields = ["emotion", "z", "selfreport", "gap", "turn", "guard"]
    /// The longest window (`for N turns`, `in M of N turns`) a guard may ask for.
    public static let maxWindow = 1000
    /// The most comparisons one evaluation of a condition may make (windows multiply their insides).
    public static let maxCost = 100_000

    public static func check(_ policy: PolicyFile, text: String, file: String, emotions: [String]) -> [PolicyDiagnostic] {
        var c = Checker(lines: sourceLines(text), file: file, emotions: emotions)
        c.run(policy)
        return c.diagnostics.sorted { $0.location < $1.location }
    }
}

private struct Checker {
    let lines: [String]
    let file: String
    let emotions: [String]
    var groups: [String: [String]] = [:]
    var diagnostics: [PolicyDiagnostic] = []

    init(lines: [String], file: String, emotions: [String]) {
        self.lines = lines
        self.file = file
        self.emotions = emotions
    }

    mutating func report(_ s: PolicyDiagnostic.Severity, _ at: SourceLocation, _ m: String) {
        diagnostics.append(PolicyDiagnostic(s, file: file, at: at, m, lineText: line(at.line, of: lines)))
    }

    mutating func run(_ policy: PolicyFile) {
        for g in policy.groups {
            if groups[g.name] != nil {
                report(.error, g.location, "group '\(g.name)' is defined twice")
                continue
            }
            for m in g.members { checkEmotion(m) }
            groups[g.name] = g.members.map(\.text)
        }
        var guardNames = Set<String>()
        for g in policy.guards {
            if !guardNames.insert(g.name).inserted { report(.error, g.location, "guard '\(g.name)' is defined twice") }
            check(g.condition)
            let cost = g.condition.cost
            if cost > PolicyChecker.maxCost {
                report(.error, g.whenLocation, "guard '\(g.name)' would make \(cost) comparisons a turn (at most \(PolicyChecker.maxCost)): shorten or un-nest its windows")
            }
            // Only for conditions that read nothing else: `desperate > 2 and selfreport.desperate < 2` needing a
            // self-report is the point of the guard, not a slip.
            if readsOnlySelfReport(g.condition), !possible(g.condition, withoutSelfReport: true).contains(true),
               possible(g.condition, withoutSelfReport: false).contains(true) {
                report(.warning, g.whenLocation, "guard '\(g.name)' can only fire on turns with a self-report")
            }
            for a in g.actions {
                switch a {
                case .pause(let t), .tell(let t), .log(let t), .abort(let t):
                    checkTemplate(t)
                case let .steer(e, s, _, _):
                    checkEmotion(e)
                    if s == 0 { report(.warning, e.location, "'steer \(e.text) 0' does nothing") }
                }
            }
        }
    }

    mutating func checkEmotion(_ n: Name) {
        guard !emotions.contains(n.text) else { return }
        var m = "unknown emotion '\(n.text)'"
        if let s = closest(n.text, in: emotions) { m += "; did you mean '\(s)'?" } else if !emotions.isEmpty {
            m += " (the probe set has \(emotions.joined(separator: ", ")))"
        }
        if groups[n.text] != nil { m += "; '\(n.text)' is a group: use any(\(n.text)), all(\(n.text)) or max(\(n.text))" }
        report(.error, n.location, m)
    }

    mutating func check(_ c: Condition) {
        switch c {
        case let .compare(operand, op, v, at):
            switch operand {
            case .emotion(let r):
                checkEmotion(r.name)
            case .group(_, let r):
                if groups[r.name.text] == nil {
                    var m = "unknown group '\(r.name.text)'"
                    if let s = closest(r.name.text, in: Array(groups.keys).sorted()) { m += "; did you mean '\(s)'?" }
                    else if emotions.contains(r.name.text) { m += "; '\(r.name.text)' is an emotion: compare it directly" }
                    else { m += " (define it with 'group \(r.name.text) = emotion, emotion, …' before the guard)" }
                    report(.error, r.name.location, m)
                }
            }
            if operand.ref.source == .selfReport, neverTrueOnSelfReportScale(op, v) {
                report(.warning, at, "'\(operand) \(op.rawValue) \(formatNumber(v))' is never true: self-reports are 0-9")
            }
        case .flag:
            break
        case let .replyMatches(pattern, at):
            do {
                _ = try NSRegularExpression(pattern: pattern)
            } catch {
                report(.error, at, "invalid regular expression \(quoted(pattern))")
            }
        case .not(let a):
            check(a)
        case let .and(a, b), let .or(a, b):
            check(a)
            check(b)
        case let .sustained(a, w, at):
            check(a)
            switch w {
            case .every(let n):
                if n < 1 { report(.error, at, "'for \(n) turns' needs 1 turn or more") }
            case let .atLeast(m, n):
                if n < 1 { report(.error, at, "'in \(m) of \(n) turns' needs a window of 1 turn or more") }
                else if m > n { report(.error, at, "'in \(m) of \(n) turns' can never hold: \(m) is more than \(n)") }
                else if m < 1 { report(.warning, at, "'in \(m) of \(n) turns' always holds (use 1 or more)") }
            }
            if w.turns > PolicyChecker.maxWindow {
                report(.error, at, "a window of \(w.turns) turns is longer than the \(PolicyChecker.maxWindow) allowed")
            }
        }
    }

    func neverTrueOnSelfReportScale(_ op: ComparisonOperator, _ v: Double) -> Bool {
        switch op {
        case .greater: return v >= 9
        case .greaterOrEqual: return v > 9
        case .less: return v <= 0
        case .lessOrEqual: return v < 0
        case .equal: return v < 0 || v > 9
        case .notEqual: return false
        }
    }

    /// Whether every value the condition reads comes from the self-report (`selfreport.X`, `gap.X`, flags).
    func readsOnlySelfReport(_ c: Condition) -> Bool {
        switch c {
        case let .compare(o, _, _, _): return o.ref.source == .selfReport || o.ref.source == .gap
        case .flag: return true
        case .replyMatches: return false
        case .not(let a), .sustained(let a, _, _): return readsOnlySelfReport(a)
        case let .and(a, b), let .or(a, b): return readsOnlySelfReport(a) && readsOnlySelfReport(b)
        }
    }

    /// The values the condition can take on a turn, when self-report values are missing (`withoutSelfReport`)
    /// or may be present. A comparison on a missing value is false.
    func possible(_ c: Condition, withoutSelfReport: Bool) -> Set<Bool> {
        switch c {
        case let .compare(o, _, _, _):
            return withoutSelfReport && (o.ref.source == .selfReport || o.ref.source == .gap) ? [false] : [true, false]
        case .flag:
            return withoutSelfReport ? [false] : [true, false]
        case .replyMatches:
            return [true, false]
        case .not(let a):
            return Set(possible(a, withoutSelfReport: withoutSelfReport).map { !$0 })
        case let .and(a, b):
            let pa = possible(a, withoutSelfReport: withoutSelfReport), pb = possible(b, withoutSelfReport: withoutSelfReport)
            return Set(pa.flatMap { x in pb.map { x && $0 } })
        case let .or(a, b):
            let pa = possible(a, withoutSelfReport: withoutSelfReport), pb = possible(b, withoutSelfReport: withoutSelfReport)
            return Set(pa.flatMap { x in pb.map { x || $0 } })
        case let .sustained(a, w, _):
            // `for N` includes this turn; `in M of N` (N > 1) may count earlier turns that had a self-report.
            if case .atLeast(_, let n) = w, n > 1 { return possible(a, withoutSelfReport: false) }
            return possible(a, withoutSelfReport: withoutSelfReport)
        }
    }

    mutating func checkTemplate(_ t: Template) {
        // The string's characters start one column after its opening quote; escapes make the column approximate
        // only after them, which the caret tolerates.
        for (offset, field) in templateFieldReferences(t.text) where !PolicyChecker.templateFields.contains(field) {
            var m = "unknown field '{\(field)}' in the message (fields: \(PolicyChecker.templateFields.map { "{\($0)}" }.joined(separator: ", ")))"
            if let s = closest(field, in: PolicyChecker.templateFields) { m = "unknown field '{\(field)}' in the message; did you mean '{\(s)}'?" }
            report(.error, SourceLocation(line: t.location.line, column: t.location.column + 1 + offset), m)
        }
    }
}

/// `{word}` references in a message, with the character offset of each `{`.
func templateFieldReferences(_ text: String) -> [(Int, String)] {
    let chars = Array(text)
    var out: [(Int, String)] = []
    var i = 0
    while i < chars.count {
        if chars[i] == "{" {
            var j = i + 1
            while j < chars.count, chars[j].isLetter || chars[j] == "_" { j += 1 }
            if j < chars.count, chars[j] == "}", j > i + 1 {
                out.append((i, String(chars[(i + 1)..<j])))
                i = j
            }
        }
        i += 1
    }
    return out
}

extension Condition {
    /// Comparisons one evaluation makes at most (saturating).
    var cost: Int {
        switch self {
        case .compare, .flag, .replyMatches: return 1
        case .not(let a): return a.cost
        case let .and(a, b), let .or(a, b): return a.cost &+ b.cost
        case let .sustained(a, w, _):
            let (c, overflow) = a.cost.multipliedReportingOverflow(by: Swift.max(w.turns, 1))
            return overflow ? Int.max : c
        }
    }
}
