import Foundation
import Testing
import TestSupport
@testable import Affect
@testable import Agent
@testable import Engine

/// The calibration run on the tiny chat model: scripted chats through the monitor, half fitting, half held out.
struct CalibratorTests {
    func calibrator() throws -> Calibrator {
        let model = try TinyModel.chatModel()
        let template = SelfReportTemplate(style: "rating", question: "How {emotion}?", answer: "{Emotion}:", choices: (0...9).map(String.init))
        var c = Calibrator(model: model, probes: TurnPipelineTests().probes(), template: template, system: "Be brief.")
        c.maxTokens = 5
        c.massFloor = 0   // the tiny model's random weights put little probability on the digits
        return c
    }

    let chats = (0..<8).map { Calibrator.Chat(name: "\($0).txt", turns: ["Hello number \($0)", "And then \($0 * 3)?"]) }

    @Test func evenChatsFitOddChatsAreHeldOut() throws {
        let c = try calibrator().calibrate(chats, key: "k")
        #expect(c.problem(emotions: ["calm", "sad"], style: "rating") == nil)
        #expect(c.chats == 4 && c.turns == 8)
        let rates = try #require(c.heldOut).rates
        #expect(rates.first { $0.name == "reading.high" }?.turns == 8)
        #expect(rates.first { $0.name == "flag.any" }?.turns == 8, "every held-out turn had a self-report")
        // No answer of the tiny model is confident, so no gap is ever flagged and none measured: no threshold.
        #expect(c.readingThreshold.isFinite && c.gapThreshold == .infinity)
        #expect(rates.first { $0.name == "flag.any" }?.fired == 0)
        // On the turns it was fitted on, the reply z averages about 0: z means "against neutral chat".
        let fitted = try calibrator().run(chats.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), calibration: c)
        for e in 0..<2 {
            let z = fitted.map { $0.monitoring.reply.meanZ[e] }
            #expect(abs(z.reduce(0, +) / Float(z.count)) < 0.5, "emotion \(e): \(z)")
        }
        // Template tokens and the first positions are left out of every span.
        #expect(fitted.allSatisfy { $0.raw.userTokens > 0 && $0.raw.userTokens < $0.monitoring.reply.tokens + 20 })
        // The same chats give the same calibration (greedy replies, seeded thresholds).
        let again = try calibrator().calibrate(chats, key: "k")
        #expect(again.reply == c.reply && again.gapThreshold == c.gapThreshold)
    }
}
