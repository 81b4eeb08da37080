import Engine
import Foundation
import Tokenizers

/// Asking a template the way it says (a choice question in several option orders), built on `SelfReporter.ask`,
/// which asks once.
extension SelfReporter {
    /// Asks `template` about the conversation `messages`: per emotion, or one choice question over all emotions,
    /// averaged over `template.rotations` option orders (`askChoice`). What the monitor and the study call.
    public func report(_ template: SelfReportTemplate, messages: [ChatMessage], context: any InferenceSequence) throws -> SelfReport {
        guard !template.isPerEmotion, template.rotations > 1 else { return try ask(template, messages: messages, context: context) }
        return try askChoice(template, rotations: template.rotations, messages: messages, context: context)
    }

    /// The choice question asked with its option list rotated `rotations` times (`rotationShifts`), each on its
    /// own fork: each order's letter probabilities are mapped back to emotions and averaged with equal weight, and
    /// so is the mass on the letters. A letter's position bias (models favour "A") is so spread over the emotions
    /// rather than credited to whichever one the dataset lists first. Costs `rotations` forks of the whole question.
    public func askChoice(_ template: SelfReportTemplate, rotations: Int, messages: [ChatMessage],
                          context: any InferenceSequence) throws -> SelfReport {
        let n = emotions.count
        var sum = [Double](repeating: 0, count: n)
        var mass = 0.0, seconds = 0.0
        let shifts = Self.rotationShifts(rotations, count: n)
        for k in shifts {
            // Letter i of this order offers emotion (i + k) mod n.
            let order = (0..<n).map { emotions[($0 + k) % n] }
            let r = try SelfReporter(model: model, chat: chat.template, emotions: order).ask(template, messages: messages, context: context)
            guard let c = r.choice, c.probabilities.count == n else {
                throw AffectError.templateTokens(style: template.style, reason: "rotations need a choice question over the emotions, not a rating")
            }
            for (i, p) in c.probabilities.enumerated() { sum[(i + k) % n] += Double(p) }
            mass += Double(c.mass)
            seconds += r.seconds
        }
        let m = Double(shifts.count)
        let choice = AnswerDistribution(probabilities: sum.map { Float($0 / m) }, mass: Float(mass / m))
        return SelfReport(style: template.style, emotions: emotions, ratings: [], choice: choice, seconds: seconds)
    }

    /// How far the option list is shifted in each of `rotations` orders of `count` options: evenly spaced
    /// (0, 4, 8, 12 for 4 orders of 16), so every emotion is asked once in each part of the list. At most `count`
    /// orders (more would repeat one).
    public static func rotationShifts(_ rotations: Int, count: Int) -> [Int] {
        let r = max(1, min(rotations, count))
        return (0..<r).map { $0 * count / r }
    }

    /// The tokens `template` is read from on this tokenizer, per question asked (one per emotion for a rating,
    /// one for a choice): the answer's last tokens before the choice, and each choice's single token. Throws
    /// `AffectError.templateTokens` when a choice is not exactly one token after the answer. Runs no model.
    public func answerTokens(_ template: SelfReportTemplate) throws -> [(question: String, prefix: [Int], ids: [Int])] {
        if template.isPerEmotion {
            return try emotions.map { e in
                let t = try choiceTokens(answer: template.fill(template.answer, emotion: e), choices: template.choices, style: template.style)
                return (e, t.prefix, t.ids)
            }
        }
        guard template.choices.count >= emotions.count else {
            throw AffectError.templateTokens(style: template.style, reason: "\(template.choices.count) choices for \(emotions.count) emotions")
        }
        let t = try choiceTokens(answer: template.answer, choices: Array(template.choices.prefix(emotions.count)), style: template.style)
        return [("all emotions", t.prefix, t.ids)]
    }
}
