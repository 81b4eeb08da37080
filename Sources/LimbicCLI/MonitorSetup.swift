import Affect
import Agent
import Engine
import Foundation
import GGUF
import ModelStore
import SessionLog
import Tokenizers

/// Builds the chat monitor: the probe set (cached), the self-report template and the calibration against neutral
/// chats under the session's system prompt (cached).
public enum MonitorSetup {
    public static let specs: [OptionSpec] = [
        .flag("no-monitor", "Plain chat: no readings, self-reports or session log."),
        .option("log", "FILE", "Session log (JSONL). Default: $LIMBIC_HOME/sessions/<time>.jsonl."),
        .option("selfreport", "STYLE", "Self-report question style: rating (one 0-9 rating per emotion), choice (one letter over all emotions, in 4 option orders), or another file of prompts/selfreport (rating-plain, rating-named, rating-third).", default: "rating"),
        .option("selfreport-every", "N|off", "Ask for a self-report every N turns, or never.", default: "1"),
        .flag("per-token", "Also log each reply token's reading z per emotion (for live displays and token-level studies)."),
    ] + CalibrationSetup.specs

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
    /// `logPath` overrides `--log` and `extraPolicies` adds to `--policy` (one log and condition per run of a study).
    public static func make(_ args: ParsedArguments, model: LanguageModel, session: ChatSession,
                            logPath given: String? = nil, extraPolicies: [String] = []) throws -> (TurnPipeline, SelfReportTemplate) {
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
        monitor.calibration = try CalibrationSetup.load(args, model: model, probes: probes, selfReport: template,
                                                        system: session.system, dataset: dataset)
        monitor.trust = try TrustScores.load(probeSet: probePath)
        monitor.attach(to: context)
        let store = ModelStore()
        let logPath = given ?? args.string("log") ?? SessionLogWriter.defaultPath(home: store.home)
        // Policies are compiled before the log exists: a policy with an error never runs, and leaves no log.
        let policies = try PolicyOptions.loadAll(args, emotions: probes.emotions, extra: extraPolicies)
        let log = try SessionLogWriter(path: logPath)
        let pipeline = TurnPipeline(session: session, monitor: monitor, log: log)
        pipeline.policies = policies.compactMap(\.engine)
        pipeline.logPerToken = args.flag("per-token")
        pipeline.selfReportEvery = every
        // The file's own hash (verified when the model was loaded), not the registry's or the probe set's claim.
        let modelSHA256 = try ModelOptions.sha256(of: model)
        try log.write(.session(SessionInfo(
            model: URL(fileURLWithPath: model.path).lastPathComponent, modelSHA256: modelSHA256,
            architecture: model.config.architecture,
            probes: .init(path: probePath, layer: probes.readingLayer, method: probes.method.rawValue, emotions: probes.emotions,
                          datasetHash: probes.datasetHash),
            selfReport: .init(style: template.style, every: every ?? 0, baselineSamples: monitor.calibration?.turns ?? 0),
            policy: policies.map { .init(path: $0.path, sha256: $0.sha256) },
            settings: .init(context: context.capacity, threads: context.threads, seed: session.sampling.seed,
                            temperature: Double(session.sampling.temperature)), system: session.system,
            calibration: monitor.calibration.map {
                .init(key: $0.key, chats: $0.chats, turns: $0.turns, readingThreshold: Double($0.readingThreshold).finite,
                      gapThreshold: Double($0.gapThreshold).finite)
            }, trust: monitor.trust?.scores)))
        return (pipeline, feel)
    }
}

extension Double {
    /// nil for ±∞ or NaN: a threshold that was never measured is missing in the log, not a number.
    var finite: Double? { isFinite ? self : nil }
}
