#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files named by the user (models, control vectors, probe sets, prompts, scripts, datasets, session logs) are read
/// only when they are regular files. Opening a FIFO for reading blocks until a writer comes, so the path is
/// checked with `stat(2)` before it is opened, then opened with `O_NONBLOCK` and checked again with `fstat(2)` on
/// what was actually opened (the path may change in between). A folder, FIFO, device or socket is an error that
/// says what the path is; nothing ever waits on it.
public enum RegularFile {
    /// The default cap for text files Limbic reads (prompts, scripts, dataset files, session logs): 16 MiB.
    public static let textLimit = 16 << 20

    /// Opens a regular file for reading; returns the descriptor (close it) and the file's size.
    public static func open(_ path: String) throws -> (fd: Int32, size: Int) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw errno == ENOENT ? FileIOError.missing(path: path) : FileIOError.cannotOpen(path: path, reason: errorText(errno))
        }
        if let kind = kind(st) { throw FileIOError.notRegularFile(path: path, kind: kind) }
        let fd = posixOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError.cannotOpen(path: path, reason: errorText(errno)) }
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw FileIOError.cannotOpen(path: path, reason: errorText(e))
        }
        if let kind = kind(st) {
            close(fd)
            throw FileIOError.notRegularFile(path: path, kind: kind)
        }
        return (fd, Int(st.st_size))
    }

    /// The bytes of a regular file of at most `limit` bytes (checked on its size before reading, and again while
    /// reading, for files that grow or report no size, such as those in /proc).
    public static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let (fd, size) = try open(path)
        defer { close(fd) }
        guard size <= limit else { throw FileIOError.tooLarge(path: path, bytes: size, limit: limit) }
        switch Descriptor.readAll(fd, limit: limit, sizeHint: size) {
        case .bytes(let b): return b
        case .tooLarge: throw FileIOError.tooLarge(path: path, bytes: nil, limit: limit)
        case .failed(let e): throw FileIOError.cannotRead(path: path, reason: errorText(e))
        }
    }

    /// A regular file of at most `limit` bytes as UTF-8 text; invalid UTF-8 is an error.
    public static func readText(_ path: String, limit: Int = textLimit) throws -> String {
        let bytes = try read(path, limit: limit)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw FileIOError.notUTF8(path: path) }
        return s
    }

    /// What a non-regular file is; nil for a regular file.
    static func kind(_ st: stat) -> FileKind? {
        switch st.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return .folder
        case S_IFIFO: return .namedPipe
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        default: return .other
        }
    }
}
