/// Everything that can be wrong with a GGUF file. Each message is one line naming the field (metadata key or
/// tensor name) and, where the file has one, the byte offset of the bad field.
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
    /// A metadata key of zero bytes (llama.cpp rejects these too).
    case emptyKey(index: Int, offset: Int)
    /// A tensor whose data does not start where the previous one ends (after padding to the alignment): tensors
    /// must be stored in descriptor order, back to back, as llama.cpp's loader requires. This also rules out overlap.
    case unexpectedTensorOffset(tensor: String, offset: UInt64, expected: Int, descriptorOffset: Int)
    /// `GGUFWriter` was asked to write something no reader accepts (e.g. tensor bytes that do not match the shape).
    case cannotSerialize(String)
    /// An error in a file that was meant to be a `role` ("model file", "steering file", "probe set").
    indirect case inFile(role: String, path: String, size: Int, GGUFError)

    public var description: String {
        switch self {
        case let .inFile(role, path, size, e):
            switch e {
            case .badMagic, .truncated(what: "magic", _, _, _):
                return "the \(role) \(path) is not a GGUF file (it is \(size) byte\(size == 1 ? "" : "s"))"
            case .wrongKeyType, .missingKey, .missingTensor:
                return "the \(role) \(path) is a GGUF file but not a \(role): \(e)"
            default:
                return "the \(role) \(path) is damaged: \(e)"
            }
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .badMagic(let found):
            return "not a GGUF file: the magic at offset 0 is '\(printable(found))' (0x\(String(found, radix: 16))), expected 'GGUF'"
        case .unsupportedVersion(let v) where v == 1:
            return "GGUF version 1 at offset 4 (32-bit counts) is no longer supported; re-convert the model with a current llama.cpp"
        case .unsupportedVersion(let v) where v != 0 && v & 0xFFFF == 0:
            return "GGUF version \(v) (0x\(String(v, radix: 16))) at offset 4 looks byte-swapped: only little-endian files are supported"
        case .unsupportedVersion(let v):
            return "GGUF version \(v) at offset 4 is not supported (only 2 and 3); re-convert the model with a current llama.cpp"
        case .truncated(let what, let offset, let need, let size):
            return "file is truncated: \(what) at offset \(offset) needs \(need) bytes, but the file ends at \(size)"
        case .unknownValueType(let key, let raw, let offset) where raw == GGUFValueType.array.rawValue:
            // Only reachable for an array's element type: a top-level array is fine.
            return "metadata key \(quoted(key)) is an array of arrays (element type 9 at offset \(offset)); nested arrays are not supported (llama.cpp rejects them too)"
        case .unknownValueType(let key, let raw, let offset):
            return "metadata key \(quoted(key)) has unknown value type \(raw) at offset \(offset) (known: 0 to 12)"
        case .duplicateKey(let key, let offset):
            return "metadata key \(quoted(key)) appears twice (second at offset \(offset))"
        case .badAlignment(let a):
            return "metadata key 'general.alignment' is \(a); it must be a power of two"
        case .tooManyDimensions(let t, let n, let offset):
            return "tensor \(quoted(t)) has \(n) dimensions at offset \(offset); 1 to 4 are allowed"
        case .badDimension(let t, let d, let v, let offset):
            return "tensor \(quoted(t)) dimension \(d) is \(v) at offset \(offset); it must be between 1 and 2^62"
        case .unknownTensorType(let t, let raw, let offset):
            return "tensor \(quoted(t)) has ggml type \(raw) at offset \(offset), which is unknown or not supported by Limbic"
        case .rowNotMultipleOfBlock(let t, let n, let type):
            return "tensor \(quoted(t)) of type \(type.name) has \(n) elements per row, not a multiple of the block size \(type.blockSize)"
        case .duplicateTensor(let t, let offset):
            return "tensor \(quoted(t)) is described twice (second at offset \(offset))"
        case .misalignedTensor(let t, let off, let a):
            return "tensor \(quoted(t)) data offset \(off) (relative to the data section) is not a multiple of the alignment \(a)"
        case .tensorPastEnd(let t, let start, let end, let size):
            return "tensor \(quoted(t)) spans bytes \(start)..<\(end), past the end of the file (\(size) bytes): the file is truncated"
        case .overflow(let what, let offset):
            return "\(what) at offset \(offset) overflows"
        case .missingKey(let key):
            return "metadata key \(quoted(key)) is missing"
        case .wrongKeyType(let key, let expected, let found):
            return "metadata key \(quoted(key)) is \(found), expected \(expected)"
        case .missingTensor(let name):
            return "tensor \(quoted(name)) is missing"
        case .emptyKey(let index, let offset):
            return "metadata key #\(index) at offset \(offset) is empty"
        case .unexpectedTensorOffset(let t, let off, let expected, let at):
            return "tensor \(quoted(t)) (descriptor at offset \(at)) has data offset \(off), expected \(expected): "
                + "tensor data must follow the descriptors' order, each padded to the alignment, without gaps or overlap"
        case .cannotSerialize(let reason):
            return "cannot serialize GGUF: \(reason)"
        }
    }
}

/// The four magic bytes as text, with non-printable bytes shown as '?' (as llama.cpp does).
private func printable(_ magic: UInt32) -> String {
    let bytes = (0..<4).map { UInt8(truncatingIfNeeded: magic >> (8 * $0)) }
    return String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
}

/// A name from the file, quoted for a one-line message: quotes, backslashes, control and line-breaking characters
/// escaped, very long names shortened.
func quoted(_ name: String) -> String {
    var out = "'"
    for (i, c) in name.unicodeScalars.enumerated() {
        if i == 120 { out += "…"; break }
        switch c.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .format:
            out += "\\u{\(String(c.value, radix: 16))}"
        default:
            if c == "'" || c == "\\" { out += "\\" }
            out.unicodeScalars.append(c)
        }
    }
    return out + "'"
}
