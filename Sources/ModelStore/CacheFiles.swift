import Foundation
import GGUF

#if canImport(Glibc)
import Glibc
#endif

// Small file-system helpers for the model cache, each turning failures into `ModelStoreError.fileSystem`.

/// Size of the regular file at `path`, or nil when there is none.
func fileSize(_ path: String) -> Int64? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int64(info.st_size)
}

/// Total size of the regular files under `directory` (recursively); 0 when it does not exist.
func directoryBytes(_ directory: String) -> Int64 {
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
    var total: Int64 = 0
    while let relative = walker.nextObject() as? String {
        total += fileSize("\(directory)/\(relative)") ?? 0
    }
    return total
}

func createDirectory(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw ModelStoreError.fileSystem(path: path, message: "\(error.localizedDescription)")
    }
}

/// Removes a file or directory tree; absence is fine.
func removeIfPresent(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Creates (or truncates to) an empty file.
func createEmptyFile(_ path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data()) else {
        throw ModelStoreError.fileSystem(path: path, message: "cannot create file")
    }
}

/// Atomically replaces `destination` with `source` (rename(2): both are in the same directory).
func renameFile(_ source: String, to destination: String) throws {
    guard rename(source, destination) == 0 else {
        throw ModelStoreError.fileSystem(path: destination, message: String(cString: strerror(errno)))
    }
}

/// SHA-256 of the file at `path` as lowercase hex, read in 4 MiB chunks; `progress` gets the bytes hashed so far.
func sha256Hex(ofFile path: String, progress: (Int64) -> Void) throws -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
        throw ModelStoreError.fileSystem(path: path, message: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    let chunk = 4 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
    defer { buffer.deallocate() }
    var hasher = SHA256()
    var done: Int64 = 0
    while true {
        let n = read(fd, buffer.baseAddress, chunk)
        if n < 0 {
            if errno == EINTR { continue }
            throw ModelStoreError.fileSystem(path: path, message: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        done += Int64(n)
        progress(done)
    }
    return hasher.finalizeHex()
}

extension SHA256 {
    /// SHA-256 of the file at `path` as 64 lowercase hex characters, read in 4 MiB chunks (~330 MB/s in release);
    /// `progress` gets the bytes hashed so far. Throws `ModelStoreError.fileSystem` when the file cannot be read.
    public static func hexDigest(ofFile path: String, progress: (Int64) -> Void = { _ in }) throws -> String {
        try sha256Hex(ofFile: path, progress: progress)
    }
}

/// An exclusive advisory lock (flock) on a lock file, held until `release()` (or the process ends), so that two
/// `limbic` processes building the same cache entry — assembling a model, building a probe set — take turns: the
/// second waits, then finds the first one's result.
public struct FileLock {
    private let fd: Int32

    /// Takes the lock on `path` (created if missing), waiting as long as another process holds it; `onWait` is
    /// called once, before waiting, only when the lock is held elsewhere (to say so).
    /// - Throws: `ModelStoreError.fileSystem` when the lock file cannot be opened or locked.
    public init(path: String, onWait: () -> Void = {}) throws {
        fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ModelStoreError.fileSystem(path: path, message: String(cString: strerror(errno)))
        }
        var waiting = false
        while flock(fd, LOCK_EX | (waiting ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK, !waiting {
                waiting = true
                onWait()
                continue
            }
            let message = String(cString: strerror(errno))
            close(fd)
            throw ModelStoreError.fileSystem(path: path, message: message)
        }
    }

    public func release() {
        close(fd)  // closing drops the flock
    }
}

/// What identifies one version of a file without reading it: a change of size, modification or change time, inode
/// or device means the bytes may differ. (The change time cannot be set back by hand, as the modification time
/// can.)
struct FileIdentity: Codable, Equatable, Sendable {
    var size: Int64
    var modified: Timestamp
    var changed: Timestamp
    var inode: UInt64
    var device: UInt64

    struct Timestamp: Codable, Equatable, Sendable {
        var seconds: Int64
        var nanoseconds: Int64
    }

    /// The identity of the regular file at `path`, or nil when there is none.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = Int64(info.st_size)
        modified = Timestamp(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
        changed = Timestamp(seconds: Int64(info.st_ctim.tv_sec), nanoseconds: Int64(info.st_ctim.tv_nsec))
        inode = UInt64(info.st_ino)
        device = UInt64(info.st_dev)
    }
}
