import Affect
import Foundation
import Lab
import Reports

/// The lab's results (`limbic introspect … --json`) as curves for `limbic report --html`: each protocol's measure
/// against strength, one colour per layer, its control dashed beside it in the same colour.
enum LabCharts {
    /// The heading, charts and a note for one result file.
    static func charts(_ result: LabJSON.Result, file: String) -> (heading: String, charts: [CurveChart], note: String)? {
        let name = (file as NSString).lastPathComponent
        switch result {
        case .detection(let r):
            let layers = Array(Set(r.rows.map(\.layer))).sorted()
            func series(_ value: (DetectionStudy.Row) -> Estimate, _ label: String, control: Bool) -> [CurveChart.Series] {
                layers.enumerated().map { g, layer in
                    CurveChart.Series(name: "layer \(layer): \(label)", group: g, isControl: control,
                                      points: r.rows.filter { $0.layer == layer }.map { ($0.strength, value($0).mean, value($0).low, value($0).high) })
                }
            }
            let shift = CurveChart(title: "Detection: change in the yes/no log-odds under injection", xLabel: "strength (× mean residual norm)",
                                   yLabel: "Δ log-odds (yes − no)",
                                   series: series(\.shift, "detection question", control: false) + series(\.controlShift, "control questions", control: true),
                                   reference: (0, "no change"))
            let over = CurveChart(title: "Detection shift over the control questions' shift", xLabel: "strength (× mean residual norm)",
                                  yLabel: "Δ log-odds, detection − control", series: series(\.shiftOverControl, "shift − control", control: false),
                                  reference: (0, "no more than the controls"))
            // The logit lens, where measured: at each injection layer's strongest strength, the shift by layer read.
            var lensSeries: [CurveChart.Series] = []
            for (g, layer) in layers.enumerated() {
                guard let row = r.rows.filter({ $0.layer == layer && $0.lensShift != nil }).max(by: { abs($0.strength) < abs($1.strength) }),
                      let shift = row.lensShift else { continue }
                lensSeries.append(CurveChart.Series(name: String(format: "injected at layer %d, %.3g", layer, row.strength), group: g,
                                                    points: shift.enumerated().map { (Double($0.offset), $0.element, nil, nil) }))
            }
            let lens = CurveChart(title: "Logit lens: the detection answer's shift read from each layer's output", xLabel: "layer read",
                                  yLabel: "Δ log-odds (yes − no)", series: lensSeries, reference: (0, "no change"))
            return ("\(name): injection detection (\(r.concepts.count) concepts, \(r.vectors ?? "recipe") vectors, preamble \(r.preamble), injected at \(r.injectAt))",
                    lensSeries.isEmpty ? [shift, over] : [shift, over, lens], "Mean over concepts with 95% intervals. The control questions' true answer is no: a shift there is injection making the model say yes to anything, not introspection.")
        case .localization(let r):
            let layers = Array(Set(r.rows.map(\.layer))).sorted()
            var series: [CurveChart.Series] = []
            for (g, layer) in layers.enumerated() {
                let rows = r.rows.filter { $0.layer == layer }
                series.append(CurveChart.Series(name: "layer \(layer): detect", group: g, points: rows.map {
                    ($0.strength, $0.accuracy["detect"] ?? .nan, $0.low["detect"], $0.high["detect"])
                }))
                series.append(CurveChart.Series(name: "layer \(layer): random vectors", group: g, isControl: true, points: rows.map {
                    let w = Wilson.interval(successes: Int(($0.randomAccuracy * Double($0.trials)).rounded()), trials: $0.trials)
                    return ($0.strength, $0.randomAccuracy, Double(w.low), Double(w.high))
                }))
            }
            let chart = CurveChart(title: "Localization: which of five sentences held the injection", xLabel: "strength (× mean residual norm)",
                                   yLabel: "accuracy", series: series, reference: (0.2, "chance: 1 in 5"))
            return ("\(name): localization (\(r.pairs) pairs, seed \(r.seed))", [chart],
                    "Accuracy with 95% Wilson intervals; the dashed control injects norm-matched random vectors instead.")
        case .selfReport(let results):
            let layers = Array(Set(results.map(\.layer))).sorted()
            var series: [CurveChart.Series] = []
            for (g, layer) in layers.enumerated() {
                let rows = results.filter { $0.layer == layer }
                series.append(CurveChart.Series(name: "layer \(layer): injected emotion", group: g, points: rows.map {
                    ($0.strength, $0.diagonalAUROC.mean, $0.diagonalAUROC.low, $0.diagonalAUROC.high)
                }))
                series.append(CurveChart.Series(name: "layer \(layer): random vectors", group: g, isControl: true, points: rows.map {
                    ($0.strength, $0.randomAUROC.mean, $0.randomAUROC.low, $0.randomAUROC.high)
                }))
            }
            let chart = CurveChart(title: "Self-report under injection: does the injected emotion's rating rise most?", xLabel: "strength (× mean residual norm)",
                                   yLabel: "AUROC (own rise vs others')", series: series, reference: (0.5, "chance"))
            return ("\(name): self-report under injection (\(results.first?.contexts ?? 0) contexts)", [chart],
                    "AUROC 0.5 is chance; the dashed control is the same statistic under norm-matched random vectors.")
        case .prediction:
            return nil
        }
    }
}
