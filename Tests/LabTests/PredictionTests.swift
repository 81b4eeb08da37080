import Foundation
import Testing
@testable import Lab

/// The prediction tasks' mechanical checks and their files.
struct PredictionTests {
    @Test func propertiesOfAnswers() {
        typealias P = PredictionTask.Property
        #expect(P.firstLetterVowel.holds(" Elephant.") == true && P.firstLetterVowel.holds("tiger") == false)
        #expect(P.lastLetterVowel.holds("Banana!") == true && P.lastLetterVowel.holds("cat") == false)
        #expect(P.lastLetterVowel.holds("The cat.") == false && P.firstLetterVowel.holds("An owl") == true, "articles are skipped")
        #expect(P.answerLength.holds("Purple") == true && P.answerLength.holds("red") == false)
        #expect(P.startsWithS.holds("Strawberry") == true && P.startsWithS.holds("apple") == false)
        #expect(P.numberEven.holds("I pick 42.") == true && P.numberEven.holds("17") == false)
        #expect(P.numberOver50.holds("51") == true && P.numberOver50.holds("50") == false)
        #expect(P.numberEven.holds("seven") == nil && P.firstLetterVowel.holds("…") == nil, "nothing to check is missing, not false")
    }

    @Test func everyShippedTaskLoads() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("prompts/lab/predict").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".txt") }
        #expect(files.count == 6)
        for f in files {
            let t = try PredictionTask.load(dir + "/" + f)
            #expect(t.prompts.count == 100 && t.choices.count == 2 && t.question.contains("{prompt}"), "\(f)")
        }
    }
}
