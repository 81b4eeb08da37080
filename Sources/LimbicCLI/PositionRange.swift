import Engine

/// Token positions as the command line writes them: `capture --positions last|all|A-B` and `--steer FILE#A-B`
/// (or `#A-`, from A on). Positions are absolute in the KV cache and inclusive at both ends on the command line,
/// so `A-B` becomes `A..<B+1`.
///
/// Parsing is pure and bounded: signs, spaces, reversed ranges and positions past `maxPosition` are usage errors
/// (so `B+1` can never overflow).
public enum PositionRange {
    /// The largest position accepted: far past any context this engine sizes.
    public static let maxPosition = 9_999_999

    /// `A-B` → `A..<B+1`; when `openEnded`, also `A-` → `A..<Int.max`. `option` starts each error message.
    public static func parse(_ text: String, option: String, openEnded: Bool) throws -> Range<Int> {
        let forms = openEnded ? "A-B or A-" : "A-B"
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let lo = LayerList.number(ends[0]),
              (openEnded && ends[1].isEmpty) || LayerList.number(ends[1]) != nil else {
            throw UsageError("\(option): positions must be \(forms) (got '\(text)')")
        }
        if let big = ends.first(where: { !$0.isEmpty && LayerList.number($0)! > maxPosition }) {
            throw UsageError("\(option): position \(big) is past \(maxPosition)")
        }
        guard let hi = LayerList.number(ends[1]) else { return lo..<Int.max }
        guard lo <= hi else { throw UsageError("\(option): the range \(text) runs backwards") }
        return lo..<(hi + 1)
    }

    /// `last`, `all` or `A-B`, as `capture --positions` takes them.
    public static func selector(_ text: String, option: String) throws -> PositionSelector {
        switch text {
        case "last": return .last
        case "all": return .all
        default:
            guard text.contains("-") else { throw UsageError("\(option): use last, all or A-B (got '\(text)')") }
            return .range(try parse(text, option: option, openEnded: false))
        }
    }
}
