import Affect
import Engine
import LimbicCLI
import Testing

/// The option groups commands share: sampling, model, monitor and probe options.
@Suite struct SamplingOptionsTests {
    func parameters(_ argv: [String]) throws -> SamplingParameters {
        try SamplingOptions.parameters(try parse(SamplingOptions.specs, argv))
    }

    @Test func defaultsAndValues() throws {
        // No option: the generic recommendation (a file of the user's own).
        let d = try parameters([])
        #expect(d.temperature == 0.8 && d.topK == 40 && d.topP == 0.95 && d.minP == 0.05 && abs(d.repetitionPenalty - 1.1) < 1e-6 && d.seed == 0)
        // A registry model's own recommendation, found from its cached file name; options still override it.
        let smol = try SamplingOptions.parameters(try parse(SamplingOptions.specs, ["--top-k", "7"]),
                                                  modelPath: "/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        #expect(abs(smol.temperature - 0.2) < 1e-6 && abs(smol.topP - 0.9) < 1e-6 && smol.topK == 7)
        #expect(abs(smol.repetitionPenalty - 1.2) < 1e-6)
        #expect(try SamplingOptions.maxTokens(try parse(SamplingOptions.specs, [])) == 512)
        let p = try parameters(["--temp", "0", "--top-k", "0", "--top-p", "1", "--min-p", "0", "--repeat-penalty", "1.1",
                                "--seed", "18446744073709551615"])
        #expect(p.temperature == 0 && p.topK == 0 && p.topP == 1 && p.minP == 0 && p.seed == UInt64.max)
        #expect(abs(p.repetitionPenalty - 1.1) < 1e-6)
        #expect(try SamplingOptions.maxTokens(try parse(SamplingOptions.specs, ["-n", "1"])) == 1)
    }

    @Test(arguments: [
        (["--temp", "-0.1"], "--temp must be in 0.0...100.0, got -0.1"),
        (["--temp", "100.5"], "--temp must be in 0.0...100.0, got 100.5"),
        (["--temp", "hot"], "--temp needs a number, got 'hot'"),
        (["--temp", "inf"], "--temp needs a number, got 'inf'"),
        (["--top-k", "-1"], "--top-k must be in 0...1000000, got -1"),
        (["--top-k", "1000001"], "--top-k must be in 0...1000000, got 1000001"),
        (["--top-k", "4.5"], "--top-k needs a whole number, got '4.5'"),
        (["--top-p", "1.01"], "--top-p must be in 0.0...1.0, got 1.01"),
        (["--top-p", "-0.5"], "--top-p must be in 0.0...1.0, got -0.5"),
        (["--min-p", "2"], "--min-p must be in 0.0...1.0, got 2.0"),
        (["--min-p", "-1"], "--min-p must be in 0.0...1.0, got -1.0"),
        (["--repeat-penalty", "0"], "--repeat-penalty must be in 0.01...100.0, got 0.0"),
        (["--repeat-penalty", "101"], "--repeat-penalty must be in 0.01...100.0, got 101.0"),
        (["--seed", "-1"], "--seed needs a non-negative whole number"),
        (["--seed", "18446744073709551616"], "--seed needs a non-negative whole number"),
        (["--max-tokens", "0"], "--max-tokens must be in 1...1000000, got 0"),
        (["-n", "1000001"], "--max-tokens must be in 1...1000000, got 1000001"),
    ])
    func outOfRangeValuesAreUsageErrors(argv: [String], message: String) throws {
        let args = try parse(SamplingOptions.specs, argv)
        #expect(usageMessage { try SamplingOptions.validate(args) } == message)
    }
}

@Suite struct ModelAndMonitorOptionsTests {
    static let options = ModelOptions.specs + MonitorSetup.specs + ProbeOptions.specs

    @Test func modelOptions() throws {
        try ModelOptions.validate(try parse(Self.options, []))
        try ModelOptions.validate(try parse(Self.options, ["-t", "256", "--context", "16"]))
        #expect(try ModelOptions.threads(try parse(Self.options, ["--threads", "3"])) == 3)
        #expect(usageMessage { try ModelOptions.validate(try parse(Self.options, ["--threads", "0"])) } == "--threads must be in 1...256, got 0")
        #expect(usageMessage { try ModelOptions.validate(try parse(Self.options, ["-t", "257"])) } == "--threads must be in 1...256, got 257")
        #expect(usageMessage { try ModelOptions.validate(try parse(Self.options, ["--context", "8"])) } == "--context must be at least 16, got 8")
        #expect(usageMessage { try ModelOptions.validate(try parse(Self.options, ["--context", "big"])) } == "--context needs a whole number, got 'big'")
    }

    @Test func selfReportEvery() throws {
        func every(_ argv: [String]) throws -> Int? { try MonitorSetup.selfReportEvery(try parse(Self.options, argv)) }
        #expect(try every([]) == 1)
        #expect(try every(["--selfreport-every", "3"]) == 3)
        #expect(try every(["--selfreport-every", "off"]) == nil)
        #expect(try every(["--selfreport-every", "0"]) == nil)
        for bad in ["-2", "never", "1.5", ""] {
            #expect(usageMessage { _ = try every(["--selfreport-every", bad]) } == "--selfreport-every takes a positive number or off")
        }
    }

    @Test func method() throws {
        #expect(try ProbeOptions.method(try parse(Self.options, [])) == .recipe)
        #expect(try ProbeOptions.method(try parse(Self.options, ["--method", "mean-diff"])) == .meanDiff)
        #expect(usageMessage { _ = try ProbeOptions.method(try parse(Self.options, ["--method", "pca"])) }
                == "--method must be recipe, mean-diff, logistic or lda, got 'pca'")
    }
}

/// `limbic probe`'s validate: subcommand names and the options each one needs, before a model is loaded.
@Suite struct ProbeSubcommandTests {
    /// The options `limbic probe` declares (Commands/ProbeCommand.swift).
    static let options: [OptionSpec] = ModelOptions.modelAndThreads + ProbeOptions.specs + [
        .flag("json", ""), .option("text", "TEXT", ""), .option("layer", "N", ""), .option("llama-cpp", "EMOTION", ""),
        .option("out", short: "o", "FILE", ""), .option("name", "NAME", ""),
    ] + CausalOptions.specs

    func sub(_ argv: [String]) throws -> ProbeSubcommand { try ProbeSubcommand.parse(try parse(Self.options, argv)) }

    @Test func subcommands() throws {
        #expect(try sub(["extract"]) == .extract)
        #expect(try sub(["validate", "--json"]) == .validate)
        #expect(try sub(["classify", "--layer", "3", "--text", "hi"]) == .classify)
        #expect(try sub(["export", "--llama-cpp", "calm", "--out", "calm.gguf"]) == .export)
        #expect(try sub(["import", "--name", "honest", "honesty.gguf"]) == .import)
        #expect(try sub(["causal", "--strengths", "0.05,0.1"]) == .causal)
    }

    @Test(arguments: [
        ([], "choose a subcommand: extract, validate, show, classify, export, import, causal"),
        (["frobnicate"], "unknown subcommand 'frobnicate' (extract, validate, show, classify, export, import, causal)"),
        (["export", "--llama-cpp", "calm"], "export needs --out FILE"),
        (["export", "--out", "calm.gguf"], "export needs --llama-cpp EMOTION"),
        (["import", "honesty.gguf"], "import needs --name NAME for the emotion"),
        (["import", "--name", "honest"], "usage: limbic probe import --name NAME FILE"),
        (["import", "--name", "honest", "a.gguf", "b.gguf"], "usage: limbic probe import --name NAME FILE"),
        (["causal", "--strengths", "0.1,-2"], "--strengths: '-2' is not a fraction of the residual norm in (0, 10] (e.g. --strengths 0.05,0.1)"),
        (["classify", "--layer", "-1"], "--layer must be in 0...9999, got -1"),
    ])
    func usageErrorsBeforeTheModelIsLoaded(argv: [String], message: String) {
        #expect(usageMessage { _ = try sub(argv) } == message)
    }
}
