import Foundation
import Testing
@testable import Lab

/// The lab's JSON is read back as it was written (`limbic report --html` draws it), acronyms and NaN included.
struct LabJSONTests {
    @Test func everyResultKindRoundTripsAndIsToldApart() throws {
        let e = Estimate([0.1, 0.3, 0.2])
        let detection = DetectionStudy.Result(
            concepts: ["ocean"], preamble: "information", injectAt: "first-turn", question: "q", controls: 2, yesTokens: [1], noTokens: [2],
            baseLogOdds: -1, baseMass: 0.9, basePYes: 0.2, baseControlLogOdds: .nan, baseContentRank: nil,
            rows: [.init(layer: 10, strength: 0.2, absoluteStrength: 3, injectedLogOdds: e, shift: e, controlShift: Estimate([]),
                         shiftOverControl: e, injectedMass: e, detected: 1, controlsYes: 0, contentRank: nil, contentTop1: nil)])
        guard case .detection(let d)? = LabJSON.read(try LabJSON.encoder.encode(detection)) else { Issue.record("not read as detection"); return }
        #expect(d.rows[0].shift == e && d.rows[0].controlShift.mean.isNaN && d.baseControlLogOdds.isNaN && d.basePYes == 0.2)

        let selfReport = [InjectedSelfReport.Result(layer: 15, strength: 0.1, contexts: 8,
                                                    emotions: [.init(emotion: "calm", ownRise: 1, othersRise: 0.1, auroc: e)],
                                                    diagonalAUROC: e, randomAUROC: Estimate([0.5, 0.5]), matrix: [[1]])]
        let encoded = try LabJSON.encoder.encode(selfReport)
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"diagonal_auroc\""))
        guard case .selfReport(let s)? = LabJSON.read(encoded) else { Issue.record("not read as a self-report result"); return }
        #expect(s[0].diagonalAUROC == e && s[0].randomAUROC.mean == 0.5)

        let localization = LocalizationStudy.Result(pairs: 10, seed: 1, prior: [0.2, 0.2, 0.2, 0.2, 0.2], rows: [
            .init(layer: 6, strength: 1, trials: 50, accuracy: ["detect": 0.3], low: ["detect": 0.2], high: ["detect": 0.45],
                  randomAccuracy: 0.2, confusion: [[1]]),
        ])
        guard case .localization(let l)? = LabJSON.read(try LabJSON.encoder.encode(localization)) else { Issue.record("not read as localization"); return }
        #expect(l.rows[0].accuracy == ["detect": 0.3])

        #expect(LabJSON.read(Data("{\"event\":\"session\"}".utf8)) == nil)
    }
}

/// `limbic introspect … --csv`: a header and one line per row, intervals in columns, text quoted where it must be.
struct LabCSVTests {
    @Test func rowsAndQuoting() {
        let e = Estimate([0.1, 0.3])
        let r = [InjectedSelfReport.Result(layer: 15, strength: 0.1, contexts: 8,
                                           emotions: [.init(emotion: "calm, \"mostly\"", ownRise: 1, othersRise: 0.25, auroc: e)],
                                           diagonalAUROC: e, randomAUROC: Estimate([]), matrix: [[1]])]
        let lines = LabCSV.text(.selfReport(r)).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "layer,strength,contexts,emotion,own_rise,others_rise,auroc,auroc_low,auroc_high")
        #expect(lines[1].hasPrefix("15,0.1,8,\"calm, \"\"mostly\"\"\",1,0.25,0.2,"))
        #expect(lines[3] == "15,0.1,8,(random vectors),,,,,", "NaN is an empty field")
        #expect(lines.count == 5 && lines[4].isEmpty)
        let p = LabCSV.text(.prediction([.init(task: "vowel", checked: 100, selfCorrect: 60, crossCorrect: nil, baselineCorrect: 55, holds: 45)]))
        #expect(p == "task,checked,self_correct,cross_correct,baseline_correct,holds\nvowel,100,60,,55,45\n")
    }
}

/// `--strengths`: fractions of the mean residual norm, or absolute norms with a trailing `a`.
struct InjectionStrengthTests {
    @Test func fractionsAndAbsoluteNorms() {
        #expect(InjectionStrength.parse("0.1") == .fraction(0.1) && InjectionStrength.parse(" 8a") == .absolute(8))
        #expect(InjectionStrength.parse("-0.5") == .fraction(-0.5))
        for bad in ["", "a", "x", "0.1n", "nan", "inf", "101", "2e7a"] { #expect(InjectionStrength.parse(bad) == nil, "\(bad)") }
        #expect(InjectionStrength.fraction(0.1).norm(meanNorm: 50) == 5 && InjectionStrength.absolute(5).norm(meanNorm: 50) == 5)
        #expect(InjectionStrength.absolute(5).fraction(meanNorm: 50) == 0.1 && InjectionStrength.fraction(0.2).fraction(meanNorm: 50) == 0.2)
    }
}

/// A sweep's finished rows are kept and read back; `--fresh` and a damaged file measure again.
struct SweepCacheTests {
    @Test func rowsRoundTripAndADamagedOneIsMeasuredAgain() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = SweepCache(directory: dir, key: String(repeating: "ab", count: 32))
        let row = LocalizationStudy.Row(layer: 6, strength: 0.5, absoluteStrength: 10, trials: 50, accuracy: ["detect": 0.3],
                                        low: ["detect": 0.2], high: ["detect": 0.45], randomAccuracy: 0.2, confusion: [[1]])
        #expect(cache.load(LocalizationStudy.Row.self, layer: 6, strength: .fraction(0.5)) == nil)
        try cache.save(row, layer: 6, strength: .fraction(0.5))
        #expect(cache.load(LocalizationStudy.Row.self, layer: 6, strength: .fraction(0.5))?.accuracy == ["detect": 0.3])
        #expect(cache.reused.value == 1)
        #expect(cache.load(LocalizationStudy.Row.self, layer: 6, strength: .absolute(0.5)) == nil, "another strength")
        #expect(cache.load(LocalizationStudy.Row.self, layer: 7, strength: .fraction(0.5)) == nil, "another layer")
        #expect(SweepCache(directory: dir, key: String(repeating: "cd", count: 32)).load(LocalizationStudy.Row.self, layer: 6, strength: .fraction(0.5)) == nil)
        #expect(SweepCache(directory: dir, key: cache.key, reuse: false).load(LocalizationStudy.Row.self, layer: 6, strength: .fraction(0.5)) == nil)
        try Data("{\"layer\":".utf8).write(to: URL(fileURLWithPath: cache.path(layer: 6, strength: .fraction(0.5))))
        #expect(cache.load(LocalizationStudy.Row.self, layer: 6, strength: .fraction(0.5)) == nil, "a cut-off file is measured again")
    }
}

/// repeng's pca-center: the first principal component of pairs centred on their means, signed toward the concept.
struct PCACenterTests {
    @Test func thePlantedDirectionIsFoundSignedAndScaled() {
        // Differences along (3, 4, 0) with noise along the third axis, some pairs longer than others.
        let diffs: [[Float]] = [[3, 4, 0.3], [6, 8, -0.3], [1.5, 2, 0.2], [4.5, 6, -0.2]].map { $0.map { $0 / 2 } }
        let v = ConceptVectors.firstComponent(centred: diffs.flatMap { [$0, $0.map { -$0 }] }, meanDifference: diffs)
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(v[0] / n - 0.6) < 0.01 && abs(v[1] / n - 0.8) < 0.01 && abs(v[2] / n) < 0.05, "\(v)")
        #expect(abs(n - 6.25) < 0.01, "the length of the mean difference, (3.75, 5, 0)")
        let flipped = ConceptVectors.firstComponent(centred: diffs.flatMap { [$0, $0.map { -$0 }] }, meanDifference: diffs.map { $0.map { -$0 } })
        #expect(flipped[0] < 0, "signed toward the concept's side")
    }
}
