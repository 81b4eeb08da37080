/// Everything that can be wrong with a GGUF file. Each message names the field and the byte offset.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(what: String, offset: Int, need: Int, fileSize: Int)
    case unknownValueType(key: String, raw: UInt32, offset: Int)
    case duplicateKey(String, offset: Int)
    case badAlignment(Int)
    case tooManyDimensions(tensor: String, dims: Int, offset: Int)
    case badDimension(tensor: String, dim: Int, value: UInt64, offset: Int)
    case unknownTensorType(tensor: String, raw: UInt32, offset: Int)
    case rowNotMultipleOfBlock(tensor: String, rowLength: Int, type: GGMLType)
    case duplicateTensor(String, offset: Int)
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    case tensorPastEnd(tensor: String, start: Int, end: Int, fileSize: Int)
    case overflow(what: String, offset: Int)
    case missingKey(String)
    case wrongKeyType(key: String, expected: String, found: GGUFValueType)
    case missingTensor(String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .badMagic(let found):
            return "not a GGUF file: magic is 0x\(String(found, radix: 16)) at offset 0, expected 0x46554747 (\"GGUF\")"
        case .unsupportedVersion(let v):
            return "GGUF version \(v) at offset 4 is not supported (only 2 and 3); re-convert the model with a current llama.cpp"
        case .truncated(let what, let offset, let need, let size):
            return "file is truncated: \(what) at offset \(offset) needs \(need) bytes but the file has \(size) bytes"
        case .unknownValueType(let key, let raw, let offset):
            return "metadata key '\(key)' has unknown value type \(raw) at offset \(offset)"
        case .duplicateKey(let key, let offset):
            return "metadata key '\(key)' appears twice (second at offset \(offset))"
        case .badAlignment(let a):
            return "general.alignment is \(a); it must be a power of two"
        case .tooManyDimensions(let t, let n, let offset):
            return "tensor '\(t)' has \(n) dimensions at offset \(offset); at most 4 are allowed"
        case .badDimension(let t, let d, let v, let offset):
            return "tensor '\(t)' dimension \(d) is \(v) at offset \(offset); it must be between 1 and 2^62"
        case .unknownTensorType(let t, let raw, let offset):
            return "tensor '\(t)' has unknown type \(raw) at offset \(offset)"
        case .rowNotMultipleOfBlock(let t, let n, let type):
            return "tensor '\(t)' has \(n) elements per row, not a multiple of \(type.name)'s block size \(type.blockSize)"
        case .duplicateTensor(let t, let offset):
            return "tensor '\(t)' is described twice (second at offset \(offset))"
        case .misalignedTensor(let t, let off, let a):
            return "tensor '\(t)' data offset \(off) is not a multiple of the alignment \(a)"
        case .tensorPastEnd(let t, let start, let end, let size):
            return "tensor '\(t)' spans bytes \(start)..<\(end), past the end of the file (\(size) bytes): the file is truncated"
        case .overflow(let what, let offset):
            return "\(what) at offset \(offset) overflows"
        case .missingKey(let key):
            return "metadata key '\(key)' is missing"
        case .wrongKeyType(let key, let expected, let found):
            return "metadata key '\(key)' is \(found), expected \(expected)"
        case .missingTensor(let name):
            return "tensor '\(name)' is missing"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
