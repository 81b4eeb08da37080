import FileIO
import Foundation
import LimbicCLI
import Testing

/// `--out FILE` and `--force` (capture, probe export, probe import): checked before any work, and again when the
/// file is put in place.
struct OutputFileTests {
    let options: [OptionSpec] = [.option("out", "FILE", "output"), OutputFile.forceSpec]

    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-out-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test func anExistingFileNeedsForce() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/acts.gguf"
        try OutputFile.check(path, try parse(options, ["--out", path]))   // nothing there yet
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let message = usageMessage { try OutputFile.check(path, try parse(options, ["--out", path])) }
        #expect(message == "--out \(path) already exists; pass --force to replace it")
        try OutputFile.check(path, try parse(options, ["--out", path, "--force"]))
    }

    @Test func aFolderIsRefusedEvenWithForce() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for argv in [["--out", dir], ["--out", dir, "--force"]] {
            let message = usageMessage { try OutputFile.check(dir, try parse(options, argv)) }
            #expect(message.contains("is a folder"))
        }
    }

    /// A file that appears between the check and the write is not replaced, and the error names the flag.
    @Test func aFileThatAppearsMeanwhileIsNotReplaced() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/acts.gguf"
        let args = try parse(options, ["--out", path])
        try OutputFile.check(path, args)
        try Data("theirs".utf8).write(to: URL(fileURLWithPath: path))
        let message = usageMessage { try OutputFile.write(path, args) { try AtomicFile.write(Array("ours".utf8), to: path, replace: $0) } }
        #expect(message.contains("pass --force"))
        #expect(FileManager.default.contents(atPath: path) == Data("theirs".utf8))
        try OutputFile.write(path, try parse(options, ["--out", path, "--force"])) { try AtomicFile.write(Array("ours".utf8), to: path, replace: $0) }
        #expect(FileManager.default.contents(atPath: path) == Data("ours".utf8))
    }
}

/// `limbic bench --compare-llama`: llama-bench's JSON read as llama.cpp writes it (-o json, one row per test).
struct LlamaBenchTests {
    @Test func thePrefillAndDecodeRowsAreRead() throws {
        let json = """
        [
          {"build_commit": "0c1e5709", "model_filename": "m.gguf", "n_threads": 2, "n_prompt": 512, "n_gen": 0, "n_depth": 0,
           "avg_ns": 1490000000, "stddev_ns": 0, "avg_ts": 343.6, "stddev_ts": 0.0, "samples_ts": [343.6]},
          {"build_commit": "0c1e5709", "model_filename": "m.gguf", "n_threads": 2, "n_prompt": 0, "n_gen": 128, "n_depth": 0,
           "avg_ns": 820000000, "stddev_ns": 0, "avg_ts": 156.1, "stddev_ts": 0.0, "samples_ts": [156.1]}
        ]
        """
        let r = try LlamaBench.parse(Data(json.utf8))
        #expect(r.pp == 343.6 && r.tg == 156.1)
        #expect(try LlamaBench.parse(Data("[]".utf8)).pp == nil)
        #expect(throws: (any Error).self) { try LlamaBench.parse(Data("| model | size |".utf8)) }
    }
}
