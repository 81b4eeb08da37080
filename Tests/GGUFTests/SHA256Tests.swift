import GGUF
import Testing

/// FIPS 180-4 example vectors (NIST "SHA256.pdf" / FIPS 180-2 appendix B).
@Suite struct SHA256Tests {
    @Test func emptyMessage() {
        #expect(SHA256.hexDigest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(SHA256.hexDigest(Array("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func twoBlockMessage448Bits() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA256.hexDigest(Array(message.utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func millionA() {
        // Fed in uneven chunks so the carry-over path between `update` calls is exercised too.
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var left = 1_000_000
        while left > 0 {
            let n = min(left, chunk.count)
            hasher.update(Array(chunk[0..<n]))
            left -= n
        }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundaries() {
        // Lengths around the 55/56/64-byte padding edges, checked against one-shot vs. byte-at-a-time hashing
        // and against known digests of runs of 'a' (computed with coreutils sha256sum).
        let known: [Int: String] = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
        ]
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128] {
            let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            var incremental = SHA256()
            for byte in bytes { incremental.update([byte]) }
            let oneShot = SHA256.hexDigest(bytes)
            #expect(incremental.finalizeHex() == oneShot, "length \(length)")
            if let expected = known[length] { #expect(oneShot == expected, "length \(length)") }
        }
    }
}
