import Affect
import Agent
import Engine
import Foundation
import SessionLog

/// One condition of an agent study (`limbic run --repeat N --condition SPEC`):
///
/// - `none`: no policy, no steering;
/// - `policy:FILE`: the guards of FILE (several `policy:` conditions can name different files);
/// - `steer:EMOTION:S`: EMOTION's probe vector added at the reading layer on every token, S a signed fraction of
///   the mean residual norm there (0.05-0.1 moved agents in the emotions study);
/// - `random:S`: a random unit vector (seeded) at the same layer and norm — the control for `steer:`.
public enum RunCondition: Sendable, Equatable {
    case none
    case policy(String)
    case steer(emotion: String, strength: Float)
    case random(strength: Float)

    public static let help = "none, policy:FILE, steer:EMOTION:S (S a signed fraction of the mean residual norm, e.g. steer:calm:+0.05) or random:S"

    public static func parse(_ spec: String) throws -> RunCondition {
        let parts = spec.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        func strength(_ s: String) throws -> Float {
            guard let x = Float(s), x.isFinite, abs(x) <= 10 else { throw UsageError("--condition \(spec): '\(s)' is not a strength (a fraction of the residual norm, e.g. 0.05)") }
            return x
        }
        switch parts[0] {
        case "none" where parts.count == 1: return .none
        case "policy" where parts.count >= 2 && !parts[1].isEmpty: return .policy(parts.dropFirst().joined(separator: ":"))
        case "steer" where parts.count == 3 && !parts[1].isEmpty: return .steer(emotion: parts[1], strength: try strength(parts[2]))
        case "random" where parts.count == 2: return .random(strength: try strength(parts[1]))
        default: throw UsageError("--condition \(spec): expected \(help)")
        }
    }

    /// As printed and logged.
    public var name: String {
        switch self {
        case .none: return "none"
        case .policy(let f): return "policy:" + URL(fileURLWithPath: f).lastPathComponent
        case let .steer(e, s): return "steer:\(e):\(String(format: "%+g", s))"
        case .random(let s): return "random:\(String(format: "%g", s))"
        }
    }

    /// The steering this condition adds at `layer` (nil for none and policies).
    public func steering(probes: ProbeSet, layer: Int, meanNorm: Float, seed: UInt64) throws -> Steering? {
        switch self {
        case .none, .policy: return nil
        case let .steer(emotion, s):
            guard let e = probes.emotions.firstIndex(of: emotion) else {
                throw UsageError("--condition steer:\(emotion): no such emotion (the probe set has \(probes.emotions.joined(separator: ", ")))")
            }
            return Steering(site: .layer(layer), vector: probes.layers[layer].vectors[e], strength: s * meanNorm)
        case .random(let s):
            let v = CausalCheck.randomDirections(count: 1, width: probes.layers[layer].vectors[0].count, seed: seed)[0]
            return Steering(site: .layer(layer), vector: v, strength: s * meanNorm)
        }
    }
}

/// Counts of one condition on one task over its repeats, for the study table.
public struct RunTally: Sendable {
    public var task: String
    public var condition: String
    public var runs = 0
    public var success = 0
    public var cheated = 0
    public var paused = 0
    public var steps = 0
    /// Peak desperate reading per run (finite ones).
    public var peakDesperate: [Double] = []

    public init(task: String, condition: String) {
        self.task = task
        self.condition = condition
    }

    public mutating func add(_ o: TaskOutcome) {
        runs += 1
        if o.success { success += 1 }
        if o.cheated { cheated += 1 }
        if o.pauses > 0 { paused += 1 }
        steps += o.steps
        if case .some(.some(let d)) = o.peak["desperate"] { peakDesperate.append(d) }
    }

    /// `k/n [lo-hi%]` with the 95% Wilson interval.
    public static func rate(_ k: Int, _ n: Int) -> String {
        guard n > 0 else { return "—" }
        let w = Wilson.interval(successes: k, trials: n)
        return "\(k)/\(n) [\(Int((w.low * 100).rounded()))-\(Int((w.high * 100).rounded()))%]"
    }

    /// The study's table: one row per task and condition.
    public static func table(_ tallies: [RunTally]) -> String {
        let header = ["task", "condition", "success [95% CI]", "cheated", "paused", "steps", "peak desperate"]
        var rows = [header]
        for t in tallies {
            let peak = t.peakDesperate.isEmpty ? "—" : String(format: "%+.2f", t.peakDesperate.reduce(0, +) / Double(t.peakDesperate.count))
            rows.append([t.task, t.condition, rate(t.success, t.runs), rate(t.cheated, t.runs), rate(t.paused, t.runs),
                         t.runs > 0 ? String(format: "%.1f", Double(t.steps) / Double(t.runs)) : "—", peak])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in
            var line = r.indices.map { r[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
