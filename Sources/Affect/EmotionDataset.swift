import Engine
import FileIO
import Foundation
import GGUF

/// The emotion passages of `prompts/emotions/` (one file per emotion, one passage per line) and the neutral
/// baseline (`neutral.txt`). Adding a file adds an emotion.
public struct EmotionDataset: Sendable {
    public struct Passage: Sendable, Equatable {
        public var text: String
        /// The emotion's index in `emotions`, or nil for neutral.
        public var emotion: Int?
        /// Line number in its file (0-based), which decides the split and the fold.
        public var line: Int
        /// Whether it belongs to the test split, used for nothing but the final report.
        public var isTest: Bool { EmotionDataset.isTest(line: line) }
        /// Its cross-validation fold (0..<`EmotionDataset.folds`), nil for a test passage.
        public var fold: Int? { EmotionDataset.fold(line: line) }
    }

    public static let neutralName = "neutral"

    /// Emotion names, sorted (the file names without `.txt`).
    public let emotions: [String]
    public let passages: [Passage]
    public let neutral: [Passage]
    /// SHA-256 over every file's name and bytes, in name order: a probe set built from other data is stale.
    public let hash: String
    public let directory: String

    /// The deterministic split: every sixth line (index % 6 == 5) is the test split. Nothing is chosen on it (not
    /// the layer, not the shrinkage): it is read once, for the accuracy the probe set reports.
    public static func isTest(line: Int) -> Bool { line % 6 == 5 }

    /// Cross-validation folds over the training passages.
    public static let folds = 5

    /// A training passage's fold: line % 6 (0-4), so each fold takes one line of every six and the folds are the
    /// same on every machine; nil for a test passage.
    public static func fold(line: Int) -> Int? { isTest(line: line) ? nil : line % 6 }

    public init(directory: String) throws {
        self.directory = directory
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            throw AffectError.datasetMissing(directory)
        }
        let files = names.filter { $0.hasSuffix(".txt") }.sorted()
        var emotions: [String] = []
        var passages: [Passage] = []
        var neutral: [Passage] = []
        var sha = SHA256()
        for file in files {
            let path = directory + "/" + file
            let data = try RegularFile.read(path, limit: RegularFile.textLimit)
            guard let text = String(validating: data, as: UTF8.self) else { throw FileIOError.notUTF8(path: path) }
            sha.update(Array(file.utf8) + [0])
            sha.update(data + [0])
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let name = String(file.dropLast(4))
            if name == Self.neutralName {
                neutral = lines.enumerated().filter { !$0.element.isEmpty }.map { Passage(text: $0.element, emotion: nil, line: $0.offset) }
            } else {
                let index = emotions.count
                emotions.append(name)
                passages += lines.enumerated().filter { !$0.element.isEmpty }.map { Passage(text: $0.element, emotion: index, line: $0.offset) }
            }
        }
        guard emotions.count >= 2 else { throw AffectError.tooFewEmotions(directory, emotions.count) }
        guard neutral.filter({ $0.line % 2 == 0 }).count >= 2, neutral.filter({ $0.line % 2 == 1 }).count >= 2 else {
            throw AffectError.noNeutral(directory)
        }
        // Every fold's training part must hold every emotion: one training passage per fold at least.
        for (i, e) in emotions.enumerated() {
            let n = passages.filter { $0.emotion == i && !$0.isTest }.count
            guard n >= Self.folds else { throw AffectError.tooFewPassages(emotion: e, count: n) }
        }
        self.emotions = emotions
        self.passages = passages
        self.neutral = neutral
        self.hash = sha.finalizeHex()
    }

    public var training: [Passage] { passages.filter { !$0.isTest } }
    public var test: [Passage] { passages.filter { $0.isTest } }

    /// The neutral passages on even lines: their principal components are projected out of the directions.
    public var neutralForComponents: [Passage] { neutral.filter { $0.line % 2 == 0 } }
    /// The neutral passages on odd lines: readings' z-scores are measured against them. Disjoint from the half the
    /// components come from, so the spread is measured out of sample (on the same rows it would be biased low: the
    /// components were fitted to them).
    public var neutralForCalibration: [Passage] { neutral.filter { $0.line % 2 == 1 } }
}

/// Which words name an emotion (`prompts/emotion-words.txt`: `emotion: word, stem, …`, matched
/// case-insensitively as prefixes of whole words). Defines the lexical control: passages that never name their
/// emotion.
public struct EmotionLexicon: Sendable {
    public let words: [String: [String]]

    public init(words: [String: [String]]) { self.words = words }

    public init(path: String) throws {
        let text = try RegularFile.readText(path)
        var words: [String: [String]] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            words[name] = line[line.index(after: colon)...].split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        }
        self.words = words
    }

    /// Whether `text` contains a word starting with one of `emotion`'s entries.
    public func names(_ emotion: String, in text: String) -> Bool {
        guard let stems = words[emotion.lowercased()] else { return false }
        let tokens = text.lowercased().split { !$0.isLetter && $0 != "'" }
        return tokens.contains { t in stems.contains { t.hasPrefix($0) } }
    }
}
