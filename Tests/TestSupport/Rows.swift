@_exported import Fuzzing
import Engine

/// Keeps every captured row.
public final class Rows: ActivationSink {
    public var rows: [HookSite: [Int: [Float]]] = [:]
    public init() {}
    public func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>) {
        rows[site, default: [:]][position] = Array(row)
    }
}
