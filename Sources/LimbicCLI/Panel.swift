import Affect
import Foundation

/// The compact dashboard shown after each reply: reading z and self-report per emotion, with a mark where they
/// disagree. Width-aware; colour only on a TTY.
public struct Panel {
    public var emotions: [String]
    public var color: Bool
    public var width: Int

    public static let defaultEmotions = ["calm", "happy", "sad", "afraid", "angry", "desperate"]

    public init(emotions: [String], color: Bool, width: Int) {
        self.emotions = emotions
        self.color = color
        self.width = width
    }

    public func render(_ m: TurnMonitoring, all: Bool = false) -> String {
        let names = all ? m.reply.emotions : emotions.filter { m.reply.emotions.contains($0) }
        let barWidth = max(4, min(16, (width - 40) / 2))
        var lines: [String] = []
        for name in names {
            guard let i = m.reply.emotions.firstIndex(of: name), i < m.reply.meanZ.count else { continue }
            let z = m.reply.meanZ[i]
            var line = name.padding(toLength: 11, withPad: " ", startingAt: 0) + Self.number(z, "%+5.1f", width: 5) + " " + bar(z, barWidth)
            if let r = m.selfReport, i < r.values.count {
                line += "  self " + Self.number(r.values[i], "%3.1f", width: 3)
                if let sz = m.selfReportZ, i < sz.count { line += " (z " + Self.number(sz[i], "%+4.1f", width: 4) + ")" }
            }
            // A gap that is not a number (a NaN reading or self-report) is shown as nothing and never flagged.
            if let gaps = m.gap, i < gaps.count, gaps[i].isFinite, abs(gaps[i]) > Monitor.gapThreshold {
                line += gaps[i] > 0 ? "  ▲ shows more than it says" : "  ▼ says more than it shows"
                if color { line = "\u{1B}[33m" + line + "\u{1B}[0m" }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `x` in `format`, or — right-aligned in `width` when it is NaN or infinite.
    static func number(_ x: Float, _ format: String, width: Int) -> String {
        x.isFinite ? String(format: format, x) : String(repeating: " ", count: max(0, width - 1)) + "—"
    }

    /// A bar from −3 to +3 z around a centre mark; only the mark when z is not a number (or infinite).
    func bar(_ z: Float, _ w: Int) -> String {
        let half = w / 2
        // Clamped before the conversion: a z of 1e30 (a damaged calibration) must not trap in Int(_:).
        let n = z.isFinite ? Int((min(abs(z) / 3, 1) * Float(half)).rounded()) : 0
        let left = z < 0 ? String(repeating: " ", count: half - n) + String(repeating: "▒", count: n) : String(repeating: " ", count: half)
        let right = z > 0 ? String(repeating: "█", count: n) + String(repeating: " ", count: half - n) : String(repeating: " ", count: half)
        let body = left + "│" + right
        guard color, z.isFinite else { return body }
        return (z > 0 ? "\u{1B}[36m" : "\u{1B}[2m") + body + "\u{1B}[0m"
    }
}
