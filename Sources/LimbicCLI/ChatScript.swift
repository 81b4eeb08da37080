import FileIO
import Foundation

/// `limbic chat --script FILE`: the user turns of a scripted conversation, one per line.
///
/// Every non-blank line is one user turn, sent as written (spaces around it trimmed): a line that starts with `/`
/// is text for the model, not a chat command, so a script cannot clear, quit or reconfigure the session it drives.
/// The file is read whole before the model loads (at most 16 MiB, a regular file), and a line past
/// `maxMessageBytes` is an error naming it.
public enum ChatScript {
    /// The longest message chat sends, from a script line, a typed or piped line or a `"""` block: 1 MiB, far more
    /// than any context holds (about 250,000 tokens).
    public static let maxMessageBytes = 1 << 20

    /// The turns of the script at `path`.
    public static func load(_ path: String) throws -> [String] {
        try turns(RegularFile.readText(path), path: path)
    }

    /// The turns of a script's text; `path` names it in errors.
    public static func turns(_ text: String, path: String) throws -> [String] {
        var turns: [String] = []
        // "\r\n" is one Character in Swift: split on it too, or a file with CRLF endings would be a single turn.
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            guard line.utf8.count <= maxMessageBytes else {
                throw ChatScriptError.lineTooLong(path: path, line: n + 1, bytes: line.utf8.count, limit: maxMessageBytes)
            }
            let turn = line.trimmingCharacters(in: .whitespaces)
            if !turn.isEmpty { turns.append(turn) }
        }
        return turns
    }
}

/// A script that cannot be run as written.
public enum ChatScriptError: Error, CustomStringConvertible, Equatable {
    case lineTooLong(path: String, line: Int, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .lineTooLong(let path, let line, let bytes, let limit):
            return "\(path):\(line): the line is \(byteSize(bytes)); one turn of a script may be at most \(byteSize(limit)): shorten it or split it into several lines"
        }
    }
}
