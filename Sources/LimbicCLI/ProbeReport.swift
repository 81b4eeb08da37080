import Affect

/// The text of `probe show` and `probe validate` (and their `--json`): functions of a probe set alone, so every kind
/// of set renders without a model — measured ones, imported ones (whose accuracy is NaN: not measured) and files
/// without `probes.validation_accuracy`. What was not measured is shown as — (null in JSON), never a trap.
public enum ProbeReport {
    /// A fraction as a percentage; — when it was not measured (nil or NaN).
    public static func percent(_ x: Float?) -> String {
        guard let x, x.isFinite else { return "—" }
        return String(format: "%.1f%%", 100 * x)
    }

    /// `probe show`: what the set is, where it reads, how well it did.
    public static func summary(_ set: ProbeSet, path: String) -> String {
        let n = set.emotions.count
        return """
        probe set    \(path)
        emotions     \(n): \(set.emotions.joined(separator: ", "))
        method       \(set.method.rawValue), \(set.layers.count) layers, first \(set.skipTokens) tokens of each passage skipped
        reading layer \(set.readingLayer)\(set.accuracy(at: set.readingLayer) == nil ? "" : " (chosen on validation passages)")
        accuracy     \(percent(set.accuracy(at: set.readingLayer))) held-out \(n)-way (chance \(percent(1 / Float(n)))); never names its emotion \(percent(set.accuracyUnnamed)), names it \(percent(set.accuracyNamed))
        model        sha256 \(set.modelSHA256.prefix(16))…, dataset \(set.datasetHash.prefix(16))…

        """
    }

    /// `probe show --json`.
    public static func summaryJSON(_ set: ProbeSet, path: String) -> String {
        "{\"path\":\(jsonString(path)),\"emotions\":[\(set.emotions.map(jsonString).joined(separator: ","))],\"layer\":\(set.readingLayer),\"method\":\(jsonString(set.method.rawValue)),\"accuracy\":\(number(set.accuracy(at: set.readingLayer))),\"model_sha256\":\(jsonString(set.modelSHA256)),\"dataset_hash\":\(jsonString(set.datasetHash))}"
    }

    /// `probe validate`: the summary, accuracy by layer with a bar, and the confusion matrix.
    public static func validation(_ set: ProbeSet, path: String) -> String {
        var out = summary(set, path: path)
        out += "held-out accuracy by layer:\n"
        for l in set.layers.indices {
            let mark = l == set.readingLayer ? "  ← reading layer" : ""
            guard let a = set.accuracy(at: l) else {
                out += String(format: "  %2d ", l) + "      — " + mark + "\n"   // as wide as "%6.1f%%"
                continue
            }
            let bar = String(repeating: "█", count: Int(min(max(a, 0), 1) * 40 + 0.5))
            out += String(format: "  %2d %6.1f%% ", l, 100 * a) + bar + mark + "\n"
        }
        guard !set.confusion.isEmpty else { return out }
        out += "\nconfusion at layer \(set.readingLayer) (row: true emotion, column: read as):\n"
        let short = set.emotions.map { String($0.prefix(4)) }
        out += "             " + short.map { $0.padding(toLength: 5, withPad: " ", startingAt: 0) }.joined() + "\n"
        for (i, row) in set.confusion.enumerated() {
            out += "  " + set.emotions[i].padding(toLength: 11, withPad: " ", startingAt: 0)
                + row.map { ($0 == 0 ? "·" : String($0)).padding(toLength: 5, withPad: " ", startingAt: 0) }.joined() + "\n"
        }
        return out
    }

    /// `probe validate --json`; accuracies not measured are null.
    public static func validationJSON(_ set: ProbeSet) -> String {
        let layers = set.layers.indices.map { "{\"layer\":\($0),\"accuracy\":\(number(set.accuracy(at: $0)))}" }
        return "{\"emotions\":[\(set.emotions.map(jsonString).joined(separator: ","))],\"chosen_layer\":\(set.readingLayer),\"layers\":[\(layers.joined(separator: ","))],\"accuracy_unnamed\":\(jsonNumber(Double(set.accuracyUnnamed))),\"accuracy_named\":\(jsonNumber(Double(set.accuracyNamed))),\"confusion\":[\(set.confusion.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ","))]}"
    }

    static func number(_ x: Float?) -> String { x.map { jsonNumber(Double($0)) } ?? "null" }
}
