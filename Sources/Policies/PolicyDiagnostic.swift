/// A place in a policy file: 1-based line and column (columns count characters, a tab as one).
public struct SourceLocation: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// One message about a policy file, in the `file:line:col: severity: message` form compilers use, with the
/// offending line and a caret under the column (`render()`). A file with any error never runs (DESIGN.md §5).
public struct PolicyDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var file: String
    public var location: SourceLocation
    public var message: String
    /// The text of the offending line, without its line break.
    public var lineText: String

    public init(_ severity: Severity, file: String, at location: SourceLocation, _ message: String, lineText: String) {
        self.severity = severity
        self.file = file
        self.location = location
        self.message = message
        self.lineText = lineText
    }

    /// `file:line:col: error: message`.
    public var description: String { "\(file):\(location.line):\(location.column): \(severity.rawValue): \(message)" }

    /// Three lines: the description, the offending line, and a caret under the column. The caret line keeps the
    /// tabs of the source line so that it lines up however tabs are shown.
    public func render() -> String {
        let before = lineText.prefix(max(location.column - 1, 0))
        let pad = String(before.map { $0 == "\t" ? "\t" : " " })
        return "\(description)\n\(lineText)\n\(pad)^"
    }
}

extension Sequence where Element == PolicyDiagnostic {
    /// Whether any is an error (a policy with one never runs).
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
