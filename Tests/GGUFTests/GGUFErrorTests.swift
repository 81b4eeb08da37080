import Foundation
import TestSupport
import Testing
@testable import GGUF

/// Every way a file can be malformed: each must throw the specific `GGUFError`, with a one-line message that names
/// the field (and the offset, where the case has one).
@Suite struct GGUFErrorTests {
    // MARK: Header

    @Test func badMagic() {
        var g = RawGGUF()
        g.header(magic: 0x0403_4B50, tensors: 0, kvs: 0)  // "PK\3\4", a zip file
        let e = expectGGUFError(g.bytes, mentions: ["'PK??'", "offset 0", "'GGUF'"])
        #expect(e == .badMagic(found: 0x0403_4B50))
    }

    @Test(arguments: [UInt32(0), 1, 4, 0x0300_0000])
    func unsupportedVersion(_ version: UInt32) {
        var g = RawGGUF()
        g.header(version: version, tensors: 0, kvs: 0)
        let e = expectGGUFError(g.bytes, mentions: ["version", "offset 4"])
        #expect(e == .unsupportedVersion(version))
        if version == 1 { expectMessage(e!, mentions: ["32-bit"]) }
        if version == 0x0300_0000 { expectMessage(e!, mentions: ["byte-swapped"]) }
    }

    @Test func tinyFiles() {
        #expect(expectGGUFError([]) == .truncated(what: "magic", offset: 0, need: 4, fileSize: 0))
        #expect(expectGGUFError(Array("GGU".utf8)) == .truncated(what: "magic", offset: 0, need: 4, fileSize: 3))
        #expect(expectGGUFError(Array("GGUF".utf8), mentions: ["version"]) == .truncated(what: "version", offset: 4, need: 4, fileSize: 4))
    }

    @Test func hugeCountsAreRefusedBeforeAllocating() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: .max)
        guard case .truncated(let what, let offset, _, _)? = expectGGUFError(g.bytes, mentions: ["metadata entries"]) else { return }
        #expect(what.contains("count at offset 16") && offset == 24)

        g = RawGGUF()
        g.header(tensors: 1 << 40, kvs: 0)
        guard case .truncated(let what2, _, _, _)? = expectGGUFError(g.bytes, mentions: ["tensor descriptors"]) else { return }
        #expect(what2.contains("count at offset 8"))
    }

    // MARK: Metadata

    @Test func emptyKey() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kvU32("", 1)
        #expect(expectGGUFError(g.bytes, mentions: ["#0", "offset 24"]) == .emptyKey(index: 0, offset: 24))
    }

    @Test func duplicateKey() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 3)
        g.kvU32("a", 1)
        g.kvString("b", "x")
        let second = g.bytes.count
        g.kvU32("a", 2)
        #expect(expectGGUFError(g.bytes, mentions: ["'a'", "offset \(second)"]) == .duplicateKey("a", offset: second))
    }

    @Test(arguments: [UInt32(13), 0xFFFF_FFFF])
    func unknownValueType(_ raw: UInt32) {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("odd.key", type: raw) { $0.u32(0) }
        let at = g.at("kv.odd.key.type")
        #expect(expectGGUFError(g.bytes, mentions: ["'odd.key'", "\(raw)", "offset \(at)"])
                == .unknownValueType(key: "odd.key", raw: raw, offset: at))
    }

    @Test func unknownArrayElementType() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("arr", type: RawGGUF.array) { $0.u32(77); $0.u64(1); $0.u32(0) }
        let at = g.at("kv.arr.value")
        #expect(expectGGUFError(g.bytes, mentions: ["'arr'", "77", "offset \(at)"])
                == .unknownValueType(key: "arr", raw: 77, offset: at))
    }

    @Test func nestedArraysAreRefused() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("nested", type: RawGGUF.array) { $0.u32(RawGGUF.array); $0.u64(1); $0.u32(RawGGUF.u8); $0.u64(1); $0.bytes.append(1) }
        let at = g.at("kv.nested.value")
        #expect(expectGGUFError(g.bytes, mentions: ["'nested'", "array of arrays", "offset \(at)"])
                == .unknownValueType(key: "nested", raw: 9, offset: at))
    }

    @Test(arguments: [UInt64(100), 1 << 40, .max])
    func stringLongerThanTheFile(_ length: UInt64) {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("s", type: RawGGUF.string) { $0.u64(length); $0.bytes += Array("short".utf8) }
        let bytesAt = g.at("kv.s.value") + 8
        #expect(expectGGUFError(g.bytes, mentions: ["'s'", "\(length) bytes", "offset \(bytesAt)"])
                == .truncated(what: "value of 's' (a string of \(length) bytes)", offset: bytesAt,
                              need: Int(clamping: length), fileSize: g.bytes.count))
    }

    @Test func keyLongerThanTheFile() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.u64(1 << 50)
        g.data(16)  // enough for the entry count to be plausible
        #expect(expectGGUFError(g.bytes, mentions: ["metadata key #0", "offset 32"])
                == .truncated(what: "metadata key #0 (a string of \(1 << 50) bytes)", offset: 32, need: 1 << 50, fileSize: 48))
    }

    /// A count the file cannot hold is refused from the count alone: nothing of that size is allocated.
    static let hugeArrays: [(UInt32, UInt64)] = [(RawGGUF.u8, .max), (RawGGUF.u64, 1 << 61), (RawGGUF.string, 1 << 40), (RawGGUF.bool, 20)]
    @Test(arguments: hugeArrays)
    func arrayLongerThanTheFile(_ element: UInt32, _ count: UInt64) {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("tokenizer.ggml.tokens", type: RawGGUF.array) { $0.u32(element); $0.u64(count); $0.u64(0) }
        let countAt = g.at("kv.tokenizer.ggml.tokens.value") + 4
        let e = expectGGUFError(g.bytes, mentions: ["'tokenizer.ggml.tokens'", "\(count)", "offset \(countAt)"])
        guard case .truncated(_, let offset, _, let size)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(offset == countAt + 8 && size == g.bytes.count)
    }

    @Test func truncatedStringInsideAnArray() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("toks", type: RawGGUF.array) { $0.u32(RawGGUF.string); $0.u64(2); $0.string("ok"); $0.u64(9); $0.bytes += [1, 2] }
        let e = expectGGUFError(g.bytes, mentions: ["'toks'", "9 bytes"])
        #expect(e == .truncated(what: "value of 'toks' (a string of 9 bytes)", offset: g.bytes.count - 2, need: 9, fileSize: g.bytes.count))
    }

    @Test func badAlignmentValue() {
        for a: UInt32 in [0, 3, 48] {
            var g = RawGGUF()
            g.header(tensors: 0, kvs: 1)
            g.kvU32("general.alignment", a)
            #expect(expectGGUFError(g.bytes, mentions: ["'general.alignment'", "\(a)", "power of two"]) == .badAlignment(Int(a)))
        }
    }

    /// The spec makes general.alignment a u32 and llama.cpp refuses other types, even when the value is fine.
    @Test func alignmentOfAnotherType() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 1)
        g.kv("general.alignment", type: RawGGUF.u64) { $0.u64(64) }
        #expect(expectGGUFError(g.bytes, mentions: ["'general.alignment'", "uint64", "uint32"])
                == .wrongKeyType(key: "general.alignment", expected: "uint32", found: .uint64))
    }

    @Test func namesWithLineBreaksStayOnOneLine() {
        var g = RawGGUF()
        g.header(tensors: 0, kvs: 2)
        g.kvU32("evil\nkey\u{2028}'", 1)
        g.kvU32("evil\nkey\u{2028}'", 1)
        let e = expectGGUFError(g.bytes, mentions: [#"'evil\u{a}key\u{2028}\''"#])
        #expect(e == .duplicateKey("evil\nkey\u{2028}'", offset: g.at("kv.evil\nkey\u{2028}'")))
    }

    // MARK: Tensor descriptors

    @Test func duplicateTensorName() {
        var g = RawGGUF()
        g.header(tensors: 2, kvs: 0)
        g.tensor("w", dims: [8], type: .f32, offset: 0)
        let second = g.bytes.count
        g.tensor("w", dims: [8], type: .f32, offset: 32)
        g.padToData()
        g.data(64)
        #expect(expectGGUFError(g.bytes, mentions: ["'w'", "offset \(second)"]) == .duplicateTensor("w", offset: second))
    }

    @Test(arguments: [UInt32(0), 5, 0xFFFF_FFFF])
    func dimensionCount(_ n: UInt32) {
        let g = RawGGUF.oneTensor(dims: [8], nDims: n)
        let at = g.at("t.t.ndims")
        #expect(expectGGUFError(g.bytes, mentions: ["'t'", "\(n) dimensions", "offset \(at)"])
                == .tooManyDimensions(tensor: "t", dims: Int(n), offset: at))
    }

    @Test(arguments: [UInt64(0), 1 << 62, .max])
    func badDimension(_ value: UInt64) {
        let g = RawGGUF.oneTensor(dims: [8, value])
        let at = g.at("t.t.dim1")
        #expect(expectGGUFError(g.bytes, mentions: ["'t'", "dimension 1", "\(value)", "offset \(at)"])
                == .badDimension(tensor: "t", dim: 1, value: value, offset: at))
    }

    @Test func elementCountOverflow() {
        // Each dimension is fine on its own; their product is 2^70.
        let g = RawGGUF.oneTensor(dims: [1 << 20, 1 << 20, 1 << 30])
        let at = g.at("t.t.dim2")
        #expect(expectGGUFError(g.bytes, mentions: ["'t'", "element count", "offset \(at)"])
                == .overflow(what: "element count of tensor 't'", offset: at))
    }

    @Test func byteSizeOverflow() {
        // 2^61 F64 elements is a representable count but 2^64 bytes.
        let g = RawGGUF.oneTensor(dims: [1 << 31, 1 << 30], type: .f64)
        let at = g.at("t.t.type")
        #expect(expectGGUFError(g.bytes, mentions: ["'t'", "byte size", "offset \(at)"])
                == .overflow(what: "byte size of tensor 't'", offset: at))
    }

    /// 4 was Q4_2 (removed), 16 is IQ2_XXS (real, not supported here), 1000 is nothing.
    @Test(arguments: [UInt32(4), 16, 1000])
    func unknownTensorType(_ raw: UInt32) {
        let g = RawGGUF.oneTensor(rawType: raw)
        let at = g.at("t.t.type")
        #expect(expectGGUFError(g.bytes, mentions: ["'t'", "type \(raw)", "offset \(at)"])
                == .unknownTensorType(tensor: "t", raw: raw, offset: at))
    }

    @Test func rowNotAMultipleOfTheBlockSize() {
        let g = RawGGUF.oneTensor(dims: [33, 2], type: .q4_1)
        #expect(expectGGUFError(g.bytes, mentions: ["'t'", "Q4_1", "33", "32"])
                == .rowNotMultipleOfBlock(tensor: "t", rowLength: 33, type: .q4_1))
        let k = RawGGUF.oneTensor(dims: [128], type: .q6_K)
        #expect(expectGGUFError(k.bytes, mentions: ["'t'", "Q6_K", "128", "256"])
                == .rowNotMultipleOfBlock(tensor: "t", rowLength: 128, type: .q6_K))
    }

    // MARK: Tensor data

    /// Two F32 tensors of 8 elements (32 bytes each) at the given offsets, followed by `dataBytes` of data.
    func twoTensors(_ a: UInt64, _ b: UInt64, dataBytes: Int = 64, alignment: UInt32? = nil) -> RawGGUF {
        var g = RawGGUF()
        g.header(tensors: 2, kvs: alignment == nil ? 0 : 1)
        if let alignment { g.kvU32("general.alignment", alignment) }
        g.tensor("first", dims: [8], type: .f32, offset: a)
        g.tensor("second", dims: [8], type: .f32, offset: b)
        g.padToData(alignment: Int(alignment ?? 32))
        g.data(dataBytes)
        return g
    }

    @Test func wellFormedPairOpens() throws {
        let f = try GGUFFile(bytes: twoTensors(0, 32).bytes)
        #expect(f.tensors.map(\.fileOffset) == [f.dataOffset, f.dataOffset + 32])
        let g = try GGUFFile(bytes: twoTensors(0, 64, dataBytes: 96, alignment: 64).bytes)
        #expect(g.alignment == 64 && g.dataOffset % 64 == 0)
    }

    @Test func misalignedTensorOffset() {
        #expect(expectGGUFError(twoTensors(0, 16).bytes, mentions: ["'second'", "16", "alignment 32"])
                == .misalignedTensor(tensor: "second", offset: 16, alignment: 32))
        #expect(expectGGUFError(twoTensors(0, 32, alignment: 64).bytes, mentions: ["'second'", "32", "alignment 64"])
                == .misalignedTensor(tensor: "second", offset: 32, alignment: 64))
    }

    @Test func overlappingOrOutOfOrderTensors() {
        let g = twoTensors(0, 0)
        #expect(expectGGUFError(g.bytes, mentions: ["'second'", "offset 0", "expected 32", "offset \(g.at("t.second"))"])
                == .unexpectedTensorOffset(tensor: "second", offset: 0, expected: 32, descriptorOffset: g.at("t.second")))
        let swapped = twoTensors(32, 0)
        #expect(expectGGUFError(swapped.bytes, mentions: ["'first'"])
                == .unexpectedTensorOffset(tensor: "first", offset: 32, expected: 0, descriptorOffset: swapped.at("t.first")))
        let gap = twoTensors(0, 64, dataBytes: 96)
        #expect(expectGGUFError(gap.bytes, mentions: ["'second'", "expected 32"])
                == .unexpectedTensorOffset(tensor: "second", offset: 64, expected: 32, descriptorOffset: gap.at("t.second")))
    }

    @Test func tensorPastTheEnd() {
        let g = twoTensors(0, 32, dataBytes: 63)
        let start = g.at("data") + 32
        #expect(expectGGUFError(g.bytes, mentions: ["'second'", "\(start)..<\(start + 32)", "\(g.bytes.count) bytes"])
                == .tensorPastEnd(tensor: "second", start: start, end: start + 32, fileSize: g.bytes.count))
        // An offset far past the end of the file (but where the running sum says it should be, were it all there).
        var h = RawGGUF()
        h.header(tensors: 1, kvs: 0)
        h.tensor("big", dims: [1 << 40], type: .f32, offset: 0)
        h.padToData()
        let e = expectGGUFError(h.bytes, mentions: ["'big'"])
        #expect(e == .tensorPastEnd(tensor: "big", start: h.bytes.count, end: h.bytes.count + (1 << 42), fileSize: h.bytes.count))
    }

    @Test func paddingBeforeDataMissing() {
        var g = RawGGUF()
        g.header(tensors: 1, kvs: 0)
        g.tensor("t", dims: [8], type: .f32, offset: 0)
        let end = g.bytes.count
        #expect(expectGGUFError(g.bytes, mentions: ["padding", "offset \(end)"])
                == .truncated(what: "padding before the tensor data (alignment 32)", offset: end, need: 32 - end % 32, fileSize: end))
    }

    // MARK: Opening paths

    @Test func missingFile() {
        let path = "/nonexistent-limbic-\(UUID()).gguf"
        let e = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: path) }
        guard case .cannotOpen(let p, let reason)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(p == path && reason == "no such file")
        expectMessage(e!, mentions: [path])
    }

    @Test func directory() {
        let e = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: NSTemporaryDirectory()) }
        #expect(e == .cannotOpen(path: NSTemporaryDirectory(), reason: "it is a folder, not a regular file"))
    }

    /// A named pipe is refused at once (opening it for reading would wait for a writer forever).
    @Test func namedPipe() throws {
        let fifo = try FIFO()
        defer { fifo.remove() }
        let (e, seconds) = fifo.timed { #expect(throws: GGUFError.self) { _ = try GGUFFile(path: fifo.path) } }
        #expect(seconds < 1)
        #expect(e == .cannotOpen(path: fifo.path, reason: "it is a named pipe (FIFO), not a regular file"))
        expectMessage(e!, mentions: [fifo.path, "FIFO"])
    }

    @Test func emptyAndTruncatedFilesOnDisk() throws {
        let dir = FileManager.default.temporaryDirectory
        let empty = dir.appendingPathComponent("limbic-empty-\(UUID()).gguf").path
        let short = dir.appendingPathComponent("limbic-short-\(UUID()).gguf").path
        defer { for p in [empty, short] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        var e = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: empty) }
        guard case .cannotOpen(empty, let reason)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(reason.contains("empty"))

        let g = twoTensors(0, 32, dataBytes: 40)
        #expect(FileManager.default.createFile(atPath: short, contents: Data(g.bytes)))
        e = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: short) }
        guard case .tensorPastEnd("second", _, _, g.bytes.count)? = e else { Issue.record("got \(String(describing: e))"); return }
    }

    // MARK: Writer

    @Test func writerRefusesWhatNoReaderAccepts() {
        func refuses(_ mentions: [String], _ build: (inout GGUFWriter) -> Void) {
            var w = GGUFWriter()
            build(&w)
            let e = #expect(throws: GGUFError.self) { try w.validate() }
            guard case .cannotSerialize? = e else { Issue.record("got \(String(describing: e))"); return }
            expectMessage(e!, mentions: mentions)
        }
        refuses(["alignment 48"]) { $0.alignment = 48 }
        refuses(["alignment 0"]) { $0.alignment = 0 }
        refuses(["empty"]) { $0.set("", "x") }
        refuses(["'n'", "array of arrays"]) { $0.set("n", .array(.array, [.array(.uint8, [])])) }
        refuses(["'h'", "uint32"]) { $0.set("h", .array(.uint32, [.string("x")])) }
        refuses(["'w'", "twice"]) { $0.addTensor("w", dims: [1], floats: [1]); $0.addTensor("w", dims: [1], floats: [1]) }
        refuses(["'w'", "7 bytes"]) { $0.addTensor("w", dims: [2], type: .f32, bytes: [UInt8](repeating: 0, count: 7)) }
        refuses(["'w'", "33"]) { $0.addTensor("w", dims: [33], type: .q8_0, bytes: []) }
        refuses(["'w'", "[]"]) { $0.addTensor("w", dims: [], type: .f32, bytes: []) }
        refuses(["'w'", "[2, 0]"]) { $0.addTensor("w", dims: [2, 0], type: .f32, bytes: []) }
    }

    @Test func writeToDiskValidatesFirst() {
        var w = GGUFWriter()
        w.addTensor("w", dims: [2], type: .f32, bytes: [1, 2, 3])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-bad-\(UUID()).gguf").path
        let e = #expect(throws: GGUFError.self) { try w.write(to: path, replace: false) }
        guard case .cannotSerialize(let reason)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(reason.contains("'w'"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
