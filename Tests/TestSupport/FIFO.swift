import Foundation

/// A named pipe (mkfifo(3)) in a fresh temporary folder, for tests that a user-given path naming one is refused
/// at once rather than read (opening a FIFO for reading waits for a writer).
public struct FIFO {
    public let folder: String
    public let path: String

    public init(name: String = "pipe") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-fifo-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        path = folder + "/" + name
        guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Runs `body` and says how long it took. If `body` blocks on the pipe (the bug these tests catch), a writer
    /// opens and closes the pipe after 3 s so that it sees the end of input and the test reports a slow call
    /// instead of hanging.
    public func timed<T>(_ body: () throws -> T) rethrows -> (result: T, seconds: Double) {
        let path = self.path
        DispatchQueue.global().asyncAfter(deadline: .now() + 3) {
            let fd = open(path, O_WRONLY | O_NONBLOCK)   // fails at once (ENXIO) when nobody is reading
            if fd >= 0 { close(fd) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
