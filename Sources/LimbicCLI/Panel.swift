import Affect
import Foundation

/// The compact dashboard shown after each reply: per emotion the reading (z against neutral chat, as a number and
/// a bar; `!` beyond the family-wise reading threshold), the self-report (expected 0-9 rating, its z against the
/// model's answers in neutral chats, and how confident the answer was), and a flag where they disagree beyond the
/// calibrated family-wise band (`Disagreement`). A header names the
/// columns, and a legend says how to read them. Width-aware; colour only on a TTY; low-confidence self-reports are
/// dimmed and never flagged.
public struct Panel {
    public var emotions: [String]
    /// Each emotion's self-report trust score, shown in the full panel (`/readings`) when measured.
    public var trust: TrustScores?
    public var color: Bool
    public var width: Int

    public static let defaultEmotions = ["calm", "happy", "sad", "afraid", "angry", "desperate"]

    public init(emotions: [String], color: Bool, width: Int) {
        self.emotions = emotions
        self.color = color
        self.width = width
    }

    var barWidth: Int { max(4, min(16, (width - 56) / 2 * 2)) }

    /// The column header and a one-line legend.
    public func header(_ m: TurnMonitoring) -> String {
        let reading = "reading z".padding(toLength: 6 + barWidth + 1, withPad: " ", startingAt: 0)
        var s = "emotion    " + reading + (m.selfReport != nil ? "  self 0-9 (z)   sure" : "")
        let against = m.readingThreshold == nil ? "neutral text (not calibrated on chats)" : "neutral chat"
        var legend = ["reading: reply vs \(against), bar ±3 σ", "self: the model's 0-9 answer, z vs its answers in neutral chats",
                      "sure: probability on the digits and entropy in bits (3.3 = no preference)", "/why EMOTION explains a row"]
        if let t = m.readingThreshold, t.isFinite {
            legend.insert(String(format: "! beyond %.1f: rare in neutral chat (any emotion, under 5%% of turns)", t), at: 1)
        }
        // The legend's parts, as many to a line as fit the terminal.
        var line = ""
        for part in legend {
            if !line.isEmpty, line.count + 3 + part.count > width { s += "\n" + dim(line); line = "" }
            line += (line.isEmpty ? "" : " · ") + part
        }
        return s + "\n" + dim(line)
    }

    /// The panel of one turn; `steering` (the steering in force while the reply was written, in words) adds an
    /// indicator line, since readings at and after a steered layer carry the added vector itself.
    public func render(_ m: TurnMonitoring, all: Bool = false, steering: [String] = []) -> String {
        let names = all ? m.reply.emotions : emotions.filter { m.reply.emotions.contains($0) }
        var lines: [String] = [header(m)]
        for name in names {
            guard let i = m.reply.emotions.firstIndex(of: name), i < m.reply.meanZ.count else { continue }
            let z = m.reply.meanZ[i]
            var line = name.padding(toLength: 11, withPad: " ", startingAt: 0) + Self.number(z, "%+5.1f", width: 5) + " " + bar(z, barWidth)
                + (m.isHigh(i) == true ? "!" : " ")
            if let r = m.selfReport, i < r.values.count {
                var report = "  " + Self.number(r.values[i], "%3.1f", width: 3)
                if let sz = m.selfReportZ, i < sz.count { report += " (" + Self.number(sz[i], "%+4.1f", width: 4) + ")" }
                let c = confidence(r, i)
                report += "  " + Self.number(c.mass * 100, "%3.0f%%", width: 4) + " " + Self.number(c.entropy, "%.1fb", width: 4)
                if all, let t = trust?.scores[name] { report += String(format: "  trust %.2f", t) }
                line += r.isConfident(i) ? report : dim(report + " ~")
            }
            if let f = m.flag(i) {
                line += "  " + (f == .activationsAboveReport ? "▲ " : "▼ ") + f.phrase
                if color { line = "\u{1B}[33m" + line + "\u{1B}[0m" }
            }
            lines.append(line)
        }
        if let r = m.selfReport, names.contains(where: { n in r.emotions.firstIndex(of: n).map { !r.isConfident($0) } ?? false }) {
            lines.append(dim("~ barely answered (little probability on the digits, or spread over them): never flagged"))
        }
        if all, let t = trust, m.selfReport != nil {
            let random = t.random.map { String(format: ", random vectors %.2f", $0) } ?? ""
            lines.append(dim(String(format: "trust: how the self-report followed injections of its emotion (AUROC; 0.5 chance%@; layer %d, %.3g of the residual norm)",
                                    random, t.layer, t.strength)))
        }
        if !steering.isEmpty {
            let line = "⇢ steered: " + steering.joined(separator: "; ") + " — readings at and after a steered layer carry the vector itself"
            lines.append(color ? "\u{1B}[35m" + line + "\u{1B}[0m" : line)
        }
        return lines.joined(separator: "\n")
    }

    /// Mass and entropy of emotion `i`'s answer.
    func confidence(_ r: SelfReport, _ i: Int) -> (mass: Float, entropy: Float, maxEntropy: Float) {
        let d = r.choice ?? (i < r.ratings.count ? r.ratings[i] : AnswerDistribution(probabilities: [], mass: .nan))
        return (d.mass, d.entropy, log2(Float(max(d.probabilities.count, 2))))
    }

    /// One row in plain words (`/why EMOTION`): what was measured, against what, and how sure.
    public func explain(_ m: TurnMonitoring, emotion: String, calibration: ChatCalibration?) -> String {
        guard let i = m.reply.emotions.firstIndex(of: emotion), i < m.reply.meanZ.count else {
            return "no emotion '\(emotion)' (known: \(m.reply.emotions.joined(separator: ", ")))"
        }
        let z = m.reply.meanZ[i]
        var s = "\(emotion), turn \(m.turn + 1):\n"
        s += "- reading: over the \(m.reply.tokens) token\(m.reply.tokens == 1 ? "" : "s") of the reply, the residual stream at layer "
        s += "\(m.reply.layer) projected onto the \(emotion) vector averages " + Self.number(z, "%+.1f", width: 4)
        if let c = calibration {
            s += " standard deviations from where replies in \(c.turns) turns of neutral chats lie, for a reply of this length (0 = like"
            s += " neutral chat)."
            if c.readingThreshold.isFinite {
                s += String(format: " Beyond %.1f on any emotion happens on under 5%% of neutral turns", c.readingThreshold)
                s += m.isHigh(i) == true ? ": this one is." : "."
            }
        } else {
            s += " standard deviations from where neutral passages lie (the monitor has no chat calibration, so this is"
            s += " against a different kind of text)."
        }
        if m.reply.lastBeforeZ.indices.contains(i) {
            s += " Just before the reply began it was " + Self.number(m.reply.lastBeforeZ[i], "%+.1f", width: 4) + "."
        }
        guard let r = m.selfReport, i < r.values.count else {
            return s + "\n- self-report: none this turn (/selfreport asks now)."
        }
        let c = confidence(r, i)
        s += "\n- self-report: asked how \(emotion) it feels on 0-9 (on a copy of the conversation it never sees), the model's "
        s += "answer puts " + Self.number(c.mass * 100, "%.0f%%", width: 3) + " of its probability on the digits, expected rating "
        s += Self.number(r.values[i], "%.1f", width: 3) + String(format: ", entropy %.1f of %.1f bits", c.entropy, c.maxEntropy)
        s += r.isConfident(i) ? " (a clear answer)." : " (it barely answered: not flagged)."
        if let sz = m.selfReportZ, i < sz.count {
            s += " Against its answers in \(calibration.map { "\($0.turns)" } ?? "some") turns of neutral chats that is z "
            s += Self.number(sz[i], "%+.1f", width: 4) + "."
            let gap = z - sz[i]
            s += "\n- gap (reading z − self-report z): " + Self.number(gap, "%+.1f", width: 4)
            if let t = m.gapThreshold, t.isFinite {
                s += String(format: "; a flag needs beyond ±%.1f, the band that at most 5%% of neutral turns cross on any of", t)
                s += " the \(m.reply.emotions.count) emotions"
                if let rate = calibration?.heldOut?.rates.first(where: { $0.name == "flag.any" }), rate.turns > 0 {
                    let (lo, hi) = rate.interval
                    s += String(format: " (held-out neutral chats: %d of %d turns, %.0f%%, 95%% CI %.0f-%.0f%%)", rate.fired, rate.turns,
                                rate.rate * 100, lo * 100, hi * 100)
                }
                s += "."
            }
            if let f = m.flag(i) { s += " Flagged: \(f.phrase)." } else { s += " No flag." }
        } else {
            s += r.values[i].isFinite ? " No neutral baseline, so no z and no gap." : " Under half its probability on the digits: missing, so no z and no gap."
        }
        return s
    }

    /// `x` in `format`, or — right-aligned in `width` when it is NaN or infinite.
    static func number(_ x: Float, _ format: String, width: Int) -> String {
        x.isFinite ? String(format: format, x) : String(repeating: " ", count: max(0, width - 1)) + "—"
    }

    func dim(_ s: String) -> String { color ? "\u{1B}[2m" + s + "\u{1B}[0m" : s }

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
