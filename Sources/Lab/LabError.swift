/// Errors of the introspection lab: its data files and its settings.
public enum LabError: Error, CustomStringConvertible, Equatable {
    /// `path:line: message` in a lab data file.
    case data(String, Int, String)
    case missingFile(String)
    /// A word whose answer token the protocol needs is not one token on this tokenizer.
    case notOneToken(String, [Int])
    case layerOutOfRange(Int, layers: Int)
    /// The chat template does not render the protocol's turns as it needs.
    case template(String)

    public var description: String {
        switch self {
        case let .data(path, line, message): return "\(path):\(line): \(message)"
        case let .missingFile(path): return "\(path): missing (the lab's data is in prompts/lab; see its README)"
        case let .notOneToken(word, ids): return "'\(word)' is \(ids.count) tokens on this tokenizer (\(ids)), the protocol needs one"
        case let .layerOutOfRange(l, layers): return "layer \(l) is outside the model's 0-\(layers - 1)"
        case let .template(why): return "this model's chat template cannot run the protocol: \(why)"
        }
    }
}
