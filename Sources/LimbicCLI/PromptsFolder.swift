import Foundation
import GGUF
import ModelStore
import ShippedPrompts

/// Where the data of `prompts/` (emotion datasets, the emotion-word list, self-report questions) is read from:
///
/// 1. `$LIMBIC_PROMPTS`, when set (a folder laid out like `prompts/`; not checked here, so a wrong one is an error
///    naming it rather than a silent fallback);
/// 2. `./prompts`, when it holds an emotion dataset (`emotions/neutral.txt`): running inside a checkout reads the
///    checkout's files, edits included;
/// 3. the copy built into limbic (`ShippedPrompts`), unpacked into `$LIMBIC_HOME/prompts/<hash>/`.
///
/// `--emotions DIR` comes before all three; the commands that take it decide (`ProbeOptions.dataset`).
public enum PromptsFolder {
    /// The folder to read, unpacking the built-in copy when neither of the first two is there.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: String = FileManager.default.currentDirectoryPath,
                              home: String? = nil) throws -> String {
        if let dir = environment["LIMBIC_PROMPTS"], !dir.isEmpty { return dir }
        let local = currentDirectory + "/prompts"
        if FileManager.default.fileExists(atPath: local + "/emotions/neutral.txt") { return local }
        return try unpackShipped(home: home ?? ModelStore().home)
    }

    /// `home/prompts/<hash>` holding exactly the built-in files (the hash is of their names and bytes, so builds
    /// with other prompts unpack beside it). Written to a temporary folder and renamed into place, so a crash or a
    /// second limbic at the same moment never leaves half a dataset; a folder whose files were changed or deleted
    /// is replaced.
    public static func unpackShipped(home: String) throws -> String {
        let files = ShippedPrompts.files
        var sha = SHA256()
        for f in files {
            sha.update(Array(f.path.utf8) + [0])
            sha.update(f.bytes + [0])
        }
        let parent = home + "/prompts"
        let dir = parent + "/" + sha.finalizeHex().prefix(12)
        if holds(files, dir) { return dir }

        let fm = FileManager.default
        let temp = parent + "/.unpacking-\(getpid())-\(UUID().uuidString)"
        do {
            for f in files {
                let path = temp + "/" + f.path
                try fm.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                       withIntermediateDirectories: true)
                guard fm.createFile(atPath: path, contents: Data(f.bytes)) else {
                    throw CLIError.promptsNotUnpacked(path: path, reason: "the file could not be created")
                }
            }
            if fm.fileExists(atPath: dir) {
                // Damaged: move it aside first (a rename cannot replace a folder that has files).
                let stale = parent + "/.stale-\(UUID().uuidString)"
                try fm.moveItem(atPath: dir, toPath: stale)
                try? fm.removeItem(atPath: stale)
            }
            try fm.moveItem(atPath: temp, toPath: dir)
        } catch {
            try? fm.removeItem(atPath: temp)
            // Another limbic may have put the same files in place meanwhile.
            if holds(files, dir) { return dir }
            if let e = error as? CLIError { throw e }
            throw CLIError.promptsNotUnpacked(path: dir, reason: "\(error)")
        }
        return dir
    }

    /// Whether `dir` holds these files, with exactly these bytes, and no others (a file added to `emotions/` would
    /// add an emotion).
    static func holds(_ files: [(path: String, bytes: [UInt8])], _ dir: String) -> Bool {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: dir) else { return false }
        var found: Set<String> = []
        while let path = walker.nextObject() as? String {
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { found.insert(path) }
        }
        guard found == Set(files.map(\.path)) else { return false }
        return files.allSatisfy { fm.contents(atPath: dir + "/" + $0.path) == Data($0.bytes) }
    }
}
