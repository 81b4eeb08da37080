import FileIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One tensor's descriptor: name, shape, element type and where its bytes are.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Dimensions in GGUF order: `dims[0]` is the row length (contiguous), `dims[1]` the number of rows, …
    public let dims: [Int]
    public let type: GGMLType
    /// Offset of the data from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
    /// Elements in one row (`dims[0]`).
    public var rowLength: Int { dims[0] }
    /// Number of rows (the product of all dimensions but the first).
    public var rowCount: Int { dims.dropFirst().reduce(1, *) }
    public var rowBytes: Int { byteCount / max(rowCount, 1) }
}

/// A GGUF file, memory-mapped and fully validated on open.
///
/// Versions 2 and 3 (little-endian) are read; version 1 (32-bit counts) and byte-swapped files are refused. Every
/// field is bounds-checked: a malformed or truncated file throws a `GGUFError` naming the field (key or tensor) and
/// the byte offset; nothing traps and nothing reads outside the mapping. Tensor data stays in the mapping (the engine
/// computes on the quantized bytes in place), so keep the `GGUFFile` alive while using it.
///
/// What is accepted, following llama.cpp's `gguf.cpp` where the spec leaves room:
/// - metadata keys are non-empty and unique; `general.alignment`, if present, is a u32 power of two;
/// - arrays hold any non-array type (arrays of arrays are refused, as in llama.cpp); a bool byte other than 0 is true;
/// - strings are decoded leniently: invalid UTF-8 becomes U+FFFD instead of failing the file;
/// - tensors have 1 to 4 dimensions, each at least 1, a known `GGMLType`, and a row length that is a whole number of
///   blocks (llama.cpp also allows 0 dimensions and empty tensors; we refuse them);
/// - tensor data is laid out in descriptor order, each tensor starting at the previous one's end padded to the
///   alignment (llama.cpp requires the same), so tensors never overlap, and every tensor's bytes lie inside the file.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let alignment: Int
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensor descriptors in file order.
    public let tensors: [GGUFTensorInfo]
    /// Where the tensor data section starts (at most `fileSize`: a file without tensors may end before the padding).
    public let dataOffset: Int
    public let fileSize: Int
    /// Whether the bytes are a read-only mapping of the file (pages the kernel may drop and read again), not a copy
    /// in memory.
    public let isMapped: Bool
    private let tensorIndex: [String: Int]
    private let base: UnsafeRawPointer
    private let unmap: (@Sendable () -> Void)?

    /// Opens and validates the file at `path` (mmap, read-only). Anything but a regular file (a FIFO, a folder, a
    /// device) is refused before it is read, so a named pipe given as a model or `--steer` file never blocks; so
    /// is a file larger than `maxSize`, before it is mapped. With `role` ("model file", "steering file", …) an error
    /// about the contents names what the file was meant to be: "the model file /etc/hostname is not a GGUF file
    /// (it is 3 bytes)".
    public convenience init(path: String, role: String? = nil, maxSize: Int? = nil) throws {
        do {
            try self.init(mapping: path, maxSize: maxSize)
        } catch let e as GGUFError {
            guard let role else { throw e }
            if case .cannotOpen = e { throw e }
            var info = stat()
            throw GGUFError.inFile(role: role, path: path, size: stat(path, &info) == 0 ? Int(info.st_size) : 0, e)
        }
    }

    private convenience init(mapping path: String, maxSize: Int?) throws {
        let fd: Int32, size: Int
        do {
            (fd, size) = try RegularFile.open(path)
        } catch let e as FileIOError {
            throw GGUFError.cannotOpen(path: path, reason: e.reason)
        }
        defer { close(fd) }
        if let maxSize, size > maxSize {
            throw GGUFError.cannotOpen(path: path, reason: FileIOError.tooLarge(path: path, bytes: size, limit: maxSize).reason)
        }
        guard size > 0 else { throw GGUFError.cannotOpen(path: path, reason: "the file is empty (0 bytes), not a GGUF file") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let address = UInt(bitPattern: p)
        try self.init(path: path, base: UnsafeRawPointer(p), size: size, mapped: true) {
            munmap(UnsafeMutableRawPointer(bitPattern: address), size)
        }
    }

    /// Parses a GGUF image held in memory (used by tests and for files built in code).
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { src in
            if let from = src.baseAddress, !src.isEmpty { buffer.copyMemory(from: from, byteCount: src.count) }
        }
        let address = UInt(bitPattern: buffer)
        try self.init(path: name, base: UnsafeRawPointer(buffer), size: bytes.count, mapped: false) {
            UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
        }
    }

    private init(path: String, base: UnsafeRawPointer, size: Int, mapped: Bool, unmap: @escaping @Sendable () -> Void) throws {
        self.path = path
        self.isMapped = mapped
        self.base = base
        self.fileSize = size
        var parsed: Parsed
        do {
            var r = ByteReader(base: base, size: size)
            parsed = try Parsed.parse(&r)
        } catch {
            unmap()
            throw error
        }
        self.unmap = unmap
        self.version = parsed.version
        self.alignment = parsed.alignment
        self.metadataKeys = parsed.keys
        self.metadata = parsed.metadata
        self.tensors = parsed.tensors
        self.dataOffset = parsed.dataOffset
        var index = [String: Int]()
        for (i, t) in parsed.tensors.enumerated() { index[t.name] = i }
        self.tensorIndex = index
    }

    deinit { unmap?() }

    // MARK: Access

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of a tensor, inside the mapping.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + tensor.fileOffset, count: tensor.byteCount)
    }

    public subscript(key: String) -> GGUFValue? { metadata[key] }

    /// `general.architecture`, e.g. "llama".
    public var architecture: String? { metadata["general.architecture"]?.string }

    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError.missingTensor(name) }
        return t
    }

    public func requireInt(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw GGUFError.missingKey(key) }
        guard let i = v.int else { throw GGUFError.wrongKeyType(key: key, expected: "an integer", found: v.type) }
        return i
    }

    public func requireDouble(_ key: String) throws -> Double {
        guard let v = metadata[key] else { throw GGUFError.missingKey(key) }
        guard let d = v.double else { throw GGUFError.wrongKeyType(key: key, expected: "a number", found: v.type) }
        return d
    }

    public func requireString(_ key: String) throws -> String {
        guard let v = metadata[key] else { throw GGUFError.missingKey(key) }
        guard let s = v.string else { throw GGUFError.wrongKeyType(key: key, expected: "a string", found: v.type) }
        return s
    }
}

// MARK: - Parsing

/// A bounds-checked cursor over the mapped bytes. Every read checks against `size` first, so nothing reads
/// outside the mapping whatever the file says.
struct ByteReader {
    let base: UnsafeRawPointer
    let size: Int
    var offset = 0

    var remaining: Int { size - offset }

    func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        if n < 0 || n > remaining { throw GGUFError.truncated(what: what(), offset: offset, need: n, fileSize: size) }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    /// A GGUF string: a u64 byte count, then that many bytes. Decoded leniently: bytes that are not valid UTF-8
    /// become U+FFFD rather than failing the file (tokenizer vocabularies occasionally hold broken byte pieces;
    /// llama.cpp keeps strings as raw bytes and does not validate them either).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(remaining) else {
            throw GGUFError.truncated(what: "\(what()) (a string of \(length) bytes)", offset: offset,
                                      need: Int(clamping: length), fileSize: size)
        }
        let n = Int(length)
        let s = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: n), as: UTF8.self)
        offset += n
        return s
    }
}

private struct Parsed {
    var version: UInt32 = 0
    var alignment = 32
    var keys: [String] = []
    var metadata: [String: GGUFValue] = [:]
    var tensors: [GGUFTensorInfo] = []
    var dataOffset = 0

    /// Largest dimension and element count accepted: far above any real model, and small enough that shape
    /// arithmetic (elements × bytes per block) cannot overflow `Int` unnoticed.
    static let maxElements = 1 << 62

    static func parse(_ r: inout ByteReader) throws -> Parsed {
        var p = Parsed()

        // Header. Versions 2 and 3 have the same layout (v3 only allowed big-endian files, which we reject by their
        // byte-swapped version number); v1 had 32-bit counts and lengths.
        let magic = try r.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else { throw GGUFError.badMagic(found: magic) }
        p.version = try r.read(UInt32.self, "version")
        guard p.version == 2 || p.version == 3 else { throw GGUFError.unsupportedVersion(p.version) }
        let tensorCountOffset = r.offset
        let tensorCount = try r.read(UInt64.self, "tensor count")
        let kvCountOffset = r.offset
        let kvCount = try r.read(UInt64.self, "metadata count")
        // A key-value pair takes at least 8 (key length) + 1 (key) + 4 (type) + 1 (value) bytes and a tensor
        // descriptor at least 8 (name length) + 4 (n_dims) + 8 (one dimension) + 4 (type) + 8 (offset): checking
        // the counts against the file size bounds every allocation below by the file size.
        guard kvCount <= UInt64(r.remaining) / 14 else {
            throw GGUFError.truncated(what: "\(kvCount) metadata entries (count at offset \(kvCountOffset))", offset: r.offset,
                                      need: Int(clamping: kvCount.multipliedReportingOverflow(by: 14).partialValue), fileSize: r.size)
        }
        guard tensorCount <= UInt64(r.remaining) / 32 else {
            throw GGUFError.truncated(what: "\(tensorCount) tensor descriptors (count at offset \(tensorCountOffset))", offset: r.offset,
                                      need: Int(clamping: tensorCount.multipliedReportingOverflow(by: 32).partialValue), fileSize: r.size)
        }

        // Metadata.
        p.keys.reserveCapacity(Int(kvCount))
        for i in 0..<Int(kvCount) {
            let keyOffset = r.offset
            let key = try r.readString("metadata key #\(i)")
            guard !key.isEmpty else { throw GGUFError.emptyKey(index: i, offset: keyOffset) }
            guard p.metadata[key] == nil else { throw GGUFError.duplicateKey(key, offset: keyOffset) }
            let typeOffset = r.offset
            let rawType = try r.read(UInt32.self, "value type of \(quoted(key))")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(key: key, raw: rawType, offset: typeOffset)
            }
            let value = try readValue(&r, type: type, key: key)
            if key == "general.alignment" {
                // The spec makes it a u32, and llama.cpp refuses any other type; so do we.
                guard case .uint32(let a) = value else {
                    throw GGUFError.wrongKeyType(key: key, expected: "uint32", found: value.type)
                }
                guard a != 0, a & (a - 1) == 0 else { throw GGUFError.badAlignment(Int(a)) }
                p.alignment = Int(a)
            }
            p.metadata[key] = value
            p.keys.append(key)
        }

        // Tensor descriptors. Shapes are checked here; offsets once the data section's start is known.
        var seen = Set<String>()
        var raw: [(info: GGUFTensorInfo, offset: UInt64, at: Int)] = []
        raw.reserveCapacity(Int(tensorCount))
        for i in 0..<Int(tensorCount) {
            let at = r.offset
            let name = try r.readString("name of tensor #\(i)")
            guard seen.insert(name).inserted else { throw GGUFError.duplicateTensor(name, offset: at) }
            let dimsOffset = r.offset
            let nDims = try r.read(UInt32.self, "dimension count of tensor \(quoted(name))")
            // ggml has at most 4 dimensions. llama.cpp also takes 0 (a scalar) and zero-sized dimensions; we
            // refuse both, since no model has them and every tensor here has a row (`dims[0]`) and some bytes.
            guard nDims >= 1, nDims <= 4 else { throw GGUFError.tooManyDimensions(tensor: name, dims: Int(nDims), offset: dimsOffset) }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let dimOffset = r.offset
                let v = try r.read(UInt64.self, "dimension \(d) of tensor \(quoted(name))")
                guard v >= 1, v < UInt64(maxElements) else { throw GGUFError.badDimension(tensor: name, dim: d, value: v, offset: dimOffset) }
                let (m, o) = elements.multipliedReportingOverflow(by: Int(v))
                guard !o, m < maxElements else { throw GGUFError.overflow(what: "element count of tensor \(quoted(name))", offset: dimOffset) }
                elements = m
                dims.append(Int(v))
            }
            let typeOffset = r.offset
            let rawType = try r.read(UInt32.self, "type of tensor \(quoted(name))")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.unknownTensorType(tensor: name, raw: rawType, offset: typeOffset)
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError.rowNotMultipleOfBlock(tensor: name, rowLength: dims[0], type: type)
            }
            guard let bytes = type.byteCount(elements: elements) else {
                throw GGUFError.overflow(what: "byte size of tensor \(quoted(name))", offset: typeOffset)
            }
            let offset = try r.read(UInt64.self, "data offset of tensor \(quoted(name))")
            raw.append((GGUFTensorInfo(name: name, dims: dims, type: type, fileOffset: 0, byteCount: bytes), offset, at))
        }

        // The data section starts at the next multiple of the alignment. With no tensors a file may end before
        // that padding (llama.cpp does not seek there then), so the start is clamped to the end of the file.
        let padded = roundUp(r.offset, to: p.alignment)
        if raw.isEmpty {
            p.dataOffset = min(padded ?? r.size, r.size)
        } else {
            guard let padded, padded <= r.size else {
                throw GGUFError.truncated(what: "padding before the tensor data (alignment \(p.alignment))", offset: r.offset,
                                          need: (padded ?? Int.max) - r.offset, fileSize: r.size)
            }
            p.dataOffset = padded
        }

        // Tensor data: like llama.cpp, each tensor must start exactly where the previous one ends, padded to the
        // alignment. That is what every writer produces, and it rules out overlapping tensors and gaps at no cost.
        // Only each tensor's own bytes must lie inside the file; the padding after the last one may be missing.
        var expected = 0
        p.tensors.reserveCapacity(raw.count)
        for t in raw {
            let name = t.info.name
            guard t.offset % UInt64(p.alignment) == 0 else {
                throw GGUFError.misalignedTensor(tensor: name, offset: t.offset, alignment: p.alignment)
            }
            guard t.offset == UInt64(expected) else {
                throw GGUFError.unexpectedTensorOffset(tensor: name, offset: t.offset, expected: expected, descriptorOffset: t.at)
            }
            // `expected` only grows while tensors fit in the file, so `start` cannot overflow.
            let start = p.dataOffset + expected
            let bytes = t.info.byteCount
            guard bytes <= r.size - start else {
                let (end, o) = start.addingReportingOverflow(bytes)
                throw GGUFError.tensorPastEnd(tensor: name, start: start, end: o ? Int.max : end, fileSize: r.size)
            }
            p.tensors.append(GGUFTensorInfo(name: name, dims: t.info.dims, type: t.info.type, fileOffset: start, byteCount: bytes))
            guard let next = roundUp(expected + bytes, to: p.alignment) else {
                throw GGUFError.overflow(what: "data section size after tensor \(quoted(name))", offset: t.at)
            }
            expected = next
        }
        return p
    }

    /// `n` rounded up to a multiple of `alignment` (a power of two), or nil on overflow.
    static func roundUp(_ n: Int, to alignment: Int) -> Int? {
        let (m, o) = n.addingReportingOverflow(alignment - 1)
        return o ? nil : m & ~(alignment - 1)
    }

    static func readValue(_ r: inout ByteReader, type: GGUFValueType, key: String) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, "value of \(quoted(key))"))
        case .int8: return .int8(try r.read(Int8.self, "value of \(quoted(key))"))
        case .uint16: return .uint16(try r.read(UInt16.self, "value of \(quoted(key))"))
        case .int16: return .int16(try r.read(Int16.self, "value of \(quoted(key))"))
        case .uint32: return .uint32(try r.read(UInt32.self, "value of \(quoted(key))"))
        case .int32: return .int32(try r.read(Int32.self, "value of \(quoted(key))"))
        case .uint64: return .uint64(try r.read(UInt64.self, "value of \(quoted(key))"))
        case .int64: return .int64(try r.read(Int64.self, "value of \(quoted(key))"))
        case .float32: return .float32(Float(bitPattern: try r.read(UInt32.self, "value of \(quoted(key))")))
        case .float64: return .float64(Double(bitPattern: try r.read(UInt64.self, "value of \(quoted(key))")))
        // Any non-zero byte is true, as in llama.cpp (the spec only writes 0 and 1).
        case .bool: return .bool(try r.read(UInt8.self, "value of \(quoted(key))") != 0)
        case .string: return .string(try r.readString("value of \(quoted(key))"))
        case .array:
            let typeOffset = r.offset
            let rawElement = try r.read(UInt32.self, "element type of \(quoted(key))")
            // Arrays of arrays are in the spec's grammar, but llama.cpp rejects them and no writer emits them.
            guard let element = GGUFValueType(rawValue: rawElement), element != .array else {
                throw GGUFError.unknownValueType(key: key, raw: rawElement, offset: typeOffset)
            }
            let countOffset = r.offset
            let count = try r.read(UInt64.self, "element count of \(quoted(key))")
            // Every element takes at least its fixed size (8 bytes, the length, for a string), so a count the rest
            // of the file cannot hold is refused before anything is allocated.
            let minimum = UInt64(element.fixedSize ?? 8)
            guard count <= UInt64(r.remaining) / minimum else {
                throw GGUFError.truncated(what: "array \(quoted(key)) of \(count) \(element) elements (count at offset \(countOffset))",
                                          offset: r.offset,
                                          need: Int(clamping: count.multipliedReportingOverflow(by: minimum).partialValue),
                                          fileSize: r.size)
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(&r, type: element, key: key))
            }
            return .array(element, values)
        }
    }
}
