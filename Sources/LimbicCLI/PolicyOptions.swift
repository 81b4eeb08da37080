import FileIO
import Foundation
import GGUF
import Policies

/// Loading policy files for a run: read, compiled against the emotions in use, each with its sha256 for the log.
public enum PolicyOptions {
    public static let spec = OptionSpec.option("policy", "FILE", "A policy file (policies/*.policy): guards evaluated after every turn, their actions carried out.", repeatable: true)

    /// One compiled policy file.
    public struct Loaded {
        public var path: String
        public var sha256: String
        public var engine: PolicyEngine?
        public var diagnostics: [PolicyDiagnostic]
    }

    /// Reads and compiles `path` against `emotions`.
    public static func load(_ path: String, emotions: [String]) throws -> Loaded {
        let bytes = try RegularFile.read(path, limit: RegularFile.textLimit)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw UsageError("the policy file \(path) is not UTF-8 text")
        }
        var sha = SHA256()
        sha.update(bytes)
        let (engine, diagnostics) = PolicyEngine.compile(text, file: path, emotions: emotions)
        return Loaded(path: path, sha256: sha.finalizeHex(), engine: engine, diagnostics: diagnostics)
    }

    /// Every `--policy`, compiled; their diagnostics on stderr (with the line and a caret). Any error stops here:
    /// a policy with an error never runs.
    /// `extra` files come after `--policy`'s (a study condition's).
    public static func loadAll(_ args: ParsedArguments, emotions: [String], extra: [String] = []) throws -> [Loaded] {
        let loaded = try (args.all("policy") + extra).map { try load($0, emotions: emotions) }
        for l in loaded { for d in l.diagnostics { Terminal.note(d.render()) } }
        let errors = loaded.reduce(0) { $0 + $1.diagnostics.filter { $0.severity == .error }.count }
        guard errors == 0 else {
            throw PolicyLoadError(message: "\(errors) error\(errors == 1 ? "" : "s") in the policy file\(loaded.count == 1 ? "" : "s") (above): a policy with an error never runs; 'limbic policy check FILE' checks one")
        }
        return loaded
    }
}

/// Policy files that failed to compile (their diagnostics are already printed).
public struct PolicyLoadError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
