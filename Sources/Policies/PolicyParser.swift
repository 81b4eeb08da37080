import Affect

/// Reads a policy file into a `PolicyFile` (README, "Policies", has the grammar). Syntax errors come back as
/// diagnostics; after one, the parser skips to the next line that starts with `guard` or `group`, so one slip
/// does not hide the errors after it. Names are not checked here (`PolicyChecker` does that).
public enum PolicyParser {
    /// The file as far as it parsed, and the syntax errors.
    public static func parse(_ text: String, file: String) -> (file: PolicyFile, diagnostics: [PolicyDiagnostic]) {
        var lexer = PolicyLexer(text)
        let (tokens, lexErrors) = lexer.tokenize()
        let lines = sourceLines(text)
        var p = Parser(tokens: tokens)
        let parsed = p.parseFile()
        let errors = (lexErrors + p.errors.map { ($0.location, $0.message) }).sorted { $0.0 < $1.0 }
        var seen = Set<Int>()
        // One error per line: the second is almost always the first one's echo.
        let diagnostics = errors.filter { seen.insert($0.0.line).inserted }.map {
            PolicyDiagnostic(.error, file: file, at: $0.0, $0.1, lineText: line($0.0.line, of: lines))
        }
        return (parsed, diagnostics)
    }
}

func sourceLines(_ text: String) -> [String] {
    text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
}

func line(_ n: Int, of lines: [String]) -> String { n >= 1 && n <= lines.count ? lines[n - 1] : "" }

struct PolicySyntaxError: Error {
    var location: SourceLocation
    var message: String
}

private let actionKeywords = ["pause", "tell", "steer", "log", "abort"]
private let comparisons: Set<String> = [">", ">=", "<", "<=", "==", "!="]

private struct Parser {
    let tokens: [PolicyToken]
    var k = 0
    var errors: [PolicySyntaxError] = []
    /// Nesting and operators of the condition being parsed.
    var depth = 0
    var operators = 0

    init(tokens: [PolicyToken]) { self.tokens = tokens }

    var token: PolicyToken { tokens[k] }

    mutating func next() -> PolicyToken {
        let t = tokens[k]
        if k < tokens.count - 1 { k += 1 }
        return t
    }

    func isWord(_ w: String, _ offset: Int = 0) -> Bool {
        let t = tokens[min(k + offset, tokens.count - 1)]
        return t.kind == .identifier && t.text == w
    }

    func isSymbol(_ s: String, _ offset: Int = 0) -> Bool {
        let t = tokens[min(k + offset, tokens.count - 1)]
        return t.kind == .symbol && t.text == s
    }

    func describe(_ t: PolicyToken) -> String {
        switch t.kind {
        case .end: return "the end of the file"
        case .string: return "a string"
        default: return "'\(t.text)'"
        }
    }

    func fail(_ expected: String, suggesting words: [String] = []) -> PolicySyntaxError {
        var m = "expected \(expected), found \(describe(token))"
        if token.kind == .identifier, let s = closest(token.text, in: words) { m += "; did you mean '\(s)'?" }
        return PolicySyntaxError(location: token.location, message: m)
    }

    mutating func expectWord(_ w: String, _ context: String) throws {
        guard isWord(w) else { throw fail("'\(w)' \(context)", suggesting: [w]) }
        _ = next()
    }

    mutating func expectSymbol(_ s: String, _ context: String) throws {
        guard isSymbol(s) else { throw fail("'\(s)' \(context)") }
        _ = next()
    }

    mutating func name(_ what: String) throws -> Name {
        guard token.kind == .identifier else { throw fail(what) }
        let t = next()
        return Name(text: t.text, location: t.location)
    }

    mutating func string(_ what: String) throws -> (String, SourceLocation) {
        guard case .string(let s) = token.kind else { throw fail(what) }
        return (s, next().location)
    }

    mutating func number(_ what: String) throws -> (Double, SourceLocation) {
        guard case .number(let v) = token.kind else { throw fail(what) }
        return (v, next().location)
    }

    /// A whole number (counts of turns, layers).
    mutating func integer(_ what: String) throws -> (Int, SourceLocation) {
        let (v, at) = try number(what)
        guard v == v.rounded(), abs(v) < 1e9 else {
            throw PolicySyntaxError(location: at, message: "\(what) must be a whole number, not \(formatNumber(v))")
        }
        return (Int(v), at)
    }

    mutating func turnsWord() throws {
        guard isWord("turns") || isWord("turn") else { throw fail("'turns'", suggesting: ["turns"]) }
        _ = next()
    }

    // MARK: File

    mutating func parseFile() -> PolicyFile {
        var file = PolicyFile()
        while token.kind != .end {
            do {
                if isWord("group") {
                    file.groups.append(try parseGroup())
                } else if isWord("guard") {
                    file.guards.append(try parseGuard())
                } else {
                    throw fail("'guard' or 'group'", suggesting: ["guard", "group"])
                }
            } catch let e as PolicySyntaxError {
                errors.append(e)
                // Resynchronise on the next line that starts a declaration.
                _ = next()
                while token.kind != .end, !(token.startsLine && (isWord("guard") || isWord("group"))) { _ = next() }
            } catch {
                preconditionFailure("the parser throws only PolicySyntaxError")
            }
        }
        return file
    }

    mutating func parseGroup() throws -> GroupDecl {
        _ = next()
        let n = try name("a group name after 'group'")
        try expectSymbol("=", "after the group name")
        var members = [try name("an emotion")]
        while isSymbol(",") {
            _ = next()
            members.append(try name("an emotion after ','"))
        }
        return GroupDecl(name: n.text, members: members, location: n.location)
    }

    mutating func parseGuard() throws -> GuardDecl {
        _ = next()
        let (guardName, at) = try string("the guard's name in quotes after 'guard'")
        let whenAt = token.location
        try expectWord("when", "after the guard's name")
        depth = 0
        operators = 0
        let condition = try parseCondition()
        var rearm = 1
        if isWord("rearm") {
            _ = next()
            let (n, nAt) = try integer("a count of turns after 'rearm'")
            guard n >= 0 else { throw PolicySyntaxError(location: nAt, message: "'rearm' takes a count of turns of 0 or more, not \(n)") }
            rearm = n
            if isWord("turns") || isWord("turn") { _ = next() }
        }
        guard isWord("then") else {
            throw fail(isWord("rearm", 0) ? "'then'" : "'then' (or 'and', 'or', 'for', 'in', 'rearm') after the condition",
                       suggesting: ["then", "rearm", "and", "or"])
        }
        _ = next()
        var actions = [try parseAction()]
        while token.kind == .identifier, actionKeywords.contains(token.text) {
            actions.append(try parseAction())
        }
        if token.kind == .identifier, !isWord("guard"), !isWord("group"), let s = closest(token.text, in: actionKeywords) {
            throw PolicySyntaxError(location: token.location, message: "expected an action (pause, tell, steer, log, abort), found '\(token.text)'; did you mean '\(s)'?")
        }
        return GuardDecl(name: guardName, location: at, condition: condition, whenLocation: whenAt, rearm: rearm, actions: actions)
    }

    // MARK: Conditions

    /// Parentheses and `not`s may nest this deep, and a condition may have this many operators: the parser,
    /// checker and engine walk conditions recursively, and a hostile file must not exhaust the stack.
    static let maxDepth = 32
    static let maxOperators = 256

    mutating func countOperator(at: SourceLocation) throws {
        operators += 1
        if operators > Self.maxOperators {
            throw PolicySyntaxError(location: at, message: "a condition may have at most \(Self.maxOperators) operators")
        }
    }

    mutating func parseCondition() throws -> Condition {
        var c = try parseOr()
        while isWord("for") || isWord("in") {
            try countOperator(at: token.location)
            let at = next().location
            if tokens[k - 1].text == "for" {
                let (n, _) = try integer("a count of turns after 'for'")
                try turnsWord()
                c = .sustained(c, .every(turns: n), at: at)
            } else {
                let (m, _) = try integer("a count of turns after 'in'")
                try expectWord("of", "in 'in M of N turns'")
                let (n, _) = try integer("a count of turns after 'of'")
                try turnsWord()
                c = .sustained(c, .atLeast(m, ofTurns: n), at: at)
            }
        }
        return c
    }

    mutating func parseOr() throws -> Condition {
        var c = try parseAnd()
        while isWord("or") {
            try countOperator(at: next().location)
            c = .or(c, try parseAnd())
        }
        return c
    }

    mutating func parseAnd() throws -> Condition {
        var c = try parseUnary()
        while isWord("and") {
            try countOperator(at: next().location)
            c = .and(c, try parseUnary())
        }
        return c
    }

    mutating func parseUnary() throws -> Condition {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth {
            throw PolicySyntaxError(location: token.location, message: "conditions may nest at most \(Self.maxDepth) deep (parentheses and 'not')")
        }
        if isWord("not") {
            _ = next()
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws -> Condition {
        if isSymbol("(") {
            _ = next()
            let c = try parseCondition()
            try expectSymbol(")", "to close '('")
            return c
        }
        if isWord("flag"), isSymbol(".", 1) {
            let at = next().location
            _ = next()
            let n = try name("'hidden' or 'overclaimed' after 'flag.'")
            guard let d = Disagreement(rawValue: n.text) else {
                var m = "unknown flag '\(n.text)' (flags are 'hidden' and 'overclaimed')"
                if let s = closest(n.text, in: ["hidden", "overclaimed"]) { m += "; did you mean '\(s)'?" }
                throw PolicySyntaxError(location: n.location, message: m)
            }
            return .flag(d, at: at)
        }
        if isWord("reply"), isWord("matches", 1) {
            let at = next().location
            _ = next()
            let (r, _) = try string("a regular expression in quotes after 'matches'")
            return .replyMatches(r, at: at)
        }
        let at = token.location
        let operand = try parseOperand()
        guard token.kind == .symbol, comparisons.contains(token.text), let op = ComparisonOperator(rawValue: token.text) else {
            throw fail("a comparison (>, >=, <, <=, ==, !=) after '\(operand)'")
        }
        _ = next()
        let (v, _) = try number("a number after '\(op.rawValue)'")
        return .compare(operand, op, v, at: at)
    }

    mutating func parseOperand() throws -> Operand {
        if token.kind == .identifier, let a = Aggregate(rawValue: token.text), isSymbol("(", 1) {
            _ = next()
            _ = next()
            let r = try parseRef("a group name after '\(a.rawValue)('")
            try expectSymbol(")", "to close '\(a.rawValue)('")
            return .group(a, r)
        }
        return .emotion(try parseRef("a condition (an emotion, selfreport.EMOTION, gap.EMOTION, any(GROUP), flag.hidden, reply matches \"…\", not, '(')"))
    }

    mutating func parseRef(_ what: String) throws -> ValueRef {
        if (isWord("selfreport") || isWord("gap")), isSymbol(".", 1) {
            let source: ValueSource = next().text == "gap" ? .gap : .selfReport
            _ = next()
            return ValueRef(source: source, name: try name("an emotion after '\(source == .gap ? "gap" : "selfreport").'"))
        }
        let n = try name(what)
        if isSymbol(".") {
            _ = next()
            guard isWord("last") else { throw fail("'last' after '\(n.text).'", suggesting: ["last"]) }
            _ = next()
            return ValueRef(source: .readingLast, name: n)
        }
        return ValueRef(source: .reading, name: n)
    }

    // MARK: Actions

    mutating func parseAction() throws -> ActionSyntax {
        guard token.kind == .identifier, actionKeywords.contains(token.text) else {
            throw fail("an action (pause, tell, steer, log, abort)", suggesting: actionKeywords)
        }
        let word = next().text
        if word == "steer" {
            let e = try name("an emotion after 'steer'")
            let (s, _) = try number("a strength after the emotion (a signed fraction of the residual norm, e.g. +0.5)")
            var layers: [Int]?
            if isWord("at") {
                _ = next()
                var ls: [Int] = []
                repeat {
                    if !ls.isEmpty { _ = next() }
                    let (l, at) = try integer("a layer")
                    guard l >= 0 else { throw PolicySyntaxError(location: at, message: "a layer is 0 or more, not \(l)") }
                    ls.append(l)
                } while isSymbol(",")
                layers = ls
            }
            var turns = 1
            if isWord("for") {
                _ = next()
                let (n, at) = try integer("a count of turns after 'for'")
                guard n >= 1 else { throw PolicySyntaxError(location: at, message: "'steer … for N turns' needs N of 1 or more, not \(n)") }
                try turnsWord()
                turns = n
            }
            return .steer(e, strength: s, layers: layers, turns: turns)
        }
        let (text, at) = try string("a message in quotes after '\(word)'")
        let t = Template(text: text, location: at)
        switch word {
        case "pause": return .pause(t)
        case "tell": return .tell(t)
        case "log": return .log(t)
        default: return .abort(t)
        }
    }
}

/// The candidate nearest `word` by edit distance, when it is near enough to be a slip of the keyboard ("did you
/// mean"; policies, task headers).
public func closest(_ word: String, in candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    let best = candidates.map { ($0, editDistance(w, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
    guard let (c, d) = best, d > 0 || c != word, d <= max(1, min(3, w.count / 3)) else { return nil }
    return c
}

/// Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours as one (the
/// optimal string alignment distance: "clam" is one slip from "calm").
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[a.count][b.count]
}
