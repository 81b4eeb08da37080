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
        /// Line number in its file (0-based), which decides the split.
        public var line: Int
        public var isValidation: Bool { EmotionDataset.isValidation(line: line) }
    }

    public static let neutralName = "neutral"

    /// Emotion names, sorted (the file names without `.txt`).
    public let emotions: [String]
    public let passages: [Passage]
    public let neutral: [Passage]
    /// SHA-256 over every file's name and bytes, in name order: a probe set built from other data is stale.
    public let hash: String
    public let directory: String

    /// The deterministic split: every sixth line (index % 6 == 5) is held out for validation.
    public static func isValidation(line: Int) -> Bool { line % 6 == 5 }

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
        guard neutral.count >= 4 else { throw AffectError.noNeutral(directory) }
        for (i, e) in emotions.enumerated() {
            let n = passages.filter { $0.emotion == i && !$0.isValidation }.count
            guard n >= 2 else { throw AffectError.tooFewPassages(emotion: e, count: n) }
        }
        self.emotions = emotions
        self.passages = passages
        self.neutral = neutral
        self.hash = sha.finalizeHex()
    }

    public var training: [Passage] { passages.filter { !$0.isValidation } }
    public var validation: [Passage] { passages.filter { $0.isValidation } }
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
