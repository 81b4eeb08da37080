import Foundation
import Testing
@testable import Affect

/// Trust scores stored beside a probe set: a round trip, missing values left out, a damaged file named.
struct TrustScoresTests {
    @Test func roundTripAndDamage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-trust-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let probe = dir + "/p.gguf"
        #expect(try TrustScores.load(probeSet: probe) == nil, "none measured: nil, not an error")
        let t = TrustScores(layer: 18, strength: 0.2, contexts: 8, scores: ["calm": 0.71, "sad": .nan], random: .nan)
        #expect(t.scores == ["calm": 0.71] && t.random == nil, "non-finite values are missing")
        try t.save(probeSet: probe)
        #expect(try TrustScores.load(probeSet: probe) == t)
        try "{\"layer\": 1".write(toFile: TrustScores.path(probeSet: probe), atomically: true, encoding: .utf8)
        do { _ = try TrustScores.load(probeSet: probe); Issue.record("a damaged file must be an error") } catch {
            #expect("\(error)".contains("p.gguf.trust.json is not a trust-score file"), "\(error)")
        }
    }
}
