import LimbicCLI
import Testing

@Suite struct ParsedArgumentsTests {
    static let options: [OptionSpec] = [
        .option("model", short: "m", "M", "Model.", default: "smollm2"),
        .option("top", short: "k", "K", "How many.", default: "10"),
        .option("steer", "SPEC", "Steering.", repeatable: true),
        .option("prompt", "P", "Prompt."),
        .flag("json", "JSON."),
        .flag("verbose", "Verbose."),
    ]

    func parse(_ argv: [String]) throws -> ParsedArguments { try LimbicCLITests.parse(Self.options, argv) }

    @Test func optionsFlagsPositionalsAndDefaults() throws {
        let a = try parse(["-m", "x.gguf", "--json", "hello", "world"])
        #expect(a.string("model") == "x.gguf")
        #expect(a.flag("json") && !a.flag("verbose"))
        #expect(a.positionals == ["hello", "world"])
        #expect(a.text == "hello world")
        #expect(a.string("top") == "10", "a default is read when the option is not given")
        #expect(a.string("prompt") == nil)
        #expect(try parse([]).text == nil)
    }

    @Test func inlineValues() throws {
        let a = try parse(["--model=x.gguf", "--prompt=a=b", "--top="])
        #expect(a.string("model") == "x.gguf")
        #expect(a.string("prompt") == "a=b", "only the first '=' splits")
        #expect(a.string("top") == "")
    }

    @Test func unknownOptionSuggestsANearName() {
        #expect(usageMessage { _ = try parse(["--mod", "x"]) } == "unknown option '--mod'; did you mean --model?")
        #expect(usageMessage { _ = try parse(["--bogus"]) } == "unknown option '--bogus'")
        #expect(usageMessage { _ = try parse(["--pr"]) } == "unknown option '--pr'; did you mean --prompt?")
        #expect(usageMessage { _ = try parse(["-x"]) } == "unknown option '-x'")
        #expect(usageMessage { _ = try parse(["--bogus=1"]) } == "unknown option '--bogus'")
    }

    @Test func missingValue() {
        #expect(usageMessage { _ = try parse(["hi", "--model"]) } == "option --model needs a value (M)")
        #expect(usageMessage { _ = try parse(["-k"]) } == "option --top needs a value (K)")
    }

    @Test func flagGivenAValue() {
        #expect(usageMessage { _ = try parse(["--json=yes"]) } == "option --json takes no value")
    }

    @Test func repeatedOptions() throws {
        #expect(usageMessage { _ = try parse(["--top", "1", "-k", "2"]) } == "option --top given twice")
        #expect(usageMessage { _ = try parse(["--model=a", "--model", "b"]) } == "option --model given twice")
        let a = try parse(["--steer", "a.gguf", "--steer=b.gguf:2"])
        #expect(a.all("steer") == ["a.gguf", "b.gguf:2"])
        #expect(a.string("steer") == "b.gguf:2")
        #expect(a.all("prompt") == [])
    }

    @Test func doubleDashEndsOptions() throws {
        let a = try parse(["--json", "--", "--model", "-k", "--"])
        #expect(a.flag("json"))
        #expect(a.positionals == ["--model", "-k", "--"])
        #expect(a.string("model") == "smollm2")
    }

    @Test func negativeNumbersAndALoneDashArePositionals() throws {
        let a = try parse(["-3", "-0.5", "-", "-1e3"])
        #expect(a.positionals == ["-3", "-0.5", "-", "-1e3"])
        // An option's value is taken as is, even when it looks like a number or an option.
        let b = try parse(["--top", "-5", "--prompt", "--json"])
        #expect(b.string("top") == "-5" && b.string("prompt") == "--json" && !b.flag("json"))
    }

    @Test func numbersAreCheckedAgainstTheirRange() throws {
        #expect(try parse(["--top", "7"]).int("top", in: 1...1000) == 7)
        #expect(try parse([]).int("prompt") == nil)
        #expect(usageMessage { _ = try parse(["--top", "0"]).int("top", in: 1...1000) } == "--top must be in 1...1000, got 0")
        #expect(usageMessage { _ = try parse(["--top", "ten"]).int("top") } == "--top needs a whole number, got 'ten'")
        #expect(usageMessage { _ = try parse(["--top", "99999999999999999999"]).int("top") }
                == "--top needs a whole number, got '99999999999999999999'")
        #expect(usageMessage { _ = try parse(["--top", "nan"]).double("top") } == "--top needs a number, got 'nan'")
        #expect(usageMessage { _ = try parse(["--top", "1e999"]).double("top") } == "--top needs a number, got '1e999'")
        #expect(usageMessage { _ = try parse(["--top", "2.5"]).double("top", in: 0...1) } == "--top must be in 0.0...1.0, got 2.5")
    }
}

/// `execute`: parse, then `validate`, then `run`; usage errors exit 2 before `run`.
@Suite struct ExecuteTests {
    enum Probe: Command {
        static let name = "probe-test"
        static let abstract = "A command that records whether it ran."
        static let usage = "[--n N]"
        static let options: [OptionSpec] = [.option("n", "N", "A number from 1 to 3.", default: "1")]
        static let examples = ["limbic probe-test --n 2"]
        nonisolated(unsafe) static var runs = 0

        static func validate(_ args: ParsedArguments) throws { _ = try args.int("n", in: 1...3) }
        static func run(_ args: ParsedArguments) throws -> Int32 {
            runs += 1
            return try args.int("n") == 3 ? ExitCode.paused : ExitCode.ok
        }
    }

    @Test func validateRunsBeforeRun() {
        Probe.runs = 0
        #expect(Probe.execute(["--n", "9"]) == ExitCode.usage)
        #expect(Probe.execute(["--bogus"]) == ExitCode.usage)
        #expect(Probe.runs == 0, "run is never reached after a usage error")
        #expect(Probe.execute(["--n", "3"]) == ExitCode.paused)
        #expect(Probe.runs == 1)
    }

    @Test func helpIsGeneratedFromTheDeclarations() {
        let h = helpText(Probe.self)
        #expect(h.contains("Usage: limbic probe-test [--n N]"))
        #expect(h.contains("--n N") && h.contains("A number from 1 to 3. (default: 1)"))
        #expect(h.contains("-h, --help"))
        #expect(h.contains("Examples:\n  limbic probe-test --n 2"))
        #expect(h.contains("Exit codes: 0 ok, 1 error, 2 usage, 3 paused, 130 interrupted, 141 output pipe closed."))
    }
}
