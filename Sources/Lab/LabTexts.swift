import FileIO
import Foundation

/// The lab's data (`prompts/lab/`, written for this project): concept and baseline words, contrastive pairs,
/// sentences for localization, control questions, preambles and trial questions. Lists are one item per line;
/// lines starting with `#` and blank lines are skipped.
public struct LabTexts: Sendable {
    public var concepts: [String]
    public var baseline: [String]
    public var pairs: [(String, String)]
    public var sentences: [String]
    public var controlQuestions: [String]
    public var questions: [String]
    /// `information`, `lorem`, `wrong-location`.
    public var preambles: [String: String]

    public static func load(_ dir: String) throws -> LabTexts {
        let pairLines = try lines(dir + "/pairs.txt")
        var pairs: [(String, String)] = []
        for (n, line) in pairLines {
            let w = line.split(separator: " ").map(String.init)
            guard w.count == 2 else { throw LabError.data(dir + "/pairs.txt", n, "expected two words 'word1 word2', got '\(line)'") }
            pairs.append((w[0], w[1]))
        }
        var preambles: [String: String] = [:]
        for name in ["information", "lorem", "wrong-location"] {
            preambles[name] = try text(dir + "/preambles/\(name).txt").split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("#") }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return LabTexts(concepts: try lines(dir + "/concepts.txt").map(\.1), baseline: try lines(dir + "/baseline.txt").map(\.1),
                        pairs: pairs, sentences: try lines(dir + "/sentences.txt").map(\.1),
                        controlQuestions: try lines(dir + "/control-questions.txt").map(\.1),
                        questions: try lines(dir + "/questions.txt").map(\.1), preambles: preambles)
    }

    /// The non-comment lines of a list file with their 1-based line numbers; a duplicate is an error.
    static func lines(_ path: String) throws -> [(Int, String)] {
        var out: [(Int, String)] = [], seen: [String: Int] = [:]
        for (i, raw) in try text(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let first = seen[line] { throw LabError.data(path, i + 1, "'\(line)' is already on line \(first)") }
            seen[line] = i + 1
            out.append((i + 1, line))
        }
        guard !out.isEmpty else { throw LabError.data(path, 1, "no items") }
        return out
    }

    static func text(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw LabError.missingFile(path) }
        return try RegularFile.readText(path).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
