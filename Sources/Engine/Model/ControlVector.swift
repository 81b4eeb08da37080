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
    ///
    /// Every direction's shape is checked before any is read: one row, all of one width, layers 0 to
    /// `ModelConfig.Limits.layers`, each layer once, and with `model` given, exactly its hidden size wide and
    /// within its layers, so a file claiming a huge tensor is refused before anything is allocated for it.
    public init(file: GGUFFile, for model: ModelConfig? = nil) throws {
        func bad(_ s: String) -> EngineError { .badSteeringVector("\(file.path): \(s)") }
        modelHint = file["controlvector.model_hint"]?.string ?? ""
        let maxLayers = model?.layerCount ?? ModelConfig.Limits.layers
        var found: [(layer: Int, tensor: GGUFTensorInfo)] = []
        for t in file.tensors where t.name.hasPrefix("direction.") {
            let digits = t.name.dropFirst("direction.".count)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), digits.utf8.count <= 9, let layer = Int(digits) else {
                throw bad("tensor '\(t.name)' is not direction.N with a layer number N")
            }
            guard layer < maxLayers else {
                throw bad("tensor '\(t.name)' is for layer \(layer), past " + (model.map { "the model's last layer, \($0.layerCount - 1)" } ?? "the last layer any model has"))
            }
            guard !found.contains(where: { $0.layer == layer }) else { throw bad("layer \(layer) has two direction tensors") }
            guard t.dims.count == 1 || t.rowCount == 1 else {
                throw bad("tensor '\(t.name)' has shape \(t.dims); expected one row of n_embd values")
            }
            let width = t.elementCount
            if let model, width != model.hiddenSize {
                throw bad("'\(t.name)' has \(width) values; the model's hidden size is \(model.hiddenSize)")
            }
            guard width <= ModelConfig.Limits.hiddenSize else {
                throw bad("'\(t.name)' has \(width) values, more than any model's hidden size (at most \(ModelConfig.Limits.hiddenSize))")
            }
            guard found.first.map({ $0.tensor.elementCount == width }) ?? true else {
                throw bad("direction tensors have different lengths (\(found[0].tensor.elementCount) and \(width))")
            }
            guard supportsDot(t.type) else { throw EngineError.unsupportedTensorType(tensor: t.name, type: t.type) }
            found.append((layer, t))
        }
        guard !found.isEmpty else { throw bad("it holds no direction.N tensors: not a control vector") }
        var directions: [Int: [Float]] = [:]
        for (layer, t) in found {
            var v = [Float](repeating: 0, count: t.elementCount)
            v.withUnsafeMutableBufferPointer { dequantizeRow(t.type, file.data(for: t).baseAddress!, $0.baseAddress!, count: t.elementCount) }
            // A NaN or infinity would turn every steered row, and then every logit, into NaN.
            if let i = v.firstIndex(where: { !$0.isFinite }) {
                throw EngineError.badSteeringVector("\(file.path): tensor '\(t.name)' has \(v[i].isNaN ? "a NaN" : "an infinite value") at index \(i); the file is damaged — make or download it again")
            }
            directions[layer] = v
        }
        self.directions = directions
    }

    /// Reads a control vector file; with `model`, first checks that the file is no larger than one direction per
    /// layer of the model could make it (`maxFileBytes`), before it is mapped or parsed.
    public init(path: String, for model: ModelConfig? = nil) throws {
        try self.init(file: GGUFFile(path: path, role: "steering file", maxSize: model.map(Self.maxFileBytes)), for: model)
    }

    /// The largest control-vector file for `model`: an F32 direction of its hidden size for every layer, each with
    /// a tensor descriptor and alignment padding of up to 4 KiB, and 1 MiB of metadata.
    public static func maxFileBytes(for model: ModelConfig) -> Int {
        model.layerCount * (model.hiddenSize * 4 + 4096) + (1 << 20)
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
