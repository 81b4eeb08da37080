import Foundation

/// When a reading and a self-report disagree enough to say so (DESIGN.md §4: flags are family-wise).
///
/// Until the monitor is calibrated on neutral chats (a measured null per emotion), the band assumes what the
/// z-scores promise: reading z and self-report z each standard normal on neutral text, independent, so a gap has
/// standard deviation √2. With 16 emotions tested every turn, a per-emotion two-sided level of 0.05 / 16 keeps
/// the chance that a neutral turn raises any flag near 5% (Bonferroni): |gap| > 2.96 · √2 ≈ 4.2. A flag also needs
/// the side that "shows more" to be outside ±2 on its own, so that two ordinary numbers never make a flag, and a
/// self-report the model barely gave (low confidence) is never flagged.
public enum Disagreement: String, Sendable {
    /// The activations show more of the emotion than the model reports ("hidden").
    case activationsAboveReport = "hidden"
    /// The model reports more than its activations show ("overclaimed").
    case reportAboveActivations = "overclaimed"

    /// |gap| beyond this is a disagreement (see the type's note).
    public static func gapThreshold(emotions: Int) -> Float {
        // Two-sided normal quantile at 0.05 / emotions, by bisection on erfc (no tables).
        let level = 0.05 / Double(max(emotions, 1))
        var lo = 0.0, hi = 10.0
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if erfc(mid / 2.squareRoot()) > level { lo = mid } else { hi = mid }
        }
        return Float(lo * 2.squareRoot())
    }

    /// A z beyond this on its own is "outside the ordinary".
    public static let band: Float = 2

    /// The flag for one emotion, or nil: nil whenever a number is missing or not finite, or the self-report is
    /// not confident.
    public static func flag(readingZ: Float, selfReportZ: Float?, confident: Bool, emotions: Int) -> Disagreement? {
        guard confident, let s = selfReportZ, readingZ.isFinite, s.isFinite else { return nil }
        let gap = readingZ - s, t = gapThreshold(emotions: emotions)
        if gap > t && readingZ > band { return .activationsAboveReport }
        if gap < -t && s > band { return .reportAboveActivations }
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
        guard let r = selfReport, let sz = selfReportZ, i < sz.count, i < reply.meanZ.count else { return nil }
        return Disagreement.flag(readingZ: reply.meanZ[i], selfReportZ: sz[i], confident: r.isConfident(i), emotions: reply.emotions.count)
    }
}
