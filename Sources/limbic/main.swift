import Engine
import Foundation
import GGUF
import Tokenizers

/// Every subcommand, in the order `limbic --help` lists them.
let commands: [any Command.Type] = [
    ChatCommand.self, GenerateCommand.self, TokenizeCommand.self, LogitsCommand.self, CaptureCommand.self, ProbeCommand.self, ReportCommand.self, BenchCommand.self, ModelsCommand.self,
]

@MainActor func topLevelHelp() -> String {
    var s = "limbic — a local language model with an emotion monitor\n\nUsage: limbic COMMAND [options]\n\nCommands:\n"
    for c in commands { s += "  " + c.name.padding(toLength: 10, withPad: " ", startingAt: 0) + c.abstract + "\n" }
    s += """

    'limbic COMMAND --help' shows a command's options and examples.
    Models are cached in $LIMBIC_HOME (default ~/.cache/limbic).

    Examples:
      limbic chat
      limbic generate --prompt 'Once upon a time' --max-tokens 40

    Exit codes: 0 ok, 1 error, 2 usage, 3 paused, 130 interrupted.

    """
    return s
}

@MainActor func main() -> Int32 {
    var argv = Array(CommandLine.arguments.dropFirst())
    guard let name = argv.first, name != "--help", name != "-h", name != "help" else {
        Terminal.out(topLevelHelp())
        return argv.isEmpty ? ExitCode.usage : ExitCode.ok
    }
    argv.removeFirst()
    guard let command = commands.first(where: { $0.name == name }) else {
        Terminal.note("limbic: unknown command '\(name)' (commands: \(commands.map { $0.name }.joined(separator: ", "))); see 'limbic --help'")
        return ExitCode.usage
    }
    return command.execute(argv)
}

extension Command {
    /// Parses, runs, and maps errors to exit codes: usage mistakes 2, everything else 1, one line on stderr.
    static func execute(_ argv: [String]) -> Int32 {
        if argv.contains("--help") || argv.contains("-h") {
            Terminal.out(helpText(Self.self))
            return ExitCode.ok
        }
        do {
            let args = try ParsedArguments(command: Self.self, arguments: argv)
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

exit(main())
