import FileIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every byte Limbic prints goes through here, with `write(2)` (`Descriptor.writeAll`): results to stdout,
/// diagnostics and progress to stderr. A stream that cannot be written ends the process instead of trapping the
/// way Foundation's `FileHandle.write` does:
/// - stdout or stderr is a pipe whose reader is gone (`limbic … | head -1`): exit 141, silently, as tools killed by
///   SIGPIPE do (SIGPIPE is ignored so that this shows up as EPIPE);
/// - stdout fails otherwise (closed with `>&-`, a full disk, `/dev/full`): one line on stderr, exit 1;
/// - stderr fails otherwise: exit 1 (there is nowhere left to say why).
public enum StandardStreams {
    /// Which of fds 0-2 were closed when the process started (they now hold /dev/null; see `prepare`).
    nonisolated(unsafe) private static var closedAtStart: [Bool] = [false, false, false]

    /// Call first thing in `main`: ignores SIGPIPE, and opens /dev/null on any of fds 0-2 that the process was
    /// started without, so that no file Limbic opens later (a model, a session log) gets that number and
    /// receives its output. Writes to such a stream still fail, with EBADF, as they would have.
    public static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let reserved = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            closedAtStart[Int(fd)] = true
            if reserved >= 0 && reserved != fd { close(reserved) }
        }
    }

    /// Writes `text` to `fd` (1 or 2); returns 0 or the `errno` of the failure, without exiting.
    public static func send(_ text: String, to fd: Int32) -> Int32 {
        if (0...2).contains(fd) && closedAtStart[Int(fd)] { return EBADF }
        var text = text
        return text.withUTF8 { Descriptor.writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Writes `text` to `fd` (1 or 2), or ends the process as described above.
    public static func write(_ text: String, to fd: Int32) {
        let code = send(text, to: fd)
        guard code != 0 else { return }
        if fd != 2 && code != EPIPE {
            _ = send("limbic: cannot write to \(fd == 1 ? "standard output" : "descriptor \(fd)"): \(errorText(code))\n", to: 2)
        }
        exit(exitStatus(for: code))
    }

    /// The exit status after a failed write: 141 (128 + SIGPIPE) for a pipe without a reader, 1 otherwise.
    public static func exitStatus(for code: Int32) -> Int32 { code == EPIPE ? ExitCode.brokenPipe : ExitCode.error }
}
