import Affect
import Engine
import Foundation
import Fuzzing
import GGUF
import LimbicCLI
import Policies
import SessionLog
import Testing
import TestSupport

/// A short fuzzing run of every format Limbic reads, in the test suite (a few thousand inputs in all). A crash
/// ends the test process with the input in the reproducer file named on stderr; a hang is stopped by the
/// watchdog. Long runs: `limbic fuzz --cases 100000` (see the README).
struct FuzzTests {
    static let cases = Int(ProcessInfo.processInfo.environment["LIMBIC_FUZZ_CASES"] ?? "") ?? 600
    static let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-fuzz-\(getpid())").path

    static func fuzzer() -> Fuzzer {
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        return Fuzzer(seed: 2026, hangLimit: 20, reproducer: scratch + "/current.bin")
    }

    func check(_ target: FuzzTarget) {
        let f = Self.fuzzer()
        defer { f.finish() }
        let r = f.run(target, cases: Self.cases)
        #expect(r.cases == Self.cases)
        #expect(r.refused > 0, "\(target.name): no mutation was refused")
        #expect(r.accepted > 0, "\(target.name): not even the unchanged seeds were accepted: \(r.sampleErrors)")
        #expect(r.slowest < 5, "\(target.name): case \(r.slowestCase) took \(r.slowest) s")
    }

    @Test func models() { check(FuzzTargets.model(seeds: FuzzSeeds.models())) }

    @Test func controlVectors() { check(FuzzTargets.controlVector(seeds: FuzzSeeds.controlVectors())) }

    @Test func probeSets() throws {
        check(FuzzTargets.probeSet(seeds: try FuzzSeeds.probeSets(scratch: Self.scratch), scratch: Self.scratch + "/probe.gguf"))
    }

    @Test func calibrations() throws { check(FuzzTargets.calibration(seeds: try FuzzSeeds.calibrations())) }

    @Test func policies() { check(FuzzTargets.policy(seeds: FuzzSeeds.policies())) }

    @Test func sessionLogs() throws { check(FuzzTargets.sessionLog(seeds: try FuzzSeeds.sessionLogs())) }

    /// The option groups of LimbicCLI (every command-specific `validate` runs in `limbic fuzz`, which has the
    /// command list).
    @Test func commandLines() {
        let specs = ModelOptions.specs + SamplingOptions.specs + MonitorSetup.specs + ProbeOptions.specs
            + [SteerOptions.spec, SteerOptions.normSpec, .option("layers", "L", ""), .option("positions", "P", ""),
               .option("capture", "L", ""), .option("out", "F", ""), .option("prompt", "P", ""), .option("top", "K", ""),
               .option("runs", "N", ""), .option("prompt-tokens", "N", ""), .option("gen-tokens", "N", ""),
               .option("llama-cpp", "E", ""), .flag("json", ""), .flag("norms", ""), .flag("no-special", "")]
        check(FuzzTargets.options(seeds: FuzzTargets.commandLines) { arguments in
            let p = try ParsedArguments(command: arguments.first ?? "", options: specs, arguments: Array(arguments.dropFirst()))
            try ModelOptions.validate(p)
            try SamplingOptions.validate(p)
            try SteerOptions.validate(p)
            _ = try MonitorSetup.selfReportEvery(p)
            if let l = p.string("layers") { _ = try LayerSelection.parse(l, option: "--layers") }
            if let l = p.string("capture") { _ = try LayerSelection.parse(l, option: "--capture") }
            if let s = p.string("positions") { _ = try PositionRange.selector(s, option: "--positions") }
        })
    }
}

extension FuzzTests {
    /// The seeds themselves must be valid, or the fuzzer only ever explores the refusing path.
    @Test func everyPolicySeedCompiles() {
        for seed in FuzzSeeds.policies() {
            let (engine, diagnostics) = PolicyEngine.compile(String(decoding: seed, as: UTF8.self), file: "seed.policy", emotions: ["calm", "sad", "desperate"])
            #expect(engine != nil, "\(diagnostics.map(\.description))")
        }
    }
}
