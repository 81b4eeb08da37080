/// One key press, or one bracketed paste, as the line editor sees it.
public enum Key: Equatable, Sendable {
    /// Printable text typed (several characters when they arrive together).
    case text(String)
    /// A bracketed paste (ESC[200~ … ESC[201~): its text, with CR and CRLF read as newlines, other control
    /// characters dropped.
    case paste(String)
    case enter, backspace, delete
    case left, right, home, end, wordLeft, wordRight
    case up, down
    /// Ctrl-U, Ctrl-K, Ctrl-W (and Alt-Backspace).
    case killToStart, killToEnd, killPreviousWord
    /// Ctrl-L.
    case clearScreen
    /// Ctrl-C.
    case interrupt
    /// Ctrl-D: end of input on an empty line, Delete otherwise.
    case endOfInput
    /// Ctrl-Z.
    case suspend
    /// A key or escape sequence the editor has no use for (a lone Escape, F5, …): ignored.
    case ignored
}

/// Turns the bytes a terminal sends in raw mode into `Key`s: UTF-8 text, control keys, and the escape sequences of
/// xterm-compatible terminals (VT100 `ESC O x` and `ESC [ … final` forms, with modifiers as in xterm's
/// `ESC[1;5C`). Bytes may arrive split anywhere; an incomplete sequence waits for the next `feed`. A lone ESC
/// cannot be told from the start of a sequence until more bytes come or none do: the reader calls `timeout()`
/// when the terminal has been quiet for a moment.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []
    /// The text of a bracketed paste in progress (nil outside one).
    private var paste: [UInt8]? = nil

    static let pasteStart: [UInt8] = Array("\u{1B}[200~".utf8)
    static let pasteEnd: [UInt8] = Array("\u{1B}[201~".utf8)

    public init() {}

    /// Whether bytes are waiting for the rest of a sequence (the reader then waits briefly before `timeout()`).
    /// Inside a paste the reader waits as long as it takes.
    public var isWaiting: Bool { paste == nil && !pending.isEmpty }

    /// Decodes `bytes` after whatever was left from the last call.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending += bytes
        var keys: [Key] = []
        var text: [UInt8] = []
        func flushText() {
            if !text.isEmpty { keys.append(.text(String(decoding: text, as: UTF8.self))); text.removeAll() }
        }
        var i = 0
        while i < pending.count {
            if paste != nil {
                // Everything up to ESC[201~ is the paste's text, whatever it contains.
                guard let end = Self.find(Self.pasteEnd, in: pending, from: i) else {
                    // Keep a possible start of the end marker for the next call.
                    let keep = Self.partialSuffix(of: pending[i...], matching: Self.pasteEnd)
                    paste! += pending[i..<(pending.count - keep)]
                    i = pending.count - keep
                    break
                }
                paste! += pending[i..<end]
                keys.append(.paste(Self.pasteText(paste!)))
                paste = nil
                i = end + Self.pasteEnd.count
                continue
            }
            let b = pending[i]
            if b >= 0x20 && b != 0x7F {
                // Printable ASCII, or UTF-8: take the whole sequence or wait for it.
                let n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                guard i + n <= pending.count else { break }
                text += pending[i..<(i + n)]
                i += n
                continue
            }
            flushText()
            if b == 0x1B {
                guard let decoded = Self.escape(pending[i...]) else { break }   // incomplete: wait for the rest
                if let key = decoded.key { keys.append(key) } else { paste = [] }
                i += decoded.length
                continue
            }
            keys.append(Self.control(b))
            i += 1
        }
        flushText()
        pending.removeFirst(i)
        return keys
    }

    /// The terminal went quiet with bytes pending: a lone ESC is the Escape key (ignored); a cut-off UTF-8 sequence
    /// is dropped.
    public mutating func timeout() -> [Key] {
        guard isWaiting else { return [] }
        pending.removeAll()
        return [.ignored]
    }

    /// A control byte (below 0x20, or DEL).
    static func control(_ b: UInt8) -> Key {
        switch b {
        case 0x01: return .home                // Ctrl-A
        case 0x02: return .left                // Ctrl-B
        case 0x03: return .interrupt           // Ctrl-C
        case 0x04: return .endOfInput          // Ctrl-D
        case 0x05: return .end                 // Ctrl-E
        case 0x06: return .right               // Ctrl-F
        case 0x08, 0x7F: return .backspace     // Ctrl-H, DEL (what Backspace sends)
        case 0x09: return .text("\t")
        case 0x0A, 0x0D: return .enter         // Ctrl-J, CR (what Enter sends in raw mode)
        case 0x0B: return .killToEnd           // Ctrl-K
        case 0x0C: return .clearScreen         // Ctrl-L
        case 0x0E: return .down                // Ctrl-N
        case 0x10: return .up                  // Ctrl-P
        case 0x15: return .killToStart         // Ctrl-U
        case 0x17: return .killPreviousWord    // Ctrl-W
        case 0x1A: return .suspend             // Ctrl-Z
        default: return .ignored
        }
    }

    /// Decodes the escape sequence at the start of `bytes` (which starts with ESC): the key (nil for the start of
    /// a bracketed paste) and the number of bytes it took, or nil when more bytes are needed.
    static func escape(_ bytes: ArraySlice<UInt8>) -> (key: Key?, length: Int)? {
        let s = Array(bytes)
        guard s.count >= 2 else { return nil }
        switch s[1] {
        case UInt8(ascii: "["):
            // CSI: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, one final byte 0x40-0x7E.
            var j = 2
            while j < s.count, (0x20...0x3F).contains(s[j]) { j += 1 }
            guard j < s.count else { return nil }
            let final = s[j]
            guard (0x40...0x7E).contains(final) else { return (.ignored, j) }   // malformed: drop what was read
            let params = String(decoding: s[2..<j], as: UTF8.self)
            return (csi(params: params, final: final), j + 1)
        case UInt8(ascii: "O"):
            // SS3: VT100 application-mode cursor keys, and rxvt's Ctrl-arrows (ESC O c / ESC O d).
            guard s.count >= 3 else { return nil }
            let key: Key
            switch s[2] {
            case UInt8(ascii: "A"): key = .up
            case UInt8(ascii: "B"): key = .down
            case UInt8(ascii: "C"): key = .right
            case UInt8(ascii: "D"): key = .left
            case UInt8(ascii: "H"): key = .home
            case UInt8(ascii: "F"): key = .end
            case UInt8(ascii: "c"): key = .wordRight
            case UInt8(ascii: "d"): key = .wordLeft
            default: key = .ignored
            }
            return (key, 3)
        case UInt8(ascii: "b"), UInt8(ascii: "B"): return (.wordLeft, 2)       // Alt-b
        case UInt8(ascii: "f"), UInt8(ascii: "F"): return (.wordRight, 2)      // Alt-f
        case 0x7F, 0x08: return (.killPreviousWord, 2)                          // Alt-Backspace
        case 0x20..<0x7F: return (.ignored, 2)   // Alt with another key
        default: return (.ignored, 1)   // a lone Escape, then a control key or a character to read on its own
        }
    }

    /// A CSI sequence's key: arrows with modifiers (`1;5C` is Ctrl-Right, `1;3C` Alt-Right, both jump words),
    /// Home/End in their several spellings, Delete, and the start of a bracketed paste (nil).
    static func csi(params: String, final: UInt8) -> Key? {
        let fields = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        // xterm's modifier parameter: 1 + (Shift 1, Alt 2, Ctrl 4).
        let modifier = fields.count >= 2 ? (fields[1] ?? 1) - 1 : 0
        let word = modifier & (2 | 4) != 0
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return word ? .wordRight : .right
        case UInt8(ascii: "D"): return word ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch fields.first ?? nil {
            case 1, 7: return .home
            case 4, 8: return .end
            case 3: return .delete
            case 200: return nil
            default: return .ignored
            }
        default: return .ignored
        }
    }

    /// A paste's bytes as text: CRLF and CR become LF (terminals send CR for a pasted newline); tabs and newlines
    /// stay; other control characters go (a pasted escape sequence must not move the cursor).
    static func pasteText(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0D {
                out.append(0x0A)
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
            } else if b >= 0x20 && b != 0x7F || b == 0x0A || b == 0x09 {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from start: Int) -> Int? {
        guard hay.count - start >= needle.count else { return nil }
        var i = start
        while i + needle.count <= hay.count {
            if hay[i] == needle[0], Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// How many bytes at the end of `s` could be the start of `marker`.
    static func partialSuffix(of s: ArraySlice<UInt8>, matching marker: [UInt8]) -> Int {
        for k in stride(from: min(marker.count - 1, s.count), to: 0, by: -1) where Array(s.suffix(k)) == Array(marker.prefix(k)) {
            return k
        }
        return 0
    }
}
