/// How many terminal columns text takes: 2 for wide East Asian characters and emoji, 0 for characters that are
/// only combining marks or format characters, 1 otherwise. An approximation of `wcwidth(3)` over whole grapheme
/// clusters (a terminal gives "é" written as e + U+0301 one column, an emoji with a skin-tone modifier two).
public enum DisplayWidth {
    /// Columns of one character. A tab counts as `tabWidth` (the line editor draws it as that many spaces).
    public static func of(_ c: Character, tabWidth: Int = 4) -> Int {
        if c == "\t" { return tabWidth }
        guard let first = c.unicodeScalars.first else { return 0 }
        let v = first.value
        if v < 0x20 || v == 0x7F { return 0 }
        if v < 0x7F { return 1 }   // ASCII, the common case
        // An emoji presentation selector (U+FE0F) makes a text-style symbol (☺︎ vs ☺️) two columns wide.
        if c.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        if first.properties.isEmojiPresentation || isWide(v) { return 2 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: return 1
        }
    }

    /// Columns of a string, character by character.
    public static func of(_ s: some StringProtocol) -> Int {
        s.reduce(0) { $0 + of($1) }
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, W and F, grouped by block); emoji are
    /// found by their emoji-presentation property instead.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F,      // Hangul Jamo initial consonants
             0x2E80...0x303E,      // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
             0x3041...0x33FF,      // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK compatibility
             0x3400...0x4DBF,      // CJK Unified Ideographs Extension A
             0x4E00...0x9FFF,      // CJK Unified Ideographs
             0xA000...0xA4CF,      // Yi
             0xA960...0xA97F,      // Hangul Jamo Extended-A
             0xAC00...0xD7A3,      // Hangul syllables
             0xF900...0xFAFF,      // CJK compatibility ideographs
             0xFE10...0xFE19,      // vertical forms
             0xFE30...0xFE6F,      // CJK compatibility forms, small form variants
             0xFF00...0xFF60,      // fullwidth forms
             0xFFE0...0xFFE6,
             0x20000...0x2FFFD,    // CJK extensions B-F, compatibility supplement
             0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
