import GGUF

/// A weight matrix as stored in the file: `rows` rows of `cols` elements, each row `rowBytes` bytes, row r at
/// `data + r * rowBytes`. Borrowed memory (usually the mmapped model file), never copied.
public struct WeightMatrix: @unchecked Sendable {
    public let type: GGMLType
    public let data: UnsafeRawPointer
    public let rows: Int
    public let cols: Int
    /// The same matrix as 16-row tiles for the AVX-512 VNNI kernels (CKernels/pack.c), when `PackedWeights` made
    /// one; `matmul` prefers it at that level and reads `data` otherwise. Borrowed like `data`.
    public let packed: UnsafeRawPointer?

    /// Bytes of one row: cols / blockSize blocks of blockBytes.
    public var rowBytes: Int { cols / type.blockSize * type.blockBytes }

    /// `cols` must be a whole number of the type's blocks (precondition: the GGUF loader has already checked it).
    public init(type: GGMLType, data: UnsafeRawPointer, rows: Int, cols: Int, packed: UnsafeRawPointer? = nil) {
        precondition(rows >= 0 && cols > 0 && cols % type.blockSize == 0,
                     "WeightMatrix: \(cols) columns is not a multiple of \(type.name)'s block size \(type.blockSize)")
        self.type = type
        self.data = data
        self.rows = rows
        self.cols = cols
        self.packed = packed
    }
}
