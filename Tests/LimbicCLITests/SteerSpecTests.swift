import Engine
import LimbicCLI
import Testing

/// `--steer FILE[:STRENGTH][@LAYERS][#A-B]`: every form, and every malformed spec as a usage error (never a trap
/// or a huge allocation).
@Suite struct SteerSpecTests {
    typealias P = SteerOptions.Parsed

    @Test func everyForm() throws {
        #expect(try SteerOptions.parse("calm.gguf") == P(path: "calm.gguf"))
        #expect(try SteerOptions.parse("calm.gguf:4") == P(path: "calm.gguf", strength: 4))
        #expect(try SteerOptions.parse("calm.gguf:-1.5") == P(path: "calm.gguf", strength: -1.5))
        #expect(try SteerOptions.parse("calm.gguf:0.08n") == P(path: "calm.gguf", strength: 0.08, relative: true))
        #expect(try SteerOptions.parse("calm.gguf@13") == P(path: "calm.gguf", layers: [13]))
        #expect(try SteerOptions.parse("calm.gguf@10-14") == P(path: "calm.gguf", layers: [10, 11, 12, 13, 14]))
        #expect(try SteerOptions.parse("calm.gguf@2,5") == P(path: "calm.gguf", layers: [2, 5]))
        #expect(try SteerOptions.parse("calm.gguf@5,0-1") == P(path: "calm.gguf", layers: [5, 0, 1]))
        #expect(try SteerOptions.parse("calm.gguf#3-7") == P(path: "calm.gguf", positions: .range(3..<8)))
        #expect(try SteerOptions.parse("calm.gguf#100-") == P(path: "calm.gguf", positions: .range(100..<Int.max)))
        #expect(try SteerOptions.parse("calm.gguf#4-4") == P(path: "calm.gguf", positions: .range(4..<5)))
        #expect(try SteerOptions.parse("calm.gguf:30@10#100-")
                == P(path: "calm.gguf", strength: 30, layers: [10], positions: .range(100..<Int.max)))
        #expect(try SteerOptions.parse("calm.gguf@9999") == P(path: "calm.gguf", layers: [9999]))
        #expect(try SteerOptions.parse("calm.gguf#0-9999999") == P(path: "calm.gguf", positions: .range(0..<10_000_000)))
    }

    @Test func suffixesAreTakenFromTheRight() throws {
        // A path may hold ':' '@' or '#' itself; only the last of each is a suffix.
        #expect(try SteerOptions.parse("runs/a:b@c#d/calm.gguf:0.5n@3#1-2")
                == P(path: "runs/a:b@c#d/calm.gguf", strength: 0.5, relative: true, layers: [3], positions: .range(1..<3)))
    }

    @Test(arguments: [
        // integer overflow in B+1 (trapped before)
        ("X#0-9223372036854775807", "--steer X#0-9223372036854775807: position 9223372036854775807 is past 9999999"),
        ("X#0-99999999999999999999", "--steer X#0-99999999999999999999: position 99999999999999999999 is past 9999999"),
        // a range that would have been allocated as an array of 10^12 layers
        ("X@0-1000000000000", "--steer X@0-1000000000000: layer 1000000000000 is past 9999"),
        ("X@10000", "--steer X@10000: layer 10000 is past 9999"),
        ("X@-1", "--steer X@-1: cannot read '-1' as a layer (use N or A-B; layers count from 0)"),
        ("X@", "--steer X@: no layers given (use N or A-B, separated by commas)"),
        ("X@13,13,13", "--steer X@13,13,13: layer 13 is named twice"),
        ("X@10-12,11", "--steer X@10-12,11: layer 11 is named twice"),
        ("X@1,,2", "--steer X@1,,2: empty item in the layer list '1,,2'"),
        ("X@3,", "--steer X@3,: empty item in the layer list '3,'"),
        ("X@14-10", "--steer X@14-10: the range 14-10 runs backwards"),
        ("X@1-2-3", "--steer X@1-2-3: cannot read '1-2-3' as a layer (use N or A-B; layers count from 0)"),
        ("X@+3", "--steer X@+3: cannot read '+3' as a layer (use N or A-B; layers count from 0)"),
        ("X@embd", "--steer X@embd: cannot read 'embd' as a layer (use N or A-B; layers count from 0)"),
        ("X#", "--steer X#: positions must be A-B or A- (got '')"),
        ("X#5", "--steer X#5: positions must be A-B or A- (got '5')"),
        ("X#-5", "--steer X#-5: positions must be A-B or A- (got '-5')"),
        ("X#9-3", "--steer X#9-3: the range 9-3 runs backwards"),
        ("X#a-b", "--steer X#a-b: positions must be A-B or A- (got 'a-b')"),
        ("X:", "--steer X:: strength '' is not a number"),
        ("X:n", "--steer X:n: strength 'n' is not a number"),
        ("X:abc", "--steer X:abc: strength 'abc' is not a number"),
        ("X:1e99", "--steer X:1e99: strength '1e99' is not a number"),
        ("X:nan", "--steer X:nan: strength 'nan' is not a number"),
        ("", "--steer : no file"),
        (":2@3", "--steer :2@3: no file"),
    ])
    func malformedSpecsAreUsageErrors(spec: String, message: String) {
        #expect(usageMessage { _ = try SteerOptions.parse(spec) } == message)
    }

    @Test func validateChecksEverySpec() throws {
        let options = [SteerOptions.spec, SteerOptions.normSpec]
        try SteerOptions.validate(try parse(options, ["--steer", "a.gguf:2@3", "--steer", "b.gguf#1-", "--steer-norm"]))
        try SteerOptions.validate(try parse(options, []))
        #expect(usageMessage { try SteerOptions.validate(try parse(options, ["--steer", "a.gguf", "--steer", "b.gguf@-1"])) }
                .hasPrefix("--steer b.gguf@-1: cannot read '-1'"))
    }

    /// A step |strength × v| that is not finite, or more than 1e4 × the layer's mean residual norm, is refused
    /// (`--steer X:1e30` made every logit NaN); ordinary steering passes.
    @Test func absurdStepsAreUsageErrors() throws {
        let unit = [Float](repeating: 0.5, count: 4)   // norm 1
        try SteerOptions.checkStep("a.gguf", layer: 3, strength: 8, vector: unit, meanResidualNorm: 50)
        try SteerOptions.checkStep("a.gguf", layer: 3, strength: -500_000, vector: unit, meanResidualNorm: 50)   // exactly 1e4 × 50
        let message = usageMessage { try SteerOptions.checkStep("a.gguf:1e30", layer: 3, strength: 1e30, vector: unit, meanResidualNorm: 50) }
        #expect(message == "--steer a.gguf:1e30: strength 1e+30 adds a step of 1e+30 at layer 3, more than 10000 × the layer's mean residual norm (50): the output would be NaN; use a strength up to 5e+05 (or a fraction of the norm, like 0.1n)")
        // 1e38n: the strength times the norm is already infinite in Float.
        #expect(usageMessage { try SteerOptions.checkStep("a.gguf:1e38n", layer: 0, strength: 1e38 * 50, vector: unit, meanResidualNorm: 50) }
            .contains("strength inf adds a step of inf"))
        // Components whose squares overflow a Float: the check is done in Double.
        #expect(!usageMessage { try SteerOptions.checkStep("big.gguf", layer: 1, strength: 1, vector: [3e38, 3e38], meanResidualNorm: 50) }.isEmpty)
        // A model whose norm cannot be measured: only infinity is ruled out.
        try SteerOptions.checkStep("a.gguf", layer: 1, strength: 1e20, vector: unit, meanResidualNorm: .nan)
        #expect(!usageMessage { try SteerOptions.checkStep("a.gguf", layer: 1, strength: .infinity, vector: unit, meanResidualNorm: 0) }.isEmpty)
    }
}
