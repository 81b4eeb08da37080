import Foundation

// Token ids from llama.cpp's `llama-tokenize` (commit 0c1e57098), read from the golden fixtures the model-level
// tests use (Tests/ModelTests/Fixtures/*.golden.json, copied from ../shared/golden with their provenance), so the
// reference values live in one place. Nothing reads ../shared at run time.

struct GoldenCase: Sendable, Decodable {
    let name: String
    /// The exact prompt bytes, as hex.
    let prompt_utf8_hex: String
    let parse_special: Bool
    let token_ids: [Int]

    var parseSpecial: Bool { parse_special }
    var ids: [Int] { token_ids }
    var text: String {
        var bytes = [UInt8]()
        var i = prompt_utf8_hex.startIndex
        while i < prompt_utf8_hex.endIndex {
            let j = prompt_utf8_hex.index(i, offsetBy: 2)
            bytes.append(UInt8(prompt_utf8_hex[i..<j], radix: 16)!)
            i = j
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

enum Golden {
    static let smollm2 = load("smollm2-135m-instruct")
    static let qwen25 = load("qwen2.5-coder-1.5b-instruct")
    /// The golden prompts, then texts written for the SentencePiece tokenizer (emoji sequences, CJK, whitespace runs,
    /// code, canonically equivalent Bengali spellings, combining marks, control bytes, turn markers).
    static let gemma3 = load("gemma-3-270m") + load("gemma-3-270m", suffix: "tokenizer")

    private struct File: Decodable { let cases: [GoldenCase] }

    private static func load(_ name: String, suffix: String = "golden") -> [GoldenCase] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("ModelTests/Fixtures/\(name).\(suffix).json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else {
            fatalError("cannot read the golden fixture \(url.path)")
        }
        return file.cases
    }
}
