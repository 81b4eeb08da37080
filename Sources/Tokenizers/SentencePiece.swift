/// SentencePiece-style encoding from a GGUF vocabulary (`tokenizer.ggml.model == "llama"`: Gemma, Llama 2,
/// Mistral), giving llama.cpp's ids (its `llm_tokenizer_spm`).
///
/// A text fragment (what special-token partitioning leaves) becomes its characters with every space written `▁`
/// (U+2581), and a leading `▁` when the vocabulary asks for a space prefix (`tokenizer.ggml.add_space_prefix`,
/// true unless the file says otherwise; Gemma says false) and the fragment opens the text or follows a special
/// token. Then adjacent symbols are merged greedily: of every adjacent pair whose joined text is a token, the one
/// whose token has the highest score merges first (ties: the leftmost), until no pair is a token. A symbol left that
/// is no token (a character outside the vocabulary) falls back to its UTF-8 bytes as `<0xNN>` tokens.
///
/// There is no pre-tokenizer: the whole fragment is one sequence, so the cost is O(n log n) in its characters.
struct SentencePieceEncoder: Sendable {
    let scores: [Float]
    let idForBytes: [[UInt8]: Int]
    /// The `<0xNN>` token of each byte (or the one-character token of that byte, or `unknown`).
    let byteToken: [Int]
    let addSpacePrefix: Bool

    /// `▁`, U+2581, in UTF-8: SentencePiece's visible space.
    static let space: [UInt8] = [0xE2, 0x96, 0x81]

    init(vocabulary v: Vocabulary, scores: [Float], addSpacePrefix: Bool) {
        self.scores = scores
        idForBytes = v.idForBytes
        self.addSpacePrefix = addSpacePrefix
        byteToken = (0..<256).map { b in
            let hex = String(b, radix: 16, uppercase: true)
            if let id = v.id("<0x" + (b < 16 ? "0" : "") + hex + ">") { return id }
            if b < 0x80, let id = v.id(String(UnicodeScalar(UInt8(b)))) { return id }
            return v.unk ?? 0
        }
    }

    private struct Symbol {
        var start: Int
        var length: Int
        var prev: Int
        var next: Int
    }

    /// A candidate merge of two adjacent symbols, ordered by its token's score, then leftmost first.
    private struct Bigram: MergeCandidate {
        var left: Int
        var right: Int
        var score: Float
        var length: Int

        func comesBefore(_ o: Bigram) -> Bool { score != o.score ? score > o.score : left < o.left }
    }

    /// Encodes `bytes[range]` (valid UTF-8, cut only at characters) and appends its ids to `out`. `afterSpecial`:
    /// the fragment opens the text or follows a special token (where the space prefix goes).
    func encode(_ bytes: [UInt8], _ range: Range<Int>, afterSpecial: Bool, into out: inout [Int]) {
        var text: [UInt8] = []
        text.reserveCapacity(range.count + 8)
        if addSpacePrefix && afterSpecial { text += Self.space }
        for i in range { if bytes[i] == 0x20 { text += Self.space } else { text.append(bytes[i]) } }
        guard !text.isEmpty else { return }

        // One symbol per character.
        var symbols: [Symbol] = []
        symbols.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            let b = text[i]
            let n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            let len = min(n, text.count - i)
            symbols.append(Symbol(start: i, length: len, prev: symbols.count - 1, next: i + len < text.count ? symbols.count + 1 : -1))
            i += len
        }

        var heap = MergeHeap<Bigram>()
        func token(_ start: Int, _ length: Int) -> Int? {
            idForBytes[Array(text[start..<(start + length)])]
        }
        func push(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let a = symbols[left], b = symbols[right]
            guard let id = token(a.start, a.length + b.length) else { return }
            heap.push(Bigram(left: left, right: right, score: scores[id], length: a.length + b.length))
        }

        for k in 1..<max(symbols.count, 1) { push(k - 1, k) }
        while let g = heap.pop() {
            let left = symbols[g.left], right = symbols[g.right]
            // A pair one of whose symbols has merged since it was queued is stale.
            guard left.length > 0, right.length > 0, left.length + right.length == g.length else { continue }
            symbols[g.left].length += right.length
            symbols[g.right].length = 0
            symbols[g.left].next = right.next
            if right.next >= 0 { symbols[right.next].prev = g.left }
            push(left.prev, g.left)
            push(g.left, right.next)
        }

        var k = 0
        while k >= 0, k < symbols.count {
            let s = symbols[k]
            if let id = token(s.start, s.length) {
                out.append(id)
            } else {
                for j in s.start..<(s.start + s.length) { out.append(byteToken[Int(text[j])]) }
            }
            k = s.next
        }
    }
}
