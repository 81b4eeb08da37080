import Foundation

/// The lab's results as CSV (`limbic introspect … --csv`): one header line, one line per row of the terminal table,
/// every figure with its interval in columns of its own; fields with a comma, a quote or a line break are quoted.
public enum LabCSV {
    /// The CSV of any lab result.
    public static func text(_ result: LabJSON.Result) -> String {
        switch result {
        case .detection(let r):
            let rows: [[String]] = r.rows.map { row in
                let lead = [String(row.layer), number(row.strength), number(row.absoluteStrength)]
                let intervals = estimate(row.shift) + estimate(row.controlShift) + estimate(row.shiftOverControl)
                let rest = [number(row.injectedLogOdds.mean), number(r.baseLogOdds), number(r.basePYes), String(row.detected),
                            String(row.controlsYes), String(row.shift.n), row.lensFirstLayer.map(String.init) ?? ""]
                return lead + intervals + rest
            }
            return table(["layer", "strength", "absolute_strength", "shift", "shift_low", "shift_high", "control_shift", "control_shift_low",
                          "control_shift_high", "shift_over_control", "shift_over_control_low", "shift_over_control_high", "injected_log_odds",
                          "base_log_odds", "base_p_yes", "detected", "controls_yes", "trials", "lens_first_layer"], rows)
        case .localization(let r):
            return table(["layer", "strength", "absolute_strength", "trials", "question", "accuracy", "low", "high", "random_accuracy"],
                         r.rows.flatMap { row in
                             row.accuracy.keys.sorted().map { q in
                                 [String(row.layer), number(row.strength), number(row.absoluteStrength ?? .nan), String(row.trials), q, number(row.accuracy[q] ?? .nan),
                                  number(row.low[q] ?? .nan), number(row.high[q] ?? .nan), number(row.randomAccuracy)]
                             }
                         })
        case .selfReport(let results):
            var rows: [[String]] = []
            for r in results {
                let lead = [String(r.layer), number(r.strength), String(r.contexts)]
                for e in r.emotions {
                    rows.append(lead + [e.emotion, number(e.ownRise), number(e.othersRise)] + estimate(e.auroc))
                }
                rows.append(lead + ["(all, diagonal)", "", ""] + estimate(r.diagonalAUROC))
                rows.append(lead + ["(random vectors)", "", ""] + estimate(r.randomAUROC))
            }
            return table(["layer", "strength", "contexts", "emotion", "own_rise", "others_rise", "auroc", "auroc_low", "auroc_high"], rows)
        case .prediction(let rows):
            return table(["task", "checked", "self_correct", "cross_correct", "baseline_correct", "holds"],
                         rows.map { [$0.task, String($0.checked), String($0.selfCorrect), $0.crossCorrect.map(String.init) ?? "",
                                     String($0.baselineCorrect), String($0.holds)] })
        }
    }

    static func estimate(_ e: Estimate) -> [String] { [number(e.mean), number(e.low), number(e.high)] }

    /// Up to 6 significant digits; empty for a number that is not finite.
    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "" }

    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
