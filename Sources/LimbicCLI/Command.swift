import Foundation

/// One option of a command, declared once: parsing and `--help` are generated from it.
public struct OptionSpec: Sendable {
    /// Long name without dashes ("model"); `short` is an optional one-letter alias.
    public let name: String
    public var short: Character? = nil
    /// Placeholder for the value ("M"); nil for a flag.
    public var value: String? = nil
    public let help: String
    public var repeatable = false
    public var defaultValue: String? = nil

    /// An option without a value (`--json`).
    public static func flag(_ name: String, short: Character? = nil, _ help: String) -> OptionSpec {
        OptionSpec(name: name, short: short, value: nil, help: help)
    }
    /// An option that takes a value (`--model M`), optionally with a default and repeatable.
    public static func option(_ name: String, short: Character? = nil, _ value: String, _ help: String, default d: String? = nil, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, short: short, value: value, help: help, repeatable: repeatable, defaultValue: d)
    }
}

/// A subcommand: declarations, `validate` and `run`. Logic lives in the libraries; commands parse, call and print.
public protocol Command {
    static var name: String { get }
    /// One line for the command list.
    static var abstract: String { get }
    /// The usage line after "limbic NAME".
    static var usage: String { get }
    /// Longer description (optional).
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    static var examples: [String] { get }
    /// Checks everything that can be checked without a model (value syntax and ranges, subcommand names,
    /// required options and positionals), so usage errors come before anything is loaded, built or written.
    /// Throws `UsageError`. The default checks nothing.
    static func validate(_ args: ParsedArguments) throws
    /// Returns the exit code. Runs only after `validate` passed.
    static func run(_ args: ParsedArguments) throws -> Int32
}

extension Command {
    public static var discussion: String { "" }
    public static func validate(_ args: ParsedArguments) throws {}

    /// Parses, validates, runs, and maps errors to exit codes: usage mistakes 2, everything else 1, one line on
    /// stderr. `--help` (or `-h`) anywhere prints the help and exits 0.
    public static func execute(_ argv: [String]) -> Int32 {
        if argv.contains("--help") || argv.contains("-h") {
            Terminal.out(helpText(Self.self))
            return ExitCode.ok
        }
        do {
            let args = try ParsedArguments(command: Self.self, arguments: argv)
            try validate(args)
            return try run(args)
        } catch let e as UsageError {
            Terminal.note("limbic \(name): \(e.description)\nSee 'limbic \(name) --help'.")
            return ExitCode.usage
        } catch {
            Terminal.note("limbic \(name): error: \(error)")
            return ExitCode.error
        }
    }
}

/// Exit codes, documented in `limbic --help`.
public enum ExitCode {
    public static let ok: Int32 = 0
    public static let error: Int32 = 1
    public static let usage: Int32 = 2
    public static let paused: Int32 = 3
    public static let interrupted: Int32 = 130
    /// stdout or stderr is a pipe whose reader went away (128 + SIGPIPE, as a shell reports a process it killed).
    public static let brokenPipe: Int32 = 141
}

/// A mistake on the command line: exits 2 with a pointer to `--help`.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// The result of parsing one command's arguments.
///
/// `--name value`, `--name=value` and `-s value` set an option; a token that does not start with `-`, a lone `-`,
/// a number (`-3`, `-0.5`) and everything after `--` are positionals. Unknown options, a missing value, a value
/// given to a flag and a non-repeatable option given twice are usage errors. Options with a default that were
/// not given read as their default.
public struct ParsedArguments: Sendable {
    public let command: String
    public private(set) var values: [String: [String]] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positionals: [String] = []

    /// Parses `arguments` against a command's options.
    public init(command: any Command.Type, arguments: [String]) throws {
        try self.init(command: command.name, options: command.options, arguments: arguments)
    }

    /// Parses `arguments` against `options` (for tests and option groups without a command).
    public init(command: String, options specs: [OptionSpec], arguments: [String]) throws {
        self.command = command
        func spec(_ token: String) throws -> OptionSpec {
            if token.hasPrefix("--") {
                let n = String(token.dropFirst(2))
                if let s = specs.first(where: { $0.name == n }) { return s }
            } else if token.count == 2, let c = token.last, let s = specs.first(where: { $0.short == c }) {
                return s
            }
            let near = specs.map { "--" + $0.name }.filter { $0.hasPrefix(String(token.prefix(4))) }
            throw UsageError("unknown option '\(token)'" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: " or "))?"))
        }
        var i = 0
        var onlyPositionals = false
        while i < arguments.count {
            var token = arguments[i]
            i += 1
            if onlyPositionals || !token.hasPrefix("-") || token == "-" || Double(token) != nil {
                positionals.append(token)
                continue
            }
            if token == "--" { onlyPositionals = true; continue }
            var inline: String? = nil
            if token.hasPrefix("--"), let eq = token.firstIndex(of: "=") {
                inline = String(token[token.index(after: eq)...])
                token = String(token[..<eq])
            }
            let s = try spec(token)
            if s.value == nil {
                guard inline == nil else { throw UsageError("option --\(s.name) takes no value") }
                flags.insert(s.name)
                continue
            }
            let v: String
            if let inline { v = inline } else {
                guard i < arguments.count else { throw UsageError("option --\(s.name) needs a value (\(s.value!))") }
                v = arguments[i]; i += 1
            }
            if !s.repeatable, values[s.name] != nil { throw UsageError("option --\(s.name) given twice") }
            values[s.name, default: []].append(v)
        }
        for s in specs where values[s.name] == nil {
            if let d = s.defaultValue { values[s.name] = [d] }
        }
    }

    /// Whether the flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }
    /// The option's value (its default when not given), or nil.
    public func string(_ name: String) -> String? { values[name]?.last }
    /// Every value of a repeatable option, in order.
    public func all(_ name: String) -> [String] { values[name] ?? [] }

    /// The option as a whole number, checked against `range`; nil when absent (and without a default).
    public func int(_ name: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let s = string(name) else { return nil }
        guard let v = Int(s) else { throw UsageError("--\(name) needs a whole number, got '\(s)'") }
        if let range, !range.contains(v) { throw UsageError("--\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(v)") }
        return v
    }

    /// The option as a finite number, checked against `range`; nil when absent (and without a default).
    public func double(_ name: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let s = string(name) else { return nil }
        guard let v = Double(s), v.isFinite else { throw UsageError("--\(name) needs a number, got '\(s)'") }
        if let range, !range.contains(v) { throw UsageError("--\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(v)") }
        return v
    }

    /// Positional arguments joined by spaces, or nil when there are none.
    public var text: String? { positionals.isEmpty ? nil : positionals.joined(separator: " ") }
}

/// `--help` text generated from a command's declarations.
public func helpText(_ c: any Command.Type) -> String {
    var s = "limbic \(c.name) — \(c.abstract)\n\nUsage: limbic \(c.name) \(c.usage)\n"
    if !c.discussion.isEmpty { s += "\n" + c.discussion + "\n" }
    let opts = c.options + [.flag("help", short: "h", "Show this help.")]
    s += "\nOptions:\n"
    let left = opts.map { o -> String in
        var l = (o.short.map { "-\($0), " } ?? "    ") + "--" + o.name
        if let v = o.value { l += " " + v }
        return l
    }
    let width = min(34, (left.map(\.count).max() ?? 0) + 2)
    for (l, o) in zip(left, opts) {
        var help = o.help
        if let d = o.defaultValue { help += " (default: \(d))" }
        if o.repeatable { help += " Repeatable." }
        let pad = l.count < width ? String(repeating: " ", count: width - l.count) : "\n  " + String(repeating: " ", count: width)
        s += "  " + l + pad + help + "\n"
    }
    if !c.examples.isEmpty {
        s += "\nExamples:\n" + c.examples.map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
    s += "\nExit codes: 0 ok, 1 error, 2 usage, 3 paused, 130 interrupted, 141 output pipe closed.\n"
    return s
}
