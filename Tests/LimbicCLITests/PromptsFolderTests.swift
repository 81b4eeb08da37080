import Foundation
import LimbicCLI
import ShippedPrompts
import Testing

/// Where prompts/ is read from: $LIMBIC_PROMPTS, ./prompts, else the copy built into limbic, unpacked into the home.
@Suite(.serialized)
struct PromptsFolderTests {
    /// This checkout's prompts/ (from this file's path: Tests/LimbicCLITests/…).
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("prompts").path

    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-prompts-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theBuiltInCopyIsThisCheckoutsPromptsFolder() throws {
        let walker = FileManager.default.enumerator(atPath: Self.checkout)!
        var onDisk: [String] = []
        while let p = walker.nextObject() as? String {
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular, !p.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                onDisk.append(p)
            }
        }
        let shipped = ShippedPrompts.files
        #expect(shipped.map(\.path) == onDisk.sorted())
        for f in shipped {
            #expect(FileManager.default.contents(atPath: Self.checkout + "/" + f.path) == Data(f.bytes), "\(f.path)")
        }
        #expect(shipped.contains { $0.path == "emotions/neutral.txt" })
        #expect(shipped.contains { $0.path == "selfreport/rating.txt" })
    }

    @Test func lookupOrder() throws {
        let home = try tempDir(), cwd = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: home); try? FileManager.default.removeItem(atPath: cwd) }
        // $LIMBIC_PROMPTS wins, even over ./prompts, and is taken as given (a wrong one is an error where it is read).
        #expect(try PromptsFolder.locate(environment: ["LIMBIC_PROMPTS": "/somewhere"], currentDirectory: Self.checkout + "/..", home: home) == "/somewhere")
        // ./prompts when it holds an emotion dataset.
        #expect(try PromptsFolder.locate(environment: [:], currentDirectory: Self.checkout + "/..", home: home) == Self.checkout + "/../prompts")
        // A prompts/ folder of something else is not taken for ours.
        try FileManager.default.createDirectory(atPath: cwd + "/prompts", withIntermediateDirectories: true)
        let unpacked = try PromptsFolder.locate(environment: [:], currentDirectory: cwd, home: home)
        #expect(unpacked.hasPrefix(home + "/prompts/"))
        #expect(FileManager.default.contents(atPath: unpacked + "/emotions/neutral.txt")
                == FileManager.default.contents(atPath: Self.checkout + "/emotions/neutral.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/prompts") == [URL(fileURLWithPath: unpacked).lastPathComponent],
                "no temporary folder left behind")
    }

    @Test func aChangedUnpackedCopyIsReplaced() throws {
        let home = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let dir = try PromptsFolder.unpackShipped(home: home)
        let calm = dir + "/emotions/calm.txt"
        let original = FileManager.default.contents(atPath: calm)
        try Data("edited\n".utf8).write(to: URL(fileURLWithPath: calm))
        try Data("an extra emotion\n".utf8).write(to: URL(fileURLWithPath: dir + "/emotions/extra.txt"))
        #expect(try PromptsFolder.unpackShipped(home: home) == dir)
        #expect(FileManager.default.contents(atPath: calm) == original)
        #expect(!FileManager.default.fileExists(atPath: dir + "/emotions/extra.txt"))
    }

    @Test func anUnwritableHomeIsAClearError() {
        let e = #expect(throws: CLIError.self) { try PromptsFolder.unpackShipped(home: "/proc/limbic-no-home") }
        let message = e?.description ?? ""
        #expect(message.contains("/proc/limbic-no-home/prompts/") && message.contains("LIMBIC_HOME"), "\(message)")
    }
}
