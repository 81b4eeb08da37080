import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr for long work (model pulls, probe extraction, sweeps):
///
///     downloading smollm2-135m-instruct [#########...........] 42% 41.2/98.4 MB 12.3 MB/s
///
/// It draws only when stderr is a terminal and `TERM` is not `dumb`; otherwise it writes one plain line at the
/// start, one when it finishes, and in between a stage's label at most every five seconds, so logs and pipes
/// stay readable. Redraws are throttled to about ten
/// a second, so callers may `update` as often as they like. Not thread-safe: drive it from one thread.
public final class ProgressBar {
    /// What the counts are: bytes (shown as kB/MB/GB, decimal) or items with a name (`12/100 prompts`).
    public enum Unit {
        case bytes
        case items(String)
    }

    private var label: String
    private var total: Int64
    private let unit: Unit
    private let interactive: Bool
    private var completed: Int64 = 0
    private let started: UInt64
    private var stageStarted: UInt64
    private var lastDraw: UInt64 = 0
    /// Recent (time, completed) samples for the rate: a few seconds' window, so the speed follows changes
    /// without jumping about on every redraw.
    private var samples: [(time: UInt64, completed: Int64)] = []
    private var finished = false

    /// - Parameters:
    ///   - label: what is being done, shown before the bar; `update(label:)` can change it per stage.
    ///   - total: the count at completion; 0 when unknown (then no bar or percentage is shown).
    ///   - interactive: force drawing on or off; by default on when stderr is a TTY and `TERM` is not `dumb`.
    public init(label: String, total: Int64, unit: Unit = .bytes, interactive: Bool? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        self.interactive = interactive ?? ProgressBar.stderrIsInteractive()
        started = ProgressBar.now()
        stageStarted = started
        if !self.interactive {
            lastDraw = started
            ProgressBar.write("\(label)…\n")
        }
    }

    /// True when stderr is a terminal that understands carriage return and "erase line".
    public static func stderrIsInteractive() -> Bool {
        guard isatty(STDERR_FILENO) == 1 else { return false }
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        return term != "dumb"
    }

    /// Reports progress. A new `label` starts a new stage: the rate restarts, and a non-interactive bar prints it.
    public func update(_ completed: Int64, total: Int64? = nil, label: String? = nil) {
        guard !finished else { return }
        let now = ProgressBar.now()
        var force = false
        if let label, label != self.label {
            self.label = label
            stageStarted = now
            samples.removeAll()
            force = true
            // Without a terminal, stage lines are rationed (one per 5 s) so a 22-part pull logs a handful of
            // lines, not forty.
            if !interactive && now - lastDraw >= 5_000_000_000 {
                lastDraw = now
                ProgressBar.write("\(label)…\n")
            }
        }
        if let total { self.total = total }
        self.completed = completed
        guard interactive else { return }
        if !force && now - lastDraw < 100_000_000 && !(self.total > 0 && completed >= self.total) { return }
        lastDraw = now
        samples.append((now, completed))
        if let cut = samples.firstIndex(where: { now - $0.time <= 3_000_000_000 }), cut > 0 {
            samples.removeFirst(cut)
        }
        ProgressBar.write("\r" + render(width: ProgressBar.terminalWidth()) + "\u{1B}[K")
    }

    /// Ends the bar: clears the line, then prints `message` if given. Non-interactive, prints `message` or a
    /// summary line (`label: done, 98.4 MB in 2.1 s`).
    public func finish(_ message: String? = nil) {
        guard !finished else { return }
        finished = true
        if interactive {
            ProgressBar.write("\r\u{1B}[K" + (message.map { $0 + "\n" } ?? ""))
        } else {
            let seconds = Double(ProgressBar.now() - started) / 1e9
            let summary = "\(label): done, \(amount(completed)) in \(String(format: "%.1f", seconds)) s"
            ProgressBar.write((message ?? summary) + "\n")
        }
    }

    deinit {
        // A bar abandoned mid-line (an error thrown past it) must not leave the cursor after its text.
        if interactive && !finished { ProgressBar.write("\r\u{1B}[K") }
    }

    /// The line for a terminal `width` columns wide; the bar shrinks first, then the label is cut.
    private func render(width: Int) -> String {
        var stats = ""
        if total > 0 {
            let percent = Int((Double(min(completed, total)) / Double(total) * 100).rounded(.down))
            let percentField = "\(percent)%"
            stats = String(repeating: " ", count: 4 - percentField.count) + percentField + " "
                + amountPair(completed, total)
        } else {
            stats = amount(completed)
        }
        // The rate field is padded to a fixed width so the bar does not change length when it appears.
        let rateField = rate().map(rateText) ?? ""
        stats += " " + String(repeating: " ", count: max(0, 12 - rateField.count)) + rateField

        let room = width - 1  // never write in the last column: some terminals wrap there
        var text = label
        if total > 0 {
            let barWidth = min(40, room - label.count - stats.count - 4)
            if barWidth >= 10 {
                let filled = Int(Double(barWidth) * Double(min(completed, total)) / Double(total))
                return "\(label) [\(String(repeating: "#", count: filled))"
                    + "\(String(repeating: ".", count: barWidth - filled))] \(stats)"
            }
        }
        text += " " + stats
        if text.count > room { text = String(text.prefix(max(0, room - 1))) + "…" }
        return text
    }

    /// Units per second over the sample window, once there is enough of it to mean something.
    private func rate() -> Double? {
        guard let first = samples.first, let last = samples.last, last.time - first.time >= 500_000_000 else {
            return nil
        }
        return Double(last.completed - first.completed) / (Double(last.time - first.time) / 1e9)
    }

    private func amount(_ value: Int64) -> String {
        switch unit {
        case .bytes:
            let (scale, suffix) = ProgressBar.byteScale(for: value)
            return String(format: "%.1f %@", Double(value) / scale, suffix)
        case .items(let name):
            return "\(value) \(name)"
        }
    }

    /// `41.2/98.4 MB`: both numbers in the total's unit, so they can be compared at a glance.
    private func amountPair(_ value: Int64, _ total: Int64) -> String {
        switch unit {
        case .bytes:
            let (scale, suffix) = ProgressBar.byteScale(for: total)
            return String(format: "%.1f/%.1f %@", Double(value) / scale, Double(total) / scale, suffix)
        case .items(let name):
            return "\(value)/\(total) \(name)"
        }
    }

    private func rateText(_ perSecond: Double) -> String {
        switch unit {
        case .bytes:
            let (scale, suffix) = ProgressBar.byteScale(for: Int64(perSecond))
            return String(format: "%.1f %@/s", perSecond / scale, suffix)
        case .items(let name):
            return String(format: "%.1f %@/s", perSecond, name)
        }
    }

    private static func byteScale(for value: Int64) -> (Double, String) {
        if value >= 1_000_000_000 { return (1e9, "GB") }
        if value >= 1_000_000 { return (1e6, "MB") }
        return (1e3, "kB")
    }

    /// Columns of the terminal on stderr (TIOCGWINSZ), 80 when it cannot be asked. Asked at every redraw, so a
    /// resized window is followed.
    private static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Straight to fd 2: unbuffered, and no shared `FILE*` (the C `stderr` global is not concurrency-safe).
    private static func write(_ text: String) {
        StandardStreams.write(text, to: STDERR_FILENO)
    }
}
