import Engine
import Foundation
import ModelStore
import Tokenizers

/// Options shared by every command that runs a model.
public enum ModelOptions {
    public static let specs: [OptionSpec] = [
        .option("model", short: "m", "M", "Model: a registry name (see 'limbic models list') or a .gguf path.", default: ModelRegistry.defaultName),
        .option("threads", short: "t", "N", "Threads for the mat-muls (default: all cores)."),
        .option("context", "N", "Context size in tokens (default: 4096, or the model's limit if smaller)."),
        .option("template", "NAME", "Chat template: chatml, gemma or llama3 (default: detected from the model file)."),
    ]

    /// `--model`, `--threads` and `--template`, for commands that size their own contexts (bench, probe).
    public static var modelAndThreads: [OptionSpec] { Array(specs.prefix(2)) + [specs[3]] }

    /// `--threads` (1-256), `--context` (at least 16; the model's limit is checked once it is loaded). Checks only
    /// the options that were given, so any command may call it.
    public static func validate(_ args: ParsedArguments) throws {
        _ = try threads(args)
        if let c = try args.int("context"), c < 16 { throw UsageError("--context must be at least 16, got \(c)") }
        if let t = args.string("template"), ChatTemplate.named(t) == nil {
            throw UsageError("--template must be one of \(ChatTemplate.supported.joined(separator: ", ")), got '\(t)'")
        }
    }

    /// `--threads N`, 1-256; nil means all cores.
    public static func threads(_ args: ParsedArguments) throws -> Int? { try args.int("threads", in: 1...256) }

    /// Resolves `--model` (pulling a registry model on first use, with a progress bar), verifies the file (hashed on
    /// first use after any change to it; a registry model must match the registry) and loads it. A registry model of
    /// an architecture Limbic cannot run is refused before anything is downloaded.
    public static func load(_ args: ParsedArguments) throws -> LanguageModel {
        let name = args.string("model") ?? ModelRegistry.defaultName
        if let spec = ModelRegistry.spec(named: name), !Architectures.names.contains(spec.architecture) {
            throw EngineError.cannotRun(model: name, architecture: spec.architecture)
        }
        let path = try resolve(name)
        // Opened first, so a file that is no model (a FIFO, a damaged header) is named as such; verified before
        // anything is computed with it.
        let model = try LanguageModel(path: path)
        _ = try sha256(ofModelAt: path)
        if let t = args.string("template") {
            guard let template = ChatTemplate.named(t) else {
                throw UsageError("--template must be one of \(ChatTemplate.supported.joined(separator: ", ")), got '\(t)'")
            }
            model.templateOverride = template
        }
        return model
    }

    /// The sha256 of the model file at `path`, from its hash record when the file has not changed since it was last
    /// hashed, else hashed now (with a progress bar; `force` always hashes). A registry model that does not hash to
    /// the registry's sha256 is an error that says how to fetch it again.
    public static func sha256(ofModelAt path: String, force: Bool = false) throws -> String {
        let total = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        var bar: ProgressBar? = nil   // created on the first report, so a file that is not hashed prints nothing
        defer { bar?.finish() }
        return try ModelStore().verifiedSHA256(ofModelAt: path, force: force) { done in
            if bar == nil { bar = ProgressBar(label: "verifying \(URL(fileURLWithPath: path).lastPathComponent)", total: total) }
            bar?.update(done)
        }.sha256
    }

    /// The sha256 of a loaded model's file (`load` verified it, so this reads its record).
    public static func sha256(of model: LanguageModel) throws -> String { try sha256(ofModelAt: model.path) }

    /// The path of a model, pulling it if it is a registry name not yet cached (or, with `force`, pulling it again).
    public static func resolve(_ name: String, force: Bool = false) throws -> String {
        let store = ModelStore()
        var bar: ProgressBar? = nil   // created on the first report, so a cached model prints nothing
        defer { bar?.finish() }
        let report = { (p: PullProgress) in
            if bar == nil { bar = ProgressBar(label: p.label, total: p.totalBytes) }
            bar?.update(p.completedBytes, total: p.totalBytes, label: p.label)
        }
        if force, let spec = ModelRegistry.spec(named: name) { return try store.pull(spec, force: true, progress: report) }
        return try store.resolve(name, progress: report)
    }

    /// A context of `--context` tokens (default: 4096, or the model's limit if smaller) with `--threads`.
    public static func context(_ model: LanguageModel, _ args: ParsedArguments) throws -> InferenceContext {
        let threads = try Self.threads(args)
        // max(16, …): a model file claiming fewer than 16 positions must not make an empty range (a trap).
        let capacity = try args.int("context", in: 16...max(16, model.config.contextLength))
        return model.makeContext(capacity: capacity, threads: threads)
    }
}

/// Sampling flags shared by generate and chat.
public enum SamplingOptions {
    public static let specs: [OptionSpec] = [
        .option("temp", "T", "Temperature; 0 is greedy. Default: the model's (see 'limbic models info'; 0.8 for a file of your own)."),
        .option("top-k", "K", "Keep the K most likely tokens; 0 disables. Default: the model's (40)."),
        .option("top-p", "P", "Keep the smallest set with probability ≥ P; 1 disables. Default: the model's (0.95)."),
        .option("min-p", "P", "Drop tokens below P × the top probability; 0 disables. Default: the model's (0.05)."),
        .option("repeat-penalty", "R", "Penalise tokens seen in the last 64; 1 disables. Default: the model's (1.1)."),
        .option("seed", "S", "Random seed (same seed, same text).", default: "0"),
        .option("max-tokens", short: "n", "N", "Stop after N generated tokens.", default: "512"),
    ]

    /// Checks every sampling option's syntax and range.
    public static func validate(_ args: ParsedArguments) throws {
        _ = try parameters(args)
        _ = try maxTokens(args)
    }

    /// The sampler settings: each option given, else the model's recommendation (`defaults`); each value out of
    /// its range is a usage error that names the range.
    public static func parameters(_ args: ParsedArguments, defaults d: RecommendedSampling = .generic) throws -> SamplingParameters {
        var p = SamplingParameters()
        p.temperature = Float(try args.double("temp", in: 0...100) ?? d.temperature)
        p.topK = try args.int("top-k", in: 0...1_000_000) ?? d.topK
        p.topP = Float(try args.double("top-p", in: 0...1) ?? d.topP)
        p.minP = Float(try args.double("min-p", in: 0...1) ?? d.minP)
        p.repetitionPenalty = Float(try args.double("repeat-penalty", in: 0.01...100) ?? d.repeatPenalty)
        guard let seed = UInt64(args.string("seed") ?? "0") else { throw UsageError("--seed needs a non-negative whole number") }
        p.seed = seed
        return p
    }

    /// `parameters` with the recommendation for the model file at `path` (a registry model's, else generic).
    public static func parameters(_ args: ParsedArguments, modelPath path: String) throws -> SamplingParameters {
        try parameters(args, defaults: ModelRegistry.spec(forFile: path)?.sampling ?? .generic)
    }

    public static func maxTokens(_ args: ParsedArguments) throws -> Int { try args.int("max-tokens", in: 1...1_000_000) ?? 512 }
}

/// Peak resident memory of this process (VmHWM), in bytes.
public func peakRSSBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

/// A JSON string literal (escaped), for hand-written JSON output with stable key order.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

/// A JSON number for a float (finite; NaN/inf become null).
public func jsonNumber(_ x: Double) -> String { x.isFinite ? String(format: "%.7g", x) : "null" }
