import Affect
import Engine
import Foundation
import GGUF
import Tokenizers

/// The self-report baseline (each emotion's self-report after neutral dialogues), measured once per model,
/// template and emotion set and cached beside the probe sets.
enum SelfReportBaseline {
    /// The cached baseline when it is sound and its key (model sha256, template, emotions, dataset) matches; else
    /// measured now, with a progress bar, and cached. A cached file that fails (damaged, a short `mean`, a deviation
    /// below `SelfReportCalibration.minimumStd`) is measured again, with one line on stderr saying why.
    static func load(model: LanguageModel, chat: ChatTemplate, probes: ProbeSet, template: SelfReportTemplate,
                     dataset: EmotionDataset, _ args: ParsedArguments) throws -> SelfReportCalibration {
        var sha = SHA256()
        sha.update(Array("\(probes.modelSHA256)|\(template)|\(probes.emotions)|\(dataset.hash)".utf8))
        let key = sha.finalizeHex()
        let path = ProbeOptions.cache.directory + "/\(URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent)-selfreport-\(template.style)-\(key.prefix(12)).json"
        return try CachedFile(path: path, kind: "self-report baseline").load(read: { path in
            try read(path, key: key, emotions: probes.emotions, style: template.style)
        }, build: {
            let dialogues = Monitor.neutralDialogues(dataset)
            let bar = ProgressBar(label: "measuring the self-report baseline", total: Int64(dialogues.count), unit: .items("dialogues"))
            let c = try Monitor.calibrate(model: model, chat: chat, emotions: probes.emotions, template: template, dialogues: dialogues,
                                          key: key, threads: try args.int("threads", in: 1...256)) { bar.update(Int64($0)) }
            bar.finish()
            if let problem = c.problem(emotions: probes.emotions, style: template.style) {
                throw AffectError.unusableBaseline(style: template.style, reason: problem)
            }
            return c
        }, write: { c, path in
            try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: path), options: .atomic)
        })
    }

    /// A cached baseline, if it is one for this key and sound; else `CachedFile.Damage` saying what is wrong.
    static func read(_ path: String, key: String, emotions: [String], style: String) throws -> SelfReportCalibration {
        guard let data = FileManager.default.contents(atPath: path) else { throw CachedFile.Damage("it cannot be read") }
        let c: SelfReportCalibration
        do {
            c = try JSONDecoder().decode(SelfReportCalibration.self, from: data)
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
