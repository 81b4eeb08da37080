/// Wraps streamed text at word boundaries to a terminal's width, so a reply breaks between words instead of
/// wherever the terminal runs out of columns.
///
/// Text arrives in pieces (tokens) that may end mid-word; the current word is held back until a space or newline
/// ends it, then written on this row if it fits, else on the next (the spaces before it dropped). Newlines in the
/// text are kept, and indentation after them too; a word wider than a whole row is broken where the row ends.
public struct WordWrapper: Sendable {
    public let width: Int
    /// Columns used on the current row, counting what was returned so far.
    private var column = 0
    /// The word being read, not yet returned.
    private var word = ""
    private var wordWidth = 0
    /// Spaces (and tabs) after the last word returned, written only when a word follows on the same row.
    private var spaces = ""
    /// True while a word too wide for any row is being written out as it comes.
    private var breakingLongWord = false

    public init(width: Int) {
        self.width = max(width, 2)
    }

    /// The text to print now for `piece`.
    public mutating func feed(_ piece: some StringProtocol) -> String {
        var out = ""
        for c in piece {
            if c == "\n" || c == "\r\n" {
                out += flushWord() + "\n"
                column = 0
                spaces = ""
            } else if c == " " || c == "\t" {
                out += flushWord()
                breakingLongWord = false
                spaces.append(c)
            } else if breakingLongWord {
                out += place(c)
            } else {
                word.append(c)
                wordWidth += DisplayWidth.of(c)
                // No row can hold this word: write it out as it comes, breaking at the row's end.
                if wordWidth > width { out += startLongWord() }
            }
        }
        return out
    }

    /// The rest: the word held back at the end of the stream.
    public mutating func finish() -> String {
        let out = flushWord()
        spaces = ""
        breakingLongWord = false
        return out
    }

    /// Writes the held-back word: on this row after its spaces when it fits, else at the start of the next.
    private mutating func flushWord() -> String {
        guard !word.isEmpty else { return "" }
        defer { word = ""; wordWidth = 0; spaces = "" }
        let gap = spacesWidth(at: column)
        if column > 0 && column + gap + wordWidth > width {
            column = wordWidth
            return "\n" + word
        }
        column += gap + wordWidth
        return spaces + word
    }

    /// Starts writing a word wider than a row: on a fresh row unless this one is empty, then character by character.
    private mutating func startLongWord() -> String {
        var out = ""
        if column > 0 { out = "\n"; column = 0 } else { out = spaces; column = spacesWidth(at: 0) }
        spaces = ""
        breakingLongWord = true
        let pending = word
        word = ""; wordWidth = 0
        for c in pending { out += place(c) }
        return out
    }

    /// One character of a long word, on the next row when this one is full.
    private mutating func place(_ c: Character) -> String {
        let w = DisplayWidth.of(c)
        if column + w > width && column > 0 {
            column = w
            return "\n" + String(c)
        }
        column += w
        return String(c)
    }

    /// Columns the pending spaces take at `column` (a tab reaches the next multiple of 8, as terminals place it).
    private func spacesWidth(at column: Int) -> Int {
        var c = column
        for s in spaces { c = s == "\t" ? (c / 8 + 1) * 8 : c + 1 }
        return c - column
    }
}
