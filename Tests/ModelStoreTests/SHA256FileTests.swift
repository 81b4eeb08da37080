import Foundation
import GGUF
import Testing
@testable import ModelStore

/// `SHA256.hexDigest(ofFile:)`, the streaming file hash the store verifies models with.
@Suite struct SHA256FileTests {
    @Test func fileDigestMatchesInMemoryDigest() throws {
        let path = FileManager.default.temporaryDirectory.path + "/limbic-sha-\(UUID().uuidString).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Larger than one 4 MiB read chunk, and not a multiple of 64.
        let bytes = (0..<(5 << 20) + 13).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var reported: Int64 = 0
        let digest = try SHA256.hexDigest(ofFile: path) { reported = $0 }
        #expect(digest == SHA256.hexDigest(bytes))
        #expect(reported == Int64(bytes.count))
        #expect(throws: ModelStoreError.self) { try SHA256.hexDigest(ofFile: path + ".absent") }
    }
}
