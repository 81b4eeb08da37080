import Affect
import Engine
import Foundation
import ModelStore

/// Finding, building and caching the probe set of a model (shared by `probe` and the chat monitor).
public enum ProbeOptions {
    public static let specs: [OptionSpec] = [
        .option("emotions", "DIR", "Emotion dataset folder (default: $LIMBIC_PROMPTS/emotions, else ./prompts/emotions, else the dataset built into limbic)."),
        .option("method", "NAME", "How vectors are made: recipe (the emotions study's, with shrinkage LDA), mean-diff, logistic (L2 logistic regression; slower to build), or lda (shrinkage LDA on z-scored features, classifying by its discriminant: the most accurate).", default: "recipe"),
        .option("probe", "FILE", "Use this probe set file instead of the cached one."),
    ]

    /// Where probe sets and self-report baselines are cached: `$LIMBIC_HOME/probes`.
    public static var cache: ProbeCache { ProbeCache(directory: ModelStore().home + "/probes") }

    /// `--emotions DIR`, else the `emotions` folder of `PromptsFolder.locate()` ($LIMBIC_PROMPTS, ./prompts, the
    /// copy built into limbic).
    public static func dataset(_ args: ParsedArguments) throws -> EmotionDataset {
        if let dir = args.string("emotions") { return try EmotionDataset(directory: dir) }
        return try EmotionDataset(directory: try PromptsFolder.locate() + "/emotions")
    }

    /// The emotion-word list beside the dataset (for the lexical control), when there is one.
    public static func lexicon(for dataset: EmotionDataset) -> EmotionLexicon? {
        let path = URL(fileURLWithPath: dataset.directory).deletingLastPathComponent().appendingPathComponent("emotion-words.txt").path
        return try? EmotionLexicon(path: path)
    }

    /// `--method recipe|mean-diff|logistic|lda`.
    public static func method(_ args: ParsedArguments) throws -> ExtractionMethod {
        let name = args.string("method") ?? "recipe"
        guard let m = ExtractionMethod(rawValue: name) else {
            let names = ExtractionMethod.allCases.map(\.rawValue)
            throw UsageError("--method must be \(names.dropLast().joined(separator: ", ")) or \(names.last!), got '\(name)'")
        }
        return m
    }

    /// The probe set for `model`: `--probe FILE`, else the cache entry for this model, dataset and method, built now
    /// (with a progress bar) when missing or when `rebuild`. Both are validated (`ProbeSet(path:)`) and checked
    /// against the model: a `--probe` file that fails is an error; a cache entry that fails, or that an older Limbic
    /// wrote (`probes.version` below `ProbeSet.version`), is rebuilt, with one line on stderr saying why. (A `--probe`
    /// file of an older version is used as it is: `probe validate` shows what it lacks.) Two processes that need the same entry build it once (`CachedFile`).
    public static func load(_ args: ParsedArguments, model: LanguageModel, rebuild: Bool = false) throws -> (ProbeSet, String) {
        let sha = try ModelOptions.sha256(of: model)
        if let path = args.string("probe") {
            let set = try ProbeSet(path: path)
            try set.checkFits(model.config, path: path)
            guard set.modelSHA256 == sha else {
                throw AffectError.staleProbeSet(path: path, reason: "built for the model with sha256 \(set.modelSHA256.prefix(12))…, and \(URL(fileURLWithPath: model.path).lastPathComponent) is \(sha.prefix(12))…; use it with that model, or leave out --probe")
            }
            return (set, path)
        }
        let ds = try dataset(args)
        let method = try method(args)
        let path = cache.path(modelPath: model.path, modelSHA256: sha, datasetHash: ds.hash, method: method)
        let set = try CachedFile(path: path, kind: "probe cache").load(rebuild: rebuild, read: { path in
            let set: ProbeSet
            do {
                set = try ProbeSet(path: path)
                try set.checkFits(model.config, path: path)
            } catch AffectError.badProbeSet(_, let reason) {
                throw CachedFile.Damage(reason)
            }
            guard set.fileVersion >= ProbeSet.version else {
                throw CachedFile.Outdated("probes.version \(set.fileVersion), whose reading layer was chosen on the passages its accuracy was reported on; version \(ProbeSet.version) chooses by cross-validation and keeps a test split apart")
            }
            // The file name promises these; a file that says otherwise is not the one it claims to be.
            guard set.modelSHA256 == sha else { throw CachedFile.Damage("built for model sha256 \(set.modelSHA256.prefix(12))…, not \(sha.prefix(12))…") }
            guard set.datasetHash == ds.hash else { throw CachedFile.Damage("built from dataset \(set.datasetHash.prefix(12))…, not \(ds.hash.prefix(12))…") }
            guard set.method == method else { throw CachedFile.Damage("built with method \(set.method.rawValue), not \(method.rawValue)") }
            return set
        }, build: {
            let threads = try ModelOptions.threads(args)
            let (set, acts) = try build(model: model, dataset: ds, method: method, modelSHA256: sha, threads: threads)
            // Before this entry is written, so that whoever finds it finds its companions too.
            try fitCompanions(acts, model: model, dataset: ds, built: method, modelSHA256: sha, threads: threads)
            return set
        }, write: { set, path in
            try set.write(to: path, replace: true)   // the cache entry for this model, dataset and method
        })
        return (set, path)
    }

    /// The sets fitted beside any build from the passages it has just read, when their cache entries are missing:
    /// the recipe (what chat reads) and the mean differences (what `probe causal` steers with). Reading the passages
    /// is most of a build, and their fits are short, so a second read is never needed for either.
    static let companions: [ExtractionMethod] = [.recipe, .meanDiff]

    static func fitCompanions(_ acts: PassageActivations, model: LanguageModel, dataset ds: EmotionDataset,
                              built: ExtractionMethod, modelSHA256: String, threads: Int?) throws {
        for method in companions where method != built {
            let path = cache.path(modelPath: model.path, modelSHA256: modelSHA256, datasetHash: ds.hash, method: method)
            guard !FileManager.default.fileExists(atPath: path) else { continue }
            Terminal.note("fitting the \(method.rawValue) set too, from the same passages…")
            let start = Date()
            let set = ProbeBuilder.fit(acts, dataset: ds, lexicon: lexicon(for: ds), method: method, modelSHA256: modelSHA256,
                                       threads: threads)
            try set.write(to: path, replace: true)   // atomic: a process that builds the same entry writes the same set
            Terminal.note(String(format: "also fitted the %@ set from the same passages in %.1f s", method.rawValue,
                                 Date().timeIntervalSince(start)))
        }
    }

    /// Builds a probe set with a progress bar; also returns the passages' features it was fitted from.
    static func build(model: LanguageModel, dataset ds: EmotionDataset, method: ExtractionMethod, modelSHA256: String,
                      threads: Int?) throws -> (ProbeSet, PassageActivations) {
        let bar = ProgressBar(label: "building emotion probes", total: Int64(ds.passages.count + ds.neutral.count), unit: .items("passages"))
        let start = Date()
        var fitting: Date? = nil
        let progress: (ProbeBuilder.Stage) -> Void = { stage in
            switch stage {
            case .reading(let done, _): bar.update(Int64(done))
            case .fitting(let layer, let total):
                if fitting == nil { fitting = Date() }
                bar.update(Int64(ds.passages.count + ds.neutral.count), label: "fitting layer \(layer + 1)/\(total)")
            }
        }
        let acts = try ProbeBuilder.activations(model: model, dataset: ds, threads: threads, progress: progress)
        let set = ProbeBuilder.fit(acts, dataset: ds, lexicon: lexicon(for: ds), method: method, modelSHA256: modelSHA256,
                                   threads: threads, progress: progress)
        let end = Date(), fitStart = fitting ?? end
        bar.finish(String(format: "built in %.1f s (reading passages %.1f s, fitting %.1f s)", end.timeIntervalSince(start),
                          fitStart.timeIntervalSince(start), end.timeIntervalSince(fitStart)))
        return (set, acts)
    }
}

/// The subcommands of `limbic probe`, read with the options each one requires, so that a missing `--out` or
/// `--name` is a usage error before the model is loaded or a probe set is built.
public enum ProbeSubcommand: String, CaseIterable, Sendable {
    case extract, validate, show, classify, export, `import`, causal

    /// The subcommand named by the first positional, after checking its required options and values:
    /// export needs `--llama-cpp EMOTION` and `--out FILE`; import needs `--name NAME` and one FILE; `--layer` is a
    /// layer number; causal's options are checked by `CausalOptions.validate`.
    public static func parse(_ args: ParsedArguments) throws -> ProbeSubcommand {
        let names = allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = args.positionals.first else { throw UsageError("choose a subcommand: \(names)") }
        guard let sub = ProbeSubcommand(rawValue: name) else { throw UsageError("unknown subcommand '\(name)' (\(names))") }
        _ = try args.int("layer", in: 0...LayerList.maxLayer)
        switch sub {
        case .export:
            guard args.string("llama-cpp") != nil else { throw UsageError("export needs --llama-cpp EMOTION") }
            guard args.string("out") != nil else { throw UsageError("export needs --out FILE") }
        case .import:
            guard args.positionals.count == 2 else { throw UsageError("usage: limbic probe import --name NAME FILE") }
            guard args.string("name") != nil else { throw UsageError("import needs --name NAME for the emotion") }
        case .causal:
            try CausalOptions.validate(args)
        case .extract, .validate, .show, .classify:
            break
        }
        return sub
    }
}
