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

    /// Reads every passage, fits every layer, validates on held-out passages and chooses the reading layer.
    public static func build(model: any InferenceBackend, dataset: EmotionDataset, lexicon: EmotionLexicon?,
                             method: ExtractionMethod = .recipe, modelSHA256: String, threads: Int? = nil,
                             progress: (Stage) -> Void = { _ in }) throws -> ProbeSet {
        let train = dataset.training, valid = dataset.validation, neutral = dataset.neutral
        let texts = train.map(\.text) + valid.map(\.text) + neutral.map(\.text)
        let acts = try PassageActivations.collect(model: model, texts: texts, threads: threads) {
            progress(.reading(done: $0, total: texts.count))
        }
        if let dump = ProcessInfo.processInfo.environment["LIMBIC_DUMP_ACTIVATIONS"] {   // research aid: numpy.fromfile
            try acts.values.withUnsafeBytes { try AtomicFile.write($0, to: dump, replace: true) }
        }
        return fit(acts, train: train, validation: valid, neutralCount: neutral.count, emotions: dataset.emotions,
                   lexicon: lexicon, method: method, modelSHA256: modelSHA256, datasetHash: dataset.hash,
                   progress: progress)
    }

    /// Fits probes from collected activations laid out as [training…, validation…, neutral…].
    public static func fit(_ acts: PassageActivations, train: [EmotionDataset.Passage], validation: [EmotionDataset.Passage],
                           neutralCount: Int, emotions: [String], lexicon: EmotionLexicon?, method: ExtractionMethod,
                           modelSHA256: String, datasetHash: String, progress: (Stage) -> Void = { _ in }) -> ProbeSet {
        let E = emotions.count
        let trainLabels = train.map { $0.emotion! }
        let validLabels = validation.map { $0.emotion! }
        let neutralStart = train.count + validation.count
        var layers: [LayerProbe] = []
        var accuracy: [Float] = []
        var predictions: [[Int]] = []
        for l in 0..<acts.layerCount {
            progress(.fitting(layer: l, total: acts.layerCount))
            func rows(_ range: Range<Int>) -> [[Double]] { range.map { acts.row($0, l).map(Double.init) } }
            let probe = VectorExtraction.layerProbe(rows: rows(0..<train.count), labels: trainLabels, emotionCount: E,
                                                    neutral: rows(neutralStart..<(neutralStart + neutralCount)), method: method)
            let predicted = (0..<validation.count).map { i in probe.classify(acts.row(train.count + i, l)) }
            let correct = zip(predicted, validLabels).filter { $0 == $1 }.count
            accuracy.append(validation.isEmpty ? 0 : Float(correct) / Float(validation.count))
            layers.append(probe)
            predictions.append(predicted)
        }
        let best = bestLayer(accuracy)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: E), count: E)
        var named = (0, 0), unnamed = (0, 0)
        for (i, p) in validation.enumerated() {
            let guess = predictions[best][i], truth = validLabels[i]
            confusion[truth][guess] += 1
            let isNamed = lexicon?.names(emotions[truth], in: p.text) ?? false
            if isNamed { named.0 += guess == truth ? 1 : 0; named.1 += 1 } else { unnamed.0 += guess == truth ? 1 : 0; unnamed.1 += 1 }
        }
        func rate(_ x: (Int, Int)) -> Float { x.1 == 0 ? .nan : Float(x.0) / Float(x.1) }
        return ProbeSet(emotions: emotions, layers: layers, readingLayer: best, method: method,
                        skipTokens: PassageActivations.defaultSkip, modelSHA256: modelSHA256, datasetHash: datasetHash,
                        validationAccuracy: accuracy, accuracyUnnamed: rate(unnamed), accuracyNamed: rate(named),
                        confusion: confusion)
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

    /// The reading layer: the best held-out accuracy, the earliest on ties (0 for none).
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
