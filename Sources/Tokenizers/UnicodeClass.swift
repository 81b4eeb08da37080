/// The three character classes the pre-tokenizer regexes ask about (`\p{L}`, `\p{N}`, `\s`), one byte per scalar.
///
/// Why not `Character` properties: llama.cpp classifies single code points (never grapheme clusters), from the
/// Unicode general category, so a combining mark (`\p{M}`) is *not* a letter and splits a word, exactly as it
/// does there. Whitespace is the Unicode `White_Space` set, which is what llama.cpp's `unicode_set_whitespace`
/// lists (TAB…CR, SPACE, NEL, NBSP, U+1680, U+2000…U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
struct UnicodeClass: OptionSet, Sendable {
    let rawValue: UInt8
    static let letter = UnicodeClass(rawValue: 1)
    static let number = UnicodeClass(rawValue: 2)
    static let whitespace = UnicodeClass(rawValue: 4)
    /// Set on every scalar that exists. llama.cpp's hand-written matchers test "flags != 0" to tell a real
    /// character from a position past the end of the fragment, where they read empty flags.
    static let present = UnicodeClass(rawValue: 128)

    /// The class of one scalar value.
    static func of(_ value: UInt32) -> UnicodeClass {
        if value < 128 { return asciiTable[Int(value)] }
        return nonASCII(value)
    }

    private static let asciiTable: [UnicodeClass] = (0..<128).map { nonASCII(UInt32($0)) }

    private static func nonASCII(_ value: UInt32) -> UnicodeClass {
        var c: UnicodeClass = .present
        if isWhitespace(value) { c.insert(.whitespace) }
        guard let scalar = Unicode.Scalar(value) else { return c }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            c.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            c.insert(.number)
        default:
            break
        }
        return c
    }

    private static func isWhitespace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
