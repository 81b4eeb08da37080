import Testing
@testable import GGUF

/// Truncation and random corruption of a small valid file: opening must succeed or throw a `GGUFError` with a
/// one-line message, never trap and never read outside the image. (Reads past the image would show up under
/// AddressSanitizer: `swift test --sanitize=address --filter GGUFFuzzTests`.)
@Suite struct GGUFFuzzTests {
    /// A small file exercising every kind of field: scalars, a string, string and number arrays, an empty array,
    /// alignment 64, and tensors of three types.
    static let valid: [UInt8] = {
        var w = GGUFWriter(alignment: 64)
        w.set("general.architecture", "llama")
        w.set("llama.block_count", .uint32(2))
        w.set("llama.rope.freq_base", .float32(10_000))
        w.set("tokenizer.ggml.add_bos_token", .bool(true))
        w.set("tokenizer.ggml.tokens", strings: ["<s>", "", "Ġa", "é"])
        w.set("tokenizer.ggml.scores", .array(.float32, [.float32(0), .float32(-1)]))
        w.set("tokenizer.ggml.token_type", .array(.int32, [.int32(1), .int32(3)]))
        w.set("empty", .array(.uint64, []))
        w.addTensor("a", dims: [4, 2], floats: (0..<8).map(Float.init))
        w.addTensor("b", dims: [32], type: .q8_0, bytes: [UInt8](repeating: 7, count: 34))
        w.addTensor("c", dims: [3], type: .f16, bytes: [1, 2, 3, 4, 5, 6])
        return w.serialize()
    }()

    /// Checks what a successful open promises: every tensor's bytes inside the file.
    func checkInvariants(_ f: GGUFFile) {
        #expect(f.dataOffset <= f.fileSize)
        for t in f.tensors {
            #expect(t.fileOffset >= f.dataOffset && t.byteCount >= 0 && t.fileOffset + t.byteCount <= f.fileSize)
            #expect(t.byteCount == t.type.byteCount(elements: t.elementCount))
        }
        #expect(f.metadataKeys.count == f.metadata.count)
    }

    @Test func theFileIsValid() throws {
        let f = try GGUFFile(bytes: Self.valid)
        checkInvariants(f)
        #expect(f.tensors.count == 3 && f.metadataKeys.count == 9)
    }

    /// Every proper prefix that cuts into a field or a tensor's data throws a truncation error; only the padding
    /// after the last tensor may be missing.
    @Test func everyTruncationThrows() throws {
        let full = try GGUFFile(bytes: Self.valid)
        let end = full.tensors.map { $0.fileOffset + $0.byteCount }.max()!
        #expect(end < Self.valid.count, "the file should end with padding, so that case is covered too")
        for n in 0..<Self.valid.count {
            let prefix = Array(Self.valid[..<n])
            if n >= end {
                #expect(throws: Never.self, "prefix of \(n) bytes") { checkInvariants(try GGUFFile(bytes: prefix)) }
                continue
            }
            let e = #expect(throws: GGUFError.self, "prefix of \(n) bytes") { _ = try GGUFFile(bytes: prefix) }
            guard let e else { continue }
            switch e {
            case .truncated, .tensorPastEnd: break
            default: Issue.record("prefix of \(n) bytes: unexpected \(e)")
            }
            expectMessage(e, mentions: [])
        }
    }

    /// Flips 1 to 4 random bytes (mostly in the header, where they matter), a few thousand times, with a fixed seed.
    @Test func randomCorruption() {
        var rng = SplitMix64(seed: 0x4C49_4D42_4943)  // "LIMBIC"
        let headerEnd = (try? GGUFFile(bytes: Self.valid).dataOffset) ?? Self.valid.count
        var opened = 0, refused = 0
        for _ in 0..<4000 {
            var bytes = Self.valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let span = Int.random(in: 0..<4, using: &rng) == 0 ? bytes.count : headerEnd
                let i = Int.random(in: 0..<span, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)  // one bit
                case 1: bytes[i] = .random(in: 0...255, using: &rng)           // any byte
                default: bytes[i] = [0, 0xFF, 0x7F, 0x80].randomElement(using: &rng)!  // edge values
                }
            }
            if Int.random(in: 0..<8, using: &rng) == 0 { bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng)) }
            do {
                checkInvariants(try GGUFFile(bytes: bytes))
                opened += 1
            } catch let e as GGUFError {
                expectMessage(e, mentions: [])
                refused += 1
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
        // Both outcomes must actually occur, or the corruption is not exercising anything.
        #expect(opened > 100 && refused > 1000, "opened \(opened), refused \(refused)")
    }

    /// Corrupting each byte of the header in turn, to each of a few values, covers every field deterministically.
    @Test func everyHeaderByteToEdgeValues() {
        let headerEnd = (try? GGUFFile(bytes: Self.valid).dataOffset) ?? Self.valid.count
        for i in 0..<headerEnd {
            for v: UInt8 in [0, 1, 0x40, 0x7F, 0x80, 0xFF] where Self.valid[i] != v {
                var bytes = Self.valid
                bytes[i] = v
                do { checkInvariants(try GGUFFile(bytes: bytes)) } catch let e as GGUFError {
                    expectMessage(e, mentions: [])
                } catch {
                    Issue.record("byte \(i) = \(v): unexpected error type: \(error)")
                }
            }
        }
    }
}
