/// Why a file could not be read or written. Each message is one line naming the path and saying what to do.
public enum FileIOError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    /// The path names a FIFO, a folder, a device or a socket: refused before anything could block on it.
    case notRegularFile(path: String, kind: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    case cannotRead(path: String, reason: String)
    case notUTF8(path: String)
    /// Writing: a folder is never replaced by a file.
    case isDirectory(path: String)
    /// Writing without permission to replace: the file was already there (nothing was changed).
    case exists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let why):
            return "cannot open \(p): \(why)"
        case .notRegularFile(let p, let kind):
            return "cannot read \(p): it is \(kind), not a regular file; give the path of a file"
        case .tooLarge(let p, let bytes, let limit):
            return "\(p) is \(byteSize(bytes)); Limbic reads at most \(byteSize(limit)) here: give a smaller file"
        case .cannotRead(let p, let why):
            return "cannot read \(p): \(why)"
        case .notUTF8(let p):
            return "\(p) is not UTF-8 text"
        case .isDirectory(let p):
            return "cannot write \(p): it is a folder; give a file name (a folder is never replaced)"
        case .exists(let p):
            return "\(p) already exists and was left as it was"
        case .cannotWrite(let p, let why):
            return "cannot write \(p): \(why)"
        }
    }
}

/// `512 bytes`, `3.0 KiB`, `16.0 MiB`: sizes in messages.
public func byteSize(_ n: Int) -> String {
    if n < 1024 { return "\(n) bytes" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var v = Double(n) / 1024
    var u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    let tenths = (v * 10).rounded() / 10
    return "\(tenths) \(units[u])"
}
