import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A finished child process: exit status and what it printed.
struct SubprocessResult {
    /// Exit status; 128 + signal number when it was killed by a signal (shell convention).
    var status: Int32
    var stdout: String
    var stderr: String

    /// The last non-empty line of stderr (else stdout), with pip's `ERROR: ` prefix dropped: the line that says
    /// what went wrong.
    var lastMessageLine: String {
        for text in [stderr, stdout] {
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            if var line = lines.last(where: { !$0.isEmpty }) {
                if line.hasPrefix("ERROR: ") { line.removeFirst("ERROR: ".count) }
                return line
            }
        }
        return "exit status \(status), no output"
    }
}

/// Runs `executable` to completion, calling `poll` about ten times a second while it runs (for progress).
///
/// Output goes to files in `logDirectory` rather than pipes: a chatty child can never fill a pipe and block
/// while we are busy polling.
func runSubprocess(
    _ executable: String, _ arguments: [String], environment: [String: String], logDirectory: String,
    poll: () -> Void = {}
) throws -> SubprocessResult {
    let outPath = logDirectory + "/stdout.log", errPath = logDirectory + "/stderr.log"
    for path in [outPath, errPath] {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            FileHandle(forWritingAtPath: path) != nil
        else { throw ModelStoreError.fileSystem(path: path, message: "cannot create log file") }
    }
    let out = FileHandle(forWritingAtPath: outPath)!, err = FileHandle(forWritingAtPath: errPath)!
    defer {
        try? out.close()
        try? err.close()
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    var ticks = 0
    while process.isRunning {
        usleep(20_000)
        ticks += 1
        if ticks % 5 == 0 { poll() }
    }
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus : process.terminationStatus
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return SubprocessResult(status: status, stdout: read(outPath), stderr: read(errPath))
}

/// The absolute path of `command` (a path, or a name searched on `PATH`), if it is an executable file.
func locateExecutable(_ command: String, environment: [String: String]) -> String? {
    let fm = FileManager.default
    if command.contains("/") {
        return fm.isExecutableFile(atPath: command) ? command : nil
    }
    let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in searchPath.split(separator: ":") where !directory.isEmpty {
        let candidate = "\(directory)/\(command)"
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
            fm.isExecutableFile(atPath: candidate)
        {
            return candidate
        }
    }
    return nil
}
