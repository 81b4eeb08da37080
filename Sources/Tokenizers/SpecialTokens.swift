#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A piece of input after special-token partitioning: plain text still to be tokenized, or one special token.
enum Fragment: Equatable {
    case text(Range<Int>)
    case token(Int)
}

/// Finds special-token texts (`<|im_start|>`, `<tool_call>`…) in the input before any BPE runs, as llama.cpp's
/// `tokenizer_st_partition` does.
///
/// The candidates are the control, user-defined and unknown tokens, tried longest first (so `<|im_end|>` is never
/// cut into a shorter special that is its prefix); each one splits every remaining text fragment at each of its
/// occurrences, left to right. With `parseSpecial == false`, control and unknown tokens are skipped and read as
/// plain text, but user-defined tokens are still split out, as in llama.cpp (and Hugging Face tokenizers).
struct SpecialTokenMatcher: Sendable {
    /// Candidate ids, longest text first (ties: lower id first), with their UTF-8 and whether they need `parseSpecial`.
    private let candidates: [(id: Int, bytes: [UInt8], needsParseSpecial: Bool)]

    init(vocabulary: Vocabulary) {
        var list = [(id: Int, bytes: [UInt8], needsParseSpecial: Bool)]()
        for id in 0..<vocabulary.count {
            let a = vocabulary.attributes[id]
            guard !a.isDisjoint(with: [.control, .userDefined, .unknown]) else { continue }
            list.append((id, Array(vocabulary.tokens[id].utf8), !a.isDisjoint(with: [.control, .unknown])))
        }
        list.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        candidates = list
    }

    /// Splits `bytes` into text ranges and special tokens.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        bytes.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            for c in candidates where parseSpecial || !c.needsParseSpecial {
                guard !c.bytes.isEmpty else { continue }
                var out = [Fragment]()
                var changed = false
                for f in fragments {
                    guard case .text(let range) = f else { out.append(f); continue }
                    var start = range.lowerBound
                    while start < range.upperBound {
                        guard let at = Self.find(c.bytes, in: base, from: start, to: range.upperBound) else { break }
                        if at > start { out.append(.text(start..<at)) }
                        out.append(.token(c.id))
                        start = at + c.bytes.count
                        changed = true
                    }
                    if start < range.upperBound { out.append(.text(start..<range.upperBound)) }
                }
                if changed { fragments = out }
            }
        }
        return fragments
    }

    /// The first occurrence of `needle` in `haystack[from..<to]`: `memchr` for its first byte, then a compare.
    private static func find(_ needle: [UInt8], in haystack: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        let n = needle.count
        let first = Int32(needle[0])
        var at = from
        return needle.withUnsafeBufferPointer { nb in
            while to - at >= n {
                guard let hit = memchr(haystack + at, first, to - at - n + 1) else { return nil }
                let i = UnsafeRawPointer(haystack).distance(to: UnsafeRawPointer(hit))
                if memcmp(haystack + i, nb.baseAddress!, n) == 0 { return i }
                at = i + 1
            }
            return nil
        }
    }
}
