import Foundation
import SessionLog
import Tokenizers

/// A conversation rebuilt from its session log, to go on from where it stopped (`limbic chat --resume LOG`):
/// the system prompt, the messages in order — user turns that went through, replies (as edited at a pause, when
/// they were), and the monitor notes that `tell` actions put into the context — and how many turns there were.
public struct ResumedConversation: Sendable {
    public var path: String
    /// nil: the template's default system prompt.
    public var system: String?
    public var messages: [ChatMessage]
    public var turns: Int
    /// The user turns in order (a resumed script skips the lines the log already sent).
    public var userTurns: [String]
    public var modelSHA256: String

    public init(_ log: SessionLogContents) throws {
        path = log.path
        system = log.session.system
        modelSHA256 = log.session.modelSHA256
        var messages: [ChatMessage] = [], users: [String] = []
        var turns = 0, pendingUser: String? = nil
        for event in log.events {
            switch event {
            case .turn(let t) where t.role == "user":
                pendingUser = t.error == nil ? t.text : nil
            case .turn(let t) where t.role == "assistant":
                guard let u = pendingUser else { continue }
                messages += [ChatMessage(role: "user", content: u), ChatMessage(role: "assistant", content: t.text)]
                users.append(u)
                pendingUser = nil
                turns = t.turn + 1
            case .action(let a) where a.action == "tell":
                messages.append(ChatMessage(role: "system", content: a.detail))
            case .resume(let r) where r.choice == "edit":
                if let text = r.editedReply, let i = messages.lastIndex(where: { $0.role == "assistant" }) {
                    messages[i] = ChatMessage(role: "assistant", content: text)
                }
            default:
                continue
            }
        }
        guard turns > 0 else { throw ResumeError.noTurns(path: log.path) }
        self.messages = messages
        self.turns = turns
        userTurns = users
    }

    /// How many of `script`'s lines the log already sent: the longest prefix equal to its user turns.
    public func linesAlreadySent(of script: [String]) -> Int {
        zip(userTurns, script).prefix { $0 == $1 }.count
    }
}

public enum ResumeError: Error, CustomStringConvertible, Equatable {
    case noTurns(path: String)
    case otherModel(path: String, logged: String, loaded: String)

    public var description: String {
        switch self {
        case .noTurns(let path):
            return "--resume: \(path) has no complete turn to go on from; start a new chat instead"
        case let .otherModel(path, logged, loaded):
            return "--resume: \(path) was written with the model of sha256 \(logged.prefix(12))…, not this one (\(loaded.prefix(12))…); give the same --model"
        }
    }
}
