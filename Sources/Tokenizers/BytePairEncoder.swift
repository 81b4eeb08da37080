import Foundation
import GGUF

/// Byte-level BPE over one pre-tokenized word: start from one symbol per byte and repeatedly merge the adjacent
/// pair with the lowest merge rank (its index in `tokenizer.ggml.merges`), until no adjacent pair is a merge.
///
/// Ties on rank break on the leftmost pair, as llama.cpp's priority queue orders them (`llm_bigram_bpe`). Symbols
/// are interned strings: a token's id when its text is in the vocabulary, an extra id past the vocabulary otherwise,
/// so a merge is one dictionary lookup on two integers instead of building and hashing strings.
struct BytePairEncoder: Sendable {
    /// `(left << 32 | right)` → `(rank << 32 | merged)`.
    private let merges: [UInt64: UInt64]
    /// The symbol for each single byte (the id of its GPT-2 character).
    private let byteSymbol: [Int32]
    /// Whether each byte's single-byte symbol is also a plain ASCII token (used only by the unknown-symbol fallback).
    private let asciiByteToken: [Int32]
    private let vocabularySize: Int
    /// llama3's `ignore_merges`: a word that is itself a token is taken whole, without merging.
    let ignoreMerges: Bool
    private let idForBytes: [[UInt8]: Int]

    init(vocabulary: Vocabulary, merges mergeList: [String], ignoreMerges: Bool) {
        vocabularySize = vocabulary.count
        self.ignoreMerges = ignoreMerges
        idForBytes = vocabulary.idForBytes
        var extra = [String: Int]()
        func intern(_ text: String) -> Int {
            if let id = vocabulary.id(text) { return id }
            if let id = extra[text] { return id }
            let id = vocabulary.count + extra.count
            extra[text] = id
            return id
        }
        var byteSymbol = [Int32](repeating: 0, count: 256)
        var asciiByteToken = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            byteSymbol[b] = Int32(intern(String(ByteLevel.scalarForByte[b])))
            if (0x21...0x7E).contains(b), let id = vocabulary.id(String(UnicodeScalar(UInt8(b)))) {
                asciiByteToken[b] = Int32(id)
            }
        }
        var table = [UInt64: UInt64](minimumCapacity: mergeList.count)
        for (rank, merge) in mergeList.enumerated() {
            // llama.cpp splits at the first space after the first byte; both halves are in GPT-2 spelling, where
            // a real space is "Ġ", so that space is the only one.
            let utf8 = merge.utf8
            guard let space = utf8.dropFirst().firstIndex(of: UInt8(ascii: " ")) else { continue }
            let left = String(merge[..<space])
            let right = String(merge[merge.index(after: space)...])
            let l = intern(left), r = intern(right), m = intern(left + right)
            let key = UInt64(l) << 32 | UInt64(r)
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(m) }
        }
        self.merges = table
        self.byteSymbol = byteSymbol
        self.asciiByteToken = asciiByteToken
    }

    /// Appends the token ids of one word (raw UTF-8 bytes, not yet in GPT-2 spelling).
    func encode(_ word: ArraySlice<UInt8>, into out: inout [Int], scratch: inout Scratch) {
        if word.count == 1, byteSymbol[Int(word.first!)] < vocabularySize {
            out.append(Int(byteSymbol[Int(word.first!)])); return
        }
        if ignoreMerges, let id = idForBytes[Array(ByteLevel.encode(word).utf8)] { out.append(id); return }

        let n = word.count
        scratch.reset(n)
        var i = 0
        for b in word { scratch.symbol[i] = byteSymbol[Int(b)]; i += 1 }
        for i in 1..<max(n, 1) { push(i - 1, i, &scratch) }

        while let pair = scratch.heap.pop() {
            let left = Int(pair.left), right = Int(pair.right)
            // Skip a stale pair: one side has been merged into something else since it was queued.
            guard scratch.symbol[left] == pair.leftSymbol, scratch.symbol[right] == pair.rightSymbol else { continue }
            scratch.symbol[left] = pair.merged
            scratch.symbol[right] = -1
            let after = scratch.next[right]
            scratch.next[left] = after
            if after >= 0 { scratch.prev[Int(after)] = Int32(left) }
            scratch.end[left] = scratch.end[right]
            if scratch.prev[left] >= 0 { push(Int(scratch.prev[left]), left, &scratch) }
            if after >= 0 { push(left, Int(after), &scratch) }
        }

        var at = 0
        while at >= 0 {
            let symbol = Int(scratch.symbol[at])
            if symbol < vocabularySize {
                out.append(symbol)
            } else {
                // A merge produced a string that is not a token (never in a sound vocabulary). llama.cpp then looks
                // each byte of the spelled string up as a one-byte token: only printable ASCII can match.
                for b in word[(word.startIndex + at)..<(word.startIndex + Int(scratch.end[at]))] {
                    let t = asciiByteToken[Int(b)]
                    if t >= 0 { out.append(Int(t)) }
                }
            }
            at = Int(scratch.next[at])
        }
    }

    @inline(__always) private func push(_ left: Int, _ right: Int, _ scratch: inout Scratch) {
        let l = scratch.symbol[left], r = scratch.symbol[right]
        guard let found = merges[UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))] else { return }
        scratch.heap.push(Pair(rank: Int32(found >> 32), left: Int32(left), right: Int32(right),
                               leftSymbol: l, rightSymbol: r, merged: Int32(truncatingIfNeeded: found & 0xFFFF_FFFF)))
    }

    struct Pair: MergeCandidate {
        var rank: Int32
        var left: Int32
        var right: Int32
        var leftSymbol: Int32
        var rightSymbol: Int32
        var merged: Int32

        @inline(__always) func comesBefore(_ o: Pair) -> Bool { rank < o.rank || (rank == o.rank && left < o.left) }
    }

    /// Buffers reused across words: the symbol chain (as a linked list over byte positions) and the pair queue.
    struct Scratch {
        var symbol: [Int32] = []
        var prev: [Int32] = []
        var next: [Int32] = []
        /// One past the last byte each live symbol covers.
        var end: [Int32] = []
        var heap = MergeHeap<Pair>()

        mutating func reset(_ n: Int) {
            symbol.removeAll(keepingCapacity: true)
            prev.removeAll(keepingCapacity: true)
            next.removeAll(keepingCapacity: true)
            end.removeAll(keepingCapacity: true)
            for i in 0..<n {
                symbol.append(0)
                prev.append(Int32(i - 1))
                next.append(i + 1 < n ? Int32(i + 1) : -1)
                end.append(Int32(i + 1))
            }
            heap.items.removeAll(keepingCapacity: true)
        }
    }
}
