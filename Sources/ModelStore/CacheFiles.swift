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

/// An exclusive advisory lock (flock) held until `release()`, so that two `limbic` processes pulling the same
/// model do not assemble into the same partial file.
struct FileLock {
    private let fd: Int32

    init(path: String) throws {
        fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ModelStoreError.fileSystem(path: path, message: String(cString: strerror(errno)))
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR {
                let message = String(cString: strerror(errno))
                close(fd)
                throw ModelStoreError.fileSystem(path: path, message: message)
            }
        }
    }

    func release() {
        close(fd)  // closing drops the flock
    }
}
