import Affect
import Foundation
import SessionLog

// The monitor's values as session-log events: the one place where Affect's types become SessionLog's.
enum LogEvents {
    /// Values keyed by emotion name. Names are unique in a probe set; were one repeated, its last value would win
    /// rather than trap.
    static func byEmotion<T>(_ names: [String], _ values: [T]) -> [String: T] {
        var d: [String: T] = [:]
        for (name, v) in zip(names, values) { d[name] = v }
        return d
    }

    static func readingsEvent(_ r: Readings, turn: Int, role: String) -> ReadingsEvent {
        func dict(_ v: [Float]) -> [String: Double] { byEmotion(r.emotions, v.map(\.logged)) }
        return ReadingsEvent(turn: turn, role: role, layer: r.layer, tokens: r.tokens, meanZ: dict(r.meanZ), meanRaw: dict(r.meanRaw),
                             lastBeforeZ: dict(r.lastBeforeZ), lastBeforeRaw: dict(r.lastBeforeRaw))
    }

    static func selfReportEvent(_ r: SelfReport, _ m: TurnMonitoring) -> SelfReportEvent {
        var event = SelfReportEvent(turn: m.turn, style: r.style, ms: (r.seconds * 1000).rounded(toPlaces: 1), emotions: [:])
        if let c = r.choice {
            event.choice = .init(dist: byEmotion(r.emotions, c.probabilities.map(\.logged)), top: r.emotions[c.top],
                                 entropy: c.entropy.logged, mass: c.mass.logged)
        }
        for (i, e) in r.emotions.enumerated() {
            var entry = SelfReportEvent.Emotion(value: r.values[i].logged)
            if i < r.ratings.count {
                let d = r.ratings[i]
                entry.dist = d.probabilities.map(\.logged)
                entry.entropy = d.entropy.logged
                entry.mass = d.mass.logged
            }
            if let z = m.selfReportZ { entry.z = z[i].logged }
            if let g = m.gap { entry.gap = g[i].logged }
            event.emotions[e] = entry
        }
        if m.gap != nil {
            // The panel's flags (Disagreement): family-wise, confident self-reports only; a gap that is not finite
            // (a NaN reading, a damaged baseline) is logged as null and flags nothing.
            let flags = r.emotions.indices.map { m.flag($0) }
            event.hidden = r.emotions.indices.filter { flags[$0] == .activationsAboveReport }.map { r.emotions[$0] }
            event.overclaimed = r.emotions.indices.filter { flags[$0] == .reportAboveActivations }.map { r.emotions[$0] }
        }
        return event
    }
}

extension Double {
    func rounded(toPlaces n: Int) -> Double {
        let m = pow(10, Double(n))
        return (self * m).rounded() / m
    }
}

extension Float {
    /// For logs: four decimals are plenty and keep lines short.
    var logged: Double { Double(self).rounded(toPlaces: 4) }
}
