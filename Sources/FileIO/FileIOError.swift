/// Why a file could not be read or written. Each message is one line naming the path and saying what to do.
public enum FileIOError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case cannotOpen(path: String, reason: String)
    /// The path names a FIFO, a folder, a device or a socket: refused before anything could block on it.
    case notRegularFile(path: String, kind: FileKind)
    /// `bytes` is nil when the size is unknown (a stream read up to the limit).
    case tooLarge(path: String, bytes: Int?, limit: Int)
    case cannotRead(path: String, reason: String)
    case notUTF8(path: String)
    /// Writing: a folder is never replaced by a file.
    case isDirectory(path: String)
    /// Writing without permission to replace: the file was already there (nothing was changed).
    case exists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let p), .cannotOpen(let p, _), .cannotRead(let p, _): return "cannot read \(p): \(reason)"
        case .notRegularFile(let p, _): return "cannot read \(p): \(reason); give the path of a file"
        case .tooLarge(let p, _, _), .notUTF8(let p), .exists(let p): return "\(p): \(reason)"
        case .isDirectory(let p), .cannotWrite(let p, _): return "cannot write \(p): \(reason)"
        }
    }

    /// The message without the path, for errors of other modules that name the path themselves.
    public var reason: String {
        switch self {
        case .missing:
            return "no such file"
        case .cannotOpen(_, let why), .cannotRead(_, let why), .cannotWrite(_, let why):
            return why
        case .notRegularFile(_, let kind):
            return "it is \(kind.rawValue), not a regular file"
        case .tooLarge(_, let bytes, let limit):
            return "it is " + (bytes.map { byteSize($0) + ", " } ?? "") + "more than the \(byteSize(limit)) Limbic reads here; shorten or split it"
        case .notUTF8:
            return "it is not UTF-8 text"
        case .isDirectory:
            return "it is a folder; give a file name (a folder is never replaced)"
        case .exists:
            return "it already exists and was left as it was"
        }
    }
}

/// What a path that is not a regular file names, in words.
public enum FileKind: String, Sendable {
    case folder = "a folder"
    case namedPipe = "a named pipe (FIFO)"
    case characterDevice = "a character device"
    case blockDevice = "a block device"
    case socket = "a socket"
    case other = "not a file"
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
