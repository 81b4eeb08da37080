import Foundation
import GGUF
import Testing
import TestSupport
@testable import Affect
@testable import Engine

/// A probe set file is validated when read: shapes, finite values, unique names, standard deviations above their
/// floor, the reading layer, and its content checksum. Hand-built tiny sets; no model.
struct ProbeSetValidationTests {
    let emotions = ["calm", "sad", "angry"]

    /// A sound tiny set: 3 layers of 3 random unit directions in 8 dimensions, validation best at layer 1.
    func tinySet() -> ProbeSet {
        var rng = SplitMix64(seed: 11)
        let d = 8
        let layers = (0..<3).map { _ -> LayerProbe in
            let vectors = emotions.map { _ in LinearAlgebra.normalized((0..<d).map { _ in Double(rng.next() % 1000) / 500 - 1 }).map(Float.init) }
            return LayerProbe(vectors: vectors, center: [Float](repeating: 0.1, count: d), calibrationMean: [0.5, -0.5, 0],
                              calibrationStd: [2, 1, 4], scoreMean: [0.1, 0.2, 0.3], scoreStd: [1.5, 2, 3])
        }
        return ProbeSet(emotions: emotions, layers: layers, readingLayer: 1, method: .recipe, skipTokens: 3, modelSHA256: "tiny",
                        datasetHash: "tiny", validationAccuracy: [0.4, 0.7, 0.6], accuracyUnnamed: 0.6, accuracyNamed: 0.8,
                        confusion: [[2, 0, 1], [0, 3, 0], [1, 0, 2]])
    }

    /// `tinySet()` as a version 3 build leaves it: cross-validated at every layer, the test split counted.
    func evaluatedSet() -> ProbeSet {
        var set = tinySet()
        set.validationAccuracy = [0.4, 0.7, 0.6]
        set.confusion = [[2, 0, 1], [0, 3, 0], [1, 0, 2]]   // 7 of 9
        set.evaluation = ProbeEvaluation(foldAccuracy: [0.6, 0.8, 0.7, 0.7, 0.7], parameterName: "shrinkage",
                                         candidates: [0.9, 0.5, 0.1], layerParameters: [0.9, 0.5, 0.5], pcFraction: 0.5,
                                         trainingCount: 30, test: .init(correct: 7, total: 9), layer0: .init(correct: 4, total: 9),
                                         bagOfWords: .init(correct: 3, total: 9), bagOfWordsSmoothing: 0.3,
                                         unnamed: .init(correct: 5, total: 7), named: .init(correct: 2, total: 2))
        return set
    }

    @Test func anEvaluatedSetRoundTripsAndItsChecksumCoversTheEvaluation() throws {
        let set = evaluatedSet()
        #expect(set.problem() == nil)
        let path = temporaryPath()
        try set.write(to: path, replace: true)
        let back = try ProbeSet(path: path)
        #expect(back.evaluation == set.evaluation && back.fileVersion == 3)
        try? FileManager.default.removeItem(atPath: path)
        var other = set
        other.evaluation?.bagOfWords.correct = 4
        #expect(other.contentSHA256 != set.contentSHA256)
        // A damaged count is caught by the checksum even when it is still consistent.
        let damaged = try writeUnchecked(set) { w in
            w.set("probes.test_bag_of_words", .array(.int32, [.int32(5), .int32(9)]))
        }
        #expect(rejection(damaged).hasPrefix("its values do not match probes.content_sha256"))
    }

    @Test func anInconsistentEvaluationIsNamed() throws {
        var set = evaluatedSet()
        set.evaluation?.foldAccuracy[0] = 0.9
        #expect(set.problem()?.hasPrefix("probes.fold_accuracy averages 0.76") == true, "\(set.problem() ?? "")")
        set = evaluatedSet()
        set.evaluation?.test.correct = 10
        #expect(set.problem() == "probes.test is 10 of 9")
        set = evaluatedSet()
        set.evaluation?.named.correct = 1
        #expect(set.problem() == "probes.test_unnamed and probes.test_named do not add up to probes.test")
        set = evaluatedSet()
        set.confusion[0][0] = 3
        #expect(set.problem() == "probes.confusion holds 8 of 10, probes.test 7 of 9")
        set = evaluatedSet()
        set.evaluation?.layerParameters[1] = 0.7
        #expect(set.problem() == "probes.layer_parameters[1] is 0.7, not one of probes.parameter_candidates")
        set = evaluatedSet()
        set.evaluation?.layer0.total = 8
        #expect(set.problem() == "probes.test_layer0 counts 8 passages, the test split 9")
        // A key missing from a version 3 file that has the others.
        let path = try writeUnchecked(evaluatedSet()) { w in w.set("probes.parameter_candidates", "none") }
        #expect(rejection(path) == "probes.parameter_candidates is missing or not a list of numbers")
    }

    @Test func aVersion2SetIsReadWithoutAnEvaluation() throws {
        let path = try writeUnchecked(evaluatedSet(), version: 2)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try GGUFFile(path: path)["probes.test"] == nil)
        let back = try ProbeSet(path: path)
        #expect(back.evaluation == nil && back.fileVersion == 2 && back.layers == tinySet().layers)
    }

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("probes-\(UUID()).gguf").path
    }

    /// Writes `set` as it is, without the validation `write` does (as a damaged or foreign file would be).
    func writeUnchecked(_ set: ProbeSet, version: Int = ProbeSet.version, edit: (inout GGUFWriter) -> Void = { _ in }) throws -> String {
        let path = temporaryPath()
        var w = set.writer(version: version)
        edit(&w)
        try Data(w.serialize()).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The reason `ProbeSet(path:)` gives for rejecting `path`.
    func rejection(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ProbeSet(path: path)
            Issue.record("accepted", sourceLocation: sourceLocation)
            return ""
        } catch AffectError.badProbeSet(let p, let reason) {
            #expect(p == path, sourceLocation: sourceLocation)
            return reason
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            return ""
        }
    }

    /// Overwrites element `index` of tensor `name` in the file at `path`.
    func patch(_ path: String, tensor name: String, index: Int, with value: Float) throws {
        let offset = try #require(try GGUFFile(path: path).tensor(named: name)).fileOffset + 4 * index
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: withUnsafeBytes(of: value.bitPattern.littleEndian) { Data($0) })
        try handle.close()
    }

    @Test func aSoundSetRoundTripsWithItsChecksum() throws {
        let set = tinySet()
        #expect(set.problem() == nil)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try set.write(to: path, replace: true)
        let back = try ProbeSet(path: path)
        #expect(back.layers == set.layers && back.emotions == set.emotions && back.confusion == set.confusion)
        #expect(back.contentSHA256 == set.contentSHA256)
        #expect(try GGUFFile(path: path)["probes.content_sha256"]?.string == set.contentSHA256)
    }

    @Test func aNaNOrInfinityInATensorIsNamed() throws {
        let path = temporaryPath()
        try tinySet().write(to: path, replace: true)
        try patch(path, tensor: "vectors.2", index: 5, with: .nan)
        #expect(rejection(path) == "tensor 'vectors.2' has a NaN (at index 5)")

        let inf = temporaryPath()
        try tinySet().write(to: inf, replace: true)
        try patch(inf, tensor: "calib_mean.0", index: 1, with: -.infinity)
        #expect(rejection(inf) == "tensor 'calib_mean.0' has an infinite value (at index 1)")
    }

    @Test func aFiniteDamagedValueFailsTheChecksum() throws {
        let path = temporaryPath()
        try tinySet().write(to: path, replace: true)
        try patch(path, tensor: "center.1", index: 0, with: 0.25)
        #expect(rejection(path).hasPrefix("its values do not match probes.content_sha256"))
    }

    @Test func aVersion1SetWithoutChecksumIsStillRead() throws {
        let path = try writeUnchecked(tinySet(), version: 1)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try GGUFFile(path: path)["probes.content_sha256"] == nil)
        #expect(try ProbeSet(path: path).layers == tinySet().layers)
    }

    @Test func duplicatedOrEmptyEmotionNamesAreRejected() throws {
        var set = tinySet()
        set.emotions = ["calm", "sad", "calm"]
        #expect(rejection(try writeUnchecked(set)) == "emotion 'calm' appears twice in probes.emotions")
        set.emotions = ["calm", " ", "angry"]
        #expect(rejection(try writeUnchecked(set)) == "emotion 1 in probes.emotions has an empty name")
    }

    @Test func aStandardDeviationBelowItsFloorIsRejected() throws {
        var set = tinySet()
        set.layers[2].calibrationStd[2] = 1e-30
        let reason = rejection(try writeUnchecked(set))
        #expect(reason.hasPrefix("tensor 'calib_std.2' gives 'angry' a standard deviation of 1e-30, below 0.001"))
        set = tinySet()
        set.layers[0].scoreStd[1] = 0
        #expect(rejection(try writeUnchecked(set)).hasPrefix("tensor 'score_std.0' gives 'sad' a standard deviation of 0.0"))
        // A zero direction (a layer an imported vector does not cover) reads nothing: its tiny spread is fine.
        set = tinySet()
        set.layers[0].vectors[1] = [Float](repeating: 0, count: 8)
        set.layers[0].calibrationStd[1] = 1e-6
        set.layers[0].scoreStd[1] = 1e-6
        #expect(set.problem() == nil)
    }

    @Test func theReadingLayerMustBeInRangeAndTheOneValidationChose() throws {
        var set = tinySet()
        set.readingLayer = 3
        #expect(rejection(try writeUnchecked(set)) == "probes.layer 3 is outside 0-2")
        set.readingLayer = 0   // a damaged header: 19 → 3 moved every z by up to 3.4 on SmolLM2
        #expect(rejection(try writeUnchecked(set)) == "probes.layer is 0 but validation chose layer 1 (best held-out accuracy 0.7)")
        // Not measured (an imported set): any layer in range will do.
        set.validationAccuracy = [.nan, .nan, .nan]
        #expect(set.problem() == nil)
    }

    @Test func shapesMustAgree() throws {
        var set = tinySet()
        set.layers[1].calibrationMean.removeLast()
        #expect(rejection(try writeUnchecked(set)) == "tensor 'calib_mean.1' is F32 [2], expected F32 [3]")
        #expect(set.problem() == "tensor 'calib_mean.1' has 2 values, not 3")
        set = tinySet()
        set.layers[2].center.append(0)
        #expect(set.problem() == "tensor 'center.2' has 9 values, not 8")
        set = tinySet()
        set.validationAccuracy = [0.5]
        #expect(set.problem() == "probes.validation_accuracy has 1 values for 3 layers")
        set = tinySet()
        set.confusion = [[1, 2], [3, 4]]
        #expect(set.problem() == "probes.confusion is not 3 × 3")
        // A stray tensor means a damaged index.
        let stray = try writeUnchecked(tinySet()) { $0.addTensor("vectorz.3", dims: [1], floats: [0]) }
        #expect(rejection(stray) == "tensor 'vectorz.3' is not one of the 18 tensors of a 3-layer probe set")
    }

    @Test func writingADamagedSetIsRefused() throws {
        var set = tinySet()
        set.layers[0].vectors[0][0] = .nan
        let path = temporaryPath()
        #expect(throws: AffectError.self) { try set.write(to: path, replace: true) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func missingAccuracyMeansNotMeasured() throws {
        var set = tinySet()
        set.validationAccuracy = []
        let path = try writeUnchecked(set)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let back = try ProbeSet(path: path)
        #expect(back.validationAccuracy.isEmpty && back.accuracy(at: 1) == nil)
        #expect(tinySet().accuracy(at: 1) == 0.7 && tinySet().accuracy(at: 7) == nil)
        set.validationAccuracy = [.nan, .nan, .nan]
        #expect(set.accuracy(at: 0) == nil)
    }

    @Test func aSetMustFitTheModelsWidthAndDepth() throws {
        let weights = try TinyModel.weights()
        #expect(throws: AffectError.self) { try tinySet().checkFits(weights.config, path: "p.gguf") }   // 8 wide, the model 32
        var set = tinySet()
        for l in set.layers.indices {
            set.layers[l].vectors = set.layers[l].vectors.map { $0 + [Float](repeating: 0.1, count: 24) }
            set.layers[l].center += [Float](repeating: 0, count: 24)
        }
        try set.checkFits(weights.config, path: "p.gguf")
        set.layers.append(set.layers[0])
        set.validationAccuracy.append(0.1)
        do {
            try set.checkFits(weights.config, path: "p.gguf")
            Issue.record("accepted 4 layers for a 3-layer model")
        } catch {
            #expect("\(error)" == "p.gguf is not a usable probe set: it has 4 layers but the model has 3: it was built for another model — build a new one with 'limbic probe extract' (or 'limbic probe import')")
        }
    }

    @Test func importedSetsAreSound() throws {
        // An imported vector covers some layers; the rest get zero directions.
        let model = try TinyModel.chatModel()
        let neutral = try PassageActivations.collect(model: model, texts: ["The library opens at nine.", "Trains leave every hour.",
                                                                           "The report has four pages.", "Rain is expected later."])
        var rng = SplitMix64(seed: 3)
        let cv = ControlVector(modelHint: "llama", directions: [1: (0..<TinyModel.hidden).map { _ in Float(rng.next() % 100) / 50 - 1 }])
        let set = ProbeBuilder.importing(cv, name: "x", neutral: neutral, modelSHA256: "tiny", datasetHash: "imported:tiny")
        #expect(set.problem() == nil)
        #expect(set.accuracy(at: set.readingLayer) == nil)
        // As `probe import` writes it, and `probe validate --probe` reads it back.
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try set.write(to: path, replace: true)
        let back = try ProbeSet(path: path)
        #expect(back.confusion.isEmpty && back.layers == set.layers && back.readingLayer == set.readingLayer)
    }
}
