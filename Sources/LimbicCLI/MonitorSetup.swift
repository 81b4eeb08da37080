import Affect
import Agent
import Engine
import Foundation
import GGUF
import ModelStore
import SessionLog
import Tokenizers

/// Builds the chat monitor: the probe set (cached), the self-report template and its neutral baseline (cached).
public enum MonitorSetup {
    public static let specs: [OptionSpec] = [
        .flag("no-monitor", "Plain chat: no readings, self-reports or session log."),
        .option("log", "FILE", "Session log (JSONL). Default: $LIMBIC_HOME/sessions/<time>.jsonl."),
        .option("selfreport", "STYLE", "Self-report question style: rating (one 0-9 rating per emotion) or choice.", default: "rating"),
        .option("selfreport-every", "N|off", "Ask for a self-report every N turns, or never.", default: "1"),
        .flag("per-token", "Also log each reply token's reading z per emotion (for live displays and token-level studies)."),
    ]

    /// `--selfreport-every N|off`: every N turns, or nil for never (0 also means never).
    public static func selfReportEvery(_ args: ParsedArguments) throws -> Int? {
        switch args.string("selfreport-every") ?? "1" {
        case "off", "0": return nil
        case let n:
            guard let k = Int(n), k > 0 else { throw UsageError("--selfreport-every takes a positive number or off") }
            return k
        }
    }

    static func templateDirectory(_ dataset: EmotionDataset) -> String {
        SelfReportTemplate.directory(besideEmotions: dataset.directory)
    }

    /// The turn pipeline of a monitored chat on `session`: the monitor listening to its context, the session log
    /// with its `session` event written, the self-report schedule; and the `/feel` template.
    public static func make(_ args: ParsedArguments, model: LanguageModel, session: ChatSession) throws -> (TurnPipeline, SelfReportTemplate) {
        let context = session.context
        // Check the options before anything is built or a log file is created.
        let every = try selfReportEvery(args)
        let dataset = try ProbeOptions.dataset(args)
        let (probes, probePath) = try ProbeOptions.load(args, model: model)
        let dir = templateDirectory(dataset)
        let template = try SelfReportTemplate.load(style: args.string("selfreport") ?? "rating", directory: dir)
        let feel = try SelfReportTemplate.load(style: "feel", directory: dir)
        let chat = try model.chatTemplate()
        let monitor = Monitor(model: model, probes: probes, chat: chat, template: template, capacity: context.capacity)
        monitor.calibration = try calibration(model: model, chat: chat, probes: probes, template: template, dataset: dataset, args)
        monitor.attach(to: context)
        let store = ModelStore()
        let logPath = args.string("log") ?? SessionLogWriter.defaultPath(home: store.home)
        let log = try SessionLogWriter(path: logPath)
        let pipeline = TurnPipeline(session: session, monitor: monitor, log: log)
        pipeline.logPerToken = args.flag("per-token")
        pipeline.selfReportEvery = every
        try log.write(.session(SessionInfo(
            model: URL(fileURLWithPath: model.path).lastPathComponent, modelSHA256: probes.modelSHA256,
            architecture: model.config.architecture,
            probes: .init(path: probePath, layer: probes.readingLayer, method: probes.method.rawValue, emotions: probes.emotions,
                          datasetHash: probes.datasetHash),
            selfReport: .init(style: template.style, every: every ?? 0, baselineSamples: monitor.calibration?.samples ?? 0),
            settings: .init(context: context.capacity, threads: context.threads))))
        return (pipeline, feel)
    }

    /// The self-report baseline for this model, template and emotion set, measured once on neutral dialogues and
    /// cached beside the probe sets.
    static func calibration(model: LanguageModel, chat: ChatTemplate, probes: ProbeSet, template: SelfReportTemplate,
                            dataset: EmotionDataset, _ args: ParsedArguments) throws -> SelfReportCalibration {
        var sha = SHA256()
        sha.update(Array("\(probes.modelSHA256)|\(template)|\(probes.emotions)|\(dataset.hash)".utf8))
        let key = sha.finalizeHex()
        let path = ProbeOptions.cache.directory + "/\(URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent)-selfreport-\(template.style)-\(key.prefix(12)).json"
        if let data = FileManager.default.contents(atPath: path),
           let c = try? JSONDecoder().decode(SelfReportCalibration.self, from: data), c.key == key {
            return c
        }
        let dialogues = Monitor.neutralDialogues(dataset)
        let bar = ProgressBar(label: "measuring the self-report baseline", total: Int64(dialogues.count), unit: .items("dialogues"))
        let c = try Monitor.calibrate(model: model, chat: chat, emotions: probes.emotions, template: template, dialogues: dialogues,
                                      key: key, threads: try args.int("threads", in: 1...256)) { bar.update(Int64($0)) }
        bar.finish()
        try FileManager.default.createDirectory(atPath: ProbeOptions.cache.directory, withIntermediateDirectories: true)
        try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: path), options: .atomic)
        return c
    }
}

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
