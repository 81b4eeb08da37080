import Foundation
import Fuzzing
import LimbicCLI

/// `limbic fuzz`: long mutation-fuzzing runs of every format Limbic reads (hidden from `limbic --help`; the test
/// suite runs a short one).
enum FuzzCommand: Command {
    static let name = "fuzz"
    static let abstract = "Fuzz Limbic's own readers with mutated inputs (for developers)."
    static let usage = "[--cases N] [--format NAME] [--seed S] [--case I]"
    static let discussion = """
    Mutates valid inputs of each format (tiny GGUF models run for three tokens, control vectors, probe sets shown as \
    `probe show`/`validate` and the chat panel would, self-report baselines, session logs, policy files compiled and run over three turns, and command lines through every command's own option checks) and runs them in this process. A crash ends \
    the process with the input in the reproducer file (printed first); a case over --hang-limit seconds is a hang and \
    aborts the run the same way. The address space is capped at 8 GiB, so unbounded allocation fails too. Prints \
    one line per format: cases, how many were refused with an error, accepted, and the slowest case. Replay one case \
    with --format F --case I and the same --seed.
    """
    static let formats = ["model", "control-vector", "probe-set", "calibration", "session-log", "policy", "options"]
    static let options: [OptionSpec] = [
        .option("cases", "N", "Inputs per format.", default: "1000"),
        .option("format", "NAME", "Only this format: \(formats.joined(separator: ", ")).", repeatable: true),
        .option("seed", "S", "Seed of the mutations.", default: "1"),
        .option("case", "I", "Run only case I (to replay a crash)."),
        .option("hang-limit", "SECONDS", "A case longer than this is a hang.", default: "10"),
    ]
    static let examples = ["limbic fuzz --cases 100000", "limbic fuzz --format probe-set --seed 3 --case 4211"]

    static func validate(_ args: ParsedArguments) throws {
        _ = try args.int("cases", in: 1...100_000_000)
        _ = try args.int("case", in: 0...100_000_000)
        _ = try args.double("hang-limit", in: 0.1...3600)
        guard UInt64(args.string("seed") ?? "1") != nil else { throw UsageError("--seed needs a non-negative whole number") }
        for f in args.all("format") where !formats.contains(f) {
            throw UsageError("no format '\(f)' (formats: \(formats.joined(separator: ", ")))")
        }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let cases = try args.int("cases", in: 1...100_000_000) ?? 1000
        let only = try args.int("case", in: 0...100_000_000)
        let seed = UInt64(args.string("seed") ?? "1") ?? 1
        let chosen = args.all("format").isEmpty ? formats : args.all("format")
        // Memory-backed when there is one: two small files are written per case.
        let tmp = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : FileManager.default.temporaryDirectory.path
        let scratch = tmp + "/limbic-fuzz-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let reproducer = scratch + "/current.bin"
        Terminal.note("limbic fuzz: seed \(seed); the input of the case running is kept in \(reproducer)")
        let fuzzer = Fuzzer(seed: seed, hangLimit: try args.double("hang-limit", in: 0.1...3600) ?? 10, reproducer: reproducer,
                            memoryLimit: 8 << 30)
        var targets: [FuzzTarget] = []
        for f in chosen {
            switch f {
            case "model": targets.append(FuzzTargets.model(seeds: FuzzSeeds.models()))
            case "control-vector": targets.append(FuzzTargets.controlVector(seeds: FuzzSeeds.controlVectors()))
            case "probe-set": targets.append(FuzzTargets.probeSet(seeds: try FuzzSeeds.probeSets(scratch: scratch), scratch: scratch + "/probe.gguf"))
            case "calibration": targets.append(FuzzTargets.calibration(seeds: try FuzzSeeds.calibrations()))
            case "policy": targets.append(FuzzTargets.policy(seeds: FuzzSeeds.policies()))
            case "session-log": targets.append(FuzzTargets.sessionLog(seeds: try FuzzSeeds.sessionLogs()))
            default:
                targets.append(FuzzTargets.options(seeds: FuzzTargets.commandLines) { try parseAndValidate($0, commands: allCommands) })
            }
        }
        var total = 0
        for t in targets {
            let bar = ProgressBar(label: "fuzz \(t.name)", total: Int64(only == nil ? cases : 1), unit: .items("cases"))
            let start = Date()
            let r = fuzzer.run(t, cases: cases, only: only) { bar.update(Int64($0)) }
            bar.finish(String(format: "%.1f s", Date().timeIntervalSince(start)))
            Terminal.out(r.line + "\n")
            for e in r.sampleErrors.prefix(2) { Terminal.out("    e.g. " + String(e.prefix(150)) + "\n") }
            total += r.cases
        }
        fuzzer.finish()
        try? FileManager.default.removeItem(atPath: scratch)
        Terminal.out("\(total) inputs, 0 crashes, 0 hangs\n")
        return ExitCode.ok
    }

    /// A command line as `limbic` would take it, up to the point where a model would be loaded: the command's
    /// own option parsing and `validate`.
    static func parseAndValidate(_ arguments: [String], commands: [any Command.Type]) throws {
        guard let name = arguments.first, let command = commands.first(where: { $0.name == name }) else {
            throw UsageError("unknown command")
        }
        try command.validate(ParsedArguments(command: command, arguments: Array(arguments.dropFirst())))
    }
}
