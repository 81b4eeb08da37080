import Foundation
import ModelStore

/// A file that is slow to build and quick to read, kept in `$LIMBIC_HOME/probes` (a probe set, a self-report
/// baseline): validated on every read, rebuilt when it fails, and built under a lock so that two processes that
/// need it at once build it once.
///
/// - missing: built and written (the builder shows its own progress);
/// - present but failing `read` (damaged, or not what its name promises): one line on stderr says why, then it is
///   rebuilt; likewise, saying "out of date", when `read` throws `Outdated` (written by an older Limbic);
/// - being built by another process: one line says so, this one waits for the lock, then reads that result.
///
/// `write` must replace the file atomically (a temporary file, then rename), so a reader never sees half of it.
public struct CachedFile: Sendable {
    public let path: String
    /// What it is, for messages: "probe cache", "self-report baseline".
    public let kind: String

    public init(path: String, kind: String) {
        self.path = path
        self.kind = kind
    }

    /// Where the lock of this file is taken: a hidden file beside it.
    public var lockPath: String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".lock").path
    }

    /// The cached value: read (and validated by `read`, which throws to reject the file) when it is there and
    /// sound, else built and written. With `rebuild`, built anew — unless this process had to wait for another
    /// one's build, which is then used. `note` gets the one-line messages (stderr in the CLI).
    public func load<Value>(rebuild: Bool = false, note: (String) -> Void = Terminal.note,
                            read: (String) throws -> Value, build: () throws -> Value,
                            write: (Value, String) throws -> Void) throws -> Value {
        var damage: String? = nil, outdated = false
        if !rebuild {
            switch attempt(read) {
            case .value(let v): return v
            case .damaged(let reason): damage = reason
            case .outdated(let reason): damage = reason; outdated = true
            case .missing: break
            }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.fileSystem(path: directory, message: error.localizedDescription)
        }
        var waited = false
        let lock = try FileLock(path: lockPath) {
            waited = true
            note("limbic: another limbic is building the \(kind) \(path); waiting for it")
        }
        defer { lock.release() }
        // Whoever held the lock may have just written it.
        if !rebuild || waited {
            switch attempt(read) {
            case .value(let v): return v
            case .damaged(let reason): damage = reason; outdated = false
            case .outdated(let reason): damage = reason; outdated = true
            case .missing: break
            }
        }
        if let damage { note("limbic: \(kind) \(path) is \(outdated ? "out of date" : "damaged") (\(damage)): rebuilding") }
        let value = try build()
        try write(value, path)
        return value
    }

    private enum Attempt<Value> {
        case value(Value)
        case damaged(String)
        case outdated(String)
        case missing
    }

    private func attempt<Value>(_ read: (String) throws -> Value) -> Attempt<Value> {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        do {
            return .value(try read(path))
        } catch let d as Damage {
            return .damaged(d.reason)
        } catch let o as Outdated {
            return .outdated(o.reason)
        } catch {
            return .damaged("\(error)")
        }
    }

    /// What `read` throws to reject a file with a reason (any other error is shown as it describes itself).
    public struct Damage: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// What `read` throws for a sound file that an older Limbic wrote, which this one rebuilds.
    public struct Outdated: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }
}
