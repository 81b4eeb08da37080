import Affect
import Engine
import Foundation
import GGUF
import Tokenizers

/// The self-report baseline (each emotion's self-report after neutral dialogues), measured once per model,
/// template and emotion set and cached beside the probe sets.
enum SelfReportBaseline {
    /// The cached baseline when its key (model sha256, template, emotions, dataset) matches; else measured now,
    /// with a progress bar, and cached.
    static func load(model: LanguageModel, chat: ChatTemplate, probes: ProbeSet, template: SelfReportTemplate,
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
