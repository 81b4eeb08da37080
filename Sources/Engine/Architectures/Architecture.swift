import GGUF

/// One transformer architecture: how its block's weights are named in a GGUF file, and its block written as the
/// math over the shared helpers of `ForwardPass` (STYLE.md: "small files of differences, not three engines").
/// Adding an architecture is a new file here and one line in `Architectures.all`.
public protocol Architecture: Sendable {
    /// The `general.architecture` value this file implements.
    static var name: String { get }
    /// The RoPE variant the file's Q/K rows were written for.
    static var ropeStyle: RopeStyle { get }
    /// Loads block `index`'s weights, checking each tensor's shape and type.
    static func loadLayer(_ index: Int, from tensors: TensorLoader, config: ModelConfig) throws -> LayerWeights
    /// Block `layer`: reads the residual stream `pass.x` and leaves the block's output there ("layer N").
    static func block(_ layer: Int, _ weights: LayerWeights, _ pass: ForwardPass)
    /// Reads what the architecture adds to the shared config (embedding scale, sliding window…) from the file.
    static func configure(_ config: inout ModelConfig, gguf: GGUFFile) throws
}

extension Architecture {
    public static func configure(_ config: inout ModelConfig, gguf: GGUFFile) throws {}
}

/// The flat registry from `general.architecture` to its implementation.
public enum Architectures {
    public static let all: [any Architecture.Type] = [Llama.self, Qwen2.self, Gemma3.self]
    public static var names: [String] { all.map { $0.name } }

    /// The architecture named `name`, or `EngineError.unsupportedArchitecture`.
    public static func named(_ name: String) throws -> any Architecture.Type {
        guard let a = all.first(where: { $0.name == name }) else { throw EngineError.unsupportedArchitecture(name) }
        return a
    }
}

/// Reads a model's tensors by name with the checks every loader needs: present, the expected shape, a type
/// Limbic computes with. Matrices stay quantized inside the file mapping; vectors become small f32 copies.
public struct TensorLoader {
    public let file: GGUFFile
    /// Where `matrix` keeps the packed copies it makes (see `PackedWeights`); nil packs nothing.
    public let packs: PackedWeights?

    public init(file: GGUFFile, packs: PackedWeights? = nil) {
        self.file = file
        self.packs = packs
    }

    /// A (rows × cols) weight matrix; GGUF lists dimensions innermost first, so its dims are [cols, rows]. With
    /// `pack` (and `packs` set) it carries a packed copy where its type has one.
    public func matrix(_ name: String, rows: Int, cols: Int, pack: Bool = true) throws -> WeightMatrix {
        let t = try file.requireTensor(name)
        guard t.dims == [cols, rows] else { throw EngineError.badTensorShape(tensor: name, dims: t.dims, expected: [cols, rows]) }
        guard supportsDot(t.type) else { throw EngineError.unsupportedTensorType(tensor: name, type: t.type) }
        let w = WeightMatrix(type: t.type, data: file.data(for: t).baseAddress!, rows: rows, cols: cols)
        guard pack, let packs else { return w }
        return packs.pack(w, fromMapping: file.isMapped)
    }

    /// A vector of `count` values (norm weights, biases), dequantized.
    public func vector(_ name: String, _ count: Int) throws -> [Float] {
        let t = try file.requireTensor(name)
        guard t.elementCount == count else { throw EngineError.badTensorShape(tensor: name, dims: t.dims, expected: [count]) }
        guard supportsDot(t.type) else { throw EngineError.unsupportedTensorType(tensor: name, type: t.type) }
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dequantizeRow(t.type, file.data(for: t).baseAddress!, $0.baseAddress!, count: count) }
        return out
    }

    public func has(_ name: String) -> Bool { file.tensor(named: name) != nil }
}
