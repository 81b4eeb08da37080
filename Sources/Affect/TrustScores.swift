import FileIO
import Foundation

/// How far each emotion's self-report follows an injection of that emotion (`limbic introspect selfreport
/// --save`): per emotion, the AUROC of its own rating's rise among the 16 (1 = always the highest, 0.5 = chance),
/// with the random-vector null beside it. Stored beside the probe set it was measured with
/// (`<probe set>.trust.json`), shown next to each self-report in `/readings` and `limbic report`.
public struct TrustScores: Codable, Sendable, Equatable {
    public var layer: Int
    public var strength: Double
    public var contexts: Int
    public var scores: [String: Double]
    /// The same statistic under norm-matched random vectors (nil when none were run).
    public var random: Double?

    /// Scores that are not finite (an emotion never measured) are left out: missing, not a number.
    public init(layer: Int, strength: Double, contexts: Int, scores: [String: Double], random: Double?) {
        self.layer = layer
        self.strength = strength
        self.contexts = contexts
        self.scores = scores.filter { $0.value.isFinite }
        self.random = random.flatMap { $0.isFinite ? $0 : nil }
    }

    public static func path(probeSet: String) -> String { probeSet + ".trust.json" }

    /// The scores stored beside `probeSet`; nil when none were measured.
    public static func load(probeSet: String) throws -> TrustScores? {
        let path = path(probeSet: probeSet)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(TrustScores.self, from: Data(try RegularFile.read(path, limit: 1 << 20))) } catch let e as FileIOError {
            throw e
        } catch {
            throw AffectError.badTrustScores(path: path, reason: "\(error)")
        }
    }

    public func save(probeSet: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)), to: Self.path(probeSet: probeSet), replace: true)
    }
}
