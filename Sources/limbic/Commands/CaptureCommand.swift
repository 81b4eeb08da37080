import Engine
import Foundation
import GGUF
import LimbicCLI

enum CaptureCommand: Command {
    static let name = "capture"
    static let abstract = "Read the residual stream at chosen layers while the model reads a text."
    static let usage = "[--model M] --layers LIST|all [--positions last|all|A-B] (--norms [--json] | --out FILE.gguf [--force]) [TEXT | < stdin]"
    static let discussion = """
    Layer N is the residual stream at the output of block N after its residual add (llama.cpp's l_out-N, repeng's \
    direction.N); 'embd' names the embedding input. --norms prints each layer's L2 norm at the last captured position; \
    --out writes every captured row to a GGUF file (tensor 'l_out-N' of shape hidden × positions, plus 'positions'); \
    an existing file is replaced only with --force.
    """
    static let options: [OptionSpec] = ModelOptions.specs + [
        .option("layers", short: "l", "LIST", "Layers to read: all, or a list like 0,5,10-12 (embd for the embedding).", default: "all"),
        .option("positions", "SEL", "Token positions: last, all, or A-B (absolute, inclusive).", default: "last"),
        .flag("norms", "Print the L2 norm of each layer at the last captured position."),
        .flag("json", "With --norms: print {\"layers\":[{\"layer\":N,\"norm\":…}]}."),
        .option("out", short: "o", "FILE", "Write the captured rows to a GGUF file."),
        OutputFile.forceSpec,
    ]
    static let examples = [
        "limbic capture --layers all --norms --json 'The capital of France is'",
        "limbic capture --layers 10-14 --positions all --out acts.gguf 'I feel calm today.'",
    ]

    static func validate(_ args: ParsedArguments) throws {
        guard args.flag("norms") || args.string("out") != nil else { throw UsageError("choose --norms or --out FILE") }
        if let out = args.string("out") { try OutputFile.check(out, args) }
        try ModelOptions.validate(args)
        _ = try LayerSelection.parse(args.string("layers") ?? "all", option: "--layers")
        _ = try PositionRange.selector(args.string("positions") ?? "last", option: "--positions")
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let text = try args.text ?? Terminal.readStdin()
        let model = try ModelOptions.load(args)
        let sites = try LayerSelection.parse(args.string("layers") ?? "all", option: "--layers")
            .sites(layerCount: model.config.layerCount, option: "--layers")
        let positions = try PositionRange.selector(args.string("positions") ?? "last", option: "--positions")
        let ctx = try ModelOptions.context(model, args)
        let ids = try model.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
        let recorder = ActivationRecorder(width: model.config.hiddenSize, sites: Set(sites), reservePositions: positions == .last ? 1 : ids.count)
        ctx.hooks.subscribe(recorder, sites: Set(sites), positions: positions)
        try ctx.evaluate(ids, logits: .none)
        if args.flag("norms") {
            let norms = sites.map { site -> (HookSite, Double) in
                let row = recorder.lastRow(site) ?? []
                return (site, row.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            }
            if args.flag("json") {
                let items = norms.map { "{\"layer\":\(layerNumber($0.0)),\"norm\":\(jsonNumber($0.1))}" }
                Terminal.out("{\"tokens\":\(ids.count),\"layers\":[" + items.joined(separator: ",") + "]}\n")
            } else {
                for (s, n) in norms { Terminal.out(String(format: "%-10@ %12.4f\n", s.description, n)) }
            }
        }
        if let out = args.string("out") {
            var w = GGUFWriter()
            w.set("general.architecture", "limbic.capture")
            w.set("capture.model", URL(fileURLWithPath: model.path).lastPathComponent)
            w.set("capture.text", text)
            w.set("capture.tokens", .array(.int32, ids.map { .int32(Int32($0)) }))
            for s in sites {
                let rows = recorder.rows[s] ?? []
                guard !rows.isEmpty else { continue }
                w.addTensor(s.description, dims: [model.config.hiddenSize, rows.count / model.config.hiddenSize], floats: rows)
            }
            if let first = sites.first, let pos = recorder.positions[first] {
                w.addTensor("positions", dims: [pos.count], floats: pos.map(Float.init))
            }
            try OutputFile.write(out, args) { try w.write(to: out, replace: $0) }
            Terminal.note("wrote \(sites.count) sites × \(recorder.positions[sites[0]]?.count ?? 0) positions to \(out)")
        }
        return ExitCode.ok
    }

    static func layerNumber(_ s: HookSite) -> Int {
        if case .layer(let n) = s { return n }
        return -1
    }
}
