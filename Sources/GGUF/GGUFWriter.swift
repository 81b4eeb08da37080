import FileIO

/// Builds a GGUF (version 3) file: metadata in insertion order, then tensors, each aligned.
///
/// Used for probe sets and control vectors, and by tests to build tiny models. `alignment` is written as
/// `general.alignment` (a u32) whenever it is not the default 32 or the key was set, so the two never disagree.
/// `write(to:)` first runs `validate()`, so it never writes a file that `GGUFFile` (or llama.cpp) would refuse.
public struct GGUFWriter {
    public var alignment: Int
    private(set) var entries: [(key: String, value: GGUFValue)] = []
    private(set) var tensors: [(name: String, dims: [Int], type: GGMLType, data: [UInt8])] = []

    public init(alignment: Int = 32) { self.alignment = alignment }

    /// Sets a metadata value (replacing an earlier one with the same key, keeping its place). Setting
    /// `general.alignment` to an integer also sets `alignment`.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if key == "general.alignment", let a = value.int { alignment = a }
        if let i = entries.firstIndex(where: { $0.key == key }) { entries[i].value = value } else { entries.append((key, value)) }
    }

    public mutating func set(_ key: String, _ value: String) { set(key, .string(value)) }
    public mutating func set(_ key: String, _ value: UInt32) { set(key, .uint32(value)) }
    public mutating func set(_ key: String, _ value: Float) { set(key, .float32(value)) }
    public mutating func set(_ key: String, _ value: Bool) { set(key, .bool(value)) }
    public mutating func set(_ key: String, strings: [String]) { set(key, .array(.string, strings.map(GGUFValue.string))) }

    /// Adds a tensor from raw bytes already in `type`'s layout. `dims[0]` is the row length.
    public mutating func addTensor(_ name: String, dims: [Int], type: GGMLType, bytes: [UInt8]) {
        tensors.append((name, dims, type, bytes))
    }

    /// Adds an F32 tensor.
    public mutating func addTensor(_ name: String, dims: [Int], floats: [Float]) {
        var bytes = [UInt8](); bytes.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        addTensor(name, dims: dims, type: .f32, bytes: bytes)
    }

    /// Checks that the file would be readable: alignment, metadata and tensor shapes against their bytes.
    public func validate() throws {
        guard alignment > 0, alignment <= Int(UInt32.max), alignment & (alignment - 1) == 0 else {
            throw GGUFError.cannotSerialize("alignment \(alignment) is not a power of two that fits a u32")
        }
        for (key, value) in entries {
            guard !key.isEmpty else { throw GGUFError.cannotSerialize("a metadata key is empty") }
            if case .array(let type, let items) = value {
                guard type != .array else { throw GGUFError.cannotSerialize("metadata key \(quoted(key)) is an array of arrays") }
                guard items.allSatisfy({ $0.type == type }) else {
                    throw GGUFError.cannotSerialize("metadata key \(quoted(key)) is an array of \(type) holding other types")
                }
            }
        }
        var names = Set<String>()
        for t in tensors {
            let name = quoted(t.name)
            guard names.insert(t.name).inserted else { throw GGUFError.cannotSerialize("tensor \(name) is added twice") }
            guard (1...4).contains(t.dims.count), t.dims.allSatisfy({ $0 >= 1 }) else {
                throw GGUFError.cannotSerialize("tensor \(name) has shape \(t.dims); 1 to 4 dimensions of at least 1 are allowed")
            }
            guard t.dims[0] % t.type.blockSize == 0 else {
                throw GGUFError.cannotSerialize("tensor \(name) of type \(t.type.name) has \(t.dims[0]) elements per row, not a multiple of the block size \(t.type.blockSize)")
            }
            var elements = 1
            for d in t.dims {
                let (m, o) = elements.multipliedReportingOverflow(by: d)
                guard !o else { throw GGUFError.cannotSerialize("tensor \(name) has shape \(t.dims), too many elements") }
                elements = m
            }
            guard let bytes = t.type.byteCount(elements: elements), bytes == t.data.count else {
                throw GGUFError.cannotSerialize("tensor \(name) has \(t.data.count) bytes; shape \(t.dims) of \(t.type.name) needs \(t.type.byteCount(elements: elements).map(String.init) ?? "too many")")
            }
        }
    }

    /// The file's bytes. Assumes a writer that passes `validate()`.
    public func serialize() -> [UInt8] {
        var out = ByteWriter()
        out.u32(0x4655_4747)
        out.u32(3)
        out.u64(UInt64(tensors.count))
        var kv = entries
        if let i = kv.firstIndex(where: { $0.key == "general.alignment" }) {
            kv[i].value = .uint32(UInt32(alignment))
        } else if alignment != 32 {
            kv.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        out.u64(UInt64(kv.count))
        for (key, value) in kv {
            out.string(key)
            out.u32(value.type.rawValue)
            out.value(value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, off) in zip(tensors, offsets) {
            out.string(t.name)
            out.u32(UInt32(t.dims.count))
            for d in t.dims { out.u64(UInt64(d)) }
            out.u32(t.type.rawValue)
            out.u64(UInt64(off))
        }
        out.pad(to: alignment)
        for t in tensors {
            out.bytes.append(contentsOf: t.data)
            out.pad(to: alignment)
        }
        return out.bytes
    }

    /// Writes the file atomically (`AtomicFile`: a temporary file in the same folder, renamed into place), so the
    /// path never holds a partial file. A folder at `path` is an error and is left alone; an existing file is
    /// replaced only with `replace: true`, otherwise `FileIOError.exists` (and the file is left as it was).
    public func write(to path: String, replace: Bool) throws {
        try validate()
        try AtomicFile.write(serialize(), to: path, replace: replace)
    }
}

/// Little-endian serialisation of GGUF's primitive fields.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { int(v) }
    mutating func u64(_ v: UInt64) { int(v) }
    mutating func string(_ s: String) { let u = Array(s.utf8); u64(UInt64(u.count)); bytes.append(contentsOf: u) }
    mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }

    mutating func value(_ v: GGUFValue) {
        switch v {
        case .uint8(let x): int(x)
        case .int8(let x): int(x)
        case .uint16(let x): int(x)
        case .int16(let x): int(x)
        case .uint32(let x): int(x)
        case .int32(let x): int(x)
        case .uint64(let x): int(x)
        case .int64(let x): int(x)
        case .float32(let x): int(x.bitPattern)
        case .float64(let x): int(x.bitPattern)
        case .bool(let b): bytes.append(b ? 1 : 0)
        case .string(let s): string(s)
        case .array(let type, let items):
            u32(type.rawValue)
            u64(UInt64(items.count))
            for item in items { value(item) }
        }
    }
}
