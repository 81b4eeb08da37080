import Foundation
import Testing
@testable import FileIO

/// `Descriptor.writeAll` returns the failure of every way a standard stream can fail, where `FileHandle.write` traps.
struct DescriptorTests {
    @Test func aClosedDescriptorIsEBADF() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0]); close(fds[1])
        #expect(Descriptor.writeAll(fds[1], Array("x".utf8)) == EBADF)
    }

    @Test func aPipeWithoutReaderIsEPIPE() {
        signal(SIGPIPE, SIG_IGN)   // as StandardStreams.prepare does; otherwise the test process would be killed
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        #expect(Descriptor.writeAll(fds[1], Array("x".utf8)) == EPIPE)
        close(fds[1])
    }

    @Test func devFullIsENOSPC() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(Descriptor.writeAll(fd, Array("x".utf8)) == ENOSPC)
    }

    /// A write larger than the pipe's buffer completes in parts while a reader drains it.
    @Test func partialWritesAreContinued() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let reader = fds[0]
        nonisolated(unsafe) var received: Descriptor.ReadResult = .failed(errno: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            received = Descriptor.readAll(reader, limit: 2 << 20)
            done.signal()
        }
        #expect(Descriptor.writeAll(fds[1], bytes) == 0)
        close(fds[1])
        done.wait()
        close(fds[0])
        #expect(received == .bytes(bytes))
    }

    @Test func readingStopsPastTheLimit() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        #expect(Descriptor.writeAll(fds[1], [UInt8](repeating: 7, count: 1000)) == 0)
        close(fds[1])
        #expect(Descriptor.readAll(fds[0], limit: 999) == .tooLarge)
        close(fds[0])
    }
}
