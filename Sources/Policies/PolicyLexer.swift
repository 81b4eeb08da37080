/// One token of a policy file. Keywords are identifiers: the parser reads them by their text, so an emotion may
/// share a name with a keyword where the grammar cannot confuse them.
struct PolicyToken: Equatable {
    enum Kind: Equatable {
        case identifier
        case number(Double)
        case string(String)
        /// `( ) , . =` and the comparisons `> >= < <= == !=`.
        case symbol
        case end
    }

    var kind: Kind
    /// The token as written (for a string: with its quotes).
    var text: String
    var location: SourceLocation
    /// Whether the token is the first on its line (where the parser resynchronises after an error).
    var startsLine: Bool
}

/// Splits a policy file into tokens. `#` starts a comment to the end of the line; line breaks are only
/// whitespace (each clause begins with a keyword). A number may carry a sign (`+4`, `-1.5`); a string is in
/// double quotes, on one line, with `\"`, `\\`, `\n` and `\t` escapes.
struct PolicyLexer {
    let chars: [Character]
    var i = 0
    var line = 1
    var column = 1
    var lineHasToken = false

    init(_ text: String) { chars = Array(text) }

    /// All tokens (the last one `.end`), and the lexical errors as (where, message).
    mutating func tokenize() -> (tokens: [PolicyToken], errors: [(SourceLocation, String)]) {
        var tokens: [PolicyToken] = []
        var errors: [(SourceLocation, String)] = []
        while true {
            skipSpaceAndComments()
            let at = SourceLocation(line: line, column: column)
            let starts = !lineHasToken
            guard i < chars.count else {
                tokens.append(PolicyToken(kind: .end, text: "", location: at, startsLine: starts))
                return (tokens, errors)
            }
            lineHasToken = true
            let c = chars[i]
            if c.isLetter || c == "_" {
                let start = i
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" { advance() }
                tokens.append(PolicyToken(kind: .identifier, text: String(chars[start..<i]), location: at, startsLine: starts))
            } else if c.isASCIIDigit || ((c == "+" || c == "-") && peek(1)?.isASCIIDigit == true) {
                let start = i
                advance()
                while i < chars.count, chars[i].isASCIIDigit || chars[i] == "." { advance() }
                let text = String(chars[start..<i])
                if let v = Double(text), v.isFinite {
                    tokens.append(PolicyToken(kind: .number(v), text: text, location: at, startsLine: starts))
                } else {
                    errors.append((at, "'\(text)' is not a number"))
                }
            } else if c == "\"" {
                advance()
                var value = ""
                var closed = false
                while i < chars.count, !chars[i].isNewline {
                    let d = chars[i]
                    advance()
                    if d == "\"" { closed = true; break }
                    if d == "\\", i < chars.count, !chars[i].isNewline {
                        let e = chars[i]
                        advance()
                        switch e {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "\"", "\\": value.append(e)
                        default:
                            errors.append((SourceLocation(line: line, column: column - 2), "unknown escape '\\\(e)' (use \\\", \\\\, \\n or \\t)"))
                        }
                    } else {
                        value.append(d)
                    }
                }
                if closed {
                    tokens.append(PolicyToken(kind: .string(value), text: "\"" + value + "\"", location: at, startsLine: starts))
                } else {
                    errors.append((at, "unterminated string (a string ends with '\"' on the same line)"))
                }
            } else if let two = symbol2(c) {
                advance(); advance()
                tokens.append(PolicyToken(kind: .symbol, text: two, location: at, startsLine: starts))
            } else if "()=,.<>".contains(c) {
                advance()
                tokens.append(PolicyToken(kind: .symbol, text: String(c), location: at, startsLine: starts))
            } else {
                advance()
                errors.append((at, "unexpected character '\(c)'"))
            }
        }
    }

    private func peek(_ k: Int) -> Character? { i + k < chars.count ? chars[i + k] : nil }

    private func symbol2(_ c: Character) -> String? {
        guard let d = peek(1), d == "=", "<>=!".contains(c) else { return nil }
        return String(c) + "="
    }

    private mutating func advance() {
        if chars[i].isNewline {
            line += 1
            column = 1
            lineHasToken = false
        } else {
            column += 1
        }
        i += 1
    }

    private mutating func skipSpaceAndComments() {
        while i < chars.count {
            if chars[i].isWhitespace {
                advance()
            } else if chars[i] == "#" {
                while i < chars.count, !chars[i].isNewline { advance() }
            } else {
                return
            }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
