import Affect

/// The text of `probe show` and `probe validate` (and their `--json`): functions of a probe set alone, so every kind
/// of set renders without a model — built ones (with their cross-validation and test split), older ones (chosen on
/// the passages they report on), imported ones (whose accuracy is NaN: not measured) and files without
/// `probes.validation_accuracy`. What was not measured is shown as — (null in JSON), never a trap.
public enum ProbeReport {
    /// A fraction as a percentage; — when it was not measured (nil or NaN).
    public static func percent(_ x: Float?) -> String {
        guard let x, x.isFinite else { return "—" }
        return String(format: "%.1f%%", 100 * x)
    }

    /// "73.4% [66.8–79.1%] of 192": an accuracy with its 95% Wilson interval and n; — for none.
    public static func withInterval(_ c: ProbeEvaluation.Count) -> String {
        guard let a = c.accuracy, let (low, high) = c.interval else { return "— of 0" }
        return String(format: "%.1f%% [%.1f–%.1f%%] of %d", 100 * a, 100 * low, 100 * high, c.total)
    }

    /// A parameter value as written: 0.05, 0.8, 1e-03.
    static func value(_ x: Float) -> String { String(format: "%g", x) }

    /// "layer 18, shrinkage 0.4".
    static func chosen(_ set: ProbeSet) -> String {
        var s = "layer \(set.readingLayer)"
        if let e = set.evaluation, let p = e.parameter(at: set.readingLayer) { s += ", \(e.parameterName) \(value(p))" }
        return s
    }

    /// `probe show`: what the set is, where it reads, how well it did.
    public static func summary(_ set: ProbeSet, path: String) -> String {
        let n = set.emotions.count
        var out = """
        probe set    \(path)
        emotions     \(n): \(set.emotions.joined(separator: ", "))
        method       \(set.method.rawValue), \(set.layers.count) layers, first \(set.skipTokens) tokens of each passage skipped

        """
        if let e = set.evaluation {
            out += """
            reading      \(chosen(set)) (chosen by \(set.evaluation?.foldAccuracy.count ?? 0)-fold cross-validation on \(e.trainingCount) training passages)
            accuracy     \(percent(set.accuracy(at: set.readingLayer))) cross-validated \(n)-way (chance \(percent(1 / Float(n)))); test split \(withInterval(e.test))
            controls     on the test split: layer 0 \(percent(e.layer0.accuracy)), bag of words \(percent(e.bagOfWords.accuracy)); never names its emotion \(percent(e.unnamed.accuracy)) (n \(e.unnamed.total)), names it \(percent(e.named.accuracy)) (n \(e.named.total))

            """
        } else {
            let measured = set.accuracy(at: set.readingLayer) != nil
            out += """
            reading layer \(set.readingLayer)\(measured ? " (chosen on validation passages)" : "")
            accuracy     \(percent(set.accuracy(at: set.readingLayer))) held-out \(n)-way (chance \(percent(1 / Float(n)))); never names its emotion \(percent(set.accuracyUnnamed)), names it \(percent(set.accuracyNamed))

            """
            if measured {
                out += "note         an older probe set: its layer was chosen on the passages its accuracy is measured on (optimistic); 'limbic probe extract --rebuild' cross-validates\n"
            }
        }
        out += "model        sha256 \(set.modelSHA256.prefix(16))…, dataset \(set.datasetHash.prefix(16))…\n"
        return out
    }

    /// `probe show --json`.
    public static func summaryJSON(_ set: ProbeSet, path: String) -> String {
        let e = set.evaluation
        return "{\"path\":\(jsonString(path)),\"emotions\":[\(set.emotions.map(jsonString).joined(separator: ","))],\"layer\":\(set.readingLayer),\"method\":\(jsonString(set.method.rawValue)),\"accuracy\":\(number(set.accuracy(at: set.readingLayer))),\"test_accuracy\":\(number(e?.test.accuracy)),\"model_sha256\":\(jsonString(set.modelSHA256)),\"dataset_hash\":\(jsonString(set.datasetHash))}"
    }

    /// `probe validate`: the summary; how the layer and parameter were chosen; the folds; the test split with its
    /// controls and intervals; accuracy by layer with a bar; the confusion matrix.
    public static func validation(_ set: ProbeSet, path: String) -> String {
        var out = summary(set, path: path)
        let e = set.evaluation
        if let e {
            let k = e.foldAccuracy.count
            let parameter = e.parameterName.isEmpty ? "" : " and \(e.parameterName) (\(e.candidates.map(value).joined(separator: ", ")))"
            let components = e.pcFraction.isNaN ? "" : "; neutral components (\(percent(e.pcFraction)) of the variance) from the even-line neutral passages, calibration on the odd-line ones"
            out += """

            how chosen   the layer\(parameter) with the best mean accuracy over \(k) folds of the \(e.trainingCount) training passages (fold = line % 6), each fold scored by a probe fitted on the others\(components)
            folds        \(e.foldAccuracy.map { percent($0) }.joined(separator: "  "))   mean \(percent(e.crossValidatedAccuracy))
            test split   \(e.test.total) passages (line % 6 = 5), read once after everything was chosen:
              \(chosen(set).padding(toLength: 28, withPad: " ", startingAt: 0)) \(withInterval(e.test))
              layer 0 (lexical control)    \(withInterval(e.layer0))
              bag of words (naive Bayes)   \(withInterval(e.bagOfWords))
              never names its emotion      \(withInterval(e.unnamed))
              names it                     \(withInterval(e.named))

            """
        }
        out += e == nil ? "held-out accuracy by layer:\n" : "cross-validated accuracy by layer\(e!.parameterName.isEmpty ? "" : " (\(e!.parameterName) chosen at each)"):\n"
        for l in set.layers.indices {
            let mark = l == set.readingLayer ? "  ← reading layer" : ""
            guard let a = set.accuracy(at: l) else {
                out += String(format: "  %2d ", l) + "      — " + mark + "\n"   // as wide as "%6.1f%%"
                continue
            }
            let bar = String(repeating: "█", count: Int(min(max(a, 0), 1) * 40 + 0.5))
            let parameter = e?.parameter(at: l).map { " " + value($0) } ?? ""
            out += String(format: "  %2d %6.1f%% ", l, 100 * a) + bar + parameter + mark + "\n"
        }
        guard !set.confusion.isEmpty else { return out }
        out += "\nconfusion \(e == nil ? "" : "on the test split ")at layer \(set.readingLayer) (row: true emotion, column: read as):\n"
        let short = set.emotions.map { String($0.prefix(4)) }
        out += "             " + short.map { $0.padding(toLength: 5, withPad: " ", startingAt: 0) }.joined() + "\n"
        for (i, row) in set.confusion.enumerated() {
            out += "  " + set.emotions[i].padding(toLength: 11, withPad: " ", startingAt: 0)
                + row.map { ($0 == 0 ? "·" : String($0)).padding(toLength: 5, withPad: " ", startingAt: 0) }.joined() + "\n"
        }
        return out
    }

    /// `probe validate --json`; what was not measured is null. `layers[].accuracy` is the accuracy that chose the
    /// layer (cross-validated from probes.version 3), `test` and the controls are on the test split.
    public static func validationJSON(_ set: ProbeSet) -> String {
        let e = set.evaluation
        let layers = set.layers.indices.map { l in
            "{\"layer\":\(l),\"accuracy\":\(number(set.accuracy(at: l))),\"parameter\":\(number(e?.parameter(at: l)))}"
        }
        func count(_ c: ProbeEvaluation.Count?) -> String {
            guard let c else { return "null" }
            let interval = c.interval.map { "[\(jsonNumber($0.low)),\(jsonNumber($0.high))]" } ?? "null"
            return "{\"accuracy\":\(number(c.accuracy)),\"correct\":\(c.correct),\"total\":\(c.total),\"ci95\":\(interval)}"
        }
        var fields = [
            "\"emotions\":[\(set.emotions.map(jsonString).joined(separator: ","))]",
            "\"method\":\(jsonString(set.method.rawValue))",
            "\"probes_version\":\(set.fileVersion)",
            "\"chosen_layer\":\(set.readingLayer)",
            "\"chosen_by\":\(e == nil ? (set.accuracy(at: set.readingLayer) == nil ? "null" : jsonString("validation passages")) : jsonString("cross-validation"))",
        ]
        if let e {
            fields += [
                "\"parameter\":" + (e.parameterName.isEmpty ? "null" : "{\"name\":\(jsonString(e.parameterName)),\"value\":\(number(e.parameter(at: set.readingLayer))),\"candidates\":[\(e.candidates.map { jsonNumber(Double($0)) }.joined(separator: ","))]}"),
                "\"pc_fraction\":\(number(e.pcFraction))",
                "\"training_passages\":\(e.trainingCount)",
                "\"fold_accuracy\":[\(e.foldAccuracy.map { jsonNumber(Double($0)) }.joined(separator: ","))]",
                "\"cv_accuracy\":\(number(e.crossValidatedAccuracy))",
            ]
        } else {
            fields += ["\"parameter\":null", "\"pc_fraction\":null", "\"training_passages\":null", "\"fold_accuracy\":null", "\"cv_accuracy\":null"]
        }
        fields += [
            "\"test\":\(count(e?.test))",
            "\"layer0\":\(count(e?.layer0))",
            "\"bag_of_words\":\(count(e?.bagOfWords))",
            "\"never_names\":\(count(e?.unnamed))",
            "\"names\":\(count(e?.named))",
            "\"layers\":[\(layers.joined(separator: ","))]",
            "\"accuracy_unnamed\":\(jsonNumber(Double(set.accuracyUnnamed)))",
            "\"accuracy_named\":\(jsonNumber(Double(set.accuracyNamed)))",
            "\"confusion\":[\(set.confusion.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ","))]",
        ]
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func number(_ x: Float?) -> String { x.map { jsonNumber(Double($0)) } ?? "null" }
}
