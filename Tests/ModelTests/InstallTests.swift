import Foundation
import Testing

/// limbic installed as the README says: the release binary copied on its own into a folder far from the checkout.
@Suite(.serialized)
struct InstallTests {
    func tempDir(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-install-\(UUID())/\(name)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `binary ARGS` in `directory` with `environment` (stdin empty), returning status, stdout and stderr.
    func run(_ binary: String, _ args: [String], in directory: String, environment: [String: String]) throws -> Limbic.Output {
        try Limbic.execute(binary, args, environment: environment, directory: directory)
    }

    /// A monitored chat needs the whole dataset (its hash picks the cached probe set), the self-report questions
    /// and the /feel template: all from prompts/. The copy runs in an empty folder with a home of its own (the
    /// models and probe caches linked in, so nothing is fetched or rebuilt), nothing named prompts/ anywhere above
    /// it, and $LIMBIC_PROMPTS unset; the dataset it finds must be the checkout's, byte for byte, or the cached
    /// probe set would not match and would be built again.
    @Test(.tags(.model)) func aCopiedBinaryChatsWithTheMonitorFromAnEmptyFolder() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        // The checkout's probe set and self-report baseline first (built here if no other test has yet; a build in
        // progress elsewhere is waited for under its lock), so that what follows shows reuse, not test order.
        let warmDir = try tempDir("warm")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: warmDir).deletingLastPathComponent().path) }
        try "Hi\n".write(toFile: warmDir + "/script.txt", atomically: true, encoding: .utf8)
        let warm = try Limbic.run(["chat", "--script", warmDir + "/script.txt", "--max-tokens", "1", "--threads", "2",
                                   "--log", warmDir + "/session.jsonl"])
        #expect(warm.status == 0, "\(warm.stderr)")
        let bin = try tempDir("bin"), work = try tempDir("work"), home = try tempDir("home")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: bin).deletingLastPathComponent().path) }
        let copy = bin + "/limbic"
        try FileManager.default.copyItem(atPath: Limbic.binary, toPath: copy)
        var env = ProcessInfo.processInfo.environment
        env["LIMBIC_PROMPTS"] = nil
        let realHome = env["LIMBIC_HOME"] ?? NSHomeDirectory() + "/.cache/limbic"
        env["LIMBIC_HOME"] = home
        try FileManager.default.createDirectory(atPath: realHome + "/probes", withIntermediateDirectories: true)
        for name in ["models", "probes"] {
            try FileManager.default.createSymbolicLink(atPath: home + "/" + name, withDestinationPath: realHome + "/" + name)
        }
        try "How are you today?\n".write(toFile: work + "/script.txt", atomically: true, encoding: .utf8)

        let o = try run(copy, ["chat", "--script", "script.txt", "--temp", "0", "--max-tokens", "4", "--threads", "2", "--log", "session.jsonl"],
                        in: work, environment: env)
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.contains("\ncalm "), "a panel after the reply:\n\(o.stdout)")
        #expect(!o.stderr.contains("building emotion probes"), "the cached probe set matched the built-in dataset")
        let unpacked = try FileManager.default.contentsOfDirectory(atPath: home + "/prompts")
        #expect(unpacked.count == 1)
        let dataset = home + "/prompts/" + (unpacked.first ?? "") + "/emotions"
        for file in ["neutral.txt", "calm.txt"] {
            #expect(FileManager.default.contents(atPath: dataset + "/" + file)
                    == FileManager.default.contents(atPath: Limbic.root.appendingPathComponent("prompts/emotions/" + file).path))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).sorted() == ["script.txt", "session.jsonl"])
    }

    @Test func versionNamesTheNumberAndTheCommitItWasBuiltFrom() throws {
        let o = try Limbic.run(["--version"])
        #expect(o.status == 0)
        let line = o.stdout.trimmingCharacters(in: .newlines)
        let match = line.wholeMatch(of: /limbic (\d+\.\d+\.\d+) \((unknown commit|[0-9a-f]{12})\)/)
        #expect(match != nil, "\(line)")
        // Built from this checkout, the commit is its HEAD (the README's test command rebuilds before testing).
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", Limbic.root.path, "rev-parse", "--short=12", "HEAD"]
        let out = Pipe()
        git.standardOutput = out
        git.standardError = FileHandle.nullDevice
        if (try? git.run()) != nil {
            let head = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            git.waitUntilExit()
            if git.terminationStatus == 0 {
                #expect(match.map { String($0.2) } == head, "rebuild after committing: swift build -c release --product limbic")
            }
        }
    }

    /// The stamp script itself, where there is no repository, and where there is no git at all.
    @Test func theCommitStampSaysUnknownCommitWithoutGit() throws {
        let dir = try tempDir("no-git")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: dir).deletingLastPathComponent().path) }
        let script = Limbic.root.appendingPathComponent("Plugins/StampCommit/stamp-commit.sh").path
        for path in [ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "/nonexistent"] {
            let out = dir + "/BuildCommit.swift"
            try? FileManager.default.removeItem(atPath: out)
            let o = try run("/bin/sh", [script, dir, out], in: dir, environment: ["PATH": path, "GIT_CEILING_DIRECTORIES": dir + "/.."])
            #expect(o.status == 0, "\(o.stderr)")
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.contains(#"static let description = "unknown commit""#), "\(text)")
        }
    }
}
