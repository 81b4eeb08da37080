/// An `ActivationSink` that keeps every row it receives, per site, in one flat array each
/// (positions in arrival order). Reserve capacity up front to avoid growth during a call.
public final class ActivationRecorder: ActivationSink {
    public let width: Int
    /// Rows per site, concatenated: `rows[site]![i * width ..< (i + 1) * width]` is the i-th received row.
    public private(set) var rows: [HookSite: [Float]] = [:]
    /// Absolute positions of the rows, per site.
    public private(set) var positions: [HookSite: [Int]] = [:]

    public init(width: Int, sites: Set<HookSite> = [], reservePositions: Int = 0) {
        self.width = width
        for s in sites {
            rows[s] = []; rows[s]!.reserveCapacity(reservePositions * width)
            positions[s] = []; positions[s]!.reserveCapacity(reservePositions)
        }
    }

    public func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>) {
        rows[site, default: []].append(contentsOf: row)
        positions[site, default: []].append(position)
    }

    public func clear() {
        for k in rows.keys { rows[k]!.removeAll(keepingCapacity: true); positions[k]!.removeAll(keepingCapacity: true) }
    }

    /// The row captured for `site` at absolute `position`, if any.
    public func row(_ site: HookSite, position: Int) -> ArraySlice<Float>? {
        guard let i = positions[site]?.lastIndex(of: position) else { return nil }
        return rows[site]![(i * width)..<((i + 1) * width)]
    }

    /// The last row captured for `site`.
    public func lastRow(_ site: HookSite) -> ArraySlice<Float>? {
        guard let r = rows[site], r.count >= width else { return nil }
        return r[(r.count - width)...]
    }
}
