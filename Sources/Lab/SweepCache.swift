import FileIO
import Foundation

/// Finished rows of a lab sweep, one file each, so that an interrupted sweep resumes where it stopped: a row whose
/// file is there is read instead of measured again. `key` names everything a row depends on besides its layer and
/// strength (the protocol, its texts and flags, and the injected vectors themselves, which pin the model); a row
/// that cannot be read is measured again.
public struct SweepCache: Sendable {
    public let directory: String
    public let key: String
    /// false: every row is measured again (and its file replaced).
    public var reuse = true
    /// Rows read from the cache so far.
    public let reused = Counter()

    /// A count shared by the copies of a cache (rows read, for the command's note).
    public final class Counter: @unchecked Sendable { public var value = 0 }

    public init(directory: String, key: String, reuse: Bool = true) {
        self.directory = directory
        self.key = key
        self.reuse = reuse
    }

    func path(layer: Int, strength: InjectionStrength) -> String {
        let s: String
        switch strength {
        case .fraction(let f): s = "f\(f)"
        case .absolute(let a): s = "a\(a)"
        }
        return directory + "/\(key.prefix(16))-L\(layer)-\(s).json"
    }

    /// The row measured before, if its file is there and reads as one.
    public func load<Row: Decodable>(_ type: Row.Type, layer: Int, strength: InjectionStrength) -> Row? {
        guard reuse, let data = FileManager.default.contents(atPath: path(layer: layer, strength: strength)),
              let row = try? LabJSON.decoder.decode(Row.self, from: data) else { return nil }
        reused.value += 1
        return row
    }

    /// Keeps a finished row (written to a temporary file and renamed: a crash leaves no half row).
    public func save<Row: Encodable>(_ row: Row, layer: Int, strength: InjectionStrength) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(Array(try LabJSON.encoder.encode(row)), to: path(layer: layer, strength: strength), replace: true)
    }
}
