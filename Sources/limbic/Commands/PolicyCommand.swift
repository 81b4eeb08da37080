import Affect
import Foundation
import LimbicCLI
import Policies

/// `limbic policy check`: a policy file's errors and warnings, before it is used.
enum PolicyCommand: Command {
    static let name = "policy"
    static let abstract = "Check policy files (guards that act on the monitor's readings) before a chat uses them."
    static let usage = "check FILE… [--emotions DIR | --probe FILE]"
    static let discussion = """
    Parses and checks each file against the emotions in use: those of the emotion dataset (every model's probe set \
    is built from it) or of --probe FILE. Errors and warnings are printed as file:line:col with the line and a caret; \
    exit 1 when any file has an error (a policy with an error never runs), else 0. The language is in the README \
    ("Policies").
    """
    static let options: [OptionSpec] = [ProbeOptions.specs[0], ProbeOptions.specs[2]]
    static let examples = ["limbic policy check policies/*.policy", "limbic policy check my.policy --probe probes.gguf"]

    static func validate(_ args: ParsedArguments) throws {
        guard args.positionals.first == "check" else { throw UsageError("usage: limbic policy check FILE…") }
        guard args.positionals.count >= 2 else { throw UsageError("give one or more policy files to check") }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let emotions: [String]
        if let path = args.string("probe") { emotions = try ProbeSet(path: path).emotions } else { emotions = try ProbeOptions.dataset(args).emotions }
        var failed = false
        for path in args.positionals.dropFirst() {
            let loaded = try PolicyOptions.load(path, emotions: emotions)
            for d in loaded.diagnostics { Terminal.note(d.render()) }
            let errors = loaded.diagnostics.filter { $0.severity == .error }.count
            let warnings = loaded.diagnostics.count - errors
            if let engine = loaded.engine {
                let guards = engine.policy.guards.count
                Terminal.out("\(path): ok, \(guards) guard\(guards == 1 ? "" : "s")" + (warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "") + "\n")
            } else {
                failed = true
                Terminal.out("\(path): \(errors) error\(errors == 1 ? "" : "s")" + (warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "") + "\n")
            }
        }
        return failed ? ExitCode.error : ExitCode.ok
    }
}
