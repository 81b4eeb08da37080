import Foundation
import GGUF
import Testing
@testable import Tokenizers

extension Tag {
    /// Needs a real model file under `$LIMBIC_HOME/models` (default `~/.cache/limbic/models`); fails if it is missing.
    @Tag static var model: Self
}

/// The model files the tagged tests read, found the way the CLI finds its cache.
enum TestModels {
    static let smolLM2File = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static let qwen25File = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

    static var directory: String {
        let env = ProcessInfo.processInfo.environment
        let home = env["LIMBIC_HOME"] ?? (NSHomeDirectory() + "/.cache/limbic")
        return home + "/models"
    }

    /// Opens a model, or throws a message saying where it was looked for.
    static func open(_ file: String) throws -> GGUFFile {
        let path = directory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingModel(path: path)
        }
        return try GGUFFile(path: path)
    }

    struct MissingModel: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "model file not found: \(path) — set LIMBIC_HOME or fetch the model (`limbic models pull`) before running tests tagged .model"
        }
    }

    /// Loaded once per test process: building the Qwen vocabulary (152k tokens, 151k merges) takes a moment.
    static let smolLM2: Result<Tokenizer, any Error> = Result { try Tokenizer(gguf: open(smolLM2File)) }
    static let qwen25: Result<Tokenizer, any Error> = Result { try Tokenizer(gguf: open(qwen25File)) }
}

extension Result where Failure == any Error {
    /// The value, or the error (so a missing model fails the test with its message).
    func get() throws -> Success {
        switch self {
        case .success(let v): return v
        case .failure(let e): throw e
        }
    }
}
