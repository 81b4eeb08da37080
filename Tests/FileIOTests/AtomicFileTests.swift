import Foundation
import Testing
@testable import FileIO

struct AtomicFileTests {
    @Test func writesANewFileAndLeavesNoTemporary() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try AtomicFile.write(Array("hello".utf8), to: dir.file("out.gguf"), replace: false)
        #expect(dir.read("out.gguf") == "hello")
        #expect(try dir.names() == ["out.gguf"])
    }

    @Test func aFolderAtThePathIsRefusedAndLeftIntact() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: false)
        try dir.write("out/keep.txt", "precious")
        for replace in [false, true] {
            let e = #expect(throws: FileIOError.self) { try AtomicFile.write(Array("x".utf8), to: dir.file("out"), replace: replace) }
            #expect(e == .isDirectory(path: dir.file("out")))
            #expect(e?.description.contains("is a folder") == true)
        }
        #expect(dir.read("out/keep.txt") == "precious")
        #expect(try dir.names() == ["out"])
        // Also with a trailing slash.
        #expect(throws: FileIOError.self) { try AtomicFile.write(Array("x".utf8), to: dir.file("out/"), replace: true) }
        #expect(dir.read("out/keep.txt") == "precious")
    }

    @Test func anExistingFileIsReplacedOnlyWhenAsked() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.write("out.gguf", "old")
        let e = #expect(throws: FileIOError.self) { try AtomicFile.write(Array("new".utf8), to: dir.file("out.gguf"), replace: false) }
        #expect(e == .exists(path: dir.file("out.gguf")))
        #expect(dir.read("out.gguf") == "old")
        #expect(try dir.names() == ["out.gguf"])
        try AtomicFile.write(Array("new".utf8), to: dir.file("out.gguf"), replace: true)
        #expect(dir.read("out.gguf") == "new")
        #expect(try dir.names() == ["out.gguf"])
    }

    /// The new file is renamed into place, never written into the old one: another hard link to the old file keeps
    /// the old bytes. (A write in place, which a crash could leave half done, would change both names.)
    @Test func replacingNeverWritesIntoTheOldFile() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.write("out.gguf", "old")
        #expect(link(dir.file("out.gguf"), dir.file("other-name")) == 0)
        try AtomicFile.write(Array("new".utf8), to: dir.file("out.gguf"), replace: true)
        #expect(dir.read("out.gguf") == "new")
        #expect(dir.read("other-name") == "old")
        #expect(try dir.names() == ["other-name", "out.gguf"])
    }

    @Test func aMissingFolderIsAnErrorAndLeavesNothing() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let e = #expect(throws: FileIOError.self) { try AtomicFile.write([1], to: dir.file("no/such/out.gguf"), replace: true) }
        guard case .cannotWrite(let p, let why)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(p == dir.file("no/such/out.gguf"))
        #expect(why.contains("No such file"))
        #expect(try dir.names() == [])
    }

    @Test func aBareNameIsWrittenInTheCurrentFolder() {
        #expect(AtomicFile.split("out.gguf") == (".", "out.gguf"))
        #expect(AtomicFile.split("/out.gguf") == ("/", "out.gguf"))
        #expect(AtomicFile.split("a/b/out.gguf") == ("a/b", "out.gguf"))
        #expect(AtomicFile.split("a/b/") == ("a", "b"))
    }
}
