import Affect
import Engine
import Foundation
import LimbicCLI
import ModelStore

enum ProbeCommand: Command {
    static let name = "probe"
    static let abstract = "Build, check and use emotion vectors (probes) for a model."
    static let usage = "extract|validate|show|classify|export|import|causal [--model M] [options]"
    static let discussion = """
    extract   build the probe set from prompts/emotions and print its summary; a cached set for the same model, \
    dataset and method is reused (it is rebuilt when any of them changes, when an older Limbic wrote it, or with \
    --rebuild). The reading layer and the method's parameter (the recipe's and lda's shrinkage, logistic's L2 penalty) are \
    chosen by 5-fold cross-validation on the training passages; every sixth passage (line % 6 = 5) is a test \
    split used for nothing but the final numbers.
    validate  how the layer was chosen, each fold's accuracy, test accuracy with its 95% interval, the lexical \
    controls on the test split (layer 0, a bag-of-words classifier, passages that never name their emotion against \
    those that do), cross-validated accuracy per layer and the confusion matrix on the test split.
    show      the probe set's summary.
    classify  read passages (one per line on stdin, or --text): for each, the three emotions with the highest z \
    against neutral text, then the classifier's pick (each projection against its spread over the training \
    passages; the more accurate of the two, so it can differ from the highest z). --json: top (the classifier), \
    highest_z, and every z.
    export    write one emotion as a llama.cpp control vector (--llama-cpp EMOTION --out FILE).
    import    read a control vector (e.g. from repeng) as a probe: --name NAME FILE; calibrated on neutral text.
    export and import never replace an existing file unless --force is given.
    causal    steer 8 neutral texts with each emotion's mean-difference vector at the reading layer (--layer), \
    past the tokens the probes skip (never position 0), at --strengths (fractions of the mean residual norm); \
    report the rise of its own reading 4 layers later (--read-layer) against the other emotions' and against \
    random vectors of the same norm (--random), and the change in the next-token log-probability of its own \
    words. The mean-difference probe set is built once and cached. --json: every estimate with its interval, \
    and each emotion's row.
    """
    static let options: [OptionSpec] = ModelOptions.modelAndThreads + ProbeOptions.specs + [
        .flag("json", "Machine-readable output (validate, show, classify, causal)."),
        .option("text", "TEXT", "classify: one passage instead of stdin."),
        .option("layer", "N", "classify/export/causal: use this layer instead of the reading layer (export: only this layer; causal: the steering layer)."),
        .option("llama-cpp", "EMOTION", "export: the emotion to write."),
        .option("out", short: "o", "FILE", "export/import: output file."),
        OutputFile.forceSpec,
        .option("name", "NAME", "import: the emotion name to give the imported vector."),
        .flag("rebuild", "extract: build the probe set again even when a cached one matches."),
    ] + CausalOptions.specs
    static let examples = [
        "limbic probe extract",
        "limbic probe extract --rebuild --method logistic",
        "limbic probe validate --method lda",
        "limbic probe validate --json",
        "echo 'The tests failed again and the demo is in an hour.' | limbic probe classify --json",
        "limbic probe export --llama-cpp calm --out calm.gguf",
        "limbic probe import --name honest honesty.gguf",
        "limbic probe causal --strengths 0.05,0.1 --json",
    ]

    static func validate(_ args: ParsedArguments) throws {
        _ = try ProbeSubcommand.parse(args)
        try ModelOptions.validate(args)
        _ = try ProbeOptions.method(args)
        if let out = args.string("out") { try OutputFile.check(out, args) }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let sub = try ProbeSubcommand.parse(args)
        // classify's passages are read first, so that none is an error before a model is loaded or probes built.
        let texts = sub == .classify ? try passages(args) : []
        let model = try ModelOptions.load(args)
        switch sub {
        case .extract:
            let (set, path) = try ProbeOptions.load(args, model: model, rebuild: args.flag("rebuild"))
            summary(set, path: path, json: false)
        case .validate:
            let (set, path) = try ProbeOptions.load(args, model: model)
            Terminal.out(args.flag("json") ? ProbeReport.validationJSON(set) + "\n" : ProbeReport.validation(set, path: path))
        case .show:
            let (set, path) = try ProbeOptions.load(args, model: model)
            summary(set, path: path, json: args.flag("json"))
        case .classify:
            let (set, _) = try ProbeOptions.load(args, model: model)
            try classify(set, texts: texts, model: model, args)
        case .export:
            let (set, _) = try ProbeOptions.load(args, model: model)
            try export(set, model: model, args)
        case .import:
            try importVector(model: model, args)
        case .causal:
            try ProbeCausal.run(model: model, args)
        }
        return ExitCode.ok
    }

    static func summary(_ set: ProbeSet, path: String, json: Bool) {
        Terminal.out(json ? ProbeReport.summaryJSON(set, path: path) + "\n" : ProbeReport.summary(set, path: path))
    }

    /// classify's passages: `--text`, else the non-blank lines of stdin.
    static func passages(_ args: ParsedArguments) throws -> [String] {
        let texts = try args.string("text").map { [$0] }
            ?? Terminal.readStdin().split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !texts.isEmpty else { throw UsageError("classify needs passages on stdin (one per line) or --text") }
        return texts
    }

    static func classify(_ set: ProbeSet, texts: [String], model: LanguageModel, _ args: ParsedArguments) throws {
        let layer = try args.int("layer", in: 0...(set.layers.count - 1)) ?? set.readingLayer
        let acts = try PassageActivations.collect(model: model, texts: texts, skip: set.skipTokens, threads: try ModelOptions.threads(args))
        if !args.flag("json") {
            Terminal.out("highest z against neutral text (top 3)          classifier   passage\n")
        }
        for i in 0..<texts.count {
            let probe = set.layers[layer]
            let z = probe.zScores(probe.project(acts.row(i, layer)))
            let top = probe.classify(acts.row(i, layer))
            if args.flag("json") {
                let zs = zip(set.emotions, z).map { "\(jsonString($0)):\(jsonNumber(Double($1)))" }.joined(separator: ",")
                let highest = z.indices.max { z[$0] < z[$1] }.map { set.emotions[$0] } ?? ""
                Terminal.out("{\"top\":\(jsonString(set.emotions[top])),\"highest_z\":\(jsonString(highest)),\"z\":{\(zs)}}\n")
            } else {
                // The emotion with the highest z first. The classifier's pick (each projection against its spread
                // over the training passages, the more accurate of the two) can differ: it gets its own column.
                let ranked = zip(set.emotions, z).sorted { $0.1 > $1.1 }.prefix(3).map { String(format: "%@ %+.1f", $0.0, $0.1) }
                let zs = ranked.joined(separator: "  ").padding(toLength: max(46, ranked.joined(separator: "  ").count), withPad: " ", startingAt: 0)
                Terminal.out(zs + " " + set.emotions[top].padding(toLength: 12, withPad: " ", startingAt: 0) + " " + texts[i].prefix(60) + "\n")
            }
        }
    }

    static func export(_ set: ProbeSet, model: LanguageModel, _ args: ParsedArguments) throws {
        // ProbeSubcommand.parse has checked both before anything was built.
        guard let emotion = args.string("llama-cpp"), let out = args.string("out") else { throw UsageError("export needs --llama-cpp EMOTION and --out FILE") }
        let e = try set.index(of: emotion)
        let only = try args.int("layer", in: 0...(set.layers.count - 1))
        var directions: [Int: [Float]] = [:]
        for l in 0..<set.layers.count where (only.map { $0 == l } ?? (l > 0)) { directions[l] = set.layers[l].vectors[e] }
        let cv = ControlVector(modelHint: model.config.architecture, directions: directions)
        for w in cv.warnings { Terminal.note("limbic probe: warning: \(w)") }
        try OutputFile.write(out, args) { try cv.write(to: out, replace: $0) }
        Terminal.note("wrote '\(emotion)' at \(directions.count) layers (unit vectors; scale with --control-vector-scaled) to \(out)")
    }

    static func importVector(model: LanguageModel, _ args: ParsedArguments) throws {
        // ProbeSubcommand.parse has checked both before the model was loaded.
        guard args.positionals.count == 2, let name = args.string("name") else { throw UsageError("usage: limbic probe import --name NAME FILE") }
        let cv = try ControlVector(path: args.positionals[1], for: model.config)
        let out = args.string("out") ?? ProbeOptions.cache.directory + "/imported/\(URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent)-\(name).gguf"
        let label = args.string("out") == nil ? "the imported probe set" : "--out"
        try OutputFile.check(out, args, option: label)   // before the neutral passages are read
        let ds = try ProbeOptions.dataset(args)
        let neutral = try PassageActivations.collect(model: model, texts: ds.neutral.map(\.text))
        let set = ProbeBuilder.importing(cv, name: name, neutral: neutral, modelSHA256: try ModelOptions.sha256(of: model),
                                         datasetHash: "imported:" + ds.hash)
        let reading = set.readingLayer
        try OutputFile.write(out, args, option: label) { try set.write(to: out, replace: $0) }
        Terminal.out(out + "\n")
        Terminal.note("imported '\(name)' (\(cv.layers.count) layers, reading layer \(reading)); use it with --probe \(out)")
    }
}
