#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a whole file so that the path holds either the old file or the complete new one, never a part: the bytes
/// go to a temporary file in the same folder (`.NAME.tmp-PID-RANDOM`), are flushed to disk, and the temporary is
/// then renamed onto the path with `rename(2)`, which is atomic within a file system. A crash leaves at most the
/// hidden temporary beside the target, never a half-written target.
///
/// Nothing is deleted first: a folder at the path is an error (it is never replaced), and an existing file is
/// replaced only with `replace: true`. Without it the new file is put in place with `link(2)`, which fails if the
/// name was taken meanwhile, so a file that appears while the bytes are written is not clobbered either.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, replace: Bool) throws {
        try bytes.withUnsafeBytes { try write($0, to: path, replace: replace) }
    }

    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String, replace: Bool) throws {
        let (folder, name) = split(path)
        guard !name.isEmpty, name != ".", name != ".." else { throw FileIOError.isDirectory(path: path) }
        try checkTarget(path, replace: replace)

        var tmp = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            tmp = folder + "/." + name + ".tmp-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
            fd = posixOpen(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw FileIOError.cannotWrite(path: path, reason: errorText(errno)) }
        var placed = false
        defer { if !placed { unlink(tmp) } }

        let e = Descriptor.writeAll(fd, bytes)
        let synced = e == 0 ? fsync(fd) == 0 : false
        let syncError = errno
        let closed = close(fd) == 0
        guard e == 0 else { throw FileIOError.cannotWrite(path: path, reason: errorText(e)) }
        guard synced, closed else { throw FileIOError.cannotWrite(path: path, reason: errorText(synced ? errno : syncError)) }

        if replace {
            guard rename(tmp, path) == 0 else { throw renameError(path, errno) }
        } else if link(tmp, path) == 0 {
            unlink(tmp)
        } else if errno == EEXIST {
            try checkTarget(path, replace: false)
            throw FileIOError.exists(path: path)
        } else {
            // A file system without hard links (EPERM, ENOTSUP…): check, then rename. Only a file created in the
            // instant between the two could be replaced.
            try checkTarget(path, replace: false)
            guard rename(tmp, path) == 0 else { throw renameError(path, errno) }
        }
        placed = true
        // The rename itself is durable once the folder is flushed (best effort: not every file system allows it).
        let dir = posixOpen(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    /// A folder at `path` is always an error; an existing file (or link) is one unless `replace`.
    public static func checkTarget(_ path: String, replace: Bool) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }   // nothing there (anything else, the write itself reports)
        if st.st_mode & S_IFMT == S_IFDIR { throw FileIOError.isDirectory(path: path) }
        if !replace { throw FileIOError.exists(path: path) }
    }

    private static func renameError(_ path: String, _ code: Int32) -> FileIOError {
        code == EISDIR || code == ENOTEMPTY || code == EEXIST ? .isDirectory(path: path) : .cannotWrite(path: path, reason: errorText(code))
    }

    /// The folder ("." for a bare name) and the last component of `path`.
    static func split(_ path: String) -> (folder: String, name: String) {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return (".", String(p)) }
        let folder = p[..<slash]
        return (folder.isEmpty ? "/" : String(folder), String(p[p.index(after: slash)...]))
    }
}
