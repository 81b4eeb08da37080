import LimbicCLI
import Testing

/// Replies wrapped at word boundaries as they stream.
struct WordWrapperTests {
    /// Feeds `pieces` (as a model streams them) and returns all that was printed.
    func wrap(_ pieces: [String], width: Int) -> String {
        var w = WordWrapper(width: width)
        return pieces.map { w.feed($0) }.joined() + w.finish()
    }

    @Test func breaksAtSpacesBeforeTheWidth() {
        #expect(wrap(["The quick brown fox jumps over the lazy dog"], width: 16) == "The quick brown\nfox jumps over\nthe lazy dog")
        // The same text in pieces that split words gives the same lines.
        #expect(wrap(["The qu", "ick bro", "wn fox j", "umps", " over the la", "zy dog"], width: 16)
                == "The quick brown\nfox jumps over\nthe lazy dog")
        #expect(wrap(["a b c"], width: 80) == "a b c")
    }

    @Test func aWordEndingExactlyAtTheWidthStays() {
        #expect(wrap(["12345 7890 next"], width: 10) == "12345 7890\nnext")
    }

    @Test func newlinesAndIndentationAreKept() {
        #expect(wrap(["First line.\n\n  - one item\n  - two"], width: 40) == "First line.\n\n  - one item\n  - two")
        #expect(wrap(["aaa bbb\nccc ddd eee"], width: 8) == "aaa bbb\nccc ddd\neee")
    }

    @Test func aWordWiderThanTheRowIsBrokenAtTheRowsEnd() {
        #expect(wrap(["see https://example.com/a/long/path ok"], width: 10) == "see\nhttps://ex\nample.com/\na/long/pat\nh ok")
        #expect(wrap(["abcdefghijkl"], width: 5) == "abcde\nfghij\nkl")
    }

    @Test func wideCharactersCountTwoColumns() {
        #expect(wrap(["中文 中文 中文"], width: 10) == "中文 中文\n中文")
    }

    @Test func textIsHeldBackOnlyUntilItsWordEnds() {
        var w = WordWrapper(width: 20)
        #expect(w.feed("Hel") == "")
        #expect(w.feed("lo wor") == "Hello")
        #expect(w.feed("ld") == "")
        #expect(w.finish() == " world")
    }
}
