import FileIO
import Foundation
import Testing
@testable import GGUF

/// `GGUFWriter.write(to:replace:)`: the file on disk is all or nothing, a folder is never touched, and an existing
/// file is replaced only when the caller says so.
struct GGUFWriterFileTests {
    static func writer(_ value: Float) -> GGUFWriter {
        var w = GGUFWriter()
        w.set("general.architecture", "test")
        w.addTensor("t", dims: [2], floats: [value, value])
        return w
    }

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-writer-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    static func value(_ path: String) throws -> Float {
        let f = try GGUFFile(path: path)
        return f.data(for: try f.requireTensor("t")).loadUnaligned(as: Float.self)
    }

    @Test func anExistingFolderIsAnErrorAndStaysIntact() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/acts.gguf"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target + "/inside.txt"))
        for replace in [false, true] {
            let e = #expect(throws: FileIOError.self) { try Self.writer(1).write(to: target, replace: replace) }
            #expect(e == .isDirectory(path: target))
        }
        #expect(FileManager.default.contents(atPath: target + "/inside.txt") == Data("keep".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["acts.gguf"])
    }

    @Test func anExistingFileIsReplacedOnlyWithReplace() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/acts.gguf"
        try Self.writer(1).write(to: target, replace: false)
        #expect(throws: FileIOError.exists(path: target)) { try Self.writer(2).write(to: target, replace: false) }
        #expect(try Self.value(target) == 1)
        try Self.writer(2).write(to: target, replace: true)
        #expect(try Self.value(target) == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["acts.gguf"])
    }

    /// A writer that fails validation writes nothing: the old file stays and no temporary is left.
    @Test func aRefusedWriterLeavesTheOldFile() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/acts.gguf"
        try Self.writer(1).write(to: target, replace: false)
        var bad = Self.writer(2)
        bad.addTensor("w", dims: [2], type: .f32, bytes: [1, 2, 3])
        #expect(throws: GGUFError.self) { try bad.write(to: target, replace: true) }
        #expect(try Self.value(target) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["acts.gguf"])
    }
}
