import Engine
import Foundation
import LimbicCLI
import Tokenizers

enum GenerateCommand: Command {
    static let name = "generate"
    static let abstract = "Continue a prompt, streaming the generated text."
    static let usage = "[--model M] [--prompt P | < stdin] [--chat] [sampling options]"
    static let discussion = "Without --chat the prompt is raw text (special tokens parsed). With --chat it is sent as one user message through the model's chat template."
    static let options: [OptionSpec] = ModelOptions.specs + [
        .option("prompt", short: "p", "P", "The prompt (default: read stdin)."),
        SteerOptions.spec,
        SteerOptions.normSpec,
        .flag("chat", "Wrap the prompt in the chat template as a user message."),
        .flag("stats", "Print token counts and speeds to stderr at the end."),
    ] + SamplingOptions.specs
    static let examples = [
        "limbic generate --prompt 'Once upon a time' --max-tokens 40",
        "echo 'Write a haiku about rain.' | limbic generate --chat --temp 0",
        "limbic generate --chat --steer happy.gguf:4@10-14 --prompt 'How was your day?'",
    ]

    static func validate(_ args: ParsedArguments) throws {
        try ModelOptions.validate(args)
        try SamplingOptions.validate(args)
        try SteerOptions.validate(args)
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let prompt = try args.string("prompt") ?? args.text ?? Terminal.readStdin()
        let maxTokens = try SamplingOptions.maxTokens(args)
        let model = try ModelOptions.load(args)
        let params = try SamplingOptions.parameters(args, modelPath: model.path)
        let ctx = try ModelOptions.context(model, args)
        ctx.hooks.steering = try SteerOptions.steering(args, model: model)
        let text = args.flag("chat")
            ? try model.chatTemplate().render([ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true)
            : prompt
        let ids = try model.tokenizer.encode(text, addSpecial: true, parseSpecial: true)
        Interrupt.install()
        var gen = Generator(parameters: params, maxTokens: maxTokens)
        gen.isCancelled = { Interrupt.isSet }
        let r = try gen.run(in: ctx, tokenizer: model.tokenizer, prompt: ids) { Terminal.out($0) }
        Terminal.out("\n")
        if args.flag("stats") {
            Terminal.note(String(format: "prompt %d tokens in %.2f s (%.1f tok/s); generated %d tokens at %.1f tok/s; stop: %@",
                                 r.promptTokens, r.prefillSeconds, Double(r.promptTokens) / max(r.prefillSeconds, 1e-9),
                                 r.tokens.count, r.decodeTokensPerSecond, r.stopReason.rawValue))
        }
        return r.stopReason == .cancelled ? ExitCode.interrupted : ExitCode.ok
    }
}
