import Foundation
import Testing

extension Tag {
    /// Tests that run the real default model (fetched once into $LIMBIC_HOME) through the release-built binary.
    @Tag static var model: Self
    /// Tests on the larger Qwen2.5-Coder-1.5B model (a 1.1 GB download on first run).
    @Tag static var qwen: Self
}

/// Runs the release-built `limbic` binary. Model-level tests use it because a debug build of the engine is
/// 10-100× slower at numeric code; `.ci/run` builds it first (`swift build -c release --product limbic`).
enum Limbic {
    /// The package root, from this file's path (Tests/ModelTests/Limbic.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["LIMBIC_BIN"] { return b }
        return root.appendingPathComponent(".build/release/limbic").path
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `limbic ARGS` with `input` on stdin, with `environment` added to this process's.
    static func run(_ args: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("no release binary at \(binary): run 'swift build -c release --product limbic' first (the README's test command does)")
        }
        return try execute(binary, args, input: input,
                           environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }

    /// Runs `executable ARGS` (in `directory`, with exactly `environment` when given) with `input` on stdin, empty
    /// without; both pipes are read to the end before waiting, so a chatty process cannot block on a full pipe.
    static func execute(_ executable: String, _ args: [String], input: String? = nil, environment: [String: String]? = nil,
                        directory: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let environment { p.environment = environment }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try inp.fileHandleForWriting.close()
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs and parses stdout as one JSON object, failing with stderr when the command fails.
    static func json(_ args: [String], input: String? = nil) throws -> [String: Any] {
        let o = try run(args, input: input)
        guard o.status == 0 else { throw TestFailure("limbic \(args.joined(separator: " ")) exited \(o.status): \(o.stderr)") }
        guard let obj = try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(o.stdout.prefix(200))")
        }
        return obj
    }

    /// Makes sure a registry model is in the cache (pulling it once) and returns its path.
    static func ensureModel(_ name: String) throws -> String {
        let o = try run(["models", "pull", name])
        guard o.status == 0 else { throw TestFailure("could not pull \(name): \(o.stderr)") }
        return o.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// One prompt of the llama.cpp golden files (see Fixtures/*.golden.json for provenance).
struct GoldenCase: Decodable {
    struct Logit: Decodable { let id: Int; let logit: Double }
    let name: String
    let prompt_utf8_hex: String
    let parse_special: Bool
    let token_ids: [Int]
    let top_logits: [Logit]
    let layer_norms_last_token: [Double]

    var prompt: String {
        var bytes: [UInt8] = []
        var i = prompt_utf8_hex.startIndex
        while i < prompt_utf8_hex.endIndex {
            let j = prompt_utf8_hex.index(i, offsetBy: 2)
            bytes.append(UInt8(prompt_utf8_hex[i..<j], radix: 16)!)
            i = j
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct GoldenFile: Decodable {
    let model: String
    let cases: [GoldenCase]

    static func load(_ name: String) throws -> GoldenFile {
        let url = Limbic.root.appendingPathComponent("Tests/ModelTests/Fixtures/\(name).golden.json")
        return try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url))
    }
}
