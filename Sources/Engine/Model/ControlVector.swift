import GGUF

/// Steering directions per layer in llama.cpp's control-vector layout, so files made by repeng or
/// `llama-cvector-generator` load here and ours load there (`llama-cli --control-vector FILE`).
///
/// The file is a GGUF with `general.architecture = "controlvector"`, `controlvector.model_hint` (the model's
/// architecture), `controlvector.layer_count`, and one f32 tensor `direction.N` of n_embd values per layer.
/// llama.cpp adds `direction.N` at the output of block N — our `.layer(N)` — and rejects N = 0, so writing a
/// layer-0 direction produces a warning.
public struct ControlVector: Sendable, Equatable {
    public var modelHint: String
    /// Direction per layer (block index), each `width` floats.
    public var directions: [Int: [Float]]
    public var width: Int { directions.values.first?.count ?? 0 }
    public var layers: [Int] { directions.keys.sorted() }

    public init(modelHint: String, directions: [Int: [Float]]) {
        self.modelHint = modelHint
        self.directions = directions
    }

    /// Reads a control vector file. Tensors other than `direction.N` are ignored; F16 directions are widened.
    public init(file: GGUFFile) throws {
        modelHint = file["controlvector.model_hint"]?.string ?? ""
        var directions: [Int: [Float]] = [:]
        for t in file.tensors where t.name.hasPrefix("direction.") {
            guard let layer = Int(t.name.dropFirst("direction.".count)), layer >= 0 else {
                throw EngineError.badSteeringVector("\(file.path): tensor '\(t.name)' is not direction.N with a layer number N")
            }
            guard t.dims.count == 1 || t.rowCount == 1 else {
                throw EngineError.badSteeringVector("\(file.path): tensor '\(t.name)' has shape \(t.dims); expected one row of n_embd values")
            }
            guard supportsDot(t.type) else { throw EngineError.unsupportedTensorType(tensor: t.name, type: t.type) }
            var v = [Float](repeating: 0, count: t.elementCount)
            v.withUnsafeMutableBufferPointer { dequantizeRow(t.type, file.data(for: t).baseAddress!, $0.baseAddress!, count: t.elementCount) }
            directions[layer] = v
        }
        guard !directions.isEmpty else {
            throw EngineError.badSteeringVector("\(file.path) holds no direction.N tensors: not a control vector")
        }
        guard Set(directions.values.map(\.count)).count == 1 else {
            throw EngineError.badSteeringVector("\(file.path): direction tensors have different lengths")
        }
        self.directions = directions
    }

    public init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }

    /// Warnings a user should see before this file is used elsewhere (llama.cpp refuses layer 0).
    public var warnings: [String] {
        directions[0] == nil ? [] : ["direction.0 (layer 0) is refused by llama.cpp's loader; other tools may skip it"]
    }

    /// The GGUF bytes. `layer_count` is the number of directions, as repeng writes it (llama.cpp's loader
    /// reads the layer of each tensor from its name and does not rely on the count).
    public func serialize() -> [UInt8] { writer().serialize() }

    /// Writes the file atomically; an existing file is replaced only with `replace` (see `GGUFWriter.write`).
    public func write(to path: String, replace: Bool) throws { try writer().write(to: path, replace: replace) }

    private func writer() -> GGUFWriter {
        var w = GGUFWriter()
        w.set("general.architecture", "controlvector")
        w.set("controlvector.model_hint", modelHint)
        w.set("controlvector.layer_count", .uint32(UInt32(directions.count)))
        for l in layers { w.addTensor("direction.\(l)", dims: [directions[l]!.count], floats: directions[l]!) }
        return w
    }
}
