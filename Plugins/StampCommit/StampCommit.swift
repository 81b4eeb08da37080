import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift` into the target it is applied to (limbic): the git commit the package is built
/// from, for `limbic --version`, by running `stamp-commit.sh` (beside this file; it says "unknown commit" when git
/// or the repository is missing). The build command's inputs are git's HEAD and its log, which change whenever
/// HEAD moves (a commit, checkout, reset or pull), so the stamp follows the commit without running every build.
@main
struct StampCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let script = package.appendingPathComponent("Plugins/StampCommit/stamp-commit.sh")
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildCommit.swift")
        let gitDir = Self.gitDirectory(package)
        let watched = gitDir.map { [$0.appendingPathComponent("HEAD"), $0.appendingPathComponent("logs/HEAD")] } ?? []
        return [.buildCommand(
            displayName: "Stamping the git commit",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [script.path, package.path, output.path],
            inputFiles: [script] + watched.filter { FileManager.default.fileExists(atPath: $0.path) },
            outputFiles: [output])]
    }

    /// `.git` when it is a folder; the folder a `.git` file points to (`gitdir: …`, in a worktree); else nil.
    static func gitDirectory(_ package: URL) -> URL? {
        let dotGit = package.appendingPathComponent(".git")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { return dotGit }
        guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir:") else { return nil }
        let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appendingPathComponent(path)
    }
}
