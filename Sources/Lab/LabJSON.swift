import Foundation

/// The JSON of the lab's results (`limbic introspect … --json`), written and read back (`limbic report --html`) by
/// the same rules: snake_case keys, sorted; a value that is not finite as a string ("nan", "inf", "-inf").
public enum LabJSON {
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// Undoes `encoder`'s keys, including those whose acronym the snake case lowered (`diagonal_auroc` is
    /// `diagonalAUROC`).
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .custom { path in
            let snake = path.last!.stringValue
            let words = snake.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
            var camel = words.first ?? ""
            for w in words.dropFirst() { camel += acronyms.contains(w) ? w.uppercased() : w.prefix(1).uppercased() + w.dropFirst() }
            return Key(camel)
        }
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Words written in capitals inside a property name.
    static let acronyms: Set<String> = ["auroc"]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// A result file of any protocol the lab writes, told apart by its keys.
    public enum Result {
        case detection(DetectionStudy.Result)
        case localization(LocalizationStudy.Result)
        case selfReport([InjectedSelfReport.Result])
        case prediction([PredictionStudy.Row])
    }

    /// Reads a `limbic introspect … --json` file; nil when the data is none of the lab's results.
    public static func read(_ data: Data) -> Result? {
        let d = decoder
        if let r = try? d.decode(DetectionStudy.Result.self, from: data) { return .detection(r) }
        if let r = try? d.decode(LocalizationStudy.Result.self, from: data) { return .localization(r) }
        if let r = try? d.decode([InjectedSelfReport.Result].self, from: data) { return .selfReport(r) }
        if let r = try? d.decode([PredictionStudy.Row].self, from: data) { return .prediction(r) }
        return nil
    }
}
