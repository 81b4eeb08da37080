import Foundation
import Testing
@testable import GGUF

/// Writer → reader round trips on hand-built files.
@Suite struct GGUFRoundTripTests {
    /// One metadata entry of every value type, arrays of each (strings included) and an empty array.
    static let metadata: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")),
        ("t.u8", .uint8(250)), ("t.i8", .int8(-7)), ("t.u16", .uint16(65_000)), ("t.i16", .int16(-32_000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)),
        ("t.u64", .uint64(.max)), ("t.i64", .int64(.min)),
        ("t.f32", .float32(-1.5e-7)), ("t.f64", .float64(.pi)), ("t.inf", .float32(.infinity)), ("t.negzero", .float64(-0.0)),
        ("t.true", .bool(true)), ("t.false", .bool(false)),
        ("t.string", .string("héllo, 世界 🙂")), ("t.empty", .string("")),
        ("t.a.u8", .array(.uint8, [.uint8(0), .uint8(255)])),
        ("t.a.i8", .array(.int8, [.int8(-128), .int8(127)])),
        ("t.a.u16", .array(.uint16, [.uint16(1), .uint16(65_535)])),
        ("t.a.i16", .array(.int16, [.int16(-1), .int16(2)])),
        ("t.a.u32", .array(.uint32, [.uint32(3), .uint32(.max)])),
        ("t.a.i32", .array(.int32, [.int32(.min), .int32(0), .int32(.max)])),
        ("t.a.u64", .array(.uint64, [.uint64(1 << 40)])),
        ("t.a.i64", .array(.int64, [.int64(-1 << 40)])),
        ("t.a.f32", .array(.float32, [.float32(0.25), .float32(-3)])),
        ("t.a.f64", .array(.float64, [.float64(1e300)])),
        ("t.a.bool", .array(.bool, [.bool(true), .bool(false), .bool(true)])),
        ("t.a.string", .array(.string, ["Ġthe", "", "<|im_end|>", "\n", "🙂"].map(GGUFValue.string))),
        ("t.a.empty", .array(.float32, [])),
    ]

    /// Tensors of several types, with data of the exact size each shape needs.
    static let tensors: [(name: String, dims: [Int], type: GGMLType)] = [
        ("token_embd.weight", [8, 3], .f32),
        ("blk.0.attn_norm.weight", [5], .f16),
        ("blk.0.attn_q.weight", [64, 2], .q4_1),
        ("blk.0.ffn_up.weight", [32, 3, 2], .q8_0),
        ("output.weight", [256, 2, 1, 1], .q4_K),
    ]

    static func tensorBytes(_ i: Int) -> [UInt8] {
        let t = tensors[i]
        let n = t.type.byteCount(elements: t.dims.reduce(1, *))!
        var rng = SplitMix64(seed: UInt64(i + 1))
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func writer(alignment: Int) -> GGUFWriter {
        var w = GGUFWriter(alignment: alignment)
        for (k, v) in metadata { w.set(k, v) }
        for (i, t) in tensors.enumerated() { w.addTensor(t.name, dims: t.dims, type: t.type, bytes: tensorBytes(i)) }
        return w
    }

    func check(_ f: GGUFFile, alignment: Int) throws {
        #expect(f.version == 3)
        #expect(f.alignment == alignment)
        // Metadata in file order, general.alignment appended by the writer when it is not the default.
        let expectedKeys = Self.metadata.map(\.0) + (alignment == 32 ? [] : ["general.alignment"])
        #expect(f.metadataKeys == expectedKeys)
        for (k, v) in Self.metadata { #expect(f[k] == v, "key \(k)") }
        if alignment != 32 { #expect(f["general.alignment"] == .uint32(UInt32(alignment))) }
        #expect(f["t.a.string"]?.strings == ["Ġthe", "", "<|im_end|>", "\n", "🙂"])

        #expect(f.dataOffset % alignment == 0)
        #expect(f.tensors.map(\.name) == Self.tensors.map(\.name))
        for (i, t) in Self.tensors.enumerated() {
            let info = try f.requireTensor(t.name)
            #expect(info.dims == t.dims)
            #expect(info.type == t.type)
            #expect(info.fileOffset % alignment == 0)
            #expect(Array(f.data(for: info)) == Self.tensorBytes(i), "data of \(t.name)")
        }
        #expect(f.tensor(named: "missing") == nil)
    }

    @Test(arguments: [32, 64, 1])
    func inMemory(alignment: Int) throws {
        let w = Self.writer(alignment: alignment)
        try w.validate()
        try check(GGUFFile(bytes: w.serialize()), alignment: alignment)
    }

    @Test func throughAFileOnDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-roundtrip-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writer(alignment: 64).write(to: path, replace: false)
        let f = try GGUFFile(path: path)
        try check(f, alignment: 64)
        #expect(f.fileSize == Self.writer(alignment: 64).serialize().count)
    }

    @Test func version2ReadsLikeVersion3() throws {
        var bytes = Self.writer(alignment: 64).serialize()
        bytes[4] = 2
        let f = try GGUFFile(bytes: bytes)
        #expect(f.version == 2)
        #expect(f.metadataKeys.count == Self.metadata.count + 1)
        #expect(f.tensors.count == Self.tensors.count)
    }

    @Test func accessorsAndRequire() throws {
        let f = try GGUFFile(bytes: Self.writer(alignment: 32).serialize())
        #expect(f.architecture == "llama")
        #expect(try f.requireInt("t.u32") == 4_000_000_000)
        #expect(try f.requireDouble("t.f64") == .pi)
        #expect(try f.requireString("t.string") == "héllo, 世界 🙂")
        #expect(f["t.a.i32"]?.ints == [Int(Int32.min), 0, Int(Int32.max)])
        #expect(throws: GGUFError.missingKey("nope")) { try f.requireInt("nope") }
        #expect(throws: GGUFError.wrongKeyType(key: "t.string", expected: "an integer", found: .string)) { try f.requireInt("t.string") }
        #expect(throws: GGUFError.missingTensor("nope")) { try f.requireTensor("nope") }
        let info = try f.requireTensor("blk.0.ffn_up.weight")
        #expect(info.rowLength == 32 && info.rowCount == 6 && info.elementCount == 192 && info.rowBytes == 34)
    }

    @Test func setAlignmentKeyKeepsWriterConsistent() throws {
        var w = GGUFWriter()
        w.set("general.alignment", .uint32(128))
        w.addTensor("a", dims: [3], floats: [1, 2, 3])
        w.addTensor("b", dims: [1], floats: [4])
        let f = try GGUFFile(bytes: w.serialize())
        #expect(f.alignment == 128)
        #expect(f.tensors.map(\.fileOffset) == [f.dataOffset, f.dataOffset + 128])
    }

    @Test func fileWithoutTensors() throws {
        // Only a header: the data section "starts" at the end of the file.
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 0)
        var f = try GGUFFile(bytes: g.bytes)
        #expect(f.tensors.isEmpty && f.metadataKeys.isEmpty)
        #expect(f.dataOffset == 24 && f.fileSize == 24)

        // Metadata ending exactly at EOF, no padding; and the writer's padded form.
        g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kvString("general.name", "x")
        f = try GGUFFile(bytes: g.bytes)
        #expect(f["general.name"] == .string("x"))
        #expect(f.dataOffset == g.bytes.count)
        var w = GGUFWriter()
        w.set("general.name", "x")
        f = try GGUFFile(bytes: w.serialize())
        #expect(f.dataOffset == f.fileSize && f.fileSize % 32 == 0)
    }

    @Test func invalidUTF8IsDecodedLeniently() throws {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("k", type: RawGGUF.string) { $0.string(bytes: [0x41, 0xFF, 0xC3]) }
        let f = try GGUFFile(bytes: g.bytes)
        #expect(f["k"] == .string("A\u{FFFD}\u{FFFD}"))
    }

    @Test func anyNonZeroBoolByteIsTrue() throws {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("k", type: RawGGUF.bool) { $0.bytes.append(2) }
        #expect(try GGUFFile(bytes: g.bytes)["k"] == .bool(true))
    }

    @Test func emptyTensorNameAndKeysWithOddCharacters() throws {
        var w = GGUFWriter()
        w.set("key with\nnewline", "v")
        w.addTensor("", dims: [1], floats: [1])
        let f = try GGUFFile(bytes: w.serialize())
        #expect(f.tensor(named: "") != nil)
        #expect(f["key with\nnewline"] == .string("v"))
    }
}
