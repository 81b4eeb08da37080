import Engine
import FileIO
import Foundation

/// Builds and validates a probe set for a model from an emotion dataset (DESIGN.md §6; issue: emotion vectors).
public enum ProbeBuilder {
    /// What a build reports as it goes.
    public enum Stage: Sendable {
        case reading(done: Int, total: Int)
        case fitting(layer: Int, total: Int)
    }

    /// Reads every passage (training, test, neutral), then fits (`fit`).
    ///
    /// Two research aids, read from the environment: `LIMBIC_DUMP_ACTIVATIONS=FILE` writes the per-passage features
    /// (float32, passages × layers × width; training, then test, then neutral passages, in dataset order) for
    /// offline analysis; `LIMBIC_LOAD_ACTIVATIONS=FILE` reads such a file instead of running the model, so the fit
    /// can be changed and rerun in seconds (it must match the model's depth and width and the dataset's size, and
    /// the set it gives is what a build from the model would give only if the file came from this model and data).
    public static func build(model: any InferenceBackend, dataset: EmotionDataset, lexicon: EmotionLexicon?,
                             method: ExtractionMethod = .recipe, modelSHA256: String, threads: Int? = nil,
                             progress: (Stage) -> Void = { _ in }) throws -> ProbeSet {
        let acts = try activations(model: model, dataset: dataset, threads: threads, progress: progress)
        return fit(acts, dataset: dataset, lexicon: lexicon, method: method, modelSHA256: modelSHA256, threads: threads,
                   progress: progress)
    }

    /// The per-passage features a build fits from: every passage read through `model` (or the
    /// `LIMBIC_LOAD_ACTIVATIONS` file), written to `LIMBIC_DUMP_ACTIVATIONS` when that is set (see `build`).
    public static func activations(model: any InferenceBackend, dataset: EmotionDataset, threads: Int? = nil,
                                   progress: (Stage) -> Void = { _ in }) throws -> PassageActivations {
        let texts = (dataset.training + dataset.test + dataset.neutral).map(\.text)
        let environment = ProcessInfo.processInfo.environment
        let acts: PassageActivations
        if let path = environment["LIMBIC_LOAD_ACTIVATIONS"] {
            acts = try PassageActivations.read(path, layerCount: model.config.layerCount, width: model.config.hiddenSize,
                                               count: texts.count)
        } else {
            acts = try PassageActivations.collect(model: model, texts: texts, threads: threads) {
                progress(.reading(done: $0, total: texts.count))
            }
        }
        if let dump = environment["LIMBIC_DUMP_ACTIVATIONS"] {
            try acts.values.withUnsafeBytes { try AtomicFile.write($0, to: dump, replace: true) }
        }
        return acts
    }

    /// Fits probes from activations laid out as [training…, test…, neutral…] (dataset order).
    ///
    /// At every layer, k-fold cross-validation on the training passages (folds by line, `EmotionDataset.fold`)
    /// scores each candidate value of the method's parameter; the layer's probe is refitted on all training passages
    /// with its best value. The reading layer is the one with the best cross-validated accuracy. Neutral passages on
    /// even lines give the principal components, those on odd lines the calibration. The test split is then read
    /// once: accuracy at the reading layer, at layer 0 (the same pipeline on what is little more than token
    /// embeddings: a lexical control), a bag-of-words baseline, and the passages that never name their emotion
    /// against those that do. Layers are fitted `threads` at a time (all cores when nil).
    public static func fit(_ acts: PassageActivations, dataset: EmotionDataset, lexicon: EmotionLexicon?,
                           method: ExtractionMethod, modelSHA256: String, threads: Int? = nil,
                           progress: (Stage) -> Void = { _ in }) -> ProbeSet {
        let train = dataset.training, test = dataset.test, neutral = dataset.neutral
        let E = dataset.emotions.count, k = EmotionDataset.folds
        let labels = train.map { $0.emotion! }, folds = train.map { $0.fold! }
        let testLabels = test.map { $0.emotion! }
        let testStart = train.count, neutralStart = train.count + test.count
        let componentIndices = neutral.indices.filter { neutral[$0].line % 2 == 0 }.map { neutralStart + $0 }
        let calibrationIndices = neutral.indices.filter { neutral[$0].line % 2 == 1 }.map { neutralStart + $0 }
        let candidates = method.parameter?.candidates ?? []
        let fitIndices = (0..<k).map { f in train.indices.filter { folds[$0] != f } }
        let heldIndices = (0..<k).map { f in train.indices.filter { folds[$0] == f } }

        @Sendable func search(_ l: Int) -> LayerSearch {
            func rows(_ indices: [Int]) -> [[Double]] { indices.map { acts.row($0, l).map(Double.init) } }
            let trainRows = rows(Array(train.indices))
            let componentRows = rows(componentIndices)
            let components = method == .meanDiff ? [] : LinearAlgebra.principalComponents(componentRows, explaining: VectorExtraction.pcFraction)
            let neutralMean = VectorExtraction.mean(componentRows)
            var correct = [[Int]](repeating: [Int](repeating: 0, count: k), count: max(candidates.count, 1))
            for f in 0..<k where !heldIndices[f].isEmpty {
                let probes = VectorExtraction.probes(rows: fitIndices[f].map { trainRows[$0] }, labels: fitIndices[f].map { labels[$0] },
                                                     emotionCount: E, components: components, neutralMean: neutralMean,
                                                     method: method, values: candidates)
                for (c, probe) in probes.enumerated() {
                    correct[c][f] = heldIndices[f].filter { probe.classify(acts.row($0, l)) == labels[$0] }.count
                }
            }
            var found = LayerSearch(correct: correct, totals: heldIndices.map(\.count), probe: LayerProbe(vectors: [], center: []))
            let best = found.best
            found.probe = VectorExtraction.probes(rows: trainRows, labels: labels, emotionCount: E, components: components,
                                                  neutralMean: neutralMean, method: method,
                                                  values: candidates.isEmpty ? [] : [candidates[best]])[0]
            found.probe.calibrate(neutral: calibrationIndices.map { acts.row($0, l) })
            return found
        }

        // Layers in batches of `threads` on the engine's thread pool, so that progress is reported from this thread
        // between batches. (DispatchQueue.concurrentPerform ran them one at a time here, on Linux.)
        let pool = ThreadPool(threads: threads ?? ThreadPool.defaultThreads)
        let results = Results(count: acts.layerCount)
        var next = 0
        while next < acts.layerCount {
            let batch = Array(next..<min(acts.layerCount, next + pool.threadCount))
            progress(.fitting(layer: batch[0], total: acts.layerCount))
            pool.parallel(batch.count) { i in results.set(batch[i], search(batch[i])) }
            next += batch.count
        }
        let searches = results.all
        let layerAccuracy = searches.map { Float($0.meanAccuracy($0.best)) }
        let reading = bestLayer(layerAccuracy)
        let chosen = searches[reading]

        // The test split, read once.
        func predictions(_ l: Int) -> [Int] { test.indices.map { searches[l].probe.classify(acts.row(testStart + $0, l)) } }
        let guesses = predictions(reading)
        let layer0 = predictions(0)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: E), count: E)
        var named = ProbeEvaluation.Count(), unnamed = ProbeEvaluation.Count()
        for (i, p) in test.enumerated() {
            let truth = testLabels[i], right = guesses[i] == truth
            confusion[truth][guesses[i]] += 1
            if lexicon?.names(dataset.emotions[truth], in: p.text) ?? false { named.add(right) } else { unnamed.add(right) }
        }
        let smoothing = BagOfWords.chooseSmoothing(texts: train.map(\.text), labels: labels, folds: folds, foldCount: k, classCount: E)
        let words = BagOfWords(texts: train.map(\.text), labels: labels, classCount: E, smoothing: smoothing)
        func count(_ guesses: [Int]) -> ProbeEvaluation.Count {
            ProbeEvaluation.Count(correct: zip(guesses, testLabels).filter { $0 == $1 }.count, total: test.count)
        }
        let evaluation = ProbeEvaluation(
            foldAccuracy: chosen.foldAccuracy(chosen.best).map(Float.init),
            parameterName: method.parameter?.name ?? "",
            candidates: candidates.map(Float.init),
            layerParameters: searches.map { candidates.isEmpty ? .nan : Float(candidates[$0.best]) },
            pcFraction: method == .meanDiff ? .nan : Float(VectorExtraction.pcFraction),
            trainingCount: train.count,
            test: count(guesses), layer0: count(layer0), bagOfWords: count(test.map { words.classify($0.text) }),
            bagOfWordsSmoothing: Float(smoothing), unnamed: unnamed, named: named)
        return ProbeSet(emotions: dataset.emotions, layers: searches.map(\.probe), readingLayer: reading, method: method,
                        skipTokens: PassageActivations.defaultSkip, modelSHA256: modelSHA256, datasetHash: dataset.hash,
                        validationAccuracy: layerAccuracy, accuracyUnnamed: unnamed.accuracy ?? .nan,
                        accuracyNamed: named.accuracy ?? .nan, confusion: confusion, evaluation: evaluation)
    }

    /// Each layer's search, written from the worker threads, each to its own slot.
    private final class Results: @unchecked Sendable {
        private var slots: [LayerSearch?]
        private let lock = NSLock()
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: LayerSearch) { lock.lock(); slots[i] = value; lock.unlock() }
        var all: [LayerSearch] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
    }

    /// A probe set holding one imported direction per layer (e.g. a repeng control vector), centred on and
    /// calibrated against neutral text, since such a file carries no emotion means of its own. Layers the file
    /// lacks get a zero direction; the reading layer is the file's layer nearest 2/3 of the depth.
    public static func importing(_ cv: ControlVector, name: String, neutral: PassageActivations, modelSHA256: String,
                                 datasetHash: String) -> ProbeSet {
        var layers: [LayerProbe] = []
        for l in 0..<neutral.layerCount {
            var v = cv.directions[l] ?? [Float](repeating: 0, count: neutral.width)
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if n > 0 { v = v.map { $0 / n } }
            var center = [Float](repeating: 0, count: neutral.width)
            for p in 0..<neutral.count { for (i, x) in neutral.row(p, l).enumerated() { center[i] += x / Float(neutral.count) } }
            var probe = LayerProbe(vectors: [v], center: center)
            probe.calibrate(neutral: (0..<neutral.count).map { neutral.row($0, l) })
            // No training passages: the only spread measured is on neutral text, which serves for scores too.
            (probe.scoreMean, probe.scoreStd) = (probe.calibrationMean, probe.calibrationStd)
            layers.append(probe)
        }
        let target = neutral.layerCount * 2 / 3
        let reading = cv.layers.filter { $0 < neutral.layerCount }.min { abs($0 - target) < abs($1 - target) } ?? 0
        return ProbeSet(emotions: [name], layers: layers, readingLayer: reading, method: .recipe,
                        skipTokens: PassageActivations.defaultSkip, modelSHA256: modelSHA256, datasetHash: datasetHash,
                        validationAccuracy: [Float](repeating: .nan, count: layers.count), accuracyUnnamed: .nan,
                        accuracyNamed: .nan, confusion: [])
    }

    /// The reading layer: the best cross-validated accuracy, the earliest on ties (0 for none).
    public static func bestLayer(_ accuracy: [Float]) -> Int {
        accuracy.indices.max { accuracy[$0] < accuracy[$1] || (accuracy[$0] == accuracy[$1] && $0 > $1) } ?? 0
    }

    public static func argmax(_ x: [Float]) -> Int {
        var b = 0
        for i in x.indices where x[i] > x[b] { b = i }
        return b
    }
}

/// Probe sets cached per model and dataset in one directory (the CLI uses `$LIMBIC_HOME/probes/`), built on
/// first use.
public struct ProbeCache: Sendable {
    public let directory: String

    /// A cache in `directory`; nothing is created until a probe set is written.
    public init(directory: String) {
        self.directory = directory
    }

    /// `<model file>-<sha 12>-<dataset 12>-<method>.gguf`: a new model or dataset gets a new file.
    public func path(modelPath: String, modelSHA256: String, datasetHash: String, method: ExtractionMethod) -> String {
        let base = URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
        return directory + "/\(base)-\(modelSHA256.prefix(12))-\(datasetHash.prefix(12))-\(method.rawValue).gguf"
    }
}

extension PassageActivations {
    /// Features written by `LIMBIC_DUMP_ACTIVATIONS` (float32, passages × layers × width, native byte order), for
    /// refitting without the model.
    /// - Throws: `AffectError.badActivations` when the file's size is not `count` × `layerCount` × `width` floats.
    static func read(_ path: String, layerCount: Int, width: Int, count: Int) throws -> PassageActivations {
        let expected = count * layerCount * width * MemoryLayout<Float>.size
        func wrongSize(_ bytes: String) -> AffectError {
            .badActivations(path: path, reason: "it holds \(bytes) bytes, not \(expected) (\(count) passages × \(layerCount) layers × \(width) floats): it was dumped from another model or dataset")
        }
        let data: [UInt8]
        do {
            data = try RegularFile.read(path, limit: expected)
        } catch FileIOError.tooLarge(_, let bytes, _) {
            throw wrongSize(bytes.map(String.init) ?? "more than \(expected)")
        }
        guard data.count == expected else { throw wrongSize(String(data.count)) }
        let values = data.withUnsafeBytes { raw in (0..<(count * layerCount * width)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        return PassageActivations(layerCount: layerCount, width: width, count: count, values: values)
    }
}
