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
/// Versions 2 and 3 are read. Every field is bounds-checked: a malformed or truncated file throws a `GGUFError`
/// naming the field and byte offset; nothing traps and nothing reads outside the mapping. Tensor data stays in the
/// mapping (the engine computes on the quantized bytes in place), so keep the `GGUFFile` alive while using it.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let alignment: Int
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensor descriptors in file order.
    public let tensors: [GGUFTensorInfo]
    /// Where the tensor data section starts.
    public let dataOffset: Int
    public let fileSize: Int
    private let tensorIndex: [String: Int]
    private let base: UnsafeRawPointer
    private let unmap: (@Sendable () -> Void)?

    /// Opens and validates the file at `path` (mmap, read-only).
    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError.cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw GGUFError.truncated(what: "magic", offset: 0, need: 4, fileSize: 0) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let address = UInt(bitPattern: p)
        try self.init(path: path, base: UnsafeRawPointer(p), size: size) {
            munmap(UnsafeMutableRawPointer(bitPattern: address), size)
        }
    }

    /// Parses a GGUF image held in memory (used by tests and for files built in code).
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        let address = UInt(bitPattern: buffer)
        try self.init(path: name, base: UnsafeRawPointer(buffer), size: bytes.count) {
            UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
        }
    }

    private init(path: String, base: UnsafeRawPointer, size: Int, unmap: @escaping @Sendable () -> Void) throws {
        self.path = path
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

/// A bounds-checked cursor over the mapped bytes.
struct ByteReader {
    let base: UnsafeRawPointer
    let size: Int
    var offset = 0

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        if n < 0 || n > size - offset { throw GGUFError.truncated(what: what(), offset: offset, need: n, fileSize: size) }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let start = offset
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(size - offset) else {
            throw GGUFError.truncated(what: "\(what()) (string of \(length) bytes)", offset: start, need: Int(clamping: length), fileSize: size)
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

    static func parse(_ r: inout ByteReader) throws -> Parsed {
        var p = Parsed()
        let magic = try r.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else { throw GGUFError.badMagic(found: magic) }
        p.version = try r.read(UInt32.self, "version")
        guard p.version == 2 || p.version == 3 else { throw GGUFError.unsupportedVersion(p.version) }
        let tensorCountOffset = r.offset
        let tensorCount = try r.read(UInt64.self, "tensor count")
        let kvCountOffset = r.offset
        let kvCount = try r.read(UInt64.self, "metadata count")
        // Each key-value pair takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor at least 8+4+8+4+8.
        guard kvCount <= UInt64(r.size) / 13 else {
            throw GGUFError.truncated(what: "\(kvCount) metadata entries", offset: kvCountOffset, need: Int(clamping: kvCount &* 13), fileSize: r.size)
        }
        guard tensorCount <= UInt64(r.size) / 32 else {
            throw GGUFError.truncated(what: "\(tensorCount) tensor descriptors", offset: tensorCountOffset, need: Int(clamping: tensorCount &* 32), fileSize: r.size)
        }

        for i in 0..<Int(kvCount) {
            let keyOffset = r.offset
            let key = try r.readString("metadata key #\(i)")
            let typeOffset = r.offset
            let rawType = try r.read(UInt32.self, "value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(key: key, raw: rawType, offset: typeOffset)
            }
            let value = try readValue(&r, type: type, key: key, depth: 0)
            guard p.metadata[key] == nil else { throw GGUFError.duplicateKey(key, offset: keyOffset) }
            p.metadata[key] = value
            p.keys.append(key)
        }

        if let a = p.metadata["general.alignment"] {
            guard let alignment = a.int, alignment > 0, alignment & (alignment - 1) == 0 else {
                throw GGUFError.badAlignment(a.int ?? -1)
            }
            p.alignment = alignment
        }

        var seen = Set<String>()
        var raw: [(name: String, dims: [Int], type: GGMLType, offset: UInt64, at: Int)] = []
        for i in 0..<Int(tensorCount) {
            let at = r.offset
            let name = try r.readString("name of tensor #\(i)")
            let dimsOffset = r.offset
            let nDims = try r.read(UInt32.self, "dimension count of tensor '\(name)'")
            guard nDims >= 1, nDims <= 4 else { throw GGUFError.tooManyDimensions(tensor: name, dims: Int(nDims), offset: dimsOffset) }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let dimOffset = r.offset
                let v = try r.read(UInt64.self, "dimension \(d) of tensor '\(name)'")
                guard v >= 1, v < (1 << 62) else { throw GGUFError.badDimension(tensor: name, dim: d, value: v, offset: dimOffset) }
                let (m, o) = elements.multipliedReportingOverflow(by: Int(v))
                guard !o, m < (1 << 62) else { throw GGUFError.overflow(what: "element count of tensor '\(name)'", offset: dimOffset) }
                elements = m
                dims.append(Int(v))
            }
            let typeOffset = r.offset
            let rawType = try r.read(UInt32.self, "type of tensor '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.unknownTensorType(tensor: name, raw: rawType, offset: typeOffset)
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError.rowNotMultipleOfBlock(tensor: name, rowLength: dims[0], type: type)
            }
            let offset = try r.read(UInt64.self, "data offset of tensor '\(name)'")
            guard seen.insert(name).inserted else { throw GGUFError.duplicateTensor(name, offset: at) }
            raw.append((name, dims, type, offset, at))
        }

        let (aligned, o) = r.offset.addingReportingOverflow(p.alignment - 1)
        guard !o else { throw GGUFError.overflow(what: "data section start", offset: r.offset) }
        p.dataOffset = aligned / p.alignment * p.alignment
        for t in raw {
            guard t.offset % UInt64(p.alignment) == 0 else {
                throw GGUFError.misalignedTensor(tensor: t.name, offset: t.offset, alignment: p.alignment)
            }
            let elements = t.dims.reduce(1, *)
            guard let bytes = t.type.byteCount(elements: elements) else {
                throw GGUFError.overflow(what: "byte size of tensor '\(t.name)'", offset: t.at)
            }
            guard t.offset <= UInt64(r.size) else {
                throw GGUFError.tensorPastEnd(tensor: t.name, start: Int(clamping: t.offset), end: Int.max, fileSize: r.size)
            }
            let start = p.dataOffset + Int(t.offset)
            let (end, o2) = start.addingReportingOverflow(bytes)
            guard !o2, end <= r.size else {
                throw GGUFError.tensorPastEnd(tensor: t.name, start: start, end: o2 ? Int.max : end, fileSize: r.size)
            }
            p.tensors.append(GGUFTensorInfo(name: t.name, dims: t.dims, type: t.type, fileOffset: start, byteCount: bytes))
        }
        return p
    }

    static func readValue(_ r: inout ByteReader, type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, "value of '\(key)'"))
        case .int8: return .int8(try r.read(Int8.self, "value of '\(key)'"))
        case .uint16: return .uint16(try r.read(UInt16.self, "value of '\(key)'"))
        case .int16: return .int16(try r.read(Int16.self, "value of '\(key)'"))
        case .uint32: return .uint32(try r.read(UInt32.self, "value of '\(key)'"))
        case .int32: return .int32(try r.read(Int32.self, "value of '\(key)'"))
        case .uint64: return .uint64(try r.read(UInt64.self, "value of '\(key)'"))
        case .int64: return .int64(try r.read(Int64.self, "value of '\(key)'"))
        case .float32: return .float32(Float(bitPattern: try r.read(UInt32.self, "value of '\(key)'")))
        case .float64: return .float64(Double(bitPattern: try r.read(UInt64.self, "value of '\(key)'")))
        case .bool:
            let at = r.offset
            let b = try r.read(UInt8.self, "value of '\(key)'")
            guard b <= 1 else { throw GGUFError.unknownValueType(key: key, raw: UInt32(b), offset: at) }
            return .bool(b == 1)
        case .string: return .string(try r.readString("value of '\(key)'"))
        case .array:
            let typeOffset = r.offset
            let rawElement = try r.read(UInt32.self, "element type of '\(key)'")
            guard let element = GGUFValueType(rawValue: rawElement), depth < 8 else {
                throw GGUFError.unknownValueType(key: key, raw: rawElement, offset: typeOffset)
            }
            let countOffset = r.offset
            let count = try r.read(UInt64.self, "element count of '\(key)'")
            // Every element takes at least one byte (8 for a string's length), so this bounds the allocation.
            let minimum = UInt64(element.fixedSize ?? (element == .string ? 8 : 12))
            guard count <= UInt64(r.size - r.offset) / minimum else {
                throw GGUFError.truncated(what: "array '\(key)' of \(count) elements", offset: countOffset,
                                          need: Int(clamping: count.multipliedReportingOverflow(by: minimum).partialValue), fileSize: r.size)
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(&r, type: element, key: key, depth: depth + 1))
            }
            return .array(element, values)
        }
    }
}
