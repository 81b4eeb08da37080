import Foundation

/// When a reading and a self-report disagree enough to say so (DESIGN.md §4: flags are family-wise).
///
/// The band comes from the chat calibration (`ChatCalibration.gapThreshold`): the |gap| that at most 5% of
/// neutral calibration turns exceed on any of the emotions — measured, with the emotions' correlation, rather than
/// assumed from two independent standard normals (under which |gap| > 1.5 per emotion fired on about 4-5 of 16
/// emotions every turn). Its false-alarm rate on held-out neutral chats is printed by `limbic calibrate --report`.
/// A self-report the model barely gave (low confidence, or missing) is never flagged.
public enum Disagreement: String, Sendable {
    /// The activations show more of the emotion than the model reports ("hidden").
    case activationsAboveReport = "hidden"
    /// The model reports more than its activations show ("overclaimed").
    case reportAboveActivations = "overclaimed"

    /// The flag for one emotion, or nil: nil whenever a number is missing or not finite, or the self-report is
    /// not confident.
    public static func flag(readingZ: Float, selfReportZ: Float?, confident: Bool, threshold: Float) -> Disagreement? {
        guard confident, let s = selfReportZ, readingZ.isFinite, s.isFinite, threshold.isFinite else { return nil }
        let gap = readingZ - s
        if gap > threshold { return .activationsAboveReport }
        if gap < -threshold { return .reportAboveActivations }
        return nil
    }

    /// Words for the panel.
    public var phrase: String {
        switch self {
        case .activationsAboveReport: return "activations above its own report"
        case .reportAboveActivations: return "reports more than its activations show"
        }
    }
}

extension AnswerDistribution {
    /// Probability on the answer tokens at least this, and entropy at most this many bits below the maximum, make
    /// a self-report "confident": below, the model barely answered the question (SmolLM2 often spreads its answer
    /// over all ten digits, 2.96 of 3.32 bits).
    public static let confidentMass: Float = 0.5
    /// Below this probability on the answer tokens a self-report counts as missing (`SelfReport.values`).
    public static let massFloor: Float = 0.5
    public static let confidentEntropyMargin: Float = 0.5

    /// Whether this answer is clear enough to be shown plainly and flagged.
    public var isConfident: Bool {
        let maxEntropy = log2(Float(max(probabilities.count, 2)))
        return mass.isFinite && entropy.isFinite && mass >= Self.confidentMass && entropy <= maxEntropy - Self.confidentEntropyMargin
    }
}

extension SelfReport {
    /// Whether emotion `i`'s answer is confident (choice style: the one answer over all emotions).
    public func isConfident(_ i: Int) -> Bool {
        if let c = choice { return c.isConfident }
        return i < ratings.count && ratings[i].isConfident
    }
}

extension TurnMonitoring {
    /// The disagreement flag of emotion `i` this turn (nil without a self-report, or when none is raised).
    public func flag(_ i: Int) -> Disagreement? {
        guard let r = selfReport, let sz = selfReportZ, let t = gapThreshold, i < sz.count, i < reply.meanZ.count else { return nil }
        return Disagreement.flag(readingZ: reply.meanZ[i], selfReportZ: sz[i], confident: r.isConfident(i), threshold: t)
    }

    /// Whether emotion `i`'s reply reading is beyond the family-wise reading threshold (nil: no calibration).
    public func isHigh(_ i: Int) -> Bool? {
        guard let t = readingThreshold, i < reply.meanZ.count else { return nil }
        return reply.meanZ[i].isFinite && reply.meanZ[i] > t
    }
}
