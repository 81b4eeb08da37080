import Engine
import FileIO
import Foundation
import Tokenizers

/// Self- vs cross-prediction (after Binder et al. 2024, prompt-only: nothing is fine-tuned). A predictor model is
/// asked about a hypothetical prompt ("would your answer start with a vowel?") without answering it, and its
/// prediction is read from the logits of the two choice words; then the subject model answers the prompt (greedy)
/// and the property is checked mechanically. Self-prediction (predictor = subject) is compared with
/// cross-prediction (another model predicting the subject) and with the baseline of always guessing the subject's
/// most common property value.
public struct PredictionTask: Sendable {
    public var name: String
    public var question: String
    /// The two choice words: the first means the property holds.
    public var choices: [String]
    public var prompts: [String]

    /// Reads `prompts/lab/predict/<name>.txt`: `# question:` (with {prompt}) and `# choices:` header lines, then
    /// one prompt per line.
    public static func load(_ path: String) throws -> PredictionTask {
        guard FileManager.default.fileExists(atPath: path) else { throw LabError.missingFile(path) }
        var question: String? = nil, choices: [String]? = nil, prompts: [String] = []
        for (i, raw) in try RegularFile.readText(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("# question:") { question = String(line.dropFirst("# question:".count)).trimmingCharacters(in: .whitespaces) }
            else if line.hasPrefix("# choices:") {
                let c = line.dropFirst("# choices:".count).split(separator: " ").map(String.init)
                guard c.count == 2 else { throw LabError.data(path, i + 1, "'# choices:' needs two words") }
                choices = c
            } else if !line.isEmpty && !line.hasPrefix("#") { prompts.append(line) }
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard let q = question, q.contains("{prompt}") else { throw LabError.data(path, 1, "no '# question:' line with {prompt}") }
        guard let c = choices else { throw LabError.data(path, 1, "no '# choices:' line") }
        guard Property(rawValue: name) != nil else {
            throw LabError.data(path, 1, "no checker for a task named '\(name)' (known: \(Property.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !prompts.isEmpty else { throw LabError.data(path, 1, "no prompts") }
        return PredictionTask(name: name, question: q, choices: c, prompts: prompts)
    }

    /// The mechanical checks, by task name.
    public enum Property: String, CaseIterable, Sendable {
        case firstLetterVowel = "first-letter-vowel"
        case lastLetterVowel = "last-letter-vowel"
        case answerLength = "answer-length"
        case startsWithS = "starts-with-s"
        case numberEven = "number-even"
        case numberOver50 = "number-over-50"

        /// Whether `answer` has the property; nil when it has no word (or number) to check.
        public func holds(_ answer: String) -> Bool? {
            let vowels = Set("aeiou")
            switch self {
            case .numberEven, .numberOver50:
                let digits = answer.drop { !$0.isNumber }.prefix { $0.isNumber }
                guard let n = Int(digits) else { return nil }
                return self == .numberEven ? n % 2 == 0 : n > 50
            default:
                // The answer's word: the first one that is not an article ("The elephant." answers with "elephant").
                let words = answer.split { !$0.isLetter }.map { $0.lowercased() }
                let word = words.first { !["a", "an", "the"].contains($0) } ?? ""
                guard let first = word.first, let last = word.last else { return nil }
                switch self {
                case .firstLetterVowel: return vowels.contains(first)
                case .lastLetterVowel: return vowels.contains(last)
                case .answerLength: return word.count > 5
                default: return first == "s"
                }
            }
        }
    }
}

public enum PredictionStudy {
    /// One task's figures.
    public struct Row: Codable, Sendable {
        public var task: String
        /// Prompts whose object-level answer could be checked.
        public var checked: Int
        public var selfCorrect: Int
        public var crossCorrect: Int?
        /// Always guessing the subject's most common value.
        public var baselineCorrect: Int
        /// How often the subject's answer had the property.
        public var holds: Int
    }

    /// The object-level answer of `model` to `prompt` (greedy, a few tokens).
    public static func answer(_ model: any InferenceBackend, _ prompt: String, threads: Int?) throws -> String {
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let ids = try encoder.encode([ChatMessage(role: "user", content: prompt + " Answer with one word or one number only.")])
        let ctx = model.makeSequence(capacity: ids.count + 16, threads: threads)
        var generator = Generator(parameters: .greedy, maxTokens: 8)
        return try generator.run(in: ctx, tokenizer: model.tokenizer, prompt: ids).text
    }

    /// The predictor's choice for the hypothetical question: true when the first choice's logit is higher.
    public static func predict(_ model: any InferenceBackend, task: PredictionTask, prompt: String, threads: Int?) throws -> Bool {
        let encoder = ChatEncoder(template: try model.chatTemplate(), tokenizer: model.tokenizer)
        let ids = try encoder.encode([ChatMessage(role: "user", content: task.question.replacingOccurrences(of: "{prompt}", with: prompt))])
            + (try model.tokenizer.encode("Answer:", addSpecial: false, parseSpecial: false))
        let choice = try task.choices.map { c -> Int in
            let t = try model.tokenizer.encode(" " + c, addSpecial: false, parseSpecial: false)
            guard t.count == 1 else { throw LabError.notOneToken(" " + c, t) }
            return t[0]
        }
        let ctx = model.makeSequence(capacity: ids.count + 1, threads: threads)
        let logits = try ctx.evaluate(ids, logits: .last)
        return logits[choice[0]] >= logits[choice[1]]
    }

    public static func run(subject: any InferenceBackend, other: (any InferenceBackend)?, tasks: [PredictionTask], limit: Int?,
                           threads: Int? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws -> [Row] {
        let total = tasks.reduce(0) { $0 + min($1.prompts.count, limit ?? Int.max) }
        var done = 0
        return try tasks.map { task in
            let property = PredictionTask.Property(rawValue: task.name)!
            var checked = 0, selfOK = 0, crossOK = 0, holds = 0
            for prompt in task.prompts.prefix(limit ?? Int.max) {
                defer { done += 1; progress(done, total) }
                guard let truth = property.holds(try answer(subject, prompt, threads: threads)) else { continue }
                checked += 1
                if truth { holds += 1 }
                if try predict(subject, task: task, prompt: prompt, threads: threads) == truth { selfOK += 1 }
                if let other, try predict(other, task: task, prompt: prompt, threads: threads) == truth { crossOK += 1 }
            }
            return Row(task: task.name, checked: checked, selfCorrect: selfOK, crossCorrect: other == nil ? nil : crossOK,
                       baselineCorrect: max(holds, checked - holds), holds: holds)
        }
    }

    public static func table(_ rows: [Row], subject: String, other: String?) -> String {
        func pct(_ k: Int, _ n: Int) -> String {
            let (lo, hi) = LocalizationStudy.wilson(k, n)
            return n == 0 ? "—" : String(format: "%.0f%% [%.0f-%.0f]", 100 * Double(k) / Double(n), lo * 100, hi * 100)
        }
        var lines = ["subject \(subject): its own greedy answers; predicted by itself" + (other.map { " and by \($0)" } ?? "")]
        lines.append("task                 checked  self-prediction    cross-prediction   baseline (majority)  property holds")
        for r in rows {
            lines.append(r.task.padding(toLength: 21, withPad: " ", startingAt: 0) + String(format: "%7d  ", r.checked)
                         + pct(r.selfCorrect, r.checked).padding(toLength: 19, withPad: " ", startingAt: 0)
                         + (r.crossCorrect.map { pct($0, r.checked) } ?? "—").padding(toLength: 19, withPad: " ", startingAt: 0)
                         + pct(r.baselineCorrect, r.checked).padding(toLength: 21, withPad: " ", startingAt: 0)
                         + "\(r.holds)/\(r.checked)")
        }
        return lines.joined(separator: "\n")
    }
}
