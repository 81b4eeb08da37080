import FileIO
import Foundation

/// A self-report question style, from `prompts/selfreport/<style>.txt`: `key: value` lines (`question`,
/// `answer`, `choices`, `rotations`), `#` comments, and lines without a key continuing the previous value.
public struct SelfReportTemplate: Sendable, Equatable {
    public var style: String
    /// The user turn; may contain {emotion}, {Emotion} and {options}.
    public var question: String
    /// The prefilled start of the assistant's answer; the choice follows after one space.
    public var answer: String
    /// The answer options whose next-token probabilities are read (digits for ratings, letters for choice).
    public var choices: [String]
    /// Choice templates: in how many option orders the question is asked and averaged (`SelfReporter.report`);
    /// 1 asks once, in the emotions' order. Always 1 for per-emotion templates.
    public var rotations: Int

    public init(style: String, question: String, answer: String, choices: [String], rotations: Int = 1) {
        self.style = style
        self.question = question
        self.answer = answer
        self.choices = choices
        self.rotations = rotations
    }

    static let keys = ["question", "answer", "choices", "rotations"]

    public init(path: String) throws {
        let text = try RegularFile.readText(path)
        var fields: [String: String] = [:]
        var last: String? = nil
        var lines: [String: Int] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if let colon = line.firstIndex(of: ":"), Self.keys.contains(String(line[..<colon])) {
                let key = String(line[..<colon])
                fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                lines[key] = n + 1
                last = key
            } else if let key = last {
                fields[key]! += "\n" + line
            } else {
                throw AffectError.badTemplate(path: path, line: n + 1, reason: "expected 'question:', 'answer:' or 'choices:'")
            }
        }
        guard let q = fields["question"] else { throw AffectError.badTemplate(path: path, line: 1, reason: "no 'question:' line") }
        self.style = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        self.question = q
        self.answer = fields["answer"] ?? ""
        self.choices = (fields["choices"] ?? "").split(separator: " ").map(String.init)
        self.rotations = 1
        if let r = fields["rotations"] {
            let line = lines["rotations"] ?? 1
            guard let k = Int(r), (1...Self.maximumRotations).contains(k) else {
                throw AffectError.badTemplate(path: path, line: line, reason: "'rotations:' takes a whole number from 1 to \(Self.maximumRotations), got '\(r)'")
            }
            self.rotations = k
            if k > 1 && isPerEmotion {
                throw AffectError.badTemplate(path: path, line: line, reason: "'rotations:' reorders the options of a choice question; this template asks about one {emotion} at a time")
            }
        }
    }

    /// The most option orders a template may ask for (each is one more fork of the whole question).
    public static let maximumRotations = 26

    /// Whether the template asks about one emotion at a time (it names {emotion} in the question or the answer)
    /// rather than offering all of them as choices.
    public var isPerEmotion: Bool {
        (question + answer).contains("{emotion}") || (question + answer).contains("{Emotion}")
    }

    /// Loads `<directory>/<style>.txt`.
    public static func load(style: String, directory: String) throws -> SelfReportTemplate {
        try SelfReportTemplate(path: directory + "/\(style).txt")
    }

    /// `prompts/selfreport`, found beside `prompts/emotions`.
    public static func directory(besideEmotions emotions: String) -> String {
        URL(fileURLWithPath: emotions).deletingLastPathComponent().appendingPathComponent("selfreport").path
    }

    func fill(_ s: String, emotion: String? = nil, options: [String] = []) -> String {
        var s = s
        if let e = emotion {
            s = s.replacingOccurrences(of: "{emotion}", with: e)
            s = s.replacingOccurrences(of: "{Emotion}", with: e.prefix(1).uppercased() + e.dropFirst())
        }
        if !options.isEmpty {
            let lines = options.enumerated().map { "\(choices[$0.offset])) \($0.element)" }
            s = s.replacingOccurrences(of: "{options}", with: lines.joined(separator: "\n"))
        }
        return s
    }
}
