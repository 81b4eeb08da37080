import Foundation

/// The package's `prompts/` folder (emotion datasets, the emotion-word list, self-report questions, scripted
/// conversations, the example system prompt) as it was when limbic was built: the EmbedPrompts plugin writes
/// every file's bytes into this module, so an installed binary carries its data with it.
public enum ShippedPrompts {
    /// Each file: its path inside `prompts/` ("emotions/calm.txt") and its bytes, in path order.
    public static var files: [(path: String, bytes: [UInt8])] {
        encoded.sorted { $0.path < $1.path }.map { file in
            guard let data = Data(base64Encoded: file.base64) else {
                preconditionFailure("the embedded \(file.path) is not base64: the generated file is damaged")
            }
            return (file.path, Array(data))
        }
    }
}
