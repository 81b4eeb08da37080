/// The text being edited at the prompt and the cursor in it, counted in whole characters (grapheme clusters), so
/// that moving over or deleting "é", "👍🏽" or "中" takes one key press. A value with pure edit operations: the
/// line editor maps keys to these and draws the result.
public struct LineBuffer: Equatable, Sendable {
    public private(set) var characters: [Character]
    /// Characters before the cursor: 0 is the start, `characters.count` the end.
    public private(set) var cursor: Int

    public init(_ text: String = "", cursor: Int? = nil) {
        characters = Array(text)
        self.cursor = min(max(cursor ?? characters.count, 0), characters.count)
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Inserts `s` at the cursor and moves the cursor after it. Text that joins the character before it (a
    /// combining accent typed after "e") becomes part of that character.
    public mutating func insert(_ s: String) {
        let before = String(characters[..<cursor]) + s
        let joined = before + String(characters[cursor...])
        characters = Array(joined)
        cursor = min(before.count, characters.count)
    }

    public mutating func moveLeft() { cursor = max(cursor - 1, 0) }
    public mutating func moveRight() { cursor = min(cursor + 1, characters.count) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }

    /// Letters and digits make words for the word jumps (Alt-b, Alt-f), as in readline.
    static func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber }

    /// To the start of this word, or of the previous one when already at a word's start.
    public mutating func moveWordLeft() {
        while cursor > 0, !Self.isWord(characters[cursor - 1]) { cursor -= 1 }
        while cursor > 0, Self.isWord(characters[cursor - 1]) { cursor -= 1 }
    }

    /// To the end of this word, or of the next one when already at a word's end.
    public mutating func moveWordRight() {
        while cursor < characters.count, !Self.isWord(characters[cursor]) { cursor += 1 }
        while cursor < characters.count, Self.isWord(characters[cursor]) { cursor += 1 }
    }

    /// Deletes the character before the cursor (Backspace).
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    /// Deletes the character under the cursor (Delete).
    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Deletes from the start of the line to the cursor (Ctrl-U).
    public mutating func killToStart() {
        characters.removeSubrange(0..<cursor)
        cursor = 0
    }

    /// Deletes from the cursor to the end of the line (Ctrl-K).
    public mutating func killToEnd() {
        characters.removeSubrange(cursor...)
    }

    /// Deletes the word before the cursor and the whitespace after it, a word being anything between whitespace
    /// (Ctrl-W, readline's unix-word-rubout).
    public mutating func killPreviousWord() {
        var start = cursor
        while start > 0, characters[start - 1].isWhitespace { start -= 1 }
        while start > 0, !characters[start - 1].isWhitespace { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }
}
