import Affect
import Agent
import Engine
import Foundation
import GGUF
import Lab
import LimbicCLI
import ModelStore
import Tokenizers

/// `limbic introspect detect`: does the model notice a concept injected into its residual stream?
enum IntrospectCommand: Command {
    static let name = "introspect"
    static let abstract = "The introspection lab: inject concept vectors and test whether the model notices, beside controls."
    static let usage = "detect|localize|selfreport|predict [--model M] [--layers LIST] [--strengths LIST] [--preamble NAME] [--inject-at SPAN] [--concepts N] [--content] [--json]"
    static let discussion = """
    detect runs the two-turn injection protocol (README, "Introspection lab"): each concept vector of prompts/lab \
    ("Tell me about {word}" at the last token before the assistant's turn, minus the baseline words' mean) is \
    added at --layers, at --strengths × the mean residual norm there, on the tokens of the first turn only (the \
    preamble and the reply "Ok."; --inject-at question moves it onto the question); the question and the \
    prefilled "The answer is" are unsteered, and the answer is read as log P(yes) − log P(no) (" yes"/" Yes" vs \
    " no"/" No"). Each trial also asks the control questions (true answer no) on the same cache: the line to read \
    is the detection shift minus the control shift. The base trial (no injection) gives the baseline and its \
    confidence. --content adds content identification: with "The answer is yes. The injected thought is about" \
    prefilled, the rank of the injected concept's word among all concepts (beside its rank without injection).

    localize shows five numbered sentences drawn from prompts/lab/sentences.txt (seeded by --seed) and adds one \
    contrastive pair's vector (word1 − word2, prompts/lab/pairs.txt) on the tokens of one sentence only, every \
    position in turn; the answer is prefilled up to the sentence number and read as the argmax over the digits \
    1-5 (chance 20%). The same cache, forked after the sentences, answers "Which sentence do you prefer?" (a \
    control that must stay at chance) and "Which sentence is the most abstract?" (the known confound); the same \
    trial under a norm-matched random vector is the third control. Accuracy with 95% Wilson intervals, the \
    no-injection prior over the digits and the confusion matrix (--json).

    selfreport (ours) injects each emotion's mean-difference vector on the tokens of a short neutral conversation \
    (the first line of each of the first --contexts chats of prompts/calibration and the model's greedy reply), \
    never on the self-report question, and reads all 16 rating self-reports on forks, with and without it. The \
    trust score of an emotion is how its own rating's rise ranks among the 16 rises (an AUROC: 1 always the \
    highest, 0.5 chance), beside the same statistic under norm-matched random vectors (--random).

    predict (after Binder et al., prompt-only) asks --model whether its answer to a hypothetical prompt would have \
    a property (prompts/lab/predict/: first letter a vowel, even number, …), reads the prediction from the logits \
    of the two choice words, then has it answer the prompt (greedy) and checks the property; --other MODEL \
    predicts the same answers (cross-prediction). Accuracy with 95% Wilson intervals beside the baseline of always \
    guessing the most common value.
    """
    static let options: [OptionSpec] = ModelOptions.modelAndThreads + ProbeOptions.specs.filter { ["emotions", "probe"].contains($0.name) } + [
        CalibrationSetup.specs.first { $0.name == "calibration" }!,
        .option("layers", "LIST", "Injection layers, e.g. 6,9,12 or 4-8 (default: a third, half and two thirds of the depth)."),
        .option("strengths", "LIST", "Strengths as fractions of the mean residual norm at the layer (0.1), or absolute norms with a trailing a (8a).", default: "0.1,0.2,0.4"),
        .option("preamble", "NAME", "information (explains injection), lorem (length-matched filler), wrong-location, or none.", default: "information"),
        .option("inject-at", "SPAN", "first-turn (the protocol) or question (the vector on the question's tokens).", default: "first-turn"),
        .option("question", "K", "Which of prompts/lab/questions.txt to ask (1-based).", default: "1"),
        .option("trials", "N", "Trials per layer and strength, whatever the protocol counts them in: detect concepts, localize pairs (each at 5 positions), selfreport contexts, predict prompts per task."),
        .option("concepts", "N", "Use the first N concepts (localize: pairs) (default all)."),
        .option("seed", "S", "localize: seed of the sentence draws; selfreport: of the random vectors.", default: "1"),
        .option("contexts", "N", "selfreport: how many neutral conversations.", default: "8"),
        .option("random", "N", "selfreport: random control vectors per context.", default: "4"),
        .flag("save", "selfreport: store the trust scores (of the first strength) beside the probe set, for /readings and limbic report."),
        .option("other", "MODEL", "predict: a second model that predicts the first one's answers (cross-prediction)."),
        .option("limit", "N", "predict: the first N prompts of each task (default all 100)."),
        .option("controls", "N", "Use the first N control questions (default all)."),
        .flag("content", "Also rank the injected concept's word among the concepts' (content identification)."),
        .option("vectors", "KIND", "detect: recipe (the concept's activation minus the baseline words' mean) or pca-center (repeng's: the first principal component of the concept against \"anything\" over several phrasings).", default: "recipe"),
        .flag("fresh", "detect, localize: measure every layer and strength again instead of reading the rows an earlier run of the same sweep finished."),
        .flag("lens", "detect: the logit lens, the answer's log-odds shift read from every layer's output, and the layer from which it holds."),
        .option("lab", "DIR", "The lab's data folder (default: prompts/lab)."),
        .flag("json", "Print the result as one JSON object."),
        .flag("csv", "Print the result as CSV: a header line, then one line per row with each interval in columns of its own."),
    ]
    static let examples = [
        "limbic introspect detect",
        "limbic introspect detect --layers 10 --strengths 0.05,0.1,0.2,0.4 --preamble lorem --concepts 20",
        "limbic introspect detect --model qwen2.5-coder-1.5b-instruct --layers 9 --content --json",
        "limbic introspect localize --layers 4,8 --strengths 0.5,1 --concepts 10",
        "limbic introspect selfreport --layers 18 --strengths 0.2 --contexts 8",
        "limbic introspect predict --other qwen2.5-coder-1.5b-instruct --limit 50",
        "limbic introspect detect --layers 8-12 --strengths 0.1,0.2 --csv > detect.csv",
        "limbic introspect detect --layers 15 --strengths 0.4 --lens",
    ]

    static func validate(_ args: ParsedArguments) throws {
        guard [["detect"], ["localize"], ["selfreport"], ["predict"]].contains(args.positionals) else {
            throw UsageError("usage: limbic introspect detect|localize|selfreport|predict [options]")
        }
        if args.flag("json") && args.flag("csv") { throw UsageError("--json and --csv: choose one") }
        if let v = args.string("vectors"), !["recipe", "pca-center"].contains(v) {
            throw UsageError("--vectors \(v): recipe or pca-center")
        }
        _ = try args.int("limit", in: 1...100_000)
        _ = try args.int("contexts", in: 1...1000)
        _ = try args.int("trials", in: 1...100_000)
        _ = try args.int("random", in: 0...100)
        guard UInt64(args.string("seed") ?? "1") != nil else { throw UsageError("--seed needs a non-negative whole number") }
        try ModelOptions.validate(args)
        _ = try strengths(args)
        guard ["information", "lorem", "wrong-location", "none"].contains(args.string("preamble") ?? "information") else {
            throw UsageError("--preamble must be information, lorem, wrong-location or none")
        }
        guard Detection.Span(rawValue: args.string("inject-at") ?? "first-turn") != nil else { throw UsageError("--inject-at must be first-turn or question") }
        _ = try args.int("question", in: 1...1000)
        _ = try args.int("concepts", in: 1...100_000)
        _ = try args.int("controls", in: 1...100_000)
    }

    static func strengths(_ args: ParsedArguments) throws -> [InjectionStrength] {
        let text = args.string("strengths") ?? "0.1,0.2,0.4"
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { InjectionStrength.parse(String($0)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw UsageError("--strengths takes comma-separated fractions of the mean residual norm (0.1) or absolute norms with a trailing a (8a), e.g. 0.1,0.2 or 4a,8a")
        }
        return values.map { $0! }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let dir = try args.string("lab") ?? PromptsFolder.locate() + "/lab"
        var texts = try LabTexts.load(dir)
        let trials = try args.int("trials", in: 1...100_000)
        if let n = try args.int("concepts", in: 1...100_000) ?? trials { texts.concepts = Array(texts.concepts.prefix(n)) }
        if let n = try args.int("controls", in: 1...100_000) { texts.controlQuestions = Array(texts.controlQuestions.prefix(n)) }
        let q = try args.int("question", in: 1...1000) ?? 1
        guard q <= texts.questions.count else { throw UsageError("--question \(q): \(dir)/questions.txt has \(texts.questions.count)") }
        let model = try ModelOptions.load(args)
        let threads = try ModelOptions.threads(args)
        let depth = model.config.layerCount
        let layers: [Int]
        if let spec = args.string("layers") {
            layers = try LayerList.layers(spec, option: "--layers")
            if let bad = layers.first(where: { $0 >= depth }) { throw UsageError("--layers: the model has layers 0-\(depth - 1), not \(bad)") }
        } else {
            layers = [depth / 3, depth / 2, 2 * depth / 3]
        }
        if args.positionals == ["predict"] {
            let folder = dir + "/predict"
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
            guard !files.isEmpty else { throw LabError.missingFile(folder + "/*.txt") }
            let tasks = try files.map { try PredictionTask.load(folder + "/" + $0) }
            let other = try args.string("other").map {
                try ModelOptions.load(try ParsedArguments(command: name, options: ModelOptions.modelAndThreads, arguments: ["--model", $0]))
            }
            let limit = try args.int("limit", in: 1...100_000) ?? trials
            let total = tasks.reduce(0) { $0 + min($1.prompts.count, limit ?? Int.max) }
            let bar = ProgressBar(label: "prompts", total: Int64(total), unit: .items("prompts"))
            let rows = try PredictionStudy.run(subject: model, other: other, tasks: tasks, limit: limit, threads: threads) { d, _ in bar.update(Int64(d)) }
            bar.finish()
            if try !printMachine(args, rows, .prediction(rows)) {
                Terminal.out(PredictionStudy.table(rows, subject: URL(fileURLWithPath: model.path).lastPathComponent,
                                                   other: other.map { URL(fileURLWithPath: $0.path).lastPathComponent }) + "\n")
            }
            return ExitCode.ok
        }
        if args.positionals == ["selfreport"] {
            return try selfReport(args, model: model, layers: args.string("layers") == nil ? nil : layers, threads: threads)
        }
        if args.positionals == ["localize"] {
            var pairs = texts.pairs
            if let n = try args.int("concepts", in: 1...100_000) ?? trials { pairs = Array(pairs.prefix(n)) }
            let vectors = try ConceptVectors.pairs(model: model, pairs: pairs, layers: layers, threads: threads)
            let strengths = try strengths(args)
            let cache = sweepCache(args, ["localize", args.string("seed") ?? "1"] + texts.sentences, vectors)
            let bar = ProgressBar(label: "trials", total: Int64(layers.count * strengths.count * pairs.count * 5), unit: .items("trials"))
            let result = try LocalizationStudy.run(model: model, vectors: vectors, sentences: texts.sentences, strengths: strengths,
                                                   seed: UInt64(args.string("seed") ?? "1") ?? 1, cache: cache, threads: threads) { done, _ in bar.update(Int64(done)) }
            bar.finish()
            noteReused(cache, of: layers.count * strengths.count)
            if try !printMachine(args, result, .localization(result)) {
                Terminal.out(LocalizationStudy.table(result) + "\n")
            }
            return ExitCode.ok
        }
        let preambleName = args.string("preamble") ?? "information"
        var detection = Detection(preamble: preambleName == "none" ? nil : texts.preambles[preambleName], question: texts.questions[q - 1],
                                  controls: texts.controlQuestions)
        detection.injectAt = Detection.Span(rawValue: args.string("inject-at") ?? "first-turn") ?? .firstTurn
        let vectors = args.string("vectors") == "pca-center"
            ? try ConceptVectors.pcaCenter(model: model, concepts: texts.concepts, layers: layers, threads: threads)
            : try ConceptVectors.build(model: model, concepts: texts.concepts, baseline: texts.baseline, layers: layers, threads: threads)
        let cache = sweepCache(args, ["detect", preambleName, detection.preamble ?? "", detection.question, detection.injectAt.rawValue,
                                      "content \(args.flag("content"))", "lens \(args.flag("lens"))"] + detection.controls, vectors)
        let bar = ProgressBar(label: "trials", total: Int64(layers.count * (try strengths(args)).count * texts.concepts.count), unit: .items("trials"))
        var result = try DetectionStudy.run(model: model, vectors: vectors, strengths: try strengths(args), detection: detection,
                                            preambleName: preambleName, system: nil, contentRanks: args.flag("content"), lens: args.flag("lens"), cache: cache,
                                            threads: threads) { done, _ in bar.update(Int64(done)) }
        result.vectors = args.string("vectors") ?? "recipe"
        bar.finish()
        noteReused(cache, of: layers.count * (try strengths(args)).count)
        if try !printMachine(args, result, .detection(result)) {
            Terminal.out(DetectionStudy.table(result) + "\n")
        }
        return ExitCode.ok
    }

    /// `introspect selfreport`: at the first of --layers (default the probe set's reading layer), each strength.
    static func selfReport(_ args: ParsedArguments, model: LanguageModel, layers: [Int]?, threads: Int?) throws -> Int32 {
        let dataset = try ProbeOptions.dataset(args)
        let (probes, probePath) = try ProbeOptions.load(args, model: model)
        let steering = try ProbeCausal.meanDiffSet(args, model: model)
        let template = try SelfReportTemplate.load(style: "rating", directory: SelfReportTemplate.directory(besideEmotions: dataset.directory))
        let layer = layers?.first ?? probes.readingLayer
        let chats = try CalibrationSetup.chats(in: CalibrationSetup.directory(args, dataset: dataset)).chats
        let n = min(try args.int("contexts", in: 1...1000) ?? args.int("trials", in: 1...1000) ?? 8, chats.count)
        var contexts: [InjectedSelfReport.Context] = []
        for chat in chats.prefix(n) {
            let ctx = model.makeSequence(capacity: 1024, threads: threads)
            let session = try ChatSession(model: model, context: ctx, system: nil, sampling: .greedy, maxTokens: 32)
            let turn = try session.reply(to: chat.turns[0])
            contexts.append(.init(messages: [ChatMessage(role: "user", content: turn.user), ChatMessage(role: "assistant", content: turn.reply)]))
        }
        var results: [InjectedSelfReport.Result] = []
        for s in try strengths(args) {
            let E = steering.emotions.count, R = try args.int("random", in: 0...100) ?? 4
            let bar = ProgressBar(label: "self-reports", total: Int64(contexts.count * (1 + E + R)), unit: .items("self-reports"))
            results.append(try InjectedSelfReport.run(model: model, emotions: steering.emotions, vectors: steering.layers[layer].vectors,
                                                      layer: layer, strength: s, template: template, contexts: contexts, randomVectors: R,
                                                      seed: UInt64(args.string("seed") ?? "1") ?? 1, threads: threads) { d, _ in bar.update(Int64(d)) })
            bar.finish()
        }
        if args.flag("save"), let r = results.first {
            guard r.emotions.map(\.emotion) == probes.emotions else {
                throw UsageError("--save: the mean-difference set's emotions differ from the probe set's; use the same --emotions for both")
            }
            let trust = TrustScores(layer: r.layer, strength: r.strength, contexts: r.contexts,
                                    scores: Dictionary(r.emotions.map { ($0.emotion, $0.auroc.mean) }, uniquingKeysWith: { a, _ in a }),
                                    random: r.randomAUROC.mean)
            try trust.save(probeSet: probePath)
            Terminal.note(Terminal.dim("trust scores saved to \(TrustScores.path(probeSet: probePath))"))
        }
        if try !printMachine(args, results, .selfReport(results)) {
            Terminal.out(results.map(InjectedSelfReport.table).joined(separator: "\n\n") + "\n")
        }
        return ExitCode.ok
    }

    /// Where a sweep keeps its finished rows ($LIMBIC_HOME/lab), keyed by the protocol's settings and texts and the
    /// injected vectors' values (which pin the model and the concepts).
    static func sweepCache(_ args: ParsedArguments, _ settings: [String], _ vectors: ConceptVectors) -> SweepCache {
        var sha = SHA256()
        for s in settings + vectors.words { sha.update(Array(s.utf8) + [0]) }
        sha.update(vectors.layers.flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) })
        for v in vectors.vectors { for row in v { row.withUnsafeBytes { sha.update($0) } } }
        return SweepCache(directory: ModelStore().home + "/lab", key: sha.finalizeHex(), reuse: !args.flag("fresh"))
    }

    /// Says how many rows came from an earlier run of the same sweep.
    static func noteReused(_ cache: SweepCache, of total: Int) {
        guard cache.reused.value > 0 else { return }
        Terminal.note(Terminal.dim("\(cache.reused.value) of \(total) rows read from an earlier run of this sweep (\(cache.directory)); --fresh measures them again"))
    }

    /// One JSON object on stdout (`LabJSON`).
    static func printJSON<T: Encodable>(_ value: T) throws {
        Terminal.out(String(decoding: try LabJSON.encoder.encode(value), as: UTF8.self) + "\n")
    }

    /// `--json`, `--csv`, or nothing (the caller prints its table): true when printed.
    static func printMachine<T: Encodable>(_ args: ParsedArguments, _ value: T, _ result: LabJSON.Result) throws -> Bool {
        if args.flag("json") { try printJSON(value); return true }
        if args.flag("csv") { Terminal.out(LabCSV.text(result)); return true }
        return false
    }
}
