/// GPT-2's reversible byte ↔ printable-character mapping, which byte-level BPE vocabularies are written in.
///
/// The 188 bytes that are printable on their own (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68
/// (controls, space, DEL, NBSP, soft hyphen…) are given the code points U+0100, U+0101, … in byte order. So a space
/// is `Ġ` (U+0120) and a newline `Ċ` (U+010A) in every GPT-2-style vocabulary (llama.cpp: `unicode_byte_to_utf8_map`).
enum ByteLevel {
    /// The character standing for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each mapped character stands for (the inverse of `scalarForByte`).
    static let byteForScalar: [UInt32: UInt8] = {
        var map = [UInt32: UInt8]()
        for b in 0..<256 { map[scalarForByte[b].value] = UInt8(b) }
        return map
    }()

    /// The vocabulary spelling of raw bytes: each byte replaced by its character.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarForByte[Int(b)]) }
        return String(s)
    }

    /// The raw bytes behind a vocabulary spelling. A character outside the mapping (only possible in a malformed
    /// vocabulary) is written as `[UNK_BYTE_0x…]`, as llama.cpp's `llama_decode_text` does.
    static func decode(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let b = byteForScalar[scalar.value] {
                out.append(b)
            } else {
                out.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                for u in String(scalar).utf8 {
                    let hex = String(u, radix: 16)
                    out.append(contentsOf: Array((hex.count == 1 ? "0" + hex : hex).utf8))
                }
                out.append(contentsOf: Array(text.utf8))
                out.append(UInt8(ascii: "]"))
            }
        }
        return out
    }
}
