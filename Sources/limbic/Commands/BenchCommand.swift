import Affect
import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LimbicCLI
import Tokenizers

enum BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Measure prefill and decode speed (tokens/s, median of runs) and peak memory, or the self-report's cost."
    static let usage = "[--model M] [--threads N] [--prompt-tokens 512] [--gen-tokens 128] [--depth N] [--runs 3] [--capture all|LIST] [--steer SPEC] [--compare-llama PATH] [--selfreport | --probe-build] [--json]"
    static let discussion = """
    Like llama-bench: prefill evaluates --prompt-tokens tokens in one call on an empty context (pp); decode evaluates \
    --gen-tokens tokens one at a time from an empty context, with logits each step (tg). Compare with llama.cpp at the \
    same thread count. --depth N first fills N tokens of context (not timed), then measures both after it, like \
    llama-bench -d: what a turn late in a long chat costs. --capture copies every chosen layer's residual row of every token into preallocated memory (as \
    the monitor does); --steer adds control vectors; both measure what the hooks cost.

    --selfreport instead times one rating self-report (prompts/selfreport/rating.txt, every emotion of the dataset) \
    after a fixed two-turn conversation already in the context, as the chat asks it after a turn: batched (every \
    emotion's answer in one batch over the shared question) beside one fork per emotion, alternating, median of \
    --runs each, with the CPU time used (on a busy machine, --threads 1 and the CPU column say more than the wall \
    clock); then the batched one in parts (the question's prefill, the answers' forward pass, the LM head rows the \
    probability mass needs) and the largest difference between the two paths' probabilities. With --depth N the \
    conversation first grows to about N tokens.

    --probe-build times building the probe set from the emotion dataset (every passage through the model, then the \
    fit), without reading or writing the cache: seconds, passages and tokens per second.

    --compare-llama PATH runs llama.cpp's llama-bench at PATH with the same model file, threads, tokens, depth and \
    runs, interleaved with Limbic's own runs (llama.cpp, Limbic, llama.cpp, Limbic), and prints both and their ratio \
    (Limbic ÷ llama.cpp; above 1 is faster). Without it only Limbic is measured, and the table says so.
    """
    static let options: [OptionSpec] = ModelOptions.modelAndThreads + [
        .option("prompt-tokens", "N", "Tokens in the prefill test; 0 skips it.", default: "512"),
        .option("gen-tokens", "N", "Tokens in the decode test; 0 skips it.", default: "128"),
        .option("runs", "N", "Repetitions; the median is reported.", default: "3"),
        .option("depth", "N", "Tokens of context filled before each test (not timed), like llama-bench -d.", default: "0"),
        .flag("probe-build", "Time building the probe set from the emotion dataset (no cache read or written)."),
        .option("compare-llama", "PATH", "A llama-bench binary: run it with the same settings, interleaved, and print the ratios."),
        .option("capture", "LIST", "Capture these layers while running: all, or a list like 0,5,10-12."),
        SteerOptions.spec,
        SteerOptions.normSpec,
        .flag("selfreport", "Time a rating self-report (batched and one fork per emotion) instead of prefill and decode (--prompt-tokens and --gen-tokens are not used)."),
        .flag("json", "Print {\"prefill_tok_s\":…,\"decode_tok_s\":…,\"threads\":…,\"rss_bytes\":…} (with --selfreport: {\"batched_s\":…,\"sequential_s\":…,…})."),
    ]
    static let examples = [
        "limbic bench",
        "limbic bench --model qwen2.5-coder-1.5b-instruct --threads 2 --prompt-tokens 128 --gen-tokens 32 --json",
        "limbic bench --capture all --gen-tokens 128 --prompt-tokens 0",
        "limbic bench --selfreport --model qwen2.5-coder-1.5b-instruct --threads 2 --runs 5",
        "limbic bench --gen-tokens 128 --prompt-tokens 0 --depth 1000",
        "limbic bench --threads 2 --compare-llama ~/llama.cpp/build/bin/llama-bench",
        "limbic bench --probe-build --threads 2",
    ]

    static func validate(_ args: ParsedArguments) throws {
        _ = try args.int("prompt-tokens", in: 0...1_000_000)
        _ = try args.int("gen-tokens", in: 0...1_000_000)
        _ = try args.int("runs", in: 1...100)
        _ = try args.int("depth", in: 0...1_000_000)
        if args.flag("selfreport") && args.flag("probe-build") { throw UsageError("--selfreport and --probe-build: choose one") }
        if let path = args.string("compare-llama") {
            if args.flag("selfreport") || args.flag("probe-build") {
                throw UsageError("--compare-llama compares prefill and decode; it does not apply to --selfreport or --probe-build")
            }
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw UsageError("--compare-llama \(path): no executable there (give the path of llama.cpp's llama-bench, e.g. build/bin/llama-bench)")
            }
        }
        try ModelOptions.validate(args)
        try SteerOptions.validate(args)
        if let list = args.string("capture") { _ = try LayerSelection.parse(list, option: "--capture") }
        if args.flag("selfreport"), args.string("capture") != nil {
            throw UsageError("--capture does not apply to --selfreport (self-reports run on forks, which carry no listeners)")
        }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        if args.flag("selfreport") { return try SelfReportBench.run(args) }
        if args.flag("probe-build") { return try probeBuild(args) }
        let pp = try args.int("prompt-tokens", in: 0...1_000_000) ?? 512
        let tg = try args.int("gen-tokens", in: 0...1_000_000) ?? 128
        let runs = try args.int("runs", in: 1...100) ?? 3
        let depth = try args.int("depth", in: 0...1_000_000) ?? 0
        let model = try ModelOptions.load(args)
        let threads = try ModelOptions.threads(args) ?? ThreadPool.defaultThreads
        let capacity = depth + max(pp, tg, 16)
        guard capacity <= model.config.contextLength else {
            throw UsageError("--depth + --prompt-tokens/--gen-tokens = \(capacity) exceed the model's context of \(model.config.contextLength)")
        }
        var rng = SplitMix64(seed: 42)
        let vocab = model.config.vocabSize
        let prompt = (0..<pp).map { _ in Int(rng.next() % UInt64(vocab)) }
        let filler = (0..<depth).map { _ in Int(rng.next() % UInt64(vocab)) }
        let ctx = model.makeContext(capacity: capacity, threads: threads)
        ctx.hooks.steering = try SteerOptions.steering(args, model: model)
        if let list = args.string("capture") {
            let sites = try LayerSelection.parse(list, option: "--capture").sites(layerCount: model.config.layerCount, option: "--capture")
            // The hooks hold the sink until the context goes.
            ctx.hooks.subscribe(CopySink(width: model.config.hiddenSize, rows: sites.count * max(pp, 1)), sites: Set(sites), positions: .all)
        }
        // The depth's tokens are evaluated once; every test rolls back to them (the hooks see them too).
        if depth > 0 { try ctx.evaluate(filler, logits: .none) }
        let llama = args.string("compare-llama")
        var ppRates: [Double] = [], tgRates: [Double] = [], llamaRates: [(pp: Double?, tg: Double?)] = []
        let bar = ProgressBar(label: "bench", total: Int64(runs), unit: .items("runs"))
        for run in 0...runs {   // run 0 warms up (page faults of the mapping, caches) and is not counted
            bar.update(Int64(run), label: run == 0 ? "warm-up" : "run \(run)/\(runs)")
            // Interleaved: llama.cpp's round (one repetition) just before Limbic's, in the same sitting.
            if let llama, run > 0 {
                llamaRates.append(try LlamaBench.run(llama, model: model.path, threads: threads, pp: pp, tg: tg, depth: depth))
            }
            if pp > 0 {
                ctx.rollback(to: depth)
                let t = Date()
                try ctx.evaluate(prompt)
                if run > 0 { ppRates.append(Double(pp) / Date().timeIntervalSince(t)) }
            }
            if tg > 0 {
                ctx.rollback(to: depth)
                var token = 1
                let t = Date()
                for _ in 0..<tg {
                    let logits = try ctx.evaluate([token])
                    token = Sampler.argmax(logits)
                }
                if run > 0 { tgRates.append(Double(tg) / Date().timeIntervalSince(t)) }
            }
        }
        bar.finish()
        func median(_ x: [Double]) -> Double { x.isEmpty ? 0 : x.sorted()[x.count / 2] }
        let rss = peakRSSBytes()
        let llamaPP = median(llamaRates.compactMap(\.pp)), llamaTG = median(llamaRates.compactMap(\.tg))
        if args.flag("json") {
            let compared = llama == nil ? "" : ",\"llama_prefill_tok_s\":\(jsonNumber(llamaPP)),\"llama_decode_tok_s\":\(jsonNumber(llamaTG))"
            Terminal.out("{\"model\":\(jsonString(URL(fileURLWithPath: model.path).lastPathComponent)),\"capture\":\(jsonString(args.string("capture") ?? "")),\"steer\":\(ctx.hooks.steering.count),\"prefill_tok_s\":\(jsonNumber(median(ppRates))),\"decode_tok_s\":\(jsonNumber(median(tgRates))),\"threads\":\(threads),\"prompt_tokens\":\(pp),\"gen_tokens\":\(tg),\"depth\":\(depth)\(compared),\"rss_bytes\":\(rss)}\n")
        } else {
            let name = URL(fileURLWithPath: model.path).lastPathComponent
            let file = model.file.fileSize
            let at = depth > 0 ? " @ d\(depth)" : ""
            if llama != nil {
                Terminal.out("| model | threads | test | Limbic tok/s | llama.cpp tok/s | Limbic ÷ llama.cpp |\n| --- | --- | --- | --- | --- | --- |\n")
                if pp > 0 { Terminal.out(String(format: "| %@ | %d | pp%d%@ | %.1f | %.1f | %.2f× |\n", name, threads, pp, at, median(ppRates), llamaPP, median(ppRates) / llamaPP)) }
                if tg > 0 { Terminal.out(String(format: "| %@ | %d | tg%d%@ | %.1f | %.1f | %.2f× |\n", name, threads, tg, at, median(tgRates), llamaTG, median(tgRates) / llamaTG)) }
                Terminal.out("medians of \(runs) interleaved runs each (llama-bench -r 1 per run)\n")
            } else {
                Terminal.out("| model | threads | test | tok/s (median of \(runs)) |\n| --- | --- | --- | --- |\n")
                if pp > 0 { Terminal.out(String(format: "| %@ | %d | pp%d%@ | %.1f |\n", name, threads, pp, at, median(ppRates))) }
                if tg > 0 { Terminal.out(String(format: "| %@ | %d | tg%d%@ | %.1f |\n", name, threads, tg, at, median(tgRates))) }
                Terminal.out("llama.cpp not measured (give --compare-llama PATH to llama-bench for the ratios in one sitting)\n")
            }
            Terminal.out(String(format: "peak RSS %.1f MiB (model file %.1f MiB, KV cache %.1f MiB)\n",
                                Double(rss) / 1048576, Double(file) / 1048576, Double(ctx.cache.bytes) / 1048576))
        }
        return ExitCode.ok
    }

    /// `--probe-build`: the probe set built from the dataset as `probe extract` would, timed, nothing cached.
    static func probeBuild(_ args: ParsedArguments) throws -> Int32 {
        let model = try ModelOptions.load(args)
        let threads = try ModelOptions.threads(args) ?? ThreadPool.defaultThreads
        let dataset = try EmotionDataset(directory: try PromptsFolder.locate() + "/emotions")
        let texts = (dataset.training + dataset.test + dataset.neutral).map(\.text)
        let tokens = try texts.reduce(0) { $0 + (try model.tokenizer.encode($1, addSpecial: true, parseSpecial: false)).count }
        let bar = ProgressBar(label: "probe build", total: Int64(texts.count), unit: .items("passages"))
        let cpu = processCPUSeconds()
        let start = Date()
        var readSeconds = 0.0
        let set = try ProbeBuilder.build(model: model, dataset: dataset, lexicon: nil, modelSHA256: "bench", threads: threads) { stage in
            if case .reading(let done, let total) = stage {
                bar.update(Int64(done))
                if done == total { readSeconds = Date().timeIntervalSince(start) }
            }
        }
        bar.finish()
        let total = Date().timeIntervalSince(start), used = processCPUSeconds() - cpu
        let name = URL(fileURLWithPath: model.path).lastPathComponent
        if args.flag("json") {
            Terminal.out("{\"model\":\(jsonString(name)),\"threads\":\(threads),\"passages\":\(texts.count),\"tokens\":\(tokens),\"read_s\":\(jsonNumber(readSeconds)),\"fit_s\":\(jsonNumber(total - readSeconds)),\"total_s\":\(jsonNumber(total)),\"cpu_s\":\(jsonNumber(used)),\"reading_layer\":\(set.readingLayer)}\n")
        } else {
            Terminal.out("| model | threads | passages | tokens | reading s | tok/s | fit s | total s | CPU s |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
            Terminal.out(String(format: "| %@ | %d | %d | %d | %.1f | %.0f | %.1f | %.1f | %.1f |\n", name, threads, texts.count, tokens,
                                readSeconds, Double(tokens) / readSeconds, total - readSeconds, total, used))
        }
        return ExitCode.ok
    }
}

/// `limbic bench --selfreport`: what one rating self-report costs after a short conversation, batched and with one fork
/// per emotion, measured in one sitting.
enum SelfReportBench {
    /// The fixed conversation: two turns, rendered by the model's chat template (nothing is generated).
    static let conversation = [
        ChatMessage(role: "user", content: "Hi! Could you help me plan a short trip to Lisbon next month?"),
        ChatMessage(role: "assistant", content: "Of course. How many days do you have, and do you prefer museums, food or walking around the old town?"),
        ChatMessage(role: "user", content: "Three days. Mostly food and views, please."),
        ChatMessage(role: "assistant", content: "Then spend the first day in Alfama for the views, the second on pastries and seafood in Belém, and keep the third for a day trip to Sintra."),
    ]

    /// An earlier exchange, repeated to grow the conversation for `--depth`.
    static let earlier = [
        ChatMessage(role: "user", content: "Before that: what should I know about getting around the city by tram and on foot?"),
        ChatMessage(role: "assistant", content: "The old trams climb the hills slowly and fill up by mid-morning, so ride early or late. Wear shoes with grip, because the stone pavements are steep and smooth, and carry a rechargeable transit card for the trams, the metro and the funiculars."),
    ]

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let runs = try args.int("runs", in: 1...100) ?? 3
        let model = try ModelOptions.load(args)
        let threads = try ModelOptions.threads(args) ?? ThreadPool.defaultThreads
        let dataset = try EmotionDataset(directory: try PromptsFolder.locate() + "/emotions")
        let template = try SelfReportTemplate.load(style: "rating", directory: SelfReportTemplate.directory(besideEmotions: dataset.directory))
        let chat = try model.chatTemplate()
        let reporter = SelfReporter(model: model, chat: chat, emotions: dataset.emotions)
        let encoder = ChatEncoder(template: chat, tokenizer: model.tokenizer)
        // --depth: earlier exchanges before the fixed two turns until the conversation holds about that many tokens.
        let depth = try args.int("depth", in: 0...1_000_000) ?? 0
        var conversation = Self.conversation
        while try encoder.encode(conversation, addGenerationPrompt: false).count < depth {
            conversation.insert(contentsOf: Self.earlier, at: 0)
        }
        let held = try encoder.encode(conversation, addGenerationPrompt: false)
        let capacity = max(1024, held.count + 512)
        guard capacity <= model.config.contextLength else {
            throw UsageError("--depth \(depth): the conversation and the question need \(capacity) tokens; the model's context is \(model.config.contextLength)")
        }
        let ctx = model.makeContext(capacity: capacity, threads: threads)
        ctx.hooks.steering = try SteerOptions.steering(args, model: model)
        try ctx.evaluate(held, logits: .none)
        let plan = try reporter.plan(template, messages: conversation)
        let questionTokens = plan.shared.count - commonPrefixLength(held, plan.shared)
        let answerTokens = plan.branches.reduce(0) { $0 + $1.count }

        var batched: [Double] = [], sequential: [Double] = [], prefill: [Double] = [], branches: [Double] = [], normaliser: [Double] = []
        var batchedCPU: [Double] = [], sequentialCPU: [Double] = []
        var reports: [SelfReporter.Evaluation: SelfReport] = [:]
        let bar = ProgressBar(label: "bench", total: Int64(runs), unit: .items("runs"))
        for run in 0...runs {   // run 0 warms up and is not counted
            bar.update(Int64(run), label: run == 0 ? "warm-up" : "run \(run)/\(runs)")
            // Alternate which path goes first, so neither always runs on a cache the other warmed.
            for evaluation in run % 2 == 0 ? [SelfReporter.Evaluation.batched, .sequential] : [.sequential, .batched] {
                let cpu = processCPUSeconds()
                let r = try reporter.ask(template, messages: conversation, context: ctx, evaluation: evaluation)
                let used = processCPUSeconds() - cpu
                if run > 0 {
                    if evaluation == .batched { batched.append(r.seconds); batchedCPU.append(used) } else { sequential.append(r.seconds); sequentialCPU.append(used) }
                }
                reports[evaluation] = r
            }
            // The batched path in parts, on one fork: the question, the answers with only the choices' logits
            // (next to no LM head), then again with the log-probabilities (the LM head rows for the mass).
            let f = ctx.fork()
            let t0 = Date()
            try f.evaluate(f.reusePrefix(of: plan.shared), logits: .none)
            let t1 = Date()
            _ = try f.evaluateBranches(plan.branches, readout: .logitsOf(plan.choiceIDs))
            let t2 = Date()
            _ = try f.evaluateBranches(plan.branches, readout: .logProbabilitiesOf(plan.choiceIDs))
            let t3 = Date()
            if run > 0 {
                prefill.append(t1.timeIntervalSince(t0))
                branches.append(t2.timeIntervalSince(t1))
                normaliser.append(t3.timeIntervalSince(t2) - t2.timeIntervalSince(t1))
            }
        }
        bar.finish()
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        let a = reports[.batched]!.ratings, b = reports[.sequential]!.ratings
        let maxDiff = zip(a, b).flatMap { zip($0.probabilities, $1.probabilities).map { Double(abs($0 - $1)) } }.max() ?? .nan
        let maxMassDiff = zip(a, b).map { Double(abs($0.mass - $1.mass)) }.max() ?? .nan
        let name = URL(fileURLWithPath: model.path).lastPathComponent
        if args.flag("json") {
            func rows(_ r: [AnswerDistribution]) -> String {
                "[" + r.map { "[" + $0.probabilities.map { jsonNumber(Double($0)) }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
            }
            let ids = "[" + plan.choiceIDs.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
            Terminal.out("{\"model\":\(jsonString(name)),\"threads\":\(threads),\"runs\":\(runs),\"style\":\"rating\",\"emotions\":[\(dataset.emotions.map(jsonString).joined(separator: ","))],\"conversation_tokens\":\(held.count),\"question_tokens\":\(questionTokens),\"answer_tokens\":\(answerTokens),\"batched_s\":\(jsonNumber(median(batched))),\"sequential_s\":\(jsonNumber(median(sequential))),\"batched_cpu_s\":\(jsonNumber(median(batchedCPU))),\"sequential_cpu_s\":\(jsonNumber(median(sequentialCPU))),\"question_prefill_s\":\(jsonNumber(median(prefill))),\"answers_s\":\(jsonNumber(median(branches))),\"normaliser_s\":\(jsonNumber(median(normaliser))),\"max_abs_dp\":\(jsonNumber(maxDiff)),\"max_abs_dmass\":\(jsonNumber(maxMassDiff)),\"choice_ids\":\(ids),\"batched\":\(rows(a)),\"sequential\":\(rows(b)),\"batched_mass\":[\(a.map { jsonNumber(Double($0.mass)) }.joined(separator: ","))],\"sequential_mass\":[\(b.map { jsonNumber(Double($0.mass)) }.joined(separator: ","))]}\n")
        } else {
            let n = dataset.emotions.count
            Terminal.out("conversation before the question: \(held.count) tokens\n")
            Terminal.out("| model | threads | self-report | question tokens | answer tokens | s per self-report (median of \(runs)) | CPU s |\n| --- | --- | --- | --- | --- | --- | --- |\n")
            Terminal.out(String(format: "| %@ | %d | rating ×%d, batched | %d | %d | %.3f | %.3f |\n", name, threads, n, questionTokens, answerTokens, median(batched), median(batchedCPU)))
            Terminal.out(String(format: "| %@ | %d | rating ×%d, a fork each | %d | %d | %.3f | %.3f |\n", name, threads, n, questionTokens, answerTokens, median(sequential), median(sequentialCPU)))
            Terminal.out(String(format: "batched in parts (medians): question prefill %.3f s, answers %.3f s, LM head for the mass %.3f s; max |Δp| batched vs forks %.1e (mass %.1e)\n",
                                median(prefill), median(branches), median(normaliser), maxDiff, maxMassDiff))
        }
        return ExitCode.ok
    }
}

/// CPU time this process has used, user and system, in seconds (all threads: with more than one, it includes the
/// thread pool's spinning).
func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// Copies each captured row into preallocated memory, wrapping around: what a monitor pays per token, without
/// allocation.
final class CopySink: ActivationSink {
    private var buffer: [Float]
    private let width: Int
    private var next = 0

    init(width: Int, rows: Int) {
        self.width = width
        buffer = [Float](repeating: 0, count: width * max(rows, 1))
    }

    func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>) {
        if next + width > buffer.count { next = 0 }
        buffer.withUnsafeMutableBufferPointer { b in
            (b.baseAddress! + next).update(from: row.baseAddress!, count: width)
        }
        next += width
    }
}
