import Affect
import Agent
import Engine
import FileIO
import Foundation
import GGUF
import Tokenizers

/// The monitor's calibration against neutral chat (`ChatCalibration`): the chats of `prompts/calibration/` run
/// through the session's chat template and system prompt, measured once per model, probe set, template, system
/// prompt and self-report question, and cached beside the probe sets.
public enum CalibrationSetup {
    public static let specs: [OptionSpec] = [
        .flag("recalibrate", "Measure the calibration against neutral chats again, even when a cached one matches."),
        .option("calibration", "DIR", "Neutral chats to calibrate on (one user turn per line, one chat per file). Default: prompts/calibration."),
    ]

    /// `--system FILE` (chat, calibrate): a file whose text is the system prompt.
    public static let systemSpec = OptionSpec.option("system", "FILE", "A file whose text is the system prompt.")

    /// The text of `--system FILE`, trimmed; nil without the option.
    public static func systemPrompt(_ args: ParsedArguments) throws -> String? {
        guard let path = args.string("system") else { return nil }
        do {
            return try RegularFile.readText(path).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch let e as FileIOError {
            throw UsageError("--system: \(e)")
        }
    }

    /// At least this many chats: half fit, half are held out, and a family-wise threshold needs a few dozen turns.
    public static let minimumChats = 8

    /// `--calibration DIR`, or `calibration/` beside the emotion dataset.
    public static func directory(_ args: ParsedArguments, dataset: EmotionDataset) -> String {
        args.string("calibration") ?? URL(fileURLWithPath: dataset.directory).deletingLastPathComponent().appendingPathComponent("calibration").path
    }

    /// The scripted chats of `directory` (`*.txt` in name order, one user turn per non-empty line), with the
    /// SHA-256 of their names and bytes.
    public static func chats(in directory: String) throws -> (chats: [Calibrator.Chat], hash: String) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            throw CLIError.calibrationChats(directory, "the folder cannot be read (give another with --calibration DIR)")
        }
        var sha = SHA256()
        var chats: [Calibrator.Chat] = []
        for name in names.filter({ $0.hasSuffix(".txt") }).sorted() {
            let path = directory + "/" + name
            let text = try RegularFile.readText(path)
            sha.update(Array(name.utf8) + [0])
            sha.update(Array(text.utf8) + [0])
            let turns = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if !turns.isEmpty { chats.append(Calibrator.Chat(name: name, turns: turns)) }
        }
        guard chats.count >= minimumChats else {
            throw CLIError.calibrationChats(directory, "it has \(chats.count) chats; calibration needs at least \(minimumChats)")
        }
        return (chats, sha.finalizeHex())
    }

    /// What a calibration is for: a change to any of these makes a cached one stale.
    public static func key(probes: ProbeSet, template: ChatTemplate, system: String?, selfReport: SelfReportTemplate,
                           chatsHash: String, maxTokens: Int) -> String {
        var sha = SHA256()
        let parts = ["v\(ChatCalibration.version)", probes.modelSHA256, probes.contentSHA256, "\(template)",
                     system.map { "system:" + $0 } ?? "no system prompt", "\(selfReport)", chatsHash, "\(maxTokens)",
                     "\(Calibrator.sampling)"]
        sha.update(Array(parts.joined(separator: "\u{0}").utf8))
        return sha.finalizeHex()
    }

    /// The cached calibration when it is sound and its key matches; else measured now, with a progress bar, and
    /// cached (`--recalibrate` measures it again).
    public static func load(_ args: ParsedArguments, model: LanguageModel, probes: ProbeSet, selfReport: SelfReportTemplate,
                            system: String?, dataset: EmotionDataset) throws -> ChatCalibration {
        let (chats, hash) = try chats(in: directory(args, dataset: dataset))
        var calibrator = Calibrator(model: model, probes: probes, template: selfReport, system: system)
        calibrator.threads = try args.int("threads", in: 1...256)
        let key = key(probes: probes, template: try model.chatTemplate(), system: system, selfReport: selfReport,
                      chatsHash: hash, maxTokens: calibrator.maxTokens)
        let base = URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent
        let path = ProbeOptions.cache.directory + "/\(base)-calibration-\(selfReport.style)-\(key.prefix(12)).json"
        return try CachedFile(path: path, kind: "chat calibration").load(rebuild: args.flag("recalibrate"), read: { path in
            try read(path, key: key, emotions: probes.emotions, style: selfReport.style)
        }, build: {
            let total = chats.reduce(0) { $0 + $1.turns.count }
            let bar = ProgressBar(label: "calibrating on \(chats.count) neutral chats", total: Int64(total), unit: .items("turns"))
            let c = try calibrator.calibrate(chats, key: key) { done, _ in bar.update(Int64(done)) }
            bar.finish()
            if let problem = c.problem(emotions: probes.emotions, style: selfReport.style) {
                throw CLIError.calibrationChats(directory(args, dataset: dataset), "the calibration measured on them is unusable: \(problem)")
            }
            return c
        }, write: { c, path in
            try AtomicFile.write(Array(try c.encoded()), to: path, replace: true)
        })
    }

    /// A cached calibration, if it is one for this key and sound; else `CachedFile.Damage` saying what is wrong.
    public static func read(_ path: String, key: String, emotions: [String], style: String) throws -> ChatCalibration {
        guard let data = FileManager.default.contents(atPath: path) else { throw CachedFile.Damage("it cannot be read") }
        let c: ChatCalibration
        do {
            c = try ChatCalibration.decode(data)
        } catch DecodingError.keyNotFound(let k, _) {
            throw CachedFile.Damage("'\(k.stringValue)' is missing")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            throw CachedFile.Damage("'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw CachedFile.Damage("it is not valid JSON")
        }
        guard c.key == key else { throw CachedFile.Damage("its key \(c.key.prefix(12))… is not \(key.prefix(12))…") }
        if let problem = c.problem(emotions: emotions, style: style) { throw CachedFile.Damage(problem) }
        return c
    }
}
