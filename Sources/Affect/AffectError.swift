/// Errors of emotion datasets, probe sets and readings.
public enum AffectError: Error, CustomStringConvertible {
    case datasetMissing(String)
    case tooFewEmotions(String, Int)
    case noNeutral(String)
    case tooFewPassages(emotion: String, count: Int)
    case badProbeSet(path: String, reason: String)
    case staleProbeSet(path: String, reason: String)
    case unknownEmotion(String, known: [String])
    case unknownMethod(String)
    case badActivations(path: String, reason: String)
    case badTemplate(path: String, line: Int, reason: String)
    case templateTokens(style: String, reason: String)
    case unusableBaseline(style: String, reason: String)
    case badTrustScores(path: String, reason: String)

    public var description: String {
        switch self {
        case .datasetMissing(let d):
            return "no emotion dataset at \(d): point --emotions at a folder of <emotion>.txt files with a neutral.txt (or $LIMBIC_PROMPTS at a folder laid out like prompts/; unset, limbic uses its own), or chat with --no-monitor"
        case .tooFewEmotions(let d, let n):
            return "\(d) holds \(n) emotion file(s); at least 2 are needed besides neutral.txt"
        case .noNeutral(let d):
            return "\(d)/neutral.txt is missing or has fewer than 2 passages on even and 2 on odd lines: the baseline needs neutral text (even lines for its components, odd for calibration)"
        case .tooFewPassages(let e, let n):
            return "emotion '\(e)' has \(n) training passages; at least \(EmotionDataset.folds) are needed (one per cross-validation fold)"
        case .badProbeSet(let p, let r):
            return "\(p) is not a usable probe set: \(r) — build a new one with 'limbic probe extract' (or 'limbic probe import')"
        case .staleProbeSet(let p, let r):
            return "probe set \(p) is stale (\(r)); rebuild it with 'limbic probe extract'"
        case .unknownEmotion(let e, let known):
            return "unknown emotion '\(e)' (known: \(known.joined(separator: ", ")))"
        case .badTemplate(let p, let line, let reason):
            return "\(p):\(line): \(reason)"
        case .templateTokens(let style, let reason):
            return "self-report template '\(style)' does not fit this tokenizer: \(reason)"
        case .unusableBaseline(let style, let reason):
            return "the '\(style)' self-report baseline measured on this model is unusable (\(reason)): check the model with 'limbic models verify', or chat with --no-monitor"
        case .unknownMethod(let m):
            return "unknown method '\(m)' (\(ExtractionMethod.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .badTrustScores(let p, let r):
            return "\(p) is not a trust-score file (\(r)): delete it, or measure again with 'limbic introspect selfreport --save'"
        case .badActivations(let p, let r):
            return "\(p) is not a dump of this model's activations on this dataset: \(r); unset LIMBIC_LOAD_ACTIVATIONS to read the passages with the model"
        }
    }
}
