/// Failures of the command line's own files (the chat history, the unpacked prompts), each naming the path and
/// the reason. Usage mistakes are `UsageError`.
public enum CLIError: Error, CustomStringConvertible, Equatable {
    case historyNotSaved(path: String, reason: String)
    case promptsNotUnpacked(path: String, reason: String)
    case calibrationChats(String, String)

    public var description: String {
        switch self {
        case .historyNotSaved(let path, let reason):
            return "cannot save the chat history to \(path): \(reason)"
        case .promptsNotUnpacked(let path, let reason):
            return "cannot unpack the prompts built into limbic to \(path): \(reason); set $LIMBIC_HOME to a writable folder, or $LIMBIC_PROMPTS to a copy of prompts/"
        case let .calibrationChats(dir, reason):
            return "calibration chats in \(dir): \(reason)"
        }
    }
}
