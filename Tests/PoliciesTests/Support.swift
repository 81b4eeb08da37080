@testable import Affect
@testable import Policies

/// The emotions the tests' probe set has.
let testEmotions = ["calm", "desperate", "afraid", "angry", "sad"]

/// One monitored turn built by hand: reply mean z and last-token z per emotion (0 when not given), and
/// optionally a rating-style self-report (0-9, each value's probability split between its two neighbouring
/// digits so that the expected rating is exactly the value) with its z and gaps.
func monitoring(turn: Int, z: [String: Float] = [:], last: [String: Float] = [:], selfReport: [String: Float]? = nil,
                selfReportZ: [String: Float]? = nil, gap: [String: Float]? = nil) -> TurnMonitoring {
    let es = testEmotions
    let reply = Readings(layer: 1, emotions: es, tokens: 10, meanRaw: es.map { z[$0] ?? 0 }, meanZ: es.map { z[$0] ?? 0 },
                         lastBeforeRaw: es.map { last[$0] ?? 0 }, lastBeforeZ: es.map { last[$0] ?? 0 })
    let report = selfReport.map { values in
        SelfReport(style: "rating", emotions: es, ratings: es.map { e in
            let v = values[e] ?? 0, lo = Int(v.rounded(.down)), frac = v - Float(lo)
            var p = [Float](repeating: 0, count: 10)
            p[min(lo, 9)] += 1 - frac
            if frac > 0 { p[min(lo + 1, 9)] += frac }
            return AnswerDistribution(probabilities: p, mass: 1)
        }, choice: nil, seconds: 0)
    }
    var m = TurnMonitoring(turn: turn, user: reply, reply: reply, selfReport: report,
                           selfReportZ: selfReportZ.map { s in es.map { s[$0] ?? 0 } }, gap: gap.map { g in es.map { g[$0] ?? .nan } })
    // A calibrated monitor's thresholds (ChatCalibration): flags need |gap| beyond 4.
    m.readingThreshold = 3
    if selfReportZ != nil { m.gapThreshold = 4 }
    return m
}

/// Compiles `text` (which must have no errors) against the test emotions.
func engine(_ text: String) throws -> PolicyEngine {
    let (engine, diagnostics) = PolicyEngine.compile(text, file: "test.policy", emotions: testEmotions)
    guard let engine else { throw PolicyTestError(diagnostics.map { $0.render() }.joined(separator: "\n")) }
    return engine
}

struct PolicyTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs `engine` over turns 0, 1, … (each a monitored turn, or nil for an unmonitored one) and returns, per turn,
/// the names of the guards that fired.
func run(_ engine: PolicyEngine, _ turns: [TurnMonitoring?], replies: [String]? = nil) -> [[String]] {
    var history: [TurnMonitoring] = []
    return turns.enumerated().map { i, m in
        if var m {
            m.turn = i
            history.append(m)
        }
        return engine.evaluate(PolicyInput(turn: i, reply: replies?[i] ?? "", history: history)).map(\.guardName)
    }
}
