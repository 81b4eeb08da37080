/// A candidate merge of two adjacent symbols, ordered by how soon it merges.
protocol MergeCandidate {
    /// Whether this merges before `other` (BPE: lower rank, then leftmost; SentencePiece: higher score, then leftmost).
    func comesBefore(_ other: Self) -> Bool
}

/// The binary heap both tokenizers merge from: the candidate that merges first on top.
struct MergeHeap<Element: MergeCandidate> {
    var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ p: Element) {
        items.append(p)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].comesBefore(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            let n = items.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < n && items[l].comesBefore(items[best]) { best = l }
                if r < n && items[r].comesBefore(items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
