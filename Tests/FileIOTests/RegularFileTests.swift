import Foundation
import TestSupport
import Testing
@testable import FileIO

/// User-given paths are read only when they name a regular file, and only up to a limit.
struct RegularFileTests {
    @Test func aNamedPipeIsRefusedAtOnce() throws {
        let fifo = try FIFO()
        defer { fifo.remove() }
        let (e, seconds) = fifo.timed { #expect(throws: FileIOError.self) { _ = try RegularFile.readText(fifo.path) } }
        #expect(seconds < 1)
        #expect(e == .notRegularFile(path: fifo.path, kind: .namedPipe))
        #expect(e?.description == "cannot read \(fifo.path): it is a named pipe (FIFO), not a regular file; give the path of a file")
    }

    @Test func foldersDevicesAndMissingFilesAreRefused() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        #expect(throws: FileIOError.notRegularFile(path: dir.path, kind: .folder)) { _ = try RegularFile.read(dir.path, limit: 10) }
        #expect(throws: FileIOError.notRegularFile(path: "/dev/null", kind: .characterDevice)) { _ = try RegularFile.read("/dev/null", limit: 10) }
        #expect(throws: FileIOError.missing(path: dir.file("nope"))) { _ = try RegularFile.read(dir.file("nope"), limit: 10) }
    }

    @Test func sizeIsCheckedBeforeReading() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.write("ten", "0123456789")
        #expect(try RegularFile.read(dir.file("ten"), limit: 10) == Array("0123456789".utf8))
        let e = #expect(throws: FileIOError.self) { _ = try RegularFile.read(dir.file("ten"), limit: 9) }
        #expect(e == .tooLarge(path: dir.file("ten"), bytes: 10, limit: 9))
        #expect(e?.description == "\(dir.file("ten")): it is 10 bytes, more than the 9 bytes Limbic reads here; shorten or split it")
    }

    /// Files that report no size (/proc) are read to their end, still bounded.
    @Test func filesWithoutASizeAreReadToTheirEnd() throws {
        let status = try RegularFile.readText("/proc/self/status")
        #expect(status.contains("VmRSS"))
        #expect(throws: FileIOError.tooLarge(path: "/proc/self/status", bytes: nil, limit: 16)) { _ = try RegularFile.read("/proc/self/status", limit: 16) }
    }

    @Test func textMustBeUTF8() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try Data([0x61, 0xFF, 0x62]).write(to: URL(fileURLWithPath: dir.file("bad.txt")))
        #expect(throws: FileIOError.notUTF8(path: dir.file("bad.txt"))) { _ = try RegularFile.readText(dir.file("bad.txt")) }
    }
}
