import Foundation
import GGUF

/// A model file's sha256 as loading found it.
public struct ModelHash: Sendable, Equatable {
    /// SHA-256 of the file's bytes, 64 lowercase hex characters.
    public var sha256: String
    /// True when the file was read and hashed now; false when the record of an earlier hash still matched the
    /// file's size, times and inode.
    public var hashed: Bool

    public init(sha256: String, hashed: Bool) {
        self.sha256 = sha256
        self.hashed = hashed
    }
}

/// The record of one hash: the file, the identity it had when it was hashed, and the result. Kept as JSON in
/// `$LIMBIC_HOME/hashes/`, one file per model path.
struct HashRecord: Codable, Equatable {
    var path: String
    var identity: FileIdentity
    var sha256: String
}

// Model files are verified on first load after any change: hashing SmolLM2 takes ~0.3 s, Qwen2.5-1.5B ~3 s (about
// 330 MB/s), too slow for every start but cheap once per change. A size and a marker alone let a flipped byte through
// (it moved SmolLM2's logits by 0.18, unnoticed).
extension ModelStore {
    /// Where the hash records of model files are kept.
    public var hashesDirectory: String { home + "/hashes" }

    /// The record file for the model at `path` (absolute, symlinks resolved): its name and a hash of the full path,
    /// so two files of the same name in different folders get their own records.
    func hashRecordPath(_ path: String) -> String {
        let resolved = Self.canonicalPath(path)
        var h = SHA256()
        h.update(Array(resolved.utf8))
        let name = URL(fileURLWithPath: resolved).lastPathComponent
        return hashesDirectory + "/\(name)-\(h.finalizeHex().prefix(16)).json"
    }

    static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The registry model whose cache path is `path`, if any.
    public func spec(forModelAt path: String) -> ModelSpec? {
        let resolved = Self.canonicalPath(path)
        return ModelRegistry.all.first { Self.canonicalPath(modelPath($0)) == resolved }
    }

    /// The sha256 of the model file at `path`, hashed only when the file changed since it was last hashed (its size,
    /// modification or change time, or inode differ from the record) or when `force`. A registry model (`spec`,
    /// default: the registry model cached at `path`) must hash to the registry's sha256; any other file's hash is
    /// just recorded. `progress` gets the bytes hashed so far, and is only called when the file is hashed.
    /// - Throws: `ModelStoreError.modelChanged` when a registry model's bytes are not the registry's;
    ///   `noSuchModelFile` or `fileSystem` when the file cannot be read.
    public func verifiedSHA256(
        ofModelAt path: String, spec: ModelSpec? = nil, force: Bool = false, progress: (Int64) -> Void = { _ in }
    ) throws -> ModelHash {
        guard let identity = FileIdentity(path: path) else { throw ModelStoreError.noSuchModelFile(path: path) }
        let spec = spec ?? self.spec(forModelAt: path)
        let recordPath = hashRecordPath(path)
        if !force, let data = FileManager.default.contents(atPath: recordPath),
           let record = try? JSONDecoder().decode(HashRecord.self, from: data),
           record.identity == identity, record.sha256.count == 64,
           spec.map({ $0.sha256 == record.sha256 }) ?? true {
            return ModelHash(sha256: record.sha256, hashed: false)
        }
        // The identity is taken before reading: if the file changes while it is hashed, the next load sees another
        // identity and hashes again.
        let sha = try sha256Hex(ofFile: path, progress: progress)
        if let spec, sha != spec.sha256 {
            try? FileManager.default.removeItem(atPath: recordPath)
            throw ModelStoreError.modelChanged(model: spec.name, path: path, expected: spec.sha256, actual: sha)
        }
        recordHash(sha, of: path, identity: identity)
        return ModelHash(sha256: sha, hashed: true)
    }

    /// Records that `path`, as it was at `identity`, hashes to `sha`, and forgets the records of files that are gone
    /// (any .gguf ever loaded gets one). A failure to write only costs a re-hash on the next load, so it is not an
    /// error.
    func recordHash(_ sha: String, of path: String, identity: FileIdentity) {
        let record = HashRecord(path: Self.canonicalPath(path), identity: identity, sha256: sha)
        guard (try? createDirectory(hashesDirectory)) != nil, let data = try? JSONEncoder().encode(record) else { return }
        try? data.write(to: URL(fileURLWithPath: hashRecordPath(path)), options: .atomic)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: hashesDirectory)) ?? [] where name.hasSuffix(".json") {
            let file = hashesDirectory + "/" + name
            guard let data = FileManager.default.contents(atPath: file),
                  let old = try? JSONDecoder().decode(HashRecord.self, from: data) else { continue }
            if FileIdentity(path: old.path) == nil { removeIfPresent(file) }
        }
    }
}
