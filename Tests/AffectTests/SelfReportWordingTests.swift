import Foundation
import Testing
import TestSupport
import Tokenizers
@testable import Affect
@testable import Engine

/// The shipped self-report wordings, the choice question asked in rotated option orders, and the statistics of
/// `limbic selfreport study`.
struct SelfReportWordingTests {
    static let selfReportFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("prompts/selfreport").path

    func temporaryTemplate(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("style-\(UUID()).txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func shippedWordingsParse() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.selfReportFolder).filter { $0.hasSuffix(".txt") }.sorted()
        for style in ["rating", "rating-plain", "rating-named", "rating-third", "choice", "feel"] {
            #expect(files.contains(style + ".txt"))
        }
        let model = try TinyModel.chatModel()
        let reporter = SelfReporter(model: model, chat: try model.chatTemplate(), emotions: ["calm", "sad", "angry"])
        for f in files {
            let t = try SelfReportTemplate(path: Self.selfReportFolder + "/" + f)
            #expect(!t.question.isEmpty, "\(f)")
            if t.style.hasPrefix("rating") {
                #expect(t.isPerEmotion && t.choices == (0...9).map(String.init) && t.rotations == 1, "\(f)")
                #expect(try reporter.answerTokens(t).count == 3)
            }
        }
        // The named wordings put the emotion in the question, the others only in the answer.
        let named = try SelfReportTemplate.load(style: "rating-named", directory: Self.selfReportFolder)
        #expect(named.question.contains("{emotion}") && !named.answer.contains("{"))
        let plain = try SelfReportTemplate.load(style: "rating-plain", directory: Self.selfReportFolder)
        #expect(!plain.question.contains("{") && plain.answer.contains("{Emotion}"))
        let choice = try SelfReportTemplate.load(style: "choice", directory: Self.selfReportFolder)
        #expect(!choice.isPerEmotion && choice.rotations == 4 && choice.question.contains("{options}"))
        #expect(try reporter.answerTokens(choice).first?.ids.count == 3)
    }

    @Test func rotationsAreCheckedWhereTheyAreRead() throws {
        let good = try temporaryTemplate("question: Which?\n{options}\nanswer: Letter:\nchoices: A B C\nrotations: 3\n")
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(try SelfReportTemplate(path: good).rotations == 3)
        for (text, line) in [("question: Which?\nanswer: x\nrotations: 0\n", 3), ("question: Which?\nrotations: four\n", 2),
                             ("question: How {emotion}?\nanswer: {Emotion}:\nchoices: 0 1\nrotations: 2\n", 4)] {
            let path = try temporaryTemplate(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try SelfReportTemplate(path: path)
                Issue.record("accepted \(text)")
            } catch AffectError.badTemplate(_, let l, let reason) {
                #expect(l == line && reason.contains("rotations"), "\(reason)")
            }
        }
        #expect(SelfReporter.rotationShifts(4, count: 16) == [0, 4, 8, 12])
        #expect(SelfReporter.rotationShifts(4, count: 3) == [0, 1, 2])
        #expect(SelfReporter.rotationShifts(3, count: 16) == [0, 5, 10])
        #expect(SelfReporter.rotationShifts(1, count: 16) == [0])
    }

    let emotions = ["calm", "sad", "angry", "proud"]
    let conversation = [ChatMessage(role: "user", content: "Hi there"), ChatMessage(role: "assistant", content: "Hello!")]

    func choice(rotations: Int) -> SelfReportTemplate {
        SelfReportTemplate(style: "choice", question: "Which?\n{options}", answer: "Letter:", choices: ["A", "B", "C", "D", "E"],
                           rotations: rotations)
    }

    @Test func rotatedChoiceMapsEveryOrderBackToItsEmotions() throws {
        let model = try TinyModel.chatModel()
        let chat = try model.chatTemplate()
        let ctx = model.makeContext(capacity: 1024)
        try ctx.evaluate(try ChatEncoder(template: chat, tokenizer: model.tokenizer).encode(conversation, addGenerationPrompt: false))
        let before = ctx.position
        let reporter = SelfReporter(model: model, chat: chat, emotions: emotions)

        // One order: exactly the plain question.
        let once = try reporter.report(choice(rotations: 1), messages: conversation, context: ctx)
        let plain = try reporter.ask(choice(rotations: 1), messages: conversation, context: ctx)
        #expect(once.choice == plain.choice)

        // Four orders, recomputed by hand by emotion NAME (not index arithmetic): each order is the list shifted by
        // k, asked plainly, and each letter's probability credited to the name it offered.
        let rotated = try reporter.report(choice(rotations: 4), messages: conversation, context: ctx)
        var byName: [String: Double] = [:]
        var mass = 0.0
        for k in 0..<4 {
            let order = (0..<4).map { emotions[($0 + k) % 4] }
            let r = try SelfReporter(model: model, chat: chat, emotions: order).ask(choice(rotations: 1), messages: conversation, context: ctx)
            for (name, p) in zip(order, r.choice!.probabilities) { byName[name, default: 0] += Double(p) / 4 }
            mass += Double(r.choice!.mass) / 4
        }
        let c = try #require(rotated.choice)
        #expect(rotated.emotions == emotions && rotated.ratings.isEmpty)
        #expect(abs(c.probabilities.reduce(0, +) - 1) < 1e-5)
        for (e, p) in zip(emotions, c.probabilities) { #expect(abs(Double(p) - byName[e]!) < 1e-6, "\(e)") }
        #expect(abs(Double(c.mass) - mass) < 1e-6 && c.mass > 0 && c.mass <= 1)
        // The orders do change the answer (the average is not the first order again), and the conversation is
        // untouched.
        #expect(c.probabilities != plain.choice!.probabilities)
        #expect(ctx.position == before)
        // A rating template is asked once whatever it says.
        let rating = SelfReportTemplate(style: "rating", question: "How?", answer: "{Emotion}:", choices: (0...9).map(String.init))
        #expect(try reporter.report(rating, messages: conversation, context: ctx).ratings.count == 4)
    }

    // MARK: Study statistics on synthetic data

    /// values[style][turn][emotion] from a function.
    func answers(styles: Int, turns: Int, emotions: Int, _ f: (Int, Int, Int) -> Double) -> SelfReportStudy.Answers {
        var a = SelfReportStudy.Answers(styles: (0..<styles).map { "s\($0)" }, emotions: (0..<emotions).map { "e\($0)" })
        a.values = (0..<styles).map { s in (0..<turns).map { t in (0..<emotions).map { e in f(s, t, e) } } }
        a.masses = (0..<styles).map { s in (0..<turns).map { _ in 0.5 + Double(s) / 10 } }
        return a
    }

    @Test func identicalWordingsAgreeAndTheNullIsCentredOnZero() {
        // Each emotion its own pseudo-random series over turns, the same in both wordings.
        var rng = SplitMix64(seed: 3)
        let table = (0..<40).map { _ in (0..<3).map { _ in Double(rng.next() % 1000) } }
        let s = SelfReportStudy(answers(styles: 2, turns: 40, emotions: 3) { _, t, e in table[t][e] }, permutations: 400, seed: 9)
        #expect(s.pairs.count == 1 && s.turns == 40)
        for r in s.rows {
            #expect(abs(r.rho! - 1) < 1e-12)
            #expect(abs(r.nullMean!) < 0.05)
            #expect(r.nullLow! < 0 && r.nullHigh! > 0 && r.nullHigh! < 0.6)
            #expect(abs(r.cross!) < 0.4)   // independent series
        }
        #expect(s.pairRho.count == 1 && abs(s.pairRho[0]! - 1) < 1e-12 && abs(s.pairCross[0]!) < 0.4)
        #expect(s.topAllAgree == 1 && s.topPairAgree == 1)
        #expect(s.topPairAgreeNull! < 0.6)
        #expect(abs(s.styleRows[0].meanMass! - 0.5) < 1e-12 && abs(s.styleRows[1].meanMass! - 0.6) < 1e-12)
        // Seeded: the same data and seed give the same null.
        let again = SelfReportStudy(answers(styles: 2, turns: 40, emotions: 3) { _, t, e in table[t][e] }, permutations: 400, seed: 9)
        #expect(again.rows.map(\.nullLow) == s.rows.map(\.nullLow))
    }

    @Test func aSharedTurnOffsetShowsUpInTheCrossEmotionControl() {
        // Every wording answers offset(t) for every emotion plus a little emotion-specific wobble: rho is high, but
        // so is the correlation between different emotions, so the agreement is not about the emotion.
        var rng = SplitMix64(seed: 11)
        let offset = (0..<50).map { _ in Double(rng.next() % 1000) }
        let wobble = (0..<2).map { _ in (0..<50).map { _ in (0..<4).map { _ in Double(rng.next() % 30) } } }
        let s = SelfReportStudy(answers(styles: 2, turns: 50, emotions: 4) { w, t, e in offset[t] + wobble[w][t][e] }, permutations: 200)
        #expect(s.meanRho! > 0.9)
        #expect(s.meanCross! > 0.9)
        #expect(abs(s.meanRho! - s.meanCross!) < 0.05)
        #expect(abs(s.pairRho[0]! - s.pairCross[0]!) < 0.05)
    }

    @Test func reversedAndConstantSeriesAndThreeWordings() {
        // Wording 1 ranks the turns backwards for emotion 0; wording 2 gives emotion 1 the same value throughout.
        let s = SelfReportStudy(answers(styles: 3, turns: 6, emotions: 2) { w, t, e in
            if e == 1 { return w == 2 ? 4 : Double(t) }
            return w == 1 ? Double(-t) : Double(t)
        }, permutations: 50)
        #expect(s.pairs.map { [$0.0, $0.1] } == [[0, 1], [0, 2], [1, 2]])
        #expect(s.rows[0].pairs.map { $0.map { ($0 * 1e9).rounded() / 1e9 } } == [-1, 1, -1])
        #expect(abs(s.rows[0].rho! + 1.0 / 3) < 1e-9)
        #expect(s.rows[1].pairs[0] == 1 && s.rows[1].pairs[1] == nil && s.rows[1].pairs[2] == nil)
        #expect(s.rows[1].rho == 1)   // the mean of the pairs that have one
        #expect(s.pairRho[0].map { abs($0) < 1e-9 } == true && s.pairRho[1] == 1 && s.pairRho[2] == -1)   // per pair, over emotions
        #expect(SelfReportStudy.spearman([0, 0, 1], [9, 8, 7]).map { abs($0 + 0.8660254) < 1e-6 } == true)   // ties
        #expect(SelfReportStudy.spearman([1, 2], [1, 2]) == nil)
        // Too few turns: no correlations, no null; shares still computed.
        let short = SelfReportStudy(answers(styles: 2, turns: 2, emotions: 2) { _, t, e in Double(t + e) })
        #expect(short.rows.allSatisfy { $0.rho == nil && $0.nullMean == nil && $0.cross == nil })
        #expect(short.meanRho == nil && short.topAllAgree == 1)
        #expect(short.styleRows[0].modalTop == "e1" && short.styleRows[0].modalTopShare == 1)
    }
}
