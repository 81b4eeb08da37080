import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs an agent's shell commands in its workspace, cut off from the rest of the machine with the kernel's
/// namespaces (`unshare`):
///
/// - a network namespace: no interface but a loopback that is down, so no connection goes anywhere;
/// - a mount namespace: every mount remounted read-only except the workspace, and a private `/tmp`;
/// - a PID namespace whose first process takes every other one down when it dies, so a timeout or a fork bomb
///   ends with nothing left running;
/// - as root, the command runs as `nobody` (the workspace is handed to it), so the process-count limit applies;
///   without root, a user namespace maps the user to root inside it;
/// - a scrubbed environment (`PATH`, `HOME` = the workspace, `TMPDIR`, `LANG`), and limits: wall-clock
///   (`timeout`), processes, file size, address space, and the output kept (`outputLimit`; a command that prints
///   more is stopped).
///
/// `probe()` checks at start that this works here; where it does not, shell commands are refused unless the user
/// asked for `unsafe` (then they run in the workspace with the same environment, limits and timeout, but can reach
/// the network and write wherever the user can).
public final class ShellRunner: @unchecked Sendable {
    public enum Isolation: Sendable, Equatable {
        case namespaces
        case unsafe
        case refused(String)
    }

    public let isolation: Isolation
    /// Output read at most; past it the command is killed and the result says so.
    public var outputLimit = 1 << 20
    /// What the agent is shown of the output: its first and last half of this many bytes.
    public var shownLimit = 4000
    /// Processes the command may have at once (as `nobody`; added to the user's own count without root).
    public var processLimit = 64
    static let nobody: uid_t = 65534
    static let path = "/usr/local/bin:/usr/bin:/bin"

    public init(isolation: Isolation) {
        self.isolation = isolation
    }

    /// Whether namespaces work here: `namespaces`, else `unsafe` when `allowUnsafe`, else `refused` with the reason.
    public static func probe(allowUnsafe: Bool) -> ShellRunner {
        let r = ShellRunner(isolation: .namespaces)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let test = (try? r.hand(dir)).map { r.run("touch probe && test -f probe", in: dir, timeout: 10) }
        if test?.status == 0 { return r }
        let why = "the kernel's namespaces are not available here (unshare: \(test.map { $0.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? "exit \($0.status)" } ?? "cannot prepare a folder"))"
        return ShellRunner(isolation: allowUnsafe ? .unsafe : .refused(why))
    }

    var isRoot: Bool { getuid() == 0 }

    /// Makes `path` (and everything under it) the command's to change: as root with namespaces, owned by `nobody`.
    public func hand(_ path: String) throws {
        guard isolation == .namespaces, isRoot else { return }
        var failed: String? = nil
        func chownTree(_ p: String) {
            if lchown(p, Self.nobody, Self.nobody) != 0 { failed = p }
            var st = stat()
            guard lstat(p, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? [] { chownTree(p + "/" + name) }
        }
        chownTree(path)
        if let failed { throw TaskError.sandbox("cannot hand \(failed) to the sandbox user: \(String(cString: strerror(errno)))") }
    }

    /// Where the workspace appears to the command (a fixed path: the real one may sit where `nobody` cannot
    /// pass, such as under /root).
    public static let mountPoint = "/tmp/workspace"

    /// The in-namespace set-up: the workspace becomes its own mount, every other mount read-only, a private /tmp
    /// with the workspace at `mountPoint`, then the command runs as its user with a clean environment and the
    /// limits. The command is a child, not an `exec`: the namespace's first process must keep its credentials, or
    /// the kernel drops its parent-death signal and killing `unshare` would leave the command running. $1
    /// workspace, $2 command, $3 "drop" to run as nobody, $4 process limit.
    static let setup = #"""
    set -e
    ws="$1"; cmd="$2"; drop="$3"; nproc="$4"
    mount --make-rprivate /
    mount --bind "$ws" "$ws"
    cd "$ws"
    for m in $(awk '{print $5}' /proc/self/mountinfo | sort -r); do
      [ "$m" = "$ws" ] || mount -o remount,bind,ro "$m" 2>/dev/null || true
    done
    mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp
    mkdir /tmp/workspace
    mount --no-canonicalize --bind . /tmp/workspace
    mount -o remount,bind,rw /tmp/workspace
    [ -d /dev/shm ] && mount -t tmpfs -o size=16m,mode=1777 tmpfs /dev/shm || true
    cd /tmp/workspace
    set --
    [ "$drop" = drop ] && set -- setpriv --reuid=65534 --regid=65534 --clear-groups
    "$@" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp/workspace TMPDIR=/tmp LANG=C.UTF-8 \
      PYTHONDONTWRITEBYTECODE=1 prlimit --nproc="$nproc" --fsize=67108864 --as=4294967296 --core=0 -- /bin/sh -c "$cmd"
    """#

    /// Runs `command` with `sh -c` in `dir`, for at most `timeout` seconds.
    public func run(_ command: String, in dir: String, timeout: Double) -> ShellRun {
        let argv: [String]
        var env = ["PATH=" + Self.path]
        switch isolation {
        case .refused(let why):
            return ShellRun(status: 126, output: "refused: \(why)", timedOut: false, cut: false)
        case .namespaces:
            var ns = ["--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"]
            if !isRoot { ns = ["--user", "--map-root-user"] + ns }
            let nproc = isRoot ? processLimit : Self.processCount(of: getuid()) + processLimit
            argv = ["/usr/bin/unshare"] + ns + ["--", "/bin/sh", "-c", Self.setup, "limbic-sandbox", dir, command, isRoot ? "drop" : "keep", String(nproc)]
        case .unsafe:
            argv = ["/usr/bin/prlimit", "--nproc=\(Self.processCount(of: getuid()) + processLimit)", "--fsize=67108864", "--core=0", "--",
                    "/bin/sh", "-c", "cd \"$1\" && exec /bin/sh -c \"$2\"", "limbic-shell", dir, command]
            env += ["HOME=" + dir, "TMPDIR=/tmp", "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1"]
        }
        return Self.spawn(argv, env: env, timeout: timeout, outputLimit: outputLimit, shownLimit: shownLimit)
    }

    /// Runs `argv` in a process group of its own with stdout and stderr on one pipe, read as it comes; kills the
    /// group at `timeout` or when more than `outputLimit` bytes came. Under namespaces, killing `unshare` ends the
    /// namespace's first process (its parent-death signal) and with it every process in the namespace.
    static func spawn(_ argv: [String], env: [String], timeout: Double, outputLimit: Int, shownLimit: Int) -> ShellRun {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return ShellRun(status: 127, output: "cannot make a pipe: \(String(cString: strerror(errno)))", timedOut: false, cut: false) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attr, 0)
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            return ShellRun(status: 127, output: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))", timedOut: false, cut: false)
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false, cut = false, status: Int32? = nil, open = true
        var drainUntil: Date? = nil
        func stop() {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        while open || status == nil {
            if open {
                var p = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 20) > 0 {
                    let n = read(readEnd, &buffer, buffer.count)
                    if n > 0 {
                        let room = outputLimit - output.count
                        output += buffer.prefix(min(n, max(room, 0)))
                        if n >= room && !cut { cut = true; stop() }
                    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                        open = false
                    }
                }
            } else {
                usleep(10_000)
            }
            if status == nil {
                var s: Int32 = 0
                if waitpid(pid, &s, WNOHANG) == pid {
                    status = (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f)
                    drainUntil = Date().addingTimeInterval(1)
                }
            }
            if status == nil, !timedOut, Date() >= deadline {
                timedOut = true
                stop()
            }
            // What the command left behind may keep the pipe open (never under namespaces): a second, then stop.
            if let d = drainUntil, open, Date() >= d {
                kill(-pid, SIGKILL)
                open = false
            }
        }
        close(readEnd)
        return ShellRun(status: timedOut ? 124 : status ?? 0, output: String(decoding: output, as: UTF8.self), timedOut: timedOut,
                        cut: cut, shownLimit: shownLimit, timeout: timeout)
    }

    /// Processes of `uid` now (for a process limit that counts them all).
    static func processCount(of uid: uid_t) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var n = 0
        for name in names where name.allSatisfy(\.isNumber) {
            var st = stat()
            if stat("/proc/" + name, &st) == 0, st.st_uid == uid { n += 1 }
        }
        return n
    }
}

/// A finished shell command.
public struct ShellRun: Sendable, Equatable {
    /// Exit status; 128 + N when killed by signal N; 124 on a timeout.
    public var status: Int32
    public var output: String
    public var timedOut: Bool
    /// The output passed `outputLimit` and the command was stopped.
    public var cut: Bool
    var shownLimit = 4000
    var timeout = 0.0

    /// The tool result the agent reads: the output (its start and end when long) and how the command ended.
    public var report: String {
        var text = output
        if text.utf8.count > shownLimit {
            let head = String(decoding: Array(text.utf8).prefix(shownLimit / 2), as: UTF8.self)
            let tail = String(decoding: Array(text.utf8).suffix(shownLimit / 2), as: UTF8.self)
            text = head + "\n[… \(output.utf8.count - shownLimit) bytes not shown …]\n" + tail
        }
        var notes: [String] = []
        if timedOut { notes.append("stopped after the \(String(format: "%g", timeout)) s time limit") }
        if cut { notes.append("stopped: it printed more than the output limit") }
        notes.append("exit status \(status)")
        return (text.isEmpty ? "" : text + (text.hasSuffix("\n") ? "" : "\n")) + "[" + notes.joined(separator: "; ") + "]"
    }
}
