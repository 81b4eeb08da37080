import Engine

/// Layer lists as the command line writes them (`capture --layers`, `bench --capture`, `--steer FILE@LAYERS`):
/// `13`, `10-14`, `0,5,10-12`, and `embd` for the embedding input where a hook site may be named.
///
/// Parsing is pure and bounded, so a bad list is a usage error before any model is loaded: empty items, signs,
/// reversed ranges, layers named twice and numbers past `maxLayer` are all refused, and a range never expands to
/// more than `maxLayer + 1` layers. Whether each layer exists in the model is checked once the model is known
/// (`LayerSelection.sites(layerCount:option:)`, `SteerOptions.steering`).
public enum LayerList {
    /// The largest layer number accepted; models have well under a thousand blocks.
    public static let maxLayer = 9999

    /// The layers of `text` in the order written, e.g. `0,5,10-12` → 0, 5, 10, 11, 12. `option` starts each error
    /// message (`--layers`, `--steer calm.gguf@x`).
    public static func layers(_ text: String, option: String) throws -> [Int] {
        try parse(text, option: option, embedding: false).map { site in
            guard case .layer(let n) = site else { preconditionFailure("embd is refused when embedding is false") }
            return n
        }
    }

    /// The hook sites of `text` in the order written: layers as `.layer(N)`, and `embd` as `.embedding` when
    /// `embedding` is true.
    public static func parse(_ text: String, option: String, embedding: Bool) throws -> [HookSite] {
        let forms = embedding ? "N, A-B or embd" : "N or A-B"
        guard !text.isEmpty else { throw UsageError("\(option): no layers given (use \(forms), separated by commas)") }
        var out: [HookSite] = []
        var seen = Set<HookSite>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw UsageError("\(option): empty item in the layer list '\(text)'") }
            var sites: [HookSite]
            if embedding && part == "embd" {
                sites = [.embedding]
            } else {
                let ends = part.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2, let lo = number(ends[0]), let hi = number(ends[ends.count - 1]) else {
                    throw UsageError("\(option): cannot read '\(part)' as a layer (use \(forms); layers count from 0)")
                }
                if let big = ends.first(where: { number($0)! > maxLayer }) {
                    throw UsageError("\(option): layer \(big) is past \(maxLayer)")
                }
                guard lo <= hi else { throw UsageError("\(option): the range \(part) runs backwards") }
                sites = (lo...hi).map { .layer($0) }
            }
            for s in sites {
                guard seen.insert(s).inserted else {
                    throw UsageError("\(option): \(s == .embedding ? "embd" : "layer \(layerNumber(s))") is named twice")
                }
                out.append(s)
            }
        }
        return out
    }

    /// A whole number written with digits only (no sign, no spaces), or nil; `Int.max` when it is too large for
    /// an `Int`, so that it is reported as too large rather than as unreadable.
    static func number(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s) ?? Int.max
    }

    static func layerNumber(_ s: HookSite) -> Int {
        if case .layer(let n) = s { return n }
        return -1
    }
}

/// What `capture --layers` and `bench --capture` name: every layer of the model, or a list.
public enum LayerSelection: Equatable, Sendable {
    case all
    case sites([HookSite])

    /// `all`, or a layer list in which `embd` names the embedding input.
    public static func parse(_ text: String, option: String) throws -> LayerSelection {
        text == "all" ? .all : .sites(try LayerList.parse(text, option: option, embedding: true))
    }

    /// The sites on a model with `layerCount` blocks; a layer the model does not have is a usage error.
    public func sites(layerCount: Int, option: String) throws -> [HookSite] {
        switch self {
        case .all:
            return (0..<layerCount).map { .layer($0) }
        case .sites(let sites):
            for case .layer(let n) in sites where n >= layerCount {
                throw UsageError("\(option): layer \(n) is outside 0-\(layerCount - 1)")
            }
            return sites
        }
    }
}
