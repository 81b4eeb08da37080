/// The element types a GGUF tensor can have, with their block layouts.
///
/// Raw values are ggml's `enum ggml_type` numbers as stored in GGUF tensor descriptors. Layouts follow
/// llama.cpp's `ggml-common.h`; `EngineTests` asserts each block's byte size against the structs there.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q8_1 = 9
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case q8_K = 15
    case i8 = 24
    case i16 = 25
    case i32 = 26
    case i64 = 27
    case f64 = 28
    case bf16 = 30

    /// Elements per block (1 for plain scalar types).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .i8, .i16, .i32, .i64, .f64: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: return 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: return 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .i8: return 1
        case .i16: return 2
        case .i32: return 4
        case .i64, .f64: return 8
        case .q4_0: return 2 + 16          // d f16, 32 nibbles
        case .q4_1: return 2 + 2 + 16      // d f16, m f16, 32 nibbles
        case .q5_0: return 2 + 4 + 16      // d f16, high bits u32, 32 nibbles
        case .q5_1: return 2 + 2 + 4 + 16  // d, m, high bits, nibbles
        case .q8_0: return 2 + 32          // d f16, 32 × i8
        case .q8_1: return 2 + 2 + 32      // d f16, s f16, 32 × i8
        case .q2_K: return 16 + 64 + 2 + 2
        case .q3_K: return 32 + 64 + 12 + 2
        case .q4_K: return 2 + 2 + 12 + 128  // d, dmin, 12 bytes of 6-bit scales/mins, 256 nibbles
        case .q5_K: return 2 + 2 + 12 + 32 + 128
        case .q6_K: return 128 + 64 + 16 + 2 // ql, qh, i8 scales, d
        case .q8_K: return 4 + 256 + 32      // d f32, 256 × i8, 16 × i16 block sums
        }
    }

    /// ggml's name for the type, as llama.cpp prints it.
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q8_1: return "Q8_1"
        case .q2_K: return "Q2_K"
        case .q3_K: return "Q3_K"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        case .q8_K: return "Q8_K"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        case .f64: return "F64"
        }
    }

    /// Bytes needed for `elements` elements, or nil when `elements` is not a whole number of blocks.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }
}
