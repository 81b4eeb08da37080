import Foundation
import LimbicCLI

/// Every subcommand, in the order `limbic --help` lists them.
let commands: [any Command.Type] = [
    ChatCommand.self, RunCommand.self, ResumeCommand.self, CalibrateCommand.self, GenerateCommand.self, TokenizeCommand.self, LogitsCommand.self, CaptureCommand.self, ProbeCommand.self, IntrospectCommand.self, PolicyCommand.self, ReportCommand.self, SelfReportCommand.self, BenchCommand.self, ModelsCommand.self,
]
/// Commands for developers, left out of `limbic --help`.
let hiddenCommands: [any Command.Type] = [FuzzCommand.self]
nonisolated(unsafe) let allCommands = commands + hiddenCommands

@MainActor func topLevelHelp() -> String {
    var s = "limbic — a local language model with an emotion monitor\n\nUsage: limbic COMMAND [options]\n\nCommands:\n"
    for c in commands { s += "  " + c.name.padding(toLength: 12, withPad: " ", startingAt: 0) + c.abstract + "\n" }
    s += """

    'limbic COMMAND --help' shows a command's options and examples; 'limbic --version' the version and commit.
    Models are cached in $LIMBIC_HOME (default ~/.cache/limbic).

    Examples:
      limbic chat
      limbic generate --prompt 'Once upon a time' --max-tokens 40

    Exit codes: 0 ok, 1 error, 2 usage, 3 paused, 130 interrupted, 141 output pipe closed.

    """
    return s
}

@MainActor func main() -> Int32 {
    StandardStreams.prepare()
    var argv = Array(CommandLine.arguments.dropFirst())
    guard let name = argv.first, name != "--help", name != "-h", name != "help" else {
        Terminal.out(topLevelHelp())
        return argv.isEmpty ? ExitCode.usage : ExitCode.ok
    }
    if name == "--version" {
        Terminal.out(Version.line + "\n")
        return ExitCode.ok
    }
    argv.removeFirst()
    guard let command = allCommands.first(where: { $0.name == name }) else {
        Terminal.note("limbic: unknown command '\(name)' (commands: \(commands.map { $0.name }.joined(separator: ", "))); see 'limbic --help'")
        return ExitCode.usage
    }
    return command.execute(argv)
}

exit(main())
