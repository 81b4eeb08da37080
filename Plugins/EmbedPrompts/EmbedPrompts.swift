import Foundation
import PackagePlugin

/// Builds the package's `prompts/` folder into the target it is applied to (ShippedPrompts): `embed-prompts.sh`
/// (beside this file) writes each file's path and bytes into a Swift file. The build command's inputs are every
/// file and every folder under `prompts/`: an edited file changes its own date, an added or removed one its
/// folder's, and either runs the script again (which reads the folder itself, so it sees new files even though
/// SwiftPM lists the inputs only when it plans the build).
@main
struct EmbedPrompts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let prompts = package.appendingPathComponent("prompts")
        var inputs = [prompts]
        let walker = FileManager.default.enumerator(at: prompts, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL { inputs.append(url) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("ShippedPromptFiles.swift")
        return [.buildCommand(
            displayName: "Embedding the prompts folder",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [package.appendingPathComponent("Plugins/EmbedPrompts/embed-prompts.sh").path, prompts.path, output.path],
            inputFiles: inputs + [package.appendingPathComponent("Plugins/EmbedPrompts/embed-prompts.sh")],
            outputFiles: [output])]
    }
}
