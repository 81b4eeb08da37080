import Testing
@testable import GGUF

/// Builds a GGUF byte image field by field, so a test can write any value, valid or not, and knows the offset of
/// every field it wrote (`marks`), to corrupt it or to compare with the offset an error reports.
struct RawGGUF {
    var bytes: [UInt8] = []
    /// Offsets of named fields: "kv.<key>" (the key's length field), "kv.<key>.type", "kv.<key>.value",
    /// "t.<name>" (the descriptor), "t.<name>.ndims", "t.<name>.dim<i>", "t.<name>.type", "t.<name>.offset", "data".
    var marks: [String: Int] = [:]

    /// Value type numbers, as in the spec.
    static let u8: UInt32 = 0, i8: UInt32 = 1, u16: UInt32 = 2, i16: UInt32 = 3, u32: UInt32 = 4, i32: UInt32 = 5
    static let f32: UInt32 = 6, bool: UInt32 = 7, string: UInt32 = 8, array: UInt32 = 9
    static let u64: UInt32 = 10, i64: UInt32 = 11, f64: UInt32 = 12

    mutating func mark(_ name: String) { marks[name] = bytes.count }
    func at(_ name: String) -> Int { marks[name]! }

    mutating func int<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { int(v) }
    mutating func u64(_ v: UInt64) { int(v) }
    mutating func string(_ s: String) { string(bytes: Array(s.utf8)) }
    mutating func string(bytes s: [UInt8]) { u64(UInt64(s.count)); bytes.append(contentsOf: s) }

    /// Magic, version and the two counts.
    mutating func header(magic: UInt32 = 0x4655_4747, version: UInt32 = 3, tensors: UInt64, kvs: UInt64) {
        u32(magic); u32(version)
        mark("tensorCount"); u64(tensors)
        mark("kvCount"); u64(kvs)
    }

    /// One key-value pair; `value` writes the value's bytes.
    mutating func kv(_ key: String, type: UInt32, _ value: (inout RawGGUF) -> Void) {
        mark("kv.\(key)"); string(key)
        mark("kv.\(key).type"); u32(type)
        mark("kv.\(key).value"); value(&self)
    }

    mutating func kvU32(_ key: String, _ v: UInt32) { kv(key, type: Self.u32) { $0.u32(v) } }
    mutating func kvString(_ key: String, _ v: String) { kv(key, type: Self.string) { $0.string(v) } }

    /// One tensor descriptor.
    mutating func tensor(_ name: String, dims: [UInt64], type: GGMLType, offset: UInt64) {
        tensor(name, dims: dims, rawType: type.rawValue, offset: offset, nDims: UInt32(dims.count))
    }

    mutating func tensor(_ name: String, dims: [UInt64], rawType: UInt32, offset: UInt64, nDims: UInt32? = nil) {
        mark("t.\(name)"); string(name)
        mark("t.\(name).ndims"); u32(nDims ?? UInt32(dims.count))
        for (i, d) in dims.enumerated() { mark("t.\(name).dim\(i)"); u64(d) }
        mark("t.\(name).type"); u32(rawType)
        mark("t.\(name).offset"); u64(offset)
    }

    /// Zero padding to the alignment, then marks the data section.
    mutating func padToData(alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
        mark("data")
    }

    /// `n` bytes of a recognisable pattern.
    mutating func data(_ n: Int) { bytes.append(contentsOf: (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }) }

    /// A GGUF image with the given metadata, one F32 tensor "t" of `dims` (its data present) and nothing else.
    static func oneTensor(dims: [UInt64] = [8], type: GGMLType = .f32, rawType: UInt32? = nil, nDims: UInt32? = nil,
                          metadata: (inout RawGGUF) -> UInt64 = { _ in 0 }) -> RawGGUF {
        var g = RawGGUF()
        g.header(tensors: 1, kvs: 0)
        let kvs = metadata(&g)
        g.setU64(at: g.at("kvCount"), kvs)
        g.tensor("t", dims: dims, rawType: rawType ?? type.rawValue, offset: 0, nDims: nDims)
        g.padToData()
        g.data(32)
        return g
    }

    /// Overwrites a u64 in place.
    mutating func setU64(at offset: Int, _ v: UInt64) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    mutating func setU32(at offset: Int, _ v: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator, so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Opens `bytes` expecting a `GGUFError`; returns it (nil, with a recorded issue, if the open succeeded or threw
/// something else). Also checks that the message is one line and mentions each of `mentions`.
@discardableResult
func expectGGUFError(_ bytes: [UInt8], mentions: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> GGUFError? {
    let error = #expect(throws: GGUFError.self, sourceLocation: sourceLocation) { _ = try GGUFFile(bytes: bytes) }
    if let error { expectMessage(error, mentions: mentions, sourceLocation: sourceLocation) }
    return error
}

/// Checks a message is a single line that mentions each of `mentions`.
func expectMessage(_ error: GGUFError, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let text = error.description
    let oneLine = !text.contains(where: \.isNewline)
    #expect(oneLine, "message spans lines: \(text)", sourceLocation: sourceLocation)
    for m in mentions {
        #expect(text.contains(m), "message \"\(text)\" does not mention \(m)", sourceLocation: sourceLocation)
    }
}
