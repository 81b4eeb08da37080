/// The value types of GGUF metadata, with GGUF's numbering.
public enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of one value of this type, for fixed-size types; nil for strings and arrays.
    var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }
}

/// One metadata value of a GGUF file.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// An array: its element type and elements (GGUF arrays are homogeneous).
    case array(GGUFValueType, [GGUFValue])

    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// Any integer value as `Int` (nil for other types or a UInt64 past Int.max).
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// Any numeric value as `Double`.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [GGUFValue]? { if case .array(_, let a) = self { return a } else { return nil } }
    /// An array of strings, or nil when this is not one.
    public var strings: [String]? {
        guard case .array(.string, let a) = self else { return nil }
        return a.map { $0.string ?? "" }
    }
    /// An array of integers, or nil when this is not one.
    public var ints: [Int]? {
        guard case .array(_, let a) = self else { return nil }
        var out = [Int](); out.reserveCapacity(a.count)
        for v in a { guard let i = v.int else { return nil }; out.append(i) }
        return out
    }
    /// An array of numbers as Float, or nil when this is not one.
    public var floats: [Float]? {
        guard case .array(_, let a) = self else { return nil }
        var out = [Float](); out.reserveCapacity(a.count)
        for v in a { guard let d = v.double else { return nil }; out.append(Float(d)) }
        return out
    }
}

extension GGUFValue: CustomStringConvertible {
    /// A short rendering for `limbic models info`: long arrays are summarised.
    public var description: String {
        switch self {
        case .string(let s): return s.count > 80 ? "\"\(s.prefix(77))…\" (\(s.count) chars)" : "\"\(s)\""
        case .array(let t, let a):
            if a.count > 8 { return "[\(t) × \(a.count)]" }
            return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .bool(let b): return String(b)
        case .float32(let v): return String(v)
        case .float64(let v): return String(v)
        default: return String(int ?? 0)
        }
    }
}
