import Foundation
import Testing
@testable import Affect
@testable import LimbicCLI

/// `probe show`/`probe validate` and the chat panel render any set and any value: what was not measured, or is not
/// a number, is shown as —, never a trap and never flagged.
@Suite struct ProbeReportAndPanelTests {
    /// A 2-emotion, 3-layer set as `probe import` writes it: accuracy NaN (not measured) everywhere.
    func importedSet(accuracy: [Float] = [.nan, .nan, .nan]) -> ProbeSet {
        let layer = LayerProbe(vectors: [[1, 0], [0, 1]], center: [0, 0], calibrationMean: [0, 0], calibrationStd: [1, 1])
        return ProbeSet(emotions: ["calm", "sad"], layers: [layer, layer, layer], readingLayer: 2, method: .recipe, skipTokens: 3,
                        modelSHA256: String(repeating: "a", count: 64), datasetHash: "imported:x", validationAccuracy: accuracy,
                        accuracyUnnamed: .nan, accuracyNamed: .nan, confusion: [])
    }

    @Test func anImportedSetShowsAndValidatesWithDashes() {
        let set = importedSet()
        let summary = ProbeReport.summary(set, path: "p.gguf")
        #expect(summary.contains("accuracy     — held-out 2-way (chance 50.0%); never names its emotion —, names it —"))
        let validation = ProbeReport.validation(set, path: "p.gguf")
        #expect(validation.contains("   2       —   ← reading layer"))
        #expect(ProbeReport.summaryJSON(set, path: "p.gguf").contains("\"accuracy\":null"))
        #expect(ProbeReport.validationJSON(set).contains("{\"layer\":0,\"accuracy\":null,\"parameter\":null}"))
        #expect(ProbeReport.validationJSON(set).contains("\"chosen_by\":null,\"parameter\":null"))
    }

    @Test func aSetWithoutAccuraciesShowsAndValidates() {
        let set = importedSet(accuracy: [])
        #expect(ProbeReport.summary(set, path: "p.gguf").contains("accuracy     — held-out"))
        #expect(ProbeReport.validation(set, path: "p.gguf").contains("   0       — \n"))
        #expect(ProbeReport.validationJSON(set).contains("\"layers\":[{\"layer\":0,\"accuracy\":null,\"parameter\":null},"))
    }

    @Test func aMeasuredSetShowsItsAccuracies() {
        var set = importedSet(accuracy: [0.25, 0.5, 0.75])
        set.confusion = [[3, 1], [0, 4]]
        let text = ProbeReport.validation(set, path: "p.gguf")
        #expect(text.contains("   2   75.0% " + String(repeating: "█", count: 30) + "  ← reading layer"))
        #expect(text.contains("(chosen on validation passages)"))
        #expect(text.contains("note         an older probe set: its layer was chosen on the passages its accuracy is measured on"))
        #expect(ProbeReport.validationJSON(set).contains("{\"layer\":1,\"accuracy\":0.5,\"parameter\":null}"))
        #expect(ProbeReport.validationJSON(set).contains("\"test\":null,"))
    }

    /// A set as a build writes it: how it was chosen, the folds, the test split with intervals and its controls.
    @Test func anEvaluatedSetShowsItsFoldsTestSplitAndControls() throws {
        var set = importedSet(accuracy: [0.25, 0.5, 0.75])
        set.confusion = [[5, 1], [1, 3]]
        set.evaluation = ProbeEvaluation(foldAccuracy: [0.7, 0.8, 0.75, 0.75, 0.75], parameterName: "shrinkage",
                                         candidates: [0.9, 0.5], layerParameters: [0.9, 0.5, 0.5], pcFraction: 0.5,
                                         trainingCount: 40, test: .init(correct: 8, total: 10), layer0: .init(correct: 5, total: 10),
                                         bagOfWords: .init(correct: 4, total: 10), bagOfWordsSmoothing: 0.3,
                                         unnamed: .init(correct: 6, total: 8), named: .init(correct: 2, total: 2))
        #expect(set.problem() == nil, "\(set.problem() ?? "")")
        let text = ProbeReport.validation(set, path: "p.gguf")
        #expect(text.contains("reading      layer 2, shrinkage 0.5 (chosen by 5-fold cross-validation on 40 training passages)"))
        #expect(text.contains("accuracy     75.0% cross-validated 2-way (chance 50.0%); test split 80.0% [49.0–94.3%] of 10"))
        #expect(text.contains("folds        70.0%  80.0%  75.0%  75.0%  75.0%   mean 75.0%"))
        #expect(text.contains("  layer 0 (lexical control)    50.0% [23.7–76.3%] of 10"))
        #expect(text.contains("  bag of words (naive Bayes)   40.0% [16.8–68.7%] of 10"))
        #expect(text.contains("  never names its emotion      75.0% [40.9–92.9%] of 8"))
        #expect(text.contains("shrinkage (0.9, 0.5)"))
        #expect(text.contains("   1   50.0% " + String(repeating: "█", count: 20) + " 0.5\n"))
        #expect(text.contains("confusion on the test split at layer 2"))
        #expect(!text.contains("note "))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ProbeReport.validationJSON(set).utf8)) as? [String: Any])
        #expect(json["chosen_by"] as? String == "cross-validation")
        #expect((json["parameter"] as? [String: Any])?["value"] as? Double == 0.5)
        #expect(json["fold_accuracy"] as? [Double] == [0.7, 0.8, 0.75, 0.75, 0.75])
        let test = try #require(json["test"] as? [String: Any])
        #expect(test["correct"] as? Int == 8 && test["total"] as? Int == 10)
        let ci = try #require(test["ci95"] as? [Double])
        #expect(abs(ci[0] - 0.490) < 1e-3 && abs(ci[1] - 0.943) < 1e-3)
        #expect((json["never_names"] as? [String: Any])?["total"] as? Int == 8)
        #expect((json["layers"] as? [[String: Any]])?[0]["parameter"] as? Double == 0.9)
        #expect(ProbeReport.summaryJSON(set, path: "p.gguf").contains("\"test_accuracy\":0.8"))
    }

    func monitoring(z: [Float], selfValues: [Float]? = nil, selfZ: [Float]? = nil, gap: [Float]? = nil) -> TurnMonitoring {
        let emotions = ["calm", "sad", "angry", "afraid"]
        let r = Readings(layer: 1, emotions: emotions, tokens: 3, meanRaw: z, meanZ: z, lastBeforeRaw: z, lastBeforeZ: z)
        let report = selfValues.map { v in
            SelfReport(style: "rating", emotions: emotions,
                       ratings: v.map { x in AnswerDistribution(probabilities: (0...9).map { Float($0) == x ? 1 : 0 }, mass: 1) },
                       choice: nil, seconds: 0)
        }
        var m = TurnMonitoring(turn: 0, user: r, reply: r, selfReport: report, selfReportZ: selfZ, gap: gap,
                               readingSeconds: 0, selfReportSeconds: 0)
        m.readingThreshold = 3
        if selfZ != nil { m.gapThreshold = 4 }
        return m
    }

    @Test func thePanelShowsNonFiniteValuesAsDashesAndNeverFlagsThem() {
        let panel = Panel(emotions: ["calm", "sad", "angry", "afraid"], color: true, width: 80)
        let m = monitoring(z: [.nan, .infinity, 1e30, -2], selfValues: [4, 5, 6, 7], selfZ: [.nan, 1, .infinity, 0],
                           gap: [.nan, .infinity, -.infinity, -2])
        let all = panel.render(m).split(separator: "\n").map(String.init)
        #expect(all[0].hasPrefix("emotion    reading z") && all[0].contains("self 0-9 (z)   sure"))
        let headerLines = panel.header(m).split(separator: "\n").count
        #expect(all[headerLines - 1].contains("/why EMOTION explains a row"))
        #expect(all.prefix(headerLines).allSatisfy { $0.replacingOccurrences(of: "\u{1B}[2m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "").count <= 80 },
                "the legend fits the width")
        let lines = Array(all.dropFirst(headerLines))
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("calm           — ") && lines[0].contains("(   —)"))
        #expect(lines[1].hasPrefix("sad            — ") && !lines[1].contains("▲"))
        #expect(!lines[2].contains("▼"), "an infinite gap is not a disagreement")
        #expect(lines[2].contains("│████████"), "a huge z is a full bar")
        #expect(!lines[3].contains("▼"), "a gap of −2 is within the family-wise band")
        // The bar of a non-finite z is the centre mark alone; a huge one is full, not a trap.
        #expect(panel.bar(.nan, 8) == "    │    " && Panel(emotions: [], color: false, width: 80).bar(.infinity, 8) == "    │    ")
        #expect(Panel(emotions: [], color: false, width: 80).bar(1e30, 8) == "    │████")
        #expect(Panel(emotions: [], color: false, width: 80).bar(-Float.greatestFiniteMagnitude, 8) == "▒▒▒▒│    ")
    }

    @Test func flagsAgreeWithTheirSignsAndNeedAConfidentAnswer() {
        let panel = Panel(emotions: ["calm", "sad", "angry", "afraid"], color: false, width: 80)
        // calm: reading far above a confident report; sad: a confident report far above the reading;
        // angry: a gap within the calibrated band (4); afraid: a large gap on an unsure answer.
        var m = monitoring(z: [5, 0, 1.5, 5], selfValues: [4, 9, 4, 4], selfZ: [0, 5, -2, 0], gap: [5, -5, 3.5, 5])
        m.selfReport!.ratings[3] = AnswerDistribution(probabilities: [Float](repeating: 0.1, count: 10), mass: 0.9)
        let lines = panel.render(m).split(separator: "\n").map(String.init).dropFirst(panel.header(m).split(separator: "\n").count)
        let rows = Dictionary(lines.map { ($0.split(separator: " ").first.map(String.init) ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(rows["calm"]?.contains("▲ activations above its own report") == true)
        #expect(rows["sad"]?.contains("▼ reports more than its activations show") == true)
        #expect(rows["angry"]?.contains("▲") == false, "the gap is within the band")
        #expect(rows["calm"]?.contains("█!") == true && rows["angry"]?.contains("!") == false, "a reading beyond the reading threshold is marked")
        #expect(rows["afraid"]?.contains("▲") == false && rows["afraid"]?.contains("~") == true, "an unsure answer is dimmed, never flagged")
        #expect(lines.last?.hasPrefix("~ barely answered") == true)
        let why = panel.explain(m, emotion: "calm", calibration: nil)
        #expect(why.contains("averages +5.0 standard deviations") && why.contains("turns of neutral chats that is z +0.0"))
        #expect(why.contains("a flag needs beyond ±4.0"))
        #expect(why.contains("Flagged: activations above its own report."))
        #expect(panel.explain(m, emotion: "afraid", calibration: nil).contains("it barely answered: not flagged"))
        #expect(panel.explain(m, emotion: "joy", calibration: nil).hasPrefix("no emotion 'joy'"))
    }

    @Test func flagsNeedBothNumbersAConfidentAnswerAndACalibratedBand() {
        #expect(Disagreement.flag(readingZ: .nan, selfReportZ: 0, confident: true, threshold: 4) == nil)
        #expect(Disagreement.flag(readingZ: 5, selfReportZ: nil, confident: true, threshold: 4) == nil)
        #expect(Disagreement.flag(readingZ: 5, selfReportZ: 0, confident: false, threshold: 4) == nil)
        #expect(Disagreement.flag(readingZ: 5, selfReportZ: 0, confident: true, threshold: .infinity) == nil)
        #expect(Disagreement.flag(readingZ: 5, selfReportZ: 0, confident: true, threshold: 4) == .activationsAboveReport)
        #expect(Disagreement.flag(readingZ: -1, selfReportZ: 3.5, confident: true, threshold: 4) == .reportAboveActivations)
    }
}
