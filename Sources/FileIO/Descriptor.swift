#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole reads and writes on a file descriptor with `read(2)`/`write(2)`: a call cut short by a signal (EINTR) or
/// returning part of the bytes is continued, a non-blocking descriptor that is not ready (EAGAIN) is waited for
/// with `poll(2)`, and every other failure is returned as its `errno`, never trapped on (Foundation's `FileHandle`
/// traps on EBADF, EPIPE and ENOSPC).
public enum Descriptor {
    /// Writes all of `bytes` to `fd`. Returns 0, or the `errno` of the write that failed (EBADF for a closed
    /// descriptor, EPIPE for a pipe nobody reads (with SIGPIPE ignored), ENOSPC for a full disk or `/dev/full`).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard var p = bytes.baseAddress else { return 0 }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, p, left)
            if n > 0 {
                p += n
                left -= n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&ready, 1, -1) < 0 && errno != EINTR { return errno }
            } else {
                // write(2) returning 0 for a non-empty buffer makes no progress: report it as an I/O error.
                return n == 0 ? EIO : errno
            }
        }
        return 0
    }

    /// Writes all of `bytes` to `fd` (see `writeAll(_:_:)`).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// What `readAll` found.
    public enum ReadResult: Equatable {
        case bytes([UInt8])
        /// More than `limit` bytes were there (reading stopped at `limit + 1`).
        case tooLarge
        case failed(errno: Int32)
    }

    /// Reads `fd` to its end, at most `limit` bytes: a longer input stops the read at `limit + 1` bytes and is
    /// `.tooLarge`, so memory never grows past the limit whatever the input.
    public static func readAll(_ fd: Int32, limit: Int, sizeHint: Int = 0) -> ReadResult {
        var out = [UInt8]()
        out.reserveCapacity(min(max(sizeHint, 0), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while out.count <= limit {
            let want = min(chunk.count, limit + 1 - out.count)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            if n > 0 {
                out.append(contentsOf: chunk[..<n])
            } else if n == 0 {
                return .bytes(out)
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, -1) < 0 && errno != EINTR { return .failed(errno: errno) }
            } else {
                return .failed(errno: errno)
            }
        }
        return .tooLarge
    }
}

/// `strerror` as a Swift string.
public func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// `open(2)` under another name, for types with an `open` of their own (`RegularFile.open`).
func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { open(path, flags, mode) }
