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
            let i = m.reply.emotions.firstIndex(of: name)!
            let z = m.reply.meanZ[i]
            var line = name.padding(toLength: 11, withPad: " ", startingAt: 0) + String(format: "%+5.1f ", z) + bar(z, barWidth)
            if let r = m.selfReport {
                line += String(format: "  self %3.1f", r.values[i])
                if let sz = m.selfReportZ?[i] { line += String(format: " (z %+4.1f)", sz) }
            }
            if let g = m.gap?[i], abs(g) > Monitor.gapThreshold {
                line += g > 0 ? "  ▲ shows more than it says" : "  ▼ says more than it shows"
                if color { line = "\u{1B}[33m" + line + "\u{1B}[0m" }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A bar from −3 to +3 z around a centre mark.
    func bar(_ z: Float, _ w: Int) -> String {
        let half = w / 2
        let n = min(half, Int((abs(z) / 3 * Float(half)).rounded()))
        let left = z < 0 ? String(repeating: " ", count: half - n) + String(repeating: "▒", count: n) : String(repeating: " ", count: half)
        let right = z > 0 ? String(repeating: "█", count: n) + String(repeating: " ", count: half - n) : String(repeating: " ", count: half)
        let body = left + "│" + right
        guard color else { return body }
        return (z > 0 ? "\u{1B}[36m" : "\u{1B}[2m") + body + "\u{1B}[0m"
    }
}
