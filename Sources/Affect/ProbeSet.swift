import Engine
import Foundation
import GGUF

/// Every emotion's direction at every layer of one model, with calibration, the chosen reading layer and the
/// validation results. Stored as one GGUF file (`general.architecture = "limbic.probes"`):
///
/// | key / tensor | what |
/// | --- | --- |
/// | `probes.version` | 3 (2: before cross-validation and the test split, which chose the layer on the passages it reported on; 1: before `probes.content_sha256`) |
/// | `probes.emotions` | emotion names, in vector order (unique, not empty) |
/// | `probes.layer` | the reading layer: the best `probes.validation_accuracy`, earliest on ties |
/// | `probes.method`, `probes.skip_tokens` | how the vectors were made |
/// | `probes.model_sha256`, `probes.dataset_hash` | what they were made from (a mismatch makes the set stale) |
/// | `probes.validation_accuracy` | per layer, the accuracy that chose the reading layer: from version 3 the mean of the cross-validation folds on training passages (before, held-out accuracy on the validation passages); NaN or absent: not measured |
/// | `probes.accuracy_unnamed`, `probes.accuracy_named` | accuracy at the reading layer on test passages that never / do name their emotion |
/// | `probes.confusion` | (emotions × emotions) counts on the test split at the reading layer, row = true emotion |
/// | `probes.fold_accuracy` | (version 3, built sets) each fold's accuracy at the chosen layer and parameter |
/// | `probes.parameter`, `probes.parameter_candidates`, `probes.layer_parameters` | the parameter chosen with the layer ("shrinkage", "l2", "" for none), the values tried, the value chosen at each layer |
/// | `probes.pc_fraction`, `probes.training_count` | share of neutral variance projected out (NaN: none); training passages |
/// | `probes.test`, `probes.test_layer0`, `probes.test_bag_of_words`, `probes.test_unnamed`, `probes.test_named` | [correct, total] on the test split: the probe, layer 0, bag of words, never / does name its emotion |
/// | `probes.bag_of_words_smoothing` | the bag of words' smoothing, chosen on the same folds |
/// | `probes.content_sha256` | SHA-256 of everything above and below (`contentSHA256`), so damage to any value shows |
/// | `vectors.N` | (width, emotions) unit directions at layer N |
/// | `center.N` | (width) the centre projections are measured from |
/// | `calib_mean.N`, `calib_std.N` | (emotions) projection statistics on neutral text (readings' z) |
/// | `score_mean.N`, `score_std.N` | (emotions) projection statistics on training passages (classification) |
///
/// Reading a file validates it (`validate(path:)`): a damaged set is an error naming what is wrong, never a set of
/// wrong numbers.
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
    /// How the layer and parameter were chosen and how the set did on the test split; nil for an older or imported
    /// set.
    public var evaluation: ProbeEvaluation?
    /// The `probes.version` of the file it was read from (`version` for a set built here): a cached set older than
    /// `version` is rebuilt.
    public var fileVersion = ProbeSet.version

    public var width: Int { layers.first?.center.count ?? 0 }

    /// The version `write` produces.
    public static let version = 3
    /// A standard deviation (calibration or score) below this fraction of the largest at its layer is damage: a
    /// z-score against it would be blown up by the same factor (1e-30 gave z ≈ 7e29).
    public static let relativeStdFloor: Float = 1e-3

    public func index(of emotion: String) throws -> Int {
        guard let i = emotions.firstIndex(of: emotion) else { throw AffectError.unknownEmotion(emotion, known: emotions) }
        return i
    }

    /// The accuracy that chose the reading layer, at `layer` (from version 3 cross-validated on training passages),
    /// or nil where it was not measured (an imported set, or a file without it).
    public func accuracy(at layer: Int) -> Float? {
        guard validationAccuracy.indices.contains(layer), !validationAccuracy[layer].isNaN else { return nil }
        return validationAccuracy[layer]
    }

    /// The name of one of layer `l`'s tensors in the file: `vectors`, `center`, `calib_mean`, `calib_std`,
    /// `score_mean` or `score_std`, then `.l`.
    static func tensorName(_ kind: String, _ l: Int) -> String { "\(kind).\(l)" }
    static let tensorKinds = ["vectors", "center", "calib_mean", "calib_std", "score_mean", "score_std"]

    // MARK: Storage

    /// Writes the set atomically (validated first: a set that could not be read back is never written), with its
    /// content checksum, creating its folder; an existing file is replaced only with `replace` (see `GGUFWriter.write`).
    public func write(to path: String, replace: Bool) throws {
        try validate(path: path)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writer().write(to: path, replace: replace)
    }

    /// The file's contents, unvalidated (tests write damaged sets with it); version 1 has no content checksum.
    func writer(version: Int = Self.version) -> GGUFWriter {
        var w = GGUFWriter()
        w.set("general.architecture", "limbic.probes")
        w.set("probes.version", UInt32(version))
        w.set("probes.emotions", strings: emotions)
        w.set("probes.layer", UInt32(clamping: readingLayer))
        w.set("probes.method", method.rawValue)
        w.set("probes.skip_tokens", UInt32(clamping: skipTokens))
        w.set("probes.model_sha256", modelSHA256)
        w.set("probes.dataset_hash", datasetHash)
        w.set("probes.validation_accuracy", .array(.float32, validationAccuracy.map { .float32($0) }))
        w.set("probes.accuracy_unnamed", accuracyUnnamed)
        w.set("probes.accuracy_named", accuracyNamed)
        w.set("probes.confusion", .array(.int32, confusion.flatMap { $0 }.map { .int32(Int32(clamping: $0)) }))
        if version >= 3 { evaluation?.write(to: &w) }
        if version >= 2 {
            var hashed = self   // what a reader of this version rebuilds: no evaluation before version 3
            if version < 3 { hashed.evaluation = nil }
            w.set("probes.content_sha256", hashed.contentSHA256)
        }
        for (l, p) in layers.enumerated() {
            w.addTensor(Self.tensorName("vectors", l), dims: [p.center.count, p.vectors.count], floats: p.vectors.flatMap { $0 })
            w.addTensor(Self.tensorName("center", l), dims: [p.center.count], floats: p.center)
            w.addTensor(Self.tensorName("calib_mean", l), dims: [p.calibrationMean.count], floats: p.calibrationMean)
            w.addTensor(Self.tensorName("calib_std", l), dims: [p.calibrationStd.count], floats: p.calibrationStd)
            w.addTensor(Self.tensorName("score_mean", l), dims: [p.scoreMean.count], floats: p.scoreMean)
            w.addTensor(Self.tensorName("score_std", l), dims: [p.scoreStd.count], floats: p.scoreStd)
        }
        return w
    }

    /// Reads and validates a probe set file: every tensor present with its exact shape, every value finite, the
    /// names unique, the standard deviations above their floor, the reading layer the one validation chose, and (from
    /// version 2) the content matching its checksum.
    /// - Throws: `AffectError.badProbeSet` naming the first problem (or the GGUF reader's error).
    public init(path: String) throws {
        let f = try GGUFFile(path: path, role: "probe set")
        func bad(_ reason: String) -> AffectError { .badProbeSet(path: path, reason: reason) }
        guard f.architecture == "limbic.probes" else { throw bad("general.architecture is \(f.architecture ?? "missing"), not limbic.probes") }
        let version = f["probes.version"]?.int ?? 1
        guard (1...Self.version).contains(version) else {
            throw bad("probes.version \(version) is newer than this Limbic reads (up to \(Self.version)): update Limbic, or rebuild it with 'limbic probe extract'")
        }
        guard let emotions = f["probes.emotions"]?.strings, !emotions.isEmpty else { throw bad("probes.emotions is missing") }
        guard let method = ExtractionMethod(rawValue: f["probes.method"]?.string ?? "") else { throw bad("unknown probes.method") }
        guard let layer = f["probes.layer"]?.int else { throw bad("probes.layer is missing") }
        guard let modelSHA256 = f["probes.model_sha256"]?.string, !modelSHA256.isEmpty else { throw bad("probes.model_sha256 is missing") }
        guard let datasetHash = f["probes.dataset_hash"]?.string, !datasetHash.isEmpty else { throw bad("probes.dataset_hash is missing") }
        let E = emotions.count
        guard let first = f.tensor(named: "center.0"), first.dims.count == 1, first.elementCount > 0 else {
            throw bad("tensor 'center.0' is missing or not one row")
        }
        let width = first.elementCount
        var layerCount = 0
        while f.tensor(named: Self.tensorName("vectors", layerCount)) != nil { layerCount += 1 }
        // Every tensor belongs to a layer 0..<layerCount: a stray or misnamed one means a damaged index.
        let expected = Set((0..<layerCount).flatMap { l in Self.tensorKinds.map { Self.tensorName($0, l) } })
        if let stray = f.tensors.first(where: { !expected.contains($0.name) }) {
            throw bad("tensor '\(stray.name)' is not one of the \(6 * layerCount) tensors of a \(layerCount)-layer probe set")
        }
        func floats(_ name: String, _ dims: [Int]) throws -> [Float] {
            guard let t = f.tensor(named: name) else { throw bad("tensor '\(name)' is missing") }
            guard t.type == .f32, t.dims == dims else { throw bad("tensor '\(name)' is \(t.type.name) \(t.dims), expected F32 \(dims)") }
            let raw = f.data(for: t)
            return (0..<t.elementCount).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        }
        var layers: [LayerProbe] = []
        for l in 0..<layerCount {
            let flat = try floats(Self.tensorName("vectors", l), [width, E])
            layers.append(LayerProbe(vectors: (0..<E).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) },
                                     center: try floats(Self.tensorName("center", l), [width]),
                                     calibrationMean: try floats(Self.tensorName("calib_mean", l), [E]),
                                     calibrationStd: try floats(Self.tensorName("calib_std", l), [E]),
                                     scoreMean: try floats(Self.tensorName("score_mean", l), [E]),
                                     scoreStd: try floats(Self.tensorName("score_std", l), [E])))
        }
        var accuracy: [Float] = []
        if let value = f["probes.validation_accuracy"] {
            guard let a = value.floats else { throw bad("probes.validation_accuracy is not a list of numbers") }
            accuracy = a
        }
        var confusion: [[Int]] = []
        if let value = f["probes.confusion"] {
            // Empty: not measured (an imported set).
            guard let c = value.ints, c.isEmpty || c.count == E * E else { throw bad("probes.confusion is not \(E) × \(E) counts") }
            confusion = c.isEmpty ? [] : (0..<E).map { Array(c[($0 * E)..<(($0 + 1) * E)]) }
        }
        self.emotions = emotions
        self.layers = layers
        self.readingLayer = layer
        self.method = method
        self.skipTokens = f["probes.skip_tokens"]?.int ?? PassageActivations.defaultSkip
        self.modelSHA256 = modelSHA256
        self.datasetHash = datasetHash
        self.validationAccuracy = accuracy
        self.accuracyUnnamed = Float(f["probes.accuracy_unnamed"]?.double ?? .nan)
        self.accuracyNamed = Float(f["probes.accuracy_named"]?.double ?? .nan)
        self.confusion = confusion
        do {
            self.evaluation = version >= 3 ? try ProbeEvaluation.read(f) : nil
        } catch {
            throw bad(error.reason)
        }
        self.fileVersion = version
        // The specific checks first, so that a NaN is reported as a NaN rather than as a checksum mismatch.
        try validate(path: path)
        if version >= 2 {
            guard let stored = f["probes.content_sha256"]?.string else { throw bad("probes.content_sha256 is missing") }
            guard stored == contentSHA256 else {
                throw bad("its values do not match probes.content_sha256 (\(stored.prefix(12))…): a value was damaged in storage")
            }
        }
    }

    // MARK: Validation

    /// Throws `AffectError.badProbeSet(path:reason:)` with the first problem `problem()` finds.
    public func validate(path: String) throws {
        if let reason = problem() { throw AffectError.badProbeSet(path: path, reason: reason) }
    }

    /// The first thing that makes this set unusable, in words naming the tensor or key, or nil when it is sound.
    public func problem() -> String? {
        let E = emotions.count
        guard E > 0 else { return "probes.emotions is empty" }
        var seen = Set<String>()
        for (i, name) in emotions.enumerated() {
            if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "emotion \(i) in probes.emotions has an empty name" }
            if !seen.insert(name).inserted { return "emotion '\(name)' appears twice in probes.emotions" }
        }
        guard !layers.isEmpty else { return "it holds no layers" }
        let D = width
        guard D > 0 else { return "tensor 'center.0' is empty" }
        guard layers.indices.contains(readingLayer) else { return "probes.layer \(readingLayer) is outside 0-\(layers.count - 1)" }
        guard (0...1_000_000).contains(skipTokens) else { return "probes.skip_tokens \(skipTokens) is not a token count" }
        for (l, p) in layers.enumerated() {
            func name(_ kind: String) -> String { "tensor '\(Self.tensorName(kind, l))'" }
            guard p.vectors.count == E, p.vectors.allSatisfy({ $0.count == D }) else { return "\(name("vectors")) is not \(E) directions of \(D)" }
            guard p.center.count == D else { return "\(name("center")) has \(p.center.count) values, not \(D)" }
            let perEmotion = [("calib_mean", p.calibrationMean), ("calib_std", p.calibrationStd),
                              ("score_mean", p.scoreMean), ("score_std", p.scoreStd)]
            for (kind, values) in perEmotion where values.count != E { return "\(name(kind)) has \(values.count) values, not \(E)" }
            for (kind, values) in [("vectors", p.vectors.flatMap { $0 }), ("center", p.center)] + perEmotion {
                if let i = values.firstIndex(where: { !$0.isFinite }) {
                    return "\(name(kind)) has \(values[i].isNaN ? "a NaN" : "an infinite value") (at index \(i))"
                }
            }
            // A zero direction (a layer an imported vector does not cover) reads nothing: its statistics are unused.
            let reads = p.vectors.map { v in v.contains { $0 != 0 } }
            let spread = (0..<E).filter { reads[$0] }.map { max(p.calibrationStd[$0], p.scoreStd[$0]) }.max() ?? 0
            for e in 0..<E where reads[e] {
                for (kind, s) in [("calib_std", p.calibrationStd[e]), ("score_std", p.scoreStd[e])]
                where !(s > 0 && s >= Self.relativeStdFloor * spread) {
                    return "\(name(kind)) gives '\(emotions[e])' a standard deviation of \(s), below \(Self.relativeStdFloor) × the layer's largest (\(spread))"
                }
            }
        }
        if !validationAccuracy.isEmpty {
            guard validationAccuracy.count == layers.count else {
                return "probes.validation_accuracy has \(validationAccuracy.count) values for \(layers.count) layers"
            }
            if let l = validationAccuracy.firstIndex(where: { !$0.isNaN && !(0...1).contains($0) }) {
                return "probes.validation_accuracy[\(l)] is \(validationAccuracy[l]), not a fraction"
            }
            // The reading layer is where validation was best (ProbeBuilder.fit): a measured set that says otherwise
            // has a damaged header.
            if validationAccuracy.allSatisfy({ !$0.isNaN }) {
                let best = ProbeBuilder.bestLayer(validationAccuracy)
                if best != readingLayer {
                    return "probes.layer is \(readingLayer) but validation chose layer \(best) (best held-out accuracy \(validationAccuracy[best]))"
                }
            }
        }
        for (key, a) in [("probes.accuracy_unnamed", accuracyUnnamed), ("probes.accuracy_named", accuracyNamed)]
        where !a.isNaN && !(0...1).contains(a) {
            return "\(key) is \(a), not a fraction"
        }
        if !confusion.isEmpty {
            guard confusion.count == E, confusion.allSatisfy({ $0.count == E }) else { return "probes.confusion is not \(E) × \(E)" }
            if confusion.contains(where: { $0.contains { $0 < 0 } }) { return "probes.confusion holds a negative count" }
        }
        if let evaluation, let reason = evaluation.problem(layers: layers.count, readingLayer: readingLayer,
                                                            layerAccuracy: accuracy(at: readingLayer), confusion: confusion) {
            return reason
        }
        guard !modelSHA256.isEmpty else { return "probes.model_sha256 is empty" }
        return nil
    }

    /// Checks that this set reads the residual stream of a model with `config`: directions of its width, and no
    /// layer beyond its last. (A wrong width would read past the end of every row.)
    public func checkFits(_ config: ModelConfig, path: String) throws {
        guard width == config.hiddenSize else {
            throw AffectError.badProbeSet(path: path, reason: "its directions are \(width) wide but the model's hidden size is \(config.hiddenSize): it was built for another model")
        }
        guard layers.count <= config.layerCount else {
            throw AffectError.badProbeSet(path: path, reason: "it has \(layers.count) layers but the model has \(config.layerCount): it was built for another model")
        }
    }

    /// SHA-256 over everything the set holds, in a fixed order (stored as `probes.content_sha256`): any value
    /// damaged in storage, even one that is still a plausible number, no longer matches. Floats are hashed as their
    /// little-endian bytes, as GGUF stores them.
    public var contentSHA256: String {
        var h = SHA256()
        func int(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { h.update($0) } }
        func text(_ s: String) { int(s.utf8.count); h.update(Array(s.utf8)) }
        func floats(_ a: [Float]) {
            int(a.count)
            let bits = a.map { $0.bitPattern.littleEndian }
            bits.withUnsafeBytes { h.update($0) }
        }
        int(emotions.count)
        emotions.forEach(text)
        int(readingLayer)
        text(method.rawValue)
        int(skipTokens)
        text(modelSHA256)
        text(datasetHash)
        floats(validationAccuracy)
        floats([accuracyUnnamed, accuracyNamed])
        int(confusion.count)
        for row in confusion { int(row.count); row.forEach(int) }
        if let e = evaluation {
            // Only sets that have one hash it, so version 2 files still match their checksum.
            floats(e.foldAccuracy)
            text(e.parameterName)
            floats(e.candidates)
            floats(e.layerParameters)
            floats([e.pcFraction, e.bagOfWordsSmoothing])
            int(e.trainingCount)
            for (_, path) in ProbeEvaluation.counts { int(e[keyPath: path].correct); int(e[keyPath: path].total) }
        }
        int(layers.count)
        for p in layers {
            int(p.vectors.count)
            p.vectors.forEach(floats)
            for a in [p.center, p.calibrationMean, p.calibrationStd, p.scoreMean, p.scoreStd] { floats(a) }
        }
        return h.finalizeHex()
    }

    public init(emotions: [String], layers: [LayerProbe], readingLayer: Int, method: ExtractionMethod, skipTokens: Int,
                modelSHA256: String, datasetHash: String, validationAccuracy: [Float], accuracyUnnamed: Float,
                accuracyNamed: Float, confusion: [[Int]], evaluation: ProbeEvaluation? = nil) {
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
        self.evaluation = evaluation
    }
}
