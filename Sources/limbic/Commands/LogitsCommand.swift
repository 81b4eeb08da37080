import Engine
import Foundation
import LimbicCLI

enum LogitsCommand: Command {
    static let name = "logits"
    static let abstract = "Run one forward pass over a text and print the top next-token logits."
    static let usage = "[--model M] [--top K] [--json] [TEXT | < stdin]"
    static let discussion = "The raw text is tokenized with special tokens parsed and BOS as the model says, then evaluated in one pass."
    static let options: [OptionSpec] = ModelOptions.specs + [
        SteerOptions.spec,
        SteerOptions.normSpec,
        .option("top", short: "k", "K", "How many of the highest logits to print.", default: "10"),
        .flag("json", "Print {\"tokens\":[…],\"top\":[{\"id\":…,\"logit\":…,\"logprob\":…,\"piece\":\"…\"}]}."),
    ]
    static let examples = [
        "limbic logits 'The capital of France is'",
        "limbic logits --json --top 5 '<|im_start|>user\\nHi<|im_end|>\\n<|im_start|>assistant\\n'",
        "limbic logits --steer calm.gguf:0.08n@13 'Today I feel'",
    ]

    static func validate(_ args: ParsedArguments) throws {
        _ = try args.int("top", in: 1...1000)
        try ModelOptions.validate(args)
        try SteerOptions.validate(args)
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let text = try args.text ?? Terminal.readStdin()
        let k = try args.int("top", in: 1...1000) ?? 10
        let model = try ModelOptions.load(args)
        let ctx = try ModelOptions.context(model, args)
        ctx.hooks.steering = try SteerOptions.steering(args, model: model)
        let ids = try model.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
        let logits = try ctx.evaluate(ids)
        let lse = Sampler.logSumExp(logits)
        let top = Sampler.topIndices(logits, k)
        if args.flag("json") {
            let entries = top.map { id in
                "{\"id\":\(id),\"logit\":\(jsonNumber(Double(logits[id]))),\"logprob\":\(jsonNumber(Double(logits[id]) - lse)),\"piece\":\(jsonString(String(decoding: model.tokenizer.pieceBytes(id), as: UTF8.self)))}"
            }
            Terminal.out("{\"tokens\":[" + ids.map(String.init).joined(separator: ",") + "],\"top\":[" + entries.joined(separator: ",") + "]}\n")
        } else {
            Terminal.out("\(ids.count) tokens; top \(k) next tokens:\n")
            for id in top {
                let piece = jsonString(String(decoding: model.tokenizer.pieceBytes(id), as: UTF8.self))
                Terminal.out(String(format: "%8d  %9.4f  %8.4f  ", id, logits[id], Double(logits[id]) - lse) + piece + "\n")
            }
        }
        return ExitCode.ok
    }
}
