/// What `limbic --version` prints: the version and the git commit the binary was built from (stamped into
/// `BuildCommit` by the StampCommit plugin before each build).
enum Version {
    static let number = "0.2.0"
    static var line: String { "limbic \(number) (\(BuildCommit.description))" }
}
