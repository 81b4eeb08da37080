import Engine
import Foundation
import LimbicCLI

enum BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Measure prefill and decode speed (tokens/s, median of runs) and peak memory."
    static let usage = "[--model M] [--threads N] [--prompt-tokens 512] [--gen-tokens 128] [--runs 3] [--capture all|LIST] [--steer SPEC] [--json]"
    static let discussion = """
    Like llama-bench: prefill evaluates --prompt-tokens tokens in one call on an empty context (pp); decode evaluates \
    --gen-tokens tokens one at a time from an empty context, with logits each step (tg). Compare with llama.cpp at the \
    same thread count. --capture copies every chosen layer's residual row of every token into preallocated memory (as \
    the monitor does); --steer adds control vectors; both measure what the hooks cost.
    """
    static let options: [OptionSpec] = ModelOptions.modelAndThreads + [
        .option("prompt-tokens", "N", "Tokens in the prefill test; 0 skips it.", default: "512"),
        .option("gen-tokens", "N", "Tokens in the decode test; 0 skips it.", default: "128"),
        .option("runs", "N", "Repetitions; the median is reported.", default: "3"),
        .option("capture", "LIST", "Capture these layers while running: all, or a list like 0,5,10-12."),
        SteerOptions.spec,
        SteerOptions.normSpec,
        .flag("json", "Print {\"prefill_tok_s\":…,\"decode_tok_s\":…,\"threads\":…,\"rss_bytes\":…}."),
    ]
    static let examples = [
        "limbic bench",
        "limbic bench --model qwen2.5-coder-1.5b-instruct --threads 2 --prompt-tokens 128 --gen-tokens 32 --json",
        "limbic bench --capture all --gen-tokens 128 --prompt-tokens 0",
    ]

    static func validate(_ args: ParsedArguments) throws {
        _ = try args.int("prompt-tokens", in: 0...1_000_000)
        _ = try args.int("gen-tokens", in: 0...1_000_000)
        _ = try args.int("runs", in: 1...100)
        try ModelOptions.validate(args)
        try SteerOptions.validate(args)
        if let list = args.string("capture") { _ = try LayerSelection.parse(list, option: "--capture") }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let pp = try args.int("prompt-tokens", in: 0...1_000_000) ?? 512
        let tg = try args.int("gen-tokens", in: 0...1_000_000) ?? 128
        let runs = try args.int("runs", in: 1...100) ?? 3
        let model = try ModelOptions.load(args)
        let threads = try ModelOptions.threads(args) ?? ThreadPool.defaultThreads
        let capacity = max(pp, tg, 16)
        guard capacity <= model.config.contextLength else {
            throw UsageError("--prompt-tokens/--gen-tokens \(capacity) exceed the model's context of \(model.config.contextLength)")
        }
        var rng = SplitMix64(seed: 42)
        let vocab = model.config.vocabSize
        let prompt = (0..<pp).map { _ in Int(rng.next() % UInt64(vocab)) }
        let ctx = model.makeContext(capacity: capacity, threads: threads)
        ctx.hooks.steering = try SteerOptions.steering(args, model: model)
        if let list = args.string("capture") {
            let sites = try LayerSelection.parse(list, option: "--capture").sites(layerCount: model.config.layerCount, option: "--capture")
            // The hooks hold the sink until the context goes.
            ctx.hooks.subscribe(CopySink(width: model.config.hiddenSize, rows: sites.count * max(pp, 1)), sites: Set(sites), positions: .all)
        }
        var ppRates: [Double] = [], tgRates: [Double] = []
        let bar = ProgressBar(label: "bench", total: Int64(runs), unit: .items("runs"))
        for run in 0...runs {   // run 0 warms up (page faults of the mapping, caches) and is not counted
            bar.update(Int64(run), label: run == 0 ? "warm-up" : "run \(run)/\(runs)")
            if pp > 0 {
                ctx.rollback(to: 0)
                let t = Date()
                try ctx.evaluate(prompt)
                if run > 0 { ppRates.append(Double(pp) / Date().timeIntervalSince(t)) }
            }
            if tg > 0 {
                ctx.rollback(to: 0)
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
        if args.flag("json") {
            Terminal.out("{\"model\":\(jsonString(URL(fileURLWithPath: model.path).lastPathComponent)),\"capture\":\(jsonString(args.string("capture") ?? "")),\"steer\":\(ctx.hooks.steering.count),\"prefill_tok_s\":\(jsonNumber(median(ppRates))),\"decode_tok_s\":\(jsonNumber(median(tgRates))),\"threads\":\(threads),\"prompt_tokens\":\(pp),\"gen_tokens\":\(tg),\"rss_bytes\":\(rss)}\n")
        } else {
            let name = URL(fileURLWithPath: model.path).lastPathComponent
            let file = model.file.fileSize
            Terminal.out("| model | threads | test | tok/s (median of \(runs)) |\n| --- | --- | --- | --- |\n")
            if pp > 0 { Terminal.out(String(format: "| %@ | %d | pp%d | %.1f |\n", name, threads, pp, median(ppRates))) }
            if tg > 0 { Terminal.out(String(format: "| %@ | %d | tg%d | %.1f |\n", name, threads, tg, median(tgRates))) }
            Terminal.out(String(format: "peak RSS %.1f MiB (model file %.1f MiB, KV cache %.1f MiB)\n",
                                Double(rss) / 1048576, Double(file) / 1048576, Double(ctx.cache.bytes) / 1048576))
        }
        return ExitCode.ok
    }
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
