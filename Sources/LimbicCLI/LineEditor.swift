import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The chat prompt's line editor, written for Limbic (no readline or linenoise to link).
///
/// Reads one line from a terminal in raw mode (`RawMode`): the `KeyDecoder` turns bytes into keys, a `LineBuffer`
/// holds the text, `History` recalls earlier messages, and `LineLayout` works out where each character lands so
/// that a line wrapping past the terminal's width, wide characters and pasted newlines redraw in place. Each key
/// redraws the whole line from the prompt, as linenoise's multi-line mode does: simple, and fast enough for lines a
/// person types or pastes.
///
/// Keys: Left/Right (Ctrl-B/Ctrl-F), Home/End (Ctrl-A/Ctrl-E), Alt-b/Alt-f and Ctrl-Left/Ctrl-Right by words,
/// Backspace, Delete, Up/Down (Ctrl-P/Ctrl-N) through history, Ctrl-U (delete to the start), Ctrl-K (to the end),
/// Ctrl-W (the previous word), Ctrl-L (clear the screen), Ctrl-C (cancel the line), Ctrl-D (end of input on an
/// empty line), Ctrl-Z (suspend). A bracketed paste is inserted as it is, newlines included.
public final class LineEditor {
    public var history: History
    private var decoder = KeyDecoder()
    /// Keys read but not yet applied: what was typed ahead after an Enter belongs to the next line.
    private var queued: [Key] = []
    private var buffer = LineBuffer()
    private var prompt = ""
    /// The row of the cursor, counted from the prompt's row, after the last drawing.
    private var cursorRow = 0

    public init(history: History) {
        self.history = history
    }

    /// Reads one line at `prompt`: `.line` on Enter, `.interrupted` on Ctrl-C (after showing `^C`; the caller asks
    /// again), `.end` on Ctrl-D at an empty line or when the terminal goes away. Falls back to `fallback` when stdin
    /// cannot be put in raw mode.
    public func readLine(prompt: String, fallback: LineReader) -> LineReader.Result {
        guard RawMode.enter() else {
            RawMode.writeAll(prompt)
            return fallback.next()
        }
        defer { RawMode.leave() }
        self.prompt = prompt
        buffer = LineBuffer()
        cursorRow = 0
        draw()
        if let r = handle([]) { return r }
        var bytes = [UInt8](repeating: 0, count: 4096)
        while true {
            if decoder.isWaiting {
                // The rest of an escape sequence comes at once or not at all: a quiet 50 ms means a lone Escape.
                var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                if poll(&fds, 1, 50) == 0 {
                    if let r = handle(decoder.timeout()) { return r }
                    continue
                }
            }
            let n = bytes.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n > 0 {
                if let r = handle(decoder.feed(bytes[..<n])) { return r }
            } else if n < 0 && errno == EINTR {
                if RawMode.wasInterrupted { return finish(.interrupted, mark: "^C") }
            } else {
                return finish(.end, mark: nil)
            }
        }
    }

    /// Applies keys to the line; the result when one of them ends the read (the keys after it wait for the next).
    private func handle(_ keys: [Key]) -> LineReader.Result? {
        queued += keys
        guard !queued.isEmpty else { return nil }
        while !queued.isEmpty {
            let key = queued.removeFirst()
            switch key {
            case .text(let s): buffer.insert(s)
            case .paste(let s): buffer.insert(s)
            case .enter: return finish(.line(buffer.text), mark: nil)
            case .interrupt: return finish(.interrupted, mark: "^C")
            case .endOfInput:
                if buffer.isEmpty { return finish(.end, mark: nil) }
                buffer.deleteForward()
            case .backspace: buffer.deleteBackward()
            case .delete: buffer.deleteForward()
            case .left: buffer.moveLeft()
            case .right: buffer.moveRight()
            case .home: buffer.moveHome()
            case .end: buffer.moveEnd()
            case .wordLeft: buffer.moveWordLeft()
            case .wordRight: buffer.moveWordRight()
            case .up: if let s = history.previous(current: buffer.text) { buffer = LineBuffer(s) }
            case .down: if let s = history.next() { buffer = LineBuffer(s) }
            case .killToStart: buffer.killToStart()
            case .killToEnd: buffer.killToEnd()
            case .killPreviousWord: buffer.killPreviousWord()
            case .clearScreen:
                RawMode.writeAll("\u{1B}[H\u{1B}[2J")
                cursorRow = 0
            case .suspend: suspend()
            case .ignored: continue
            }
        }
        draw()
        return nil
    }

    /// Redraws the prompt and the line, with the cursor in place.
    private func draw() {
        let layout = LineLayout(prompt: prompt, buffer: buffer, columns: Terminal.columns)
        RawMode.writeAll(layout.redraw(fromRow: cursorRow))
        cursorRow = layout.cursor.row
    }

    /// Ends the read: the line drawn whole with the cursor after it, `mark` (^C) after that, then a new line.
    private func finish(_ result: LineReader.Result, mark: String?) -> LineReader.Result {
        buffer.moveEnd()
        let layout = LineLayout(prompt: prompt, buffer: buffer, columns: Terminal.columns)
        var out = layout.redraw(fromRow: cursorRow)
        if let mark { out += mark }
        switch result {
        case .end:
            break   // the cursor stays after the line: the chat writes its own last newline
        case .line, .tooLong, .interrupted:
            // A new row, unless a full last row already put the cursor at the start of one.
            if mark != nil || !layout.endsOnFreshRow { out += "\r\n" }
        }
        RawMode.writeAll(out)
        cursorRow = 0
        return result
    }

    /// Ctrl-Z: the terminal back to normal, the process stopped as the shell expects, and raw mode and the line
    /// back when it continues.
    private func suspend() {
        buffer.moveEnd()
        RawMode.leave()
        RawMode.writeAll("\r\n")
        raise(SIGTSTP)
        _ = RawMode.enter()
        cursorRow = 0
    }
}

/// Where the prompt and each character of a line land on a terminal `columns` wide, starting at column 0: a
/// character that does not fit on the row (a wide one at the last column too) goes to the start of the next, as
/// terminals wrap; a newline starts a new row. Pure, so that wrapping is tested without a terminal.
public struct LineLayout: Equatable, Sendable {
    public struct Position: Equatable, Sendable {
        public var row: Int
        public var column: Int
        public init(row: Int, column: Int) { self.row = row; self.column = column }
    }

    public let prompt: String
    public let characters: [Character]
    public let columns: Int
    /// Where the cursor is shown.
    public let cursor: Position
    /// Where the terminal's cursor is after the whole line is written (a row past a full last row: see
    /// `endsOnFreshRow`).
    public let end: Position
    /// Whether the last row was filled to the last column, so that drawing moved to a fresh row below it.
    public let endsOnFreshRow: Bool

    public init(prompt: String, buffer: LineBuffer, columns: Int) {
        let columns = max(columns, 1)
        self.prompt = prompt
        characters = buffer.characters
        self.columns = columns
        var row = 0, column = 0
        func place(_ c: Character) -> Position {
            if c == "\n" {
                defer { row += 1; column = 0 }
                return Self.normalized(row, column, columns)
            }
            let w = DisplayWidth.of(c)
            if column + w > columns, column > 0 { row += 1; column = 0 }
            defer { column += w }
            return Self.normalized(row, column, columns)
        }
        for c in prompt { _ = place(c) }
        var cursor: Position? = nil
        for (i, c) in characters.enumerated() {
            let p = place(c)
            if i == buffer.cursor { cursor = p }
        }
        endsOnFreshRow = column >= columns
        end = Self.normalized(row, column, columns)
        self.cursor = cursor ?? end
    }

    /// A position past the last column is the start of the next row (where the terminal puts what comes next).
    static func normalized(_ row: Int, _ column: Int, _ columns: Int) -> Position {
        column >= columns ? Position(row: row + 1, column: 0) : Position(row: row, column: column)
    }

    /// The bytes that redraw the line from scratch when the terminal's cursor is `fromRow` rows below the
    /// prompt's: up to the prompt's row, clear to the end of the screen, write prompt and text, step onto the fresh
    /// row a full last row calls for, then move up and across to the cursor.
    public func redraw(fromRow: Int) -> String {
        var s = fromRow > 0 ? "\u{1B}[\(fromRow)A" : ""
        s += "\r\u{1B}[J" + prompt
        for c in characters {
            switch c {
            case "\n": s += "\r\n"
            case "\t": s += String(repeating: " ", count: DisplayWidth.of(c))
            default:
                // Other control characters never reach the buffer from the keyboard; drawn as nothing if pasted.
                if DisplayWidth.of(c) > 0 || c.unicodeScalars.first.map({ $0.value >= 0x20 }) == true { s.append(c) }
            }
        }
        if endsOnFreshRow { s += "\r\n" }
        if end.row > cursor.row { s += "\u{1B}[\(end.row - cursor.row)A" }
        s += "\r"
        if cursor.column > 0 { s += "\u{1B}[\(cursor.column)C" }
        return s
    }
}
