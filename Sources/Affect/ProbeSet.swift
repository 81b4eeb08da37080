import Foundation
import GGUF

/// Every emotion's direction at every layer of one model, with calibration, the chosen reading layer and the
/// validation results. Stored as one GGUF file (`general.architecture = "limbic.probes"`):
///
/// | key / tensor | what |
/// | --- | --- |
/// | `probes.emotions` | emotion names, in vector order |
/// | `probes.layer` | the reading layer, chosen on validation data |
/// | `probes.method`, `probes.skip_tokens` | how the vectors were made |
/// | `probes.model_sha256`, `probes.dataset_hash` | what they were made from (a mismatch makes the set stale) |
/// | `probes.validation_accuracy` | held-out accuracy per layer |
/// | `probes.accuracy_unnamed`, `probes.accuracy_named` | accuracy at the reading layer on validation passages that never / do name their emotion |
/// | `probes.confusion` | (emotions × emotions) counts at the reading layer, row = true emotion |
/// | `vectors.N` | (width, emotions) unit directions at layer N |
/// | `center.N` | (width) the centre projections are measured from |
/// | `calib_mean.N`, `calib_std.N` | (emotions) projection statistics on neutral text (readings' z) |
/// | `score_mean.N`, `score_std.N` | (emotions) projection statistics on training passages (classification) |
public struct ProbeSet: Sendable {
    public var emotions: [String]
    public var layers: [LayerProbe]
    public var readingLayer: Int
    public var method: ExtractionMethod
    public var skipTokens: Int
    public var modelSHA256: String
    public var datasetHash: String
    public var validationAccuracy: [Float]
    public var accuracyUnnamed: Float
    public var accuracyNamed: Float
    public var confusion: [[Int]]

    public var width: Int { layers.first?.center.count ?? 0 }

    public func index(of emotion: String) throws -> Int {
        guard let i = emotions.firstIndex(of: emotion) else { throw AffectError.unknownEmotion(emotion, known: emotions) }
        return i
    }

    // MARK: Storage

    /// Writes the set atomically, creating its folder; an existing file is replaced only with `replace`
    /// (see `GGUFWriter.write`).
    public func write(to path: String, replace: Bool) throws {
        var w = GGUFWriter()
        w.set("general.architecture", "limbic.probes")
        w.set("probes.version", UInt32(1))
        w.set("probes.emotions", strings: emotions)
        w.set("probes.layer", UInt32(readingLayer))
        w.set("probes.method", method.rawValue)
        w.set("probes.skip_tokens", UInt32(skipTokens))
        w.set("probes.model_sha256", modelSHA256)
        w.set("probes.dataset_hash", datasetHash)
        w.set("probes.validation_accuracy", .array(.float32, validationAccuracy.map { .float32($0) }))
        w.set("probes.accuracy_unnamed", accuracyUnnamed)
        w.set("probes.accuracy_named", accuracyNamed)
        w.set("probes.confusion", .array(.int32, confusion.flatMap { $0 }.map { .int32(Int32($0)) }))
        for (l, p) in layers.enumerated() {
            w.addTensor("vectors.\(l)", dims: [width, emotions.count], floats: p.vectors.flatMap { $0 })
            w.addTensor("center.\(l)", dims: [width], floats: p.center)
            w.addTensor("calib_mean.\(l)", dims: [emotions.count], floats: p.calibrationMean)
            w.addTensor("calib_std.\(l)", dims: [emotions.count], floats: p.calibrationStd)
            w.addTensor("score_mean.\(l)", dims: [emotions.count], floats: p.scoreMean)
            w.addTensor("score_std.\(l)", dims: [emotions.count], floats: p.scoreStd)
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try w.write(to: path, replace: replace)
    }

    public init(path: String) throws {
        let f = try GGUFFile(path: path)
        func bad(_ reason: String) -> AffectError { .badProbeSet(path: path, reason: reason) }
        guard f.architecture == "limbic.probes" else { throw bad("general.architecture is \(f.architecture ?? "missing"), not limbic.probes") }
        guard let emotions = f["probes.emotions"]?.strings, !emotions.isEmpty else { throw bad("probes.emotions is missing") }
        guard let method = ExtractionMethod(rawValue: f["probes.method"]?.string ?? "") else { throw bad("unknown probes.method") }
        func floats(_ name: String, _ n: Int) throws -> [Float] {
            guard let t = f.tensor(named: name), t.type == .f32, t.elementCount == n else { throw bad("tensor \(name) is missing or not \(n) f32 values") }
            let raw = f.data(for: t)
            return (0..<n).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        }
        var layers: [LayerProbe] = []
        guard let first = f.tensor(named: "center.0") else { throw bad("no center.0 tensor") }
        let width = first.elementCount
        var l = 0
        while f.tensor(named: "vectors.\(l)") != nil {
            let flat = try floats("vectors.\(l)", width * emotions.count)
            layers.append(LayerProbe(vectors: (0..<emotions.count).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) },
                                     center: try floats("center.\(l)", width),
                                     calibrationMean: try floats("calib_mean.\(l)", emotions.count),
                                     calibrationStd: try floats("calib_std.\(l)", emotions.count),
                                     scoreMean: try floats("score_mean.\(l)", emotions.count),
                                     scoreStd: try floats("score_std.\(l)", emotions.count)))
            l += 1
        }
        let layer = f["probes.layer"]?.int ?? -1
        guard layer >= 0, layer < layers.count else { throw bad("probes.layer \(layer) is outside 0..<\(layers.count)") }
        let conf = f["probes.confusion"]?.ints ?? []
        self.emotions = emotions
        self.layers = layers
        self.readingLayer = layer
        self.method = method
        self.skipTokens = f["probes.skip_tokens"]?.int ?? PassageActivations.defaultSkip
        self.modelSHA256 = f["probes.model_sha256"]?.string ?? ""
        self.datasetHash = f["probes.dataset_hash"]?.string ?? ""
        self.validationAccuracy = f["probes.validation_accuracy"]?.floats ?? []
        self.accuracyUnnamed = Float(f["probes.accuracy_unnamed"]?.double ?? .nan)
        self.accuracyNamed = Float(f["probes.accuracy_named"]?.double ?? .nan)
        let e = emotions.count
        self.confusion = conf.count == e * e ? (0..<e).map { Array(conf[($0 * e)..<(($0 + 1) * e)]) } : []
    }

    public init(emotions: [String], layers: [LayerProbe], readingLayer: Int, method: ExtractionMethod, skipTokens: Int,
                modelSHA256: String, datasetHash: String, validationAccuracy: [Float], accuracyUnnamed: Float,
                accuracyNamed: Float, confusion: [[Int]]) {
        self.emotions = emotions
        self.layers = layers
        self.readingLayer = readingLayer
        self.method = method
        self.skipTokens = skipTokens
        self.modelSHA256 = modelSHA256
        self.datasetHash = datasetHash
        self.validationAccuracy = validationAccuracy
        self.accuracyUnnamed = accuracyUnnamed
        self.accuracyNamed = accuracyNamed
        self.confusion = confusion
    }
}
