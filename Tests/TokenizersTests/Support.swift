import Engine
import Foundation
import GGUF
import ModelStore
import Testing
@testable import Tokenizers

extension Tag {
    /// Needs a real model file under `$LIMBIC_HOME/models` (default `~/.cache/limbic/models`); fails if it is missing.
    @Tag static var model: Self
}

/// The model files the tagged tests read, from the same cache the CLI uses. A model not yet cached is fetched
/// with the release-built `limbic` (hashing a 1 GB file in a debug build would take minutes); the store's lock
/// keeps concurrent pulls from other test processes safe.
enum TestModels {
    static let smolLM2Name = "smollm2-135m-instruct"
    static let qwen25Name = "qwen2.5-coder-1.5b-instruct"
    static let gemma3Name = "gemma-3-270m"

    /// Opens a registry model, pulling it first if needed.
    static func open(_ name: String) throws -> GGUFFile {
        let store = ModelStore()
        guard let spec = ModelRegistry.spec(named: name) else { throw MissingModel(detail: "unknown model \(name)") }
        if !store.isInstalled(spec) {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let binary = ProcessInfo.processInfo.environment["LIMBIC_BIN"] ?? root.appendingPathComponent(".build/release/limbic").path
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw MissingModel(detail: "\(store.modelPath(spec)) is not cached and there is no release binary at \(binary) to fetch it: run 'swift build -c release --product limbic' first")
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["models", "pull", name]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw MissingModel(detail: "'limbic models pull \(name)' failed (exit \(p.terminationStatus))") }
        }
        return try GGUFFile(path: store.modelPath(spec))
    }

    struct MissingModel: Error, CustomStringConvertible {
        let detail: String
        var description: String { "model not available: \(detail)" }
    }

    /// Loaded once per test process: building the Qwen vocabulary (152k tokens, 151k merges) takes a moment.
    static let smolLM2: Result<Tokenizer, any Error> = Result { try Tokenizer(gguf: open(smolLM2Name)) }
    static let qwen25: Result<Tokenizer, any Error> = Result { try Tokenizer(gguf: open(qwen25Name)) }
    static let gemma3: Result<Tokenizer, any Error> = Result { try Tokenizer(gguf: open(gemma3Name)) }
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
