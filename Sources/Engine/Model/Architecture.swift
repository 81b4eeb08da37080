/// What distinguishes one transformer architecture from another, as small data (STYLE.md: "small files of
/// differences, not three engines"). The forward pass in `Transformer.swift` reads these switches.
public struct ArchitectureSpec: Sendable {
    /// `general.architecture` value.
    public var name: String
    public var ropeStyle: RopeStyle
    /// Q, K and V projections carry biases (`blk.N.attn_{q,k,v}.bias`).
    public var qkvBias: Bool
    /// Default when the file has no `output.weight`: the LM head is the token embedding.
    public var tiedOutputAllowed: Bool
}

/// The flat registry from `general.architecture` to its spec.
public enum Architectures {
    public static let all: [ArchitectureSpec] = [llama, qwen2]
    public static var names: [String] { all.map(\.name) }

    public static func spec(_ name: String) throws -> ArchitectureSpec {
        guard let s = all.first(where: { $0.name == name }) else { throw EngineError.unsupportedArchitecture(name) }
        return s
    }
}
