import Foundation
import LimbicCLI
import Testing

/// The line editor's pure parts: keys decoded from bytes, edits on the line buffer, history, the layout of
/// wrapped lines, display widths. The editor itself runs through a real terminal in ModelTests/LineEditorPTYTests.
struct KeyDecoderTests {
    func keys(_ s: String) -> [Key] {
        var d = KeyDecoder()
        return d.feed(Array(s.utf8))
    }

    @Test func textControlKeysAndArrows() {
        #expect(keys("helo\u{1B}[Dl\r") == [.text("helo"), .left, .text("l"), .enter])
        #expect(keys("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.up, .down, .right, .left])
        #expect(keys("\u{1B}OA\u{1B}OD") == [.up, .left])                   // application cursor mode
        #expect(keys("\u{01}\u{05}\u{02}\u{06}") == [.home, .end, .left, .right])
        #expect(keys("\u{15}\u{0B}\u{17}\u{0C}") == [.killToStart, .killToEnd, .killPreviousWord, .clearScreen])
        #expect(keys("\u{03}\u{04}\u{1A}") == [.interrupt, .endOfInput, .suspend])
        #expect(keys("\u{7F}\u{08}\u{1B}[3~") == [.backspace, .backspace, .delete])
        #expect(keys("\u{10}\u{0E}") == [.up, .down])
        #expect(keys("\n") == [.enter])
    }

    @Test func homeEndAndWordJumpsInTheirSeveralSpellings() {
        #expect(keys("\u{1B}[H\u{1B}[F\u{1B}OH\u{1B}OF") == [.home, .end, .home, .end])
        #expect(keys("\u{1B}[1~\u{1B}[7~\u{1B}[4~\u{1B}[8~") == [.home, .home, .end, .end])
        #expect(keys("\u{1B}b\u{1B}f") == [.wordLeft, .wordRight])                       // Alt-b, Alt-f
        #expect(keys("\u{1B}[1;5D\u{1B}[1;5C") == [.wordLeft, .wordRight])               // Ctrl-Left, Ctrl-Right
        #expect(keys("\u{1B}[1;3D\u{1B}[1;3C") == [.wordLeft, .wordRight])               // Alt-Left, Alt-Right
        #expect(keys("\u{1B}Od\u{1B}Oc") == [.wordLeft, .wordRight])                     // rxvt
        #expect(keys("\u{1B}[1;2C") == [.right])                                          // Shift-Right: just right
        #expect(keys("\u{1B}\u{7F}") == [.killPreviousWord])                             // Alt-Backspace
    }

    @Test func unknownSequencesAreSwallowedWhole() {
        #expect(keys("\u{1B}[15~x") == [.ignored, .text("x")])          // F5
        #expect(keys("\u{1B}[1;5Px") == [.ignored, .text("x")])         // Ctrl-F1
        #expect(keys("\u{1B}\u{03}") == [.ignored, .interrupt])          // Escape, then Ctrl-C still counts
    }

    @Test func utf8AndSequencesSplitAcrossReads() {
        var d = KeyDecoder()
        let bytes = Array("é中👍".utf8)
        var got: [Key] = []
        for b in bytes { got += d.feed([b]) }
        #expect(got.map { if case .text(let s) = $0 { return s } else { return "?" } }.joined() == "é中👍")
        #expect(!d.isWaiting)
        #expect(d.feed([0x1B]) == [])
        #expect(d.isWaiting)
        #expect(d.feed(Array("[".utf8)) == [])
        #expect(d.feed(Array("1;5".utf8)) == [])
        #expect(d.feed(Array("C".utf8)) == [.wordRight])
    }

    @Test func aLoneEscapeIsResolvedByTheTimeout() {
        var d = KeyDecoder()
        #expect(d.feed(Array("ab\u{1B}".utf8)) == [.text("ab")])
        #expect(d.isWaiting)
        #expect(d.timeout() == [.ignored])
        #expect(!d.isWaiting)
        #expect(d.feed(Array("c".utf8)) == [.text("c")])
    }

    @Test func bracketedPasteIsOneKeyWithItsNewlines() {
        #expect(keys("\u{1B}[200~first line\r\nsecond\rthird\u{1B}[201~\r")
                == [.paste("first line\nsecond\nthird"), .enter])
        // Control bytes and escape sequences inside a paste are text to drop, not keys.
        #expect(keys("\u{1B}[200~a\u{03}\u{1B}[Db\tc\u{1B}[201~") == [.paste("a[Db\tc")])
        // Split anywhere, the end marker included.
        var d = KeyDecoder()
        let bytes = Array("x\u{1B}[200~one\ntwo\u{1B}[201~y".utf8)
        var got: [Key] = []
        for b in bytes { got += d.feed([b]) }
        #expect(got == [.text("x"), .paste("one\ntwo"), .text("y")])
        // Inside a paste the reader waits for the end marker as long as it takes: no timeout.
        var e = KeyDecoder()
        #expect(e.feed(Array("\u{1B}[200~slow\u{1B}[20".utf8)) == [])
        #expect(!e.isWaiting)
        #expect(e.feed(Array("1~".utf8)) == [.paste("slow")])
    }
}

struct LineBufferTests {
    @Test func insertMoveAndDeleteByCharacters() {
        var b = LineBuffer("helo")
        b.moveLeft()
        b.insert("l")
        #expect(b.text == "hello" && b.cursor == 4)
        b.moveEnd(); b.deleteBackward()
        #expect(b.text == "hell")
        b.moveHome(); b.deleteForward()
        #expect(b.text == "ell" && b.cursor == 0)
        b.moveLeft()
        #expect(b.cursor == 0)
        b.moveEnd(); b.moveRight()
        #expect(b.cursor == 3)
    }

    @Test func graphemeClustersAreOneCharacter() {
        var b = LineBuffer("a👍🏽é中b")   // thumbs up with a skin tone, e + combining acute, a CJK ideograph
        #expect(b.characters.count == 5)
        b.moveLeft(); b.moveLeft()
        b.deleteBackward()
        #expect(b.text == "a👍🏽中b")
        b.moveLeft(); b.deleteBackward()
        #expect(b.text == "👍🏽中b")
        // A combining accent typed after a letter joins it.
        var c = LineBuffer("cafe")
        c.insert("\u{301}")
        #expect(c.characters.count == 4 && c.cursor == 4)
        c.deleteBackward()
        #expect(c.text == "caf")
    }

    @Test func wordJumps() {
        var b = LineBuffer("say hello, world  again")
        b.moveWordLeft()
        #expect(b.cursor == 18)
        b.moveWordLeft()
        #expect(b.cursor == 11)
        b.moveWordLeft(); b.moveWordLeft()
        #expect(b.cursor == 0)
        b.moveWordLeft()
        #expect(b.cursor == 0)
        b.moveWordRight()
        #expect(b.cursor == 3)
        b.moveWordRight()
        #expect(b.cursor == 9)   // after "hello", before the comma
        b.moveWordRight(); b.moveWordRight(); b.moveWordRight()
        #expect(b.cursor == 23)
    }

    @Test func kills() {
        var b = LineBuffer("one two  three", cursor: 9)
        b.killPreviousWord()
        #expect(b.text == "one three" && b.cursor == 4)
        b.killPreviousWord()
        #expect(b.text == "three" && b.cursor == 0)
        b.killPreviousWord()
        #expect(b.text == "three")
        var c = LineBuffer("keep/cut this", cursor: 4)
        c.killToEnd()
        #expect(c.text == "keep")
        var d = LineBuffer("cut this/keep", cursor: 8)
        d.killToStart()
        #expect(d.text == "/keep" && d.cursor == 0)
        var e = LineBuffer("path/to/file", cursor: 12)
        e.killPreviousWord()   // Ctrl-W kills back to whitespace, as readline's does
        #expect(e.text == "")
    }
}

struct HistoryTests {
    func tempFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("limbic-history-\(UUID())/history").path
    }

    @Test func upAndDownWalkTheEntriesAndComeBackToTheDraft() {
        var h = History(entries: ["first", "second"])
        #expect(h.previous(current: "dra") == "second")
        #expect(h.previous(current: "second") == "first")
        #expect(h.previous(current: "first") == nil)
        #expect(h.next() == "second")
        #expect(h.next() == "dra")
        #expect(h.next() == nil)
    }

    @Test func addSkipsEmptyAndRepeatedAndKeepsTheLastLimit() {
        var h = History(limit: 3)
        for e in ["a", "", "  ", "b", "b", "c", "d"] { h.add(e) }
        #expect(h.entries == ["b", "c", "d"])
    }

    @Test func theFileRoundTripsMultiLineEntriesAndIsBounded() throws {
        let path = tempFile()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        var h = History.load(path: path, limit: 4)
        #expect(h.entries.isEmpty)
        for e in ["one", "two\nlines", #"back\slash\n"#, "four", "five"] { #expect(h.add(e) == nil) }
        let reloaded = History.load(path: path, limit: 4)
        #expect(reloaded.entries == ["two\nlines", #"back\slash\n"#, "four", "five"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 4)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        #expect(leftovers == ["history"], "no temporary file left behind")
    }

    @Test func twoSessionsBothKeepTheirEntries() {
        let path = tempFile()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        var a = History.load(path: path), b = History.load(path: path)
        a.add("from a")
        b.add("from b")
        #expect(History.load(path: path).entries == ["from a", "from b"])
    }

    @Test func anUnwritableFileIsAnErrorNotACrash() {
        var h = History(path: "/proc/limbic-no/history")
        let e = h.add("hello")
        #expect(e != nil)
        #expect(h.entries == ["hello"])
    }
}

struct LineLayoutTests {
    func layout(_ text: String, cursor: Int? = nil, prompt: String = "> ", columns: Int = 10) -> LineLayout {
        LineLayout(prompt: prompt, buffer: LineBuffer(text, cursor: cursor), columns: columns)
    }

    @Test func aShortLine() {
        let l = layout("hello", cursor: 1)
        #expect(l.cursor == .init(row: 0, column: 3))
        #expect(l.end == .init(row: 0, column: 7))
        #expect(!l.endsOnFreshRow)
        #expect(l.redraw(fromRow: 0) == "\r\u{1B}[J> hello\r\u{1B}[3C")
    }

    @Test func aLineWrappingPastTheWidth() {
        // "> " + 12 characters on 10 columns: 8 on the first row, 4 on the second.
        let l = layout("abcdefghijkl", cursor: 2)
        #expect(l.cursor == .init(row: 0, column: 4))
        #expect(l.end == .init(row: 1, column: 4))
        #expect(l.redraw(fromRow: 1) == "\u{1B}[1A\r\u{1B}[J> abcdefghijkl\u{1B}[1A\r\u{1B}[4C")
        #expect(layout("abcdefghijkl").cursor == .init(row: 1, column: 4))
        #expect(layout("abcdefghijkl", cursor: 8).cursor == .init(row: 1, column: 0))
    }

    @Test func aLineFillingTheLastColumnStepsOntoAFreshRow() {
        let l = layout("abcdefgh")   // exactly 10 columns with the prompt
        #expect(l.endsOnFreshRow)
        #expect(l.end == .init(row: 1, column: 0))
        #expect(l.redraw(fromRow: 0) == "\r\u{1B}[J> abcdefgh\r\n\r")
    }

    @Test func wideCharactersTakeTwoColumnsAndWrapWhole() {
        // "> " + 中文字 = 8 columns; 👍 needs 2 more: fits exactly; 中 after it wraps.
        let l = layout("中文字👍中")
        #expect(l.end == .init(row: 1, column: 2))
        // A wide character that would straddle the edge goes whole to the next row.
        let m = layout("abcdefg中")   // 9 columns used, 中 does not fit in the last one
        #expect(m.end == .init(row: 1, column: 2))
        #expect(layout("abcdefg中", cursor: 7).cursor == .init(row: 1, column: 0))
    }

    @Test func pastedNewlinesStartRows() {
        let l = layout("one\ntwo", cursor: 5)
        #expect(l.cursor == .init(row: 1, column: 1))
        #expect(l.end == .init(row: 1, column: 3))
        #expect(l.redraw(fromRow: 0) == "\r\u{1B}[J> one\r\ntwo\r\u{1B}[1C")
    }
}

struct DisplayWidthTests {
    @Test func columnsPerCharacter() {
        #expect(DisplayWidth.of("hello") == 5)
        #expect(DisplayWidth.of("中文") == 4)
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of("ｶﾀｶﾅ") == 4)              // halfwidth katakana: 1 each
        #expect(DisplayWidth.of("ＡＢ") == 4)                 // fullwidth Latin
        #expect(DisplayWidth.of("👍🏽🎉") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)           // one character, combining accent included
        #expect(DisplayWidth.of("❤️") == 2 && DisplayWidth.of("❤") == 1)   // emoji vs text presentation
        #expect(DisplayWidth.of("\u{200B}") == 0)           // zero-width space
        #expect(DisplayWidth.of(Character("\t")) == 4)
    }
}
