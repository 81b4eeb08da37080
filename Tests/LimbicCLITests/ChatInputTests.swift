import FileIO
import Foundation
import LimbicCLI
import TestSupport
import Testing

/// What chat reads as messages: script files (`ChatScript`) and lines from stdin (`LineReader`), each bounded.
struct ChatScriptTests {
    @Test func everyNonBlankLineIsOneTurn() throws {
        #expect(try ChatScript.turns("Hello\n\n  How are you?  \n/clear\n", path: "s.txt") == ["Hello", "How are you?", "/clear"])
        #expect(try ChatScript.turns("one\r\ntwo\r\n", path: "s.txt") == ["one", "two"])   // CRLF is two lines, not one
    }

    @Test func aLinePastTheLimitIsAnErrorNamingIt() throws {
        let long = String(repeating: "x", count: ChatScript.maxMessageBytes + 1)
        let e = #expect(throws: ChatScriptError.self) { _ = try ChatScript.turns("fine\n" + long + "\n", path: "s.txt") }
        #expect(e == .lineTooLong(path: "s.txt", line: 2, bytes: ChatScript.maxMessageBytes + 1, limit: ChatScript.maxMessageBytes))
        #expect(e?.description == "s.txt:2: the line is 1.0 MiB; one turn of a script may be at most 1.0 MiB: shorten it or split it into several lines")
        #expect(try ChatScript.turns(String(repeating: "x", count: ChatScript.maxMessageBytes), path: "s.txt").count == 1)
    }

    @Test func aNamedPipeIsRefusedAtOnce() throws {
        let fifo = try FIFO(name: "script.txt")
        defer { fifo.remove() }
        let (e, seconds) = fifo.timed { #expect(throws: FileIOError.self) { _ = try ChatScript.load(fifo.path) } }
        #expect(seconds < 1)
        #expect(e == .notRegularFile(path: fifo.path, kind: .namedPipe))
    }
}

struct LineReaderTests {
    /// A reader over `input` written into a pipe (closed after it, so the reader sees the end).
    func reader(_ input: [UInt8], limit: Int) -> LineReader {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writer = fds[1]
        DispatchQueue.global().async {
            _ = Descriptor.writeAll(writer, input)
            close(writer)
        }
        return LineReader(fd: fds[0], maxLineBytes: limit)
    }

    @Test func linesAndALastLineWithoutNewline() {
        let r = reader(Array("one\ntwo\n\nthree".utf8), limit: 10)
        #expect([r.next(), r.next(), r.next(), r.next(), r.next()] == [.line("one"), .line("two"), .line(""), .line("three"), .end])
    }

    /// A line past the limit is skipped to its end without being kept, and reading goes on after it.
    @Test func aLongLineIsSkippedNotKept() {
        let long = [UInt8](repeating: 120, count: 300_000)
        let r = reader(Array("ok\n".utf8) + long + Array("\nafter\n".utf8) + long, limit: 1000)
        #expect([r.next(), r.next(), r.next(), r.next(), r.next()] == [.line("ok"), .tooLong, .line("after"), .tooLong, .end])
        let exact = reader(Array(String(repeating: "y", count: 1000).utf8) + [10], limit: 1000)
        #expect(exact.next() == .line(String(repeating: "y", count: 1000)))
    }
}
