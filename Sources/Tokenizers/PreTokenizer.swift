/// Cuts text into words before BPE, as llama.cpp does for each `tokenizer.ggml.pre` value.
///
/// BPE never merges across a word boundary, so these cuts decide the token ids as much as the merges do. llama.cpp
/// runs the Hugging Face pre-tokenizer regexes through hand-written matchers (`unicode_regex_split_custom_gpt2`,
/// `…_llama3`, `…_qwen2` in `unicode.cpp`); these are matchers with the same rules, written per regex alternative,
/// because their small departures from a true regex engine are part of the reference behaviour (see `gpt2`).
/// Positions are Unicode scalars (code points), never grapheme clusters.
public struct PreTokenizer: Sendable, Equatable {
    /// The regex families we implement.
    public enum Kind: String, Sendable, CaseIterable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
        case gpt2
        /// First `\p{N}` (every digit alone), then the gpt2 regex on what lies between.
        case smollm
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        case qwen2
        /// As qwen2 but numbers in runs of up to three digits: `\p{N}{1,3}`.
        case llama3
    }

    /// `tokenizer.ggml.pre` values we accept, and the family each selects (names as in llama.cpp's `llama-vocab.cpp`;
    /// `gpt2` is our alias for llama.cpp's `gpt-2`).
    public static let kinds: [(name: String, kind: Kind)] = [
        ("gpt-2", .gpt2), ("gpt2", .gpt2),
        ("smollm", .smollm), ("starcoder", .smollm),
        ("qwen2", .qwen2), ("deepseek-r1-qwen", .qwen2),
        ("llama3", .llama3), ("llama-v3", .llama3), ("llama-bpe", .llama3), ("falcon3", .llama3),
    ]

    public static var supportedNames: [String] { kinds.map(\.name) }

    public let kind: Kind
    /// The `tokenizer.ggml.pre` value this was made from.
    public let name: String

    public init(kind: Kind) {
        self.kind = kind
        self.name = kind.rawValue
    }

    /// The pre-tokenizer for a `tokenizer.ggml.pre` value; an unknown value is an error naming it and the supported ones.
    public init(name: String) throws {
        guard let entry = Self.kinds.first(where: { $0.name == name }) else {
            throw TokenizerError.unsupportedPreTokenizer(name, supported: Self.supportedNames)
        }
        self.kind = entry.kind
        self.name = name
    }

    /// The words of `text`, in order; joined they give `text` back.
    public func split(_ text: String) -> [String] {
        let scalars = text.unicodeScalars.map(\.value)
        let classes = scalars.map(UnicodeClass.of)
        var ends = [Int]()
        pieceEnds(scalars, classes, into: &ends)
        var out = [String]()
        var start = 0
        for end in ends {
            var s = String.UnicodeScalarView()
            for v in scalars[start..<end] { s.append(Unicode.Scalar(v)!) }
            out.append(String(s))
            start = end
        }
        return out
    }

    /// Appends the end index (exclusive, in scalars) of each word of one text fragment.
    func pieceEnds(_ scalars: [UInt32], _ classes: [UnicodeClass], into ends: inout [Int]) {
        guard !scalars.isEmpty else { return }
        let text = Scan(scalars: scalars, classes: classes)
        switch kind {
        case .gpt2:
            text.gpt2(0, scalars.count, &ends)
        case .smollm:
            // llama.cpp applies the regexes in turn, each to every piece the previous one left (matches and the
            // gaps between them): `\p{N}` isolates each digit, then gpt2 runs inside each remaining piece and its
            // look-ahead stops at the piece's end. So "a  1" is "a", "  ", "1" (not "a", " ", " 1").
            var start = 0
            var i = 0
            while i < scalars.count {
                if classes[i].contains(.number) {
                    if start < i { text.gpt2(start, i, &ends) }
                    ends.append(i + 1)
                    start = i + 1
                }
                i += 1
            }
            if start < scalars.count { text.gpt2(start, scalars.count, &ends) }
        case .qwen2:
            text.llama3(0, scalars.count, maxDigits: 1, &ends)
        case .llama3:
            text.llama3(0, scalars.count, maxDigits: 3, &ends)
        }
    }
}

/// One fragment's scalars and classes, read with llama.cpp's convention that a position outside the current piece
/// has no class and an impossible value, so no alternative can extend past it.
private struct Scan {
    let scalars: [UInt32]
    let classes: [UnicodeClass]
    static let outside: UInt32 = 0xFFFF_FFFF

    @inline(__always) func value(_ i: Int, _ end: Int) -> UInt32 { i < end ? scalars[i] : Self.outside }
    @inline(__always) func cls(_ i: Int, _ end: Int) -> UnicodeClass { i < end ? classes[i] : [] }

    static let apostrophe = UInt32(UInt8(ascii: "'"))
    static let space = UInt32(UInt8(ascii: " "))
    static let cr = UInt32(UInt8(ascii: "\r")), lf = UInt32(UInt8(ascii: "\n"))

    /// Length of a contraction (`'s 't 'm 'd` → 2, `'re 've 'll` → 3) starting at `pos`, or 0.
    /// `caseInsensitive` follows llama3/qwen2's `(?i:…)`; only ASCII letters can lower-case into these.
    @inline(__always) func contraction(_ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard scalars[pos] == Self.apostrophe, pos + 1 < end else { return 0 }
        func lower(_ v: UInt32) -> UInt32 { caseInsensitive && (65...90).contains(v) ? v + 32 : v }
        let a = lower(value(pos + 1, end))
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
        guard pos + 2 < end else { return 0 }
        let b = lower(value(pos + 2, end))
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// GPT-2's regex over `[start, end)`.
    func gpt2(_ start: Int, _ end: Int, _ ends: inout [Int]) {
        let nonWord: UnicodeClass = [.whitespace, .letter, .number]
        var pos = start
        while pos < end {
            let c = scalars[pos]
            let k = classes[pos]
            // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive in GPT-2's regex)
            let n = contraction(pos, end, caseInsensitive: false)
            if n > 0 { pos += n; ends.append(pos); continue }
            // " ?" attaches only a plain space (U+0020) to what follows.
            var k2 = c == Self.space ? cls(pos + 1, end) : k
            // ` ?\p{L}+`, then ` ?\p{N}+`
            if k2.contains(.letter) {
                if c == Self.space { pos += 1 }
                while cls(pos, end).contains(.letter) { pos += 1 }
                ends.append(pos); continue
            }
            if k2.contains(.number) {
                if c == Self.space { pos += 1 }
                while cls(pos, end).contains(.number) { pos += 1 }
                ends.append(pos); continue
            }
            // ` ?[^\s\p{L}\p{N}]+`
            if k2.isDisjoint(with: nonWord) && k2.rawValue != 0 {
                if c == Self.space { pos += 1 }
                while k2.isDisjoint(with: nonWord) && k2.rawValue != 0 { pos += 1; k2 = cls(pos, end) }
                ends.append(pos); continue
            }
            var spaces = 0
            while cls(pos + spaces, end).contains(.whitespace) { spaces += 1 }
            // `\s+(?!\S)`: a run of two or more followed by a character gives up its last one, which then starts
            // the next word ("a  b" → "a", " ", " b"). A single whitespace before a character ("\t!") matches
            // nothing in GPT-2's regex; llama.cpp's matcher makes it a word of its own, as the gap between two
            // regex matches would be.
            if spaces > 1 && value(pos + spaces, end) != Self.outside {
                pos += spaces - 1; ends.append(pos); continue
            }
            if spaces > 0 { pos += spaces; ends.append(pos); continue }
            pos += 1
            ends.append(pos)
        }
    }

    /// The llama3 / qwen2 regex over `[start, end)`; `maxDigits` is 3 for `\p{N}{1,3}` and 1 for `\p{N}`.
    func llama3(_ start: Int, _ end: Int, maxDigits: Int, _ ends: inout [Int]) {
        let nonWord: UnicodeClass = [.whitespace, .letter, .number]
        var pos = start
        while pos < end {
            let c = scalars[pos]
            let k = classes[pos]
            let n = contraction(pos, end, caseInsensitive: true)
            if n > 0 { pos += n; ends.append(pos); continue }
            // `[^\r\n\p{L}\p{N}]?\p{L}+`: any one non-letter, non-digit, non-newline character (a space, a tab,
            // an apostrophe, a quote…) may lead a run of letters.
            if !(c == Self.cr || c == Self.lf || k.contains(.number)) {
                if k.contains(.letter) || cls(pos + 1, end).contains(.letter) {
                    pos += 1
                    while cls(pos, end).contains(.letter) { pos += 1 }
                    ends.append(pos); continue
                }
            }
            // `\p{N}{1,3}` / `\p{N}`: a long number is cut every `maxDigits` from the left ("1234567" → 123|456|7).
            if k.contains(.number) {
                var first = pos
                while cls(pos, end).contains(.number) {
                    pos += 1
                    if pos - first >= maxDigits { ends.append(pos); first = pos }
                }
                if pos > first { ends.append(pos) }
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`. Why `k` and not `k2` in the guard: llama.cpp's matcher tests the
            // current character's flags there, so a space at the very end of a fragment is taken here, alone.
            var k2 = c == Self.space ? cls(pos + 1, end) : k
            if k2.isDisjoint(with: nonWord) && k.rawValue != 0 {
                if c == Self.space { pos += 1 }
                while k2.isDisjoint(with: nonWord) && k2.rawValue != 0 { pos += 1; k2 = cls(pos, end) }
                while true {
                    let v = value(pos, end)
                    guard v == Self.cr || v == Self.lf else { break }
                    pos += 1
                }
                ends.append(pos); continue
            }
            var spaces = 0
            var afterLastNewline = -1
            while cls(pos + spaces, end).contains(.whitespace) {
                let v = scalars[pos + spaces]
                if v == Self.cr || v == Self.lf { afterLastNewline = pos + spaces + 1 }
                spaces += 1
            }
            // `\s*[\r\n]+`: whitespace up to and including the last newline of the run.
            if afterLastNewline >= 0 { pos = afterLastNewline; ends.append(pos); continue }
            // `\s+(?!\S)`, then `\s+` (see gpt2).
            if spaces > 1 && value(pos + spaces, end) != Self.outside {
                pos += spaces - 1; ends.append(pos); continue
            }
            if spaces > 0 { pos += spaces; ends.append(pos); continue }
            pos += 1
            ends.append(pos)
        }
    }
}
