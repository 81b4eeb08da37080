import FileIO

/// A file a command writes (`--out FILE`): written atomically, never over a folder, and over an existing file only
/// with `--force`. Checked before anything runs, and again when the file is put in place.
public enum OutputFile {
    public static let forceSpec = OptionSpec.flag("force", "Replace the output file if it exists (a folder is never replaced).")

    /// Checks `path` before any work: a folder is a usage error, and so is an existing file without `--force`.
    public static func check(_ path: String, _ args: ParsedArguments, option: String = "--out") throws {
        do {
            try AtomicFile.checkTarget(path, replace: args.flag("force"))
        } catch let e as FileIOError {
            throw usage(e, option: option)
        }
    }

    /// Runs `write` with whether `--force` was given, and turns a file that appeared meanwhile into the same
    /// usage error `check` gives.
    public static func write(_ path: String, _ args: ParsedArguments, option: String = "--out",
                             _ write: (_ replace: Bool) throws -> Void) throws {
        do {
            try write(args.flag("force"))
        } catch let e as FileIOError {
            if case .cannotWrite = e { throw e }
            throw usage(e, option: option)
        }
    }

    static func usage(_ e: FileIOError, option: String) -> Error {
        switch e {
        case .exists(let p): return UsageError("\(option) \(p) already exists; pass --force to replace it")
        case .isDirectory(let p): return UsageError("\(option) \(p) is a folder; give a file name (a folder is never replaced)")
        default: return e
        }
    }
}
