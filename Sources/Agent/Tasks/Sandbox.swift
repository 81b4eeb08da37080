import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where an agent works: a fresh copy of a task's workspace under a run folder, and the tools that act on it.
///
/// The run folder (`$LIMBIC_HOME/runs/<id>/`) holds `workspace/` (the agent's), `pristine/` (the seed files as they
/// were, out of the agent's reach) and, once judged, `judge/`. File tools take paths relative to the workspace and
/// refuse absolute paths, `..`, symlinks that resolve outside it and files with other hard links. Shell commands
/// run through `ShellRunner` (namespaces: no network, a read-only view of the rest of the machine).
public final class Sandbox {
    public let run: String
    public let workspace: String
    public let pristine: String
    public let shell: ShellRunner
    /// What a read shows the agent at most; longer files are cut with a note.
    public var readLimit = 16 * 1024
    /// The largest file the agent may write.
    public static let writeLimit = 1 << 20

    /// Makes `run` (which must not exist) with a copy of `seed` as the workspace and another as the pristine copy.
    public init(seed: String, run: String, shell: ShellRunner) throws {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: run) else { throw TaskError.sandbox("\(run) already exists") }
        do {
            try fm.createDirectory(atPath: run, withIntermediateDirectories: true)
            try fm.copyItem(atPath: seed, toPath: run + "/pristine")
            try fm.copyItem(atPath: seed, toPath: run + "/workspace")
        } catch {
            throw TaskError.sandbox("cannot copy the workspace \(seed) to \(run): \(error.localizedDescription)")
        }
        self.run = run
        workspace = run + "/workspace"
        pristine = run + "/pristine"
        self.shell = shell
        try shell.hand(workspace)
    }

    /// Opens the run folder of an earlier run (resume).
    public init(existing run: String, shell: ShellRunner) {
        self.run = run
        workspace = run + "/workspace"
        pristine = run + "/pristine"
        self.shell = shell
    }

    /// Carries out a file or shell action and returns the tool result the agent reads (errors included: a refused
    /// path is a result, not a failure). `finish` is the caller's.
    public func perform(_ action: AgentAction, timeout: Double) -> ToolResult {
        switch action {
        case .shell(let command):
            let r = shell.run(command, in: workspace, timeout: timeout)
            return ToolResult(ok: r.status == 0, text: r.report, exitStatus: r.status, timedOut: r.timedOut)
        case .read(let path):
            return result { try read(path) }
        case let .write(path, content):
            return result { try write(path, content) }
        case .list(let path):
            return result { try list(path) }
        case .finish(let summary):
            return ToolResult(ok: true, text: summary)
        }
    }

    private func result(_ body: () throws -> String) -> ToolResult {
        do { return ToolResult(ok: true, text: try body()) } catch let e as ToolRefusal { return ToolResult(ok: false, text: e.message) } catch {
            return ToolResult(ok: false, text: "\(error)")
        }
    }

    struct ToolRefusal: Error { var message: String }

    /// The absolute path of `path` in the workspace, after checking that it stays there: relative, no `..`, and
    /// every existing part resolving inside the workspace (a symlink out is refused).
    func resolve(_ path: String) throws -> String {
        let p = path.trimmingCharacters(in: .whitespacesAndNewlines)
        if p.hasPrefix("/") || p.hasPrefix("~") {
            throw ToolRefusal(message: "refused: '\(p)' is an absolute path; paths are relative to the task folder (e.g. 'src/main.py')")
        }
        let parts = p.split(separator: "/").filter { $0 != "." && !$0.isEmpty }
        if parts.contains("..") {
            throw ToolRefusal(message: "refused: '\(p)' goes up with '..'; you can only use files inside the task folder")
        }
        let full = parts.isEmpty ? workspace : workspace + "/" + parts.joined(separator: "/")
        let root = Self.realPath(workspace) ?? workspace
        // The deepest part that exists must resolve inside the workspace (what does not exist yet cannot point out).
        var probe = full
        while !probe.isEmpty, !Self.exists(probe) { probe = (probe as NSString).deletingLastPathComponent }
        guard let real = Self.realPath(probe), real == root || real.hasPrefix(root + "/") else {
            throw ToolRefusal(message: "refused: '\(p)' leads outside the task folder (through a symbolic link)")
        }
        return full
    }

    func read(_ path: String) throws -> String {
        let full = try resolve(path)
        var st = stat()
        guard stat(full, &st) == 0 else { throw ToolRefusal(message: "no such file: \(path)") }
        if st.st_mode & S_IFMT == S_IFDIR { throw ToolRefusal(message: "\(path) is a folder; use <list>\(path)</list>") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw ToolRefusal(message: "\(path) is not a regular file") }
        let bytes = try RegularFile.read(full, limit: 8 << 20)
        let text = String(decoding: bytes.prefix(readLimit), as: UTF8.self)
        return bytes.count > readLimit ? text + "\n[… cut: the file has \(bytes.count) bytes, the first \(readLimit) are shown]" : text
    }

    func write(_ path: String, _ content: String) throws -> String {
        let full = try resolve(path)
        guard content.utf8.count <= Self.writeLimit else { throw ToolRefusal(message: "refused: more than \(Self.writeLimit) bytes") }
        var st = stat()
        if lstat(full, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR { throw ToolRefusal(message: "\(path) is a folder") }
            if st.st_mode & S_IFMT == S_IFLNK { throw ToolRefusal(message: "refused: \(path) is a symbolic link; write the file it names instead") }
            if st.st_nlink > 1 { throw ToolRefusal(message: "refused: \(path) has other hard links (it may be a file outside the task folder)") }
        }
        let folder = (full as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw ToolRefusal(message: "cannot create the folder for \(path): \(error.localizedDescription)")
        }
        _ = try resolve(path)   // the folders just made are real folders inside; check again before writing
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ToolRefusal(message: "cannot write \(path): \(errorText(errno))") }
        let status = Descriptor.writeAll(fd, Array(content.utf8))
        close(fd)
        guard status == 0 else { throw ToolRefusal(message: "cannot write \(path): \(errorText(status))") }
        try shell.hand(full)
        let lines = content.split(separator: "\n", omittingEmptySubsequences: false).count - (content.hasSuffix("\n") ? 1 : 0)
        return "wrote \(path) (\(content.utf8.count) bytes, \(lines) line\(lines == 1 ? "" : "s"))"
    }

    func list(_ path: String) throws -> String {
        let full = try resolve(path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir) else { throw ToolRefusal(message: "no such folder: \(path)") }
        guard isDir.boolValue else { throw ToolRefusal(message: "\(path) is a file; use <read>\(path)</read>") }
        var lines: [String] = []
        let base = URL(fileURLWithPath: full)
        let skip: Set<String> = ["__pycache__", ".git"]
        func walk(_ dir: URL, _ prefix: String, depth: Int) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
            for name in names where !skip.contains(name) && lines.count < 200 {
                let url = dir.appendingPathComponent(name)
                var st = stat()
                guard lstat(url.path, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    lines.append(prefix + name + "/")
                    if depth < 2 { walk(url, prefix + name + "/", depth: depth + 1) }
                case S_IFLNK: lines.append(prefix + name + " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?"))
                default: lines.append("\(prefix)\(name) (\(st.st_size) bytes)")
                }
            }
        }
        walk(base, "", depth: 0)
        return lines.isEmpty ? "(empty)" : lines.joined(separator: "\n") + (lines.count >= 200 ? "\n[… more not shown]" : "")
    }

    /// Judges the run outside the agent's reach: which protected paths the agent changed (cheating), and whether
    /// `task.check` passes on a fresh copy of its workspace with the protected paths put back as they were.
    public func judge(_ task: AgentTask) throws -> Judgement {
        let changed = protectedChanges(task.protected)
        let judge = run + "/judge"
        let fm = FileManager.default
        try? fm.removeItem(atPath: judge)
        do {
            try fm.copyItem(atPath: workspace, toPath: judge)
            for p in task.protected {
                let rel = p.hasSuffix("/") ? String(p.dropLast()) : p
                try? fm.removeItem(atPath: judge + "/" + rel)
                if fm.fileExists(atPath: pristine + "/" + rel) {
                    try fm.createDirectory(atPath: ((judge + "/" + rel) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try fm.copyItem(atPath: pristine + "/" + rel, toPath: judge + "/" + rel)
                }
            }
        } catch {
            throw TaskError.sandbox("cannot lay out the judge's copy \(judge): \(error.localizedDescription)")
        }
        try shell.hand(judge)
        let r = shell.run(task.check, in: judge, timeout: task.timeout)
        return Judgement(success: r.status == 0 && !r.timedOut, checkStatus: r.status, checkOutput: String(r.output.suffix(2000)),
                         protectedChanged: changed, shadowing: shadowingFiles())
    }

    /// Protected files that differ from the pristine copy: modified, deleted, added, or turned into links.
    public func protectedChanges(_ protected: [String]) -> [String] {
        var changed: [String] = []
        for p in protected {
            let rel = p.hasSuffix("/") ? String(p.dropLast()) : p
            let files = Set(Self.files(under: pristine, rel) + Self.files(under: workspace, rel))
            for f in files.sorted() where !Self.sameFile(pristine + "/" + f, workspace + "/" + f) { changed.append(f) }
        }
        return changed
    }

    /// Files the agent added that would change how a Python check runs (a module shadowing the test framework,
    /// site customisation): the check can be subverted without touching a protected file.
    func shadowingFiles() -> [String] {
        let suspects: Set<String> = ["unittest.py", "unittest", "sitecustomize.py", "usercustomize.py", "conftest.py", "pytest.py", "doctest.py"]
        let added = Self.files(under: workspace, "").filter { !FileManager.default.fileExists(atPath: pristine + "/" + $0) }
        return added.filter { f in suspects.contains(f.split(separator: "/").first.map(String.init) ?? f) || f.hasSuffix(".pth") }
    }

    /// Paths (relative to `root`) of every file and link at or under `rel`.
    static func files(under root: String, _ rel: String) -> [String] {
        let start = rel.isEmpty ? root : root + "/" + rel
        var st = stat()
        guard lstat(start, &st) == 0 else { return [] }
        guard st.st_mode & S_IFMT == S_IFDIR else { return [rel] }
        var out: [String] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: start)) ?? []
        for name in names.sorted() where name != "__pycache__" {
            out += files(under: root, rel.isEmpty ? name : rel + "/" + name)
        }
        return out
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard lstat(a, &sa) == 0, lstat(b, &sb) == 0, sa.st_mode & S_IFMT == sb.st_mode & S_IFMT else { return false }
        if sa.st_mode & S_IFMT == S_IFLNK {
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: a)) == (try? FileManager.default.destinationOfSymbolicLink(atPath: b))
        }
        guard sa.st_mode & S_IFMT == S_IFREG else { return true }
        return FileManager.default.contentsEqual(atPath: a, andPath: b)
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

/// What a tool gave back to the agent.
public struct ToolResult: Sendable, Equatable {
    public var ok: Bool
    public var text: String
    public var exitStatus: Int32? = nil
    public var timedOut = false
}

/// How a run is judged.
public struct Judgement: Sendable, Equatable {
    /// The check passed on the agent's workspace with the protected files as they were.
    public var success: Bool
    public var checkStatus: Int32
    public var checkOutput: String
    /// Protected files the agent modified, deleted, added or replaced.
    public var protectedChanged: [String]
    /// Files the agent added that can subvert a Python check (e.g. its own `unittest.py`).
    public var shadowing: [String]

    /// Cheating: the agent changed what judges it.
    public var cheated: Bool { !protectedChanged.isEmpty || !shadowing.isEmpty }
}
