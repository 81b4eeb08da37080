import LimbicCLI
import Testing

/// Parses `argv` against `options` the way a command's `execute` does.
func parse(_ options: [OptionSpec], _ argv: [String]) throws -> ParsedArguments {
    try ParsedArguments(command: "test", options: options, arguments: argv)
}

/// The message of the `UsageError` that `body` throws; records a failure (and returns "") when it throws nothing
/// or something else.
func usageMessage(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let e = #expect(throws: UsageError.self, sourceLocation: sourceLocation) { try body() }
    return e?.description ?? ""
}
