import GGUF
import Testing
@testable import Engine

/// Hyper-parameters that do not hold together are an "inconsistent model" error naming the key, its value and
/// what is allowed, never a trap later (an empty range, an overflowing product, a NaN in every norm).
struct ModelConfigTests {
    /// A llama header with a token embedding of 4 tokens × 8 and nothing else: enough for `ModelConfig`.
    static let base: [(String, GGUFValue)] = [
        ("llama.block_count", .uint32(2)), ("llama.embedding_length", .uint32(8)), ("llama.feed_forward_length", .uint32(16)),
        ("llama.attention.head_count", .uint32(2)), ("llama.context_length", .uint32(128)),
        ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
    ]

    static func config(_ changes: [String: GGUFValue?] = [:]) throws -> ModelConfig {
        var w = GGUFWriter()
        w.set("general.architecture", "llama")
        for (key, value) in base where changes[key] == nil { w.set(key, value) }
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) { if let value { w.set(key, value) } }
        w.addTensor("token_embd.weight", dims: [8, 4], floats: [Float](repeating: 0, count: 32))
        return try ModelConfig(gguf: GGUFFile(bytes: w.serialize()), architecture: Llama.self)
    }

    /// The error for `changes`, checked to be one line that mentions each of `mentions`.
    static func refuses(_ changes: [String: GGUFValue?], _ mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let e = #expect(throws: EngineError.self, sourceLocation: sourceLocation) { _ = try config(changes) }
        guard let e else { return }
        let text = e.description
        #expect(text.hasPrefix("inconsistent model: "), "\(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("\n"), sourceLocation: sourceLocation)
        for m in mentions { #expect(text.contains(m), "\(text) does not mention \(m)", sourceLocation: sourceLocation) }
    }

    @Test func aSaneHeaderLoads() throws {
        let c = try Self.config()
        #expect(c.headDim == 4 && c.kvHeadCount == 2 && c.qDim == 8 && c.kvDim == 8 && c.vocabSize == 4)
        #expect(c.ropeBase == 10000 && c.ropeDim == 4 && c.contextLength == 128)
    }

    /// `ModelOptions.context` used to trap on `16...contextLength` for such a model.
    @Test func aContextBelowSixteenIsRefusedAtLoad() {
        Self.refuses(["llama.context_length": .uint32(8)], ["llama.context_length is 8", "16-"])
        Self.refuses(["llama.context_length": .uint64(1 << 40)], ["llama.context_length is 1099511627776"])
    }

    /// key_length 0xFFFFFFFE with head_count 0xFFFFFFFF used to overflow in qDim and kvDim.
    @Test func hugeCountsAndOverflowingProductsAreRefused() {
        Self.refuses(["llama.attention.head_count": .uint32(0xFFFF_FFFF), "llama.attention.key_length": .uint32(0xFFFF_FFFE)],
                     ["llama.attention.head_count is 4294967295", "1-1024"])
        Self.refuses(["llama.attention.key_length": .uint32(0xFFFF_FFFE)], ["llama.attention.key_length is 4294967294", "1-8192"])
        Self.refuses(["llama.attention.head_count": .uint32(1024), "llama.attention.key_length": .uint32(8192)],
                     ["head_count 1024 × key_length 8192", "1048576"])
        Self.refuses(["llama.block_count": .uint64(UInt64.max)], ["llama.block_count is 18446744073709551615", "1-4096"])
        Self.refuses(["llama.block_count": .int32(-1)], ["llama.block_count is -1"])
        Self.refuses(["llama.embedding_length": .uint32(0)], ["llama.embedding_length is 0"])
        Self.refuses(["llama.feed_forward_length": .uint64(1 << 32)], ["llama.feed_forward_length is 4294967296"])
        Self.refuses(["llama.attention.head_count_kv": .uint32(3)], ["head_count_kv is 3", "1-2"])
        Self.refuses(["llama.rope.dimension_count": .uint32(6)], ["rope.dimension_count is 6", "1-4"])
    }

    @Test func headSizesMustFitTheHiddenSize() {
        Self.refuses(["llama.attention.head_count": .uint32(3)], ["embedding_length 8 is not a multiple of head_count 3"])
        Self.refuses(["llama.attention.head_count": .uint32(2), "llama.attention.head_count_kv": .uint32(2),
                      "llama.embedding_length": .uint32(6)], ["token_embd.weight rows have 8 elements, expected embedding_length 6"])
    }

    @Test func normEpsilonAndRopeBaseMustBeFiniteAndPositive() {
        let eps = "llama.attention.layer_norm_rms_epsilon", base = "llama.rope.freq_base"
        for bad: GGUFValue in [.float32(.nan), .float32(-1e-5), .float32(0), .float32(10), .float64(1e-60), .float32(.infinity)] {
            Self.refuses([eps: bad], [eps])
        }
        for bad: GGUFValue in [.float32(0), .float32(-10000), .float32(.nan), .float32(-.infinity), .float64(1e300)] {
            Self.refuses([base: bad], [base])
        }
        #expect((try? Self.config([eps: .float64(1e-6), base: .float64(1e6)])) != nil)
    }

    /// Loading the weights goes through the same checks.
    @Test func loadingGivesTheSameError() throws {
        var w = GGUFWriter()
        w.set("general.architecture", "llama")
        for (key, value) in Self.base { w.set(key, value) }
        w.set("llama.context_length", UInt32(4))
        w.addTensor("token_embd.weight", dims: [8, 4], floats: [Float](repeating: 0, count: 32))
        let e = #expect(throws: EngineError.self) { _ = try ModelWeights(file: GGUFFile(bytes: w.serialize())) }
        #expect(e?.description == "inconsistent model: llama.context_length is 4; it must be 16-16777216")
    }
}
