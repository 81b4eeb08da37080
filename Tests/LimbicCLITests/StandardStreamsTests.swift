import Foundation
import LimbicCLI
import Testing

/// What `Terminal.out` and `Terminal.note` do when their stream cannot be written: the write reports the errno
/// (where `FileHandle.write` trapped), and the process then exits 141 for a closed pipe and 1 otherwise.
/// (`CLITests.outputThatCannotBeWritten` checks the exits on the built binary.)
struct StandardStreamsTests {
    @Test func aClosedDescriptorIsReportedNotTrapped() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0]); close(fds[1])
        #expect(StandardStreams.send("limbic models list\n", to: fds[1]) == EBADF)
        #expect(StandardStreams.exitStatus(for: EBADF) == 1)
    }

    @Test func aPipeWithoutReaderIsEPIPEAndExits141() {
        signal(SIGPIPE, SIG_IGN)   // StandardStreams.prepare() does this in the binary
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        #expect(StandardStreams.send("x", to: fds[1]) == EPIPE)
        #expect(StandardStreams.exitStatus(for: EPIPE) == 141)
        close(fds[1])
    }

    @Test func aFullDeviceIsENOSPC() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(StandardStreams.send(String(repeating: "row\n", count: 10_000), to: fd) == ENOSPC)
        #expect(StandardStreams.exitStatus(for: ENOSPC) == 1)
    }

    @Test func aWorkingStreamGetsEveryByte() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        #expect(StandardStreams.send("héllo\n", to: fds[1]) == 0)
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fds[0], &buffer, 64)
        close(fds[0])
        #expect(String(decoding: buffer[..<max(n, 0)], as: UTF8.self) == "héllo\n")
    }
}
