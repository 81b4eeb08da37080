import Engine
import LimbicCLI
import Tokenizers

enum TokenizeCommand: Command {
    static let name = "tokenize"
    static let abstract = "Show the token ids of a text, as the model's tokenizer splits it."
    static let usage = "[--model M] [--no-special] [--json] [TEXT | < stdin]"
    static let discussion = "Special tokens such as <|im_start|> are parsed as single ids unless --no-special; BOS is added when the model asks for it."
    static let options: [OptionSpec] = [ModelOptions.specs[0],
        .flag("no-special", "Treat special-token text as plain text."),
        .flag("json", "Print {\"tokens\":[…]}."),
    ]
    static let examples = [
        "limbic tokenize 'The capital of France is'",
        "limbic tokenize --model qwen2.5-coder-1.5b-instruct --json '<|im_start|>user'",
    ]

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let text = try args.text ?? Terminal.readStdin()
        let model = try ModelOptions.load(args)
        let ids = try model.tokenizer.encode(text, addSpecial: true, parseSpecial: !args.flag("no-special"))
        if args.flag("json") {
            Terminal.out("{\"tokens\":[" + ids.map(String.init).joined(separator: ",") + "]}\n")
        } else {
            for id in ids {
                Terminal.out("\(id)\t\(jsonString(String(decoding: model.tokenizer.pieceBytes(id), as: UTF8.self)))\n")
            }
        }
        return ExitCode.ok
    }
}
