/// Keys and values of every layer for positions 0..<count, with cheap forks and rollback.
///
/// Storage is a list of fixed-size chunks per layer, each a class instance. `KVCache` is a value type, so a copy
/// *is* a fork: both share every chunk, and a chunk is copied only when one side writes into a shared one
/// (copy-on-write via `isKnownUniquelyReferenced`). A fork therefore costs one array of references; continuing on
/// it copies at most the last, partly filled chunk per layer, and the original is never disturbed.
/// Rollback just lowers `count`: positions past it are overwritten by later writes.
public struct KVCache: @unchecked Sendable {
    /// Positions per chunk. Small enough that the first write on a fork copies little, large enough that
    /// attention walks few chunks.
    public static let chunkSize = 64

    final class Chunk {
        let keys: UnsafeMutablePointer<Float>     // (chunkSize, kvDim)
        let values: UnsafeMutablePointer<Float>   // (chunkSize, kvDim)
        let width: Int
        init(width: Int) {
            self.width = width
            keys = .allocate(capacity: KVCache.chunkSize * width)
            values = .allocate(capacity: KVCache.chunkSize * width)
        }
        func copy() -> Chunk {
            let c = Chunk(width: width)
            c.keys.update(from: keys, count: KVCache.chunkSize * width)
            c.values.update(from: values, count: KVCache.chunkSize * width)
            return c
        }
        deinit { keys.deallocate(); values.deallocate() }
    }

    public let layerCount: Int
    /// Floats per position per layer (kvHeadCount × headDim).
    public let width: Int
    /// The most positions this cache may hold.
    public let capacity: Int
    /// Positions filled: the next token goes to position `count`.
    public private(set) var count = 0
    var chunks: [[Chunk]]   // [layer][chunk]

    public init(layerCount: Int, width: Int, capacity: Int) {
        self.layerCount = layerCount
        self.width = width
        self.capacity = capacity
        chunks = Array(repeating: [], count: layerCount)
    }

    /// Bytes held by this cache's chunks (shared chunks counted in full).
    public var bytes: Int { chunks.reduce(0) { $0 + $1.count } * 2 * KVCache.chunkSize * width * 4 }

    /// A snapshot that can be continued independently. (Equivalent to `let f = cache`; spelled out for readers.)
    public func fork() -> KVCache { self }

    /// Forgets positions `position..<count`.
    public mutating func rollback(to position: Int) {
        precondition(position >= 0 && position <= count, "rollback to \(position) outside 0...\(count)")
        count = position
    }

    /// Makes positions up to `newCount` writable (allocating or un-sharing chunks) and sets `count`.
    mutating func extend(to newCount: Int) {
        precondition(newCount <= capacity)
        let firstChunk = count / KVCache.chunkSize
        let lastChunk = (newCount - 1) / KVCache.chunkSize
        for l in 0..<layerCount {
            for c in firstChunk...max(firstChunk, lastChunk) where c <= lastChunk {
                if c < chunks[l].count {
                    if !isKnownUniquelyReferenced(&chunks[l][c]) { chunks[l][c] = chunks[l][c].copy() }
                } else {
                    chunks[l].append(Chunk(width: width))
                }
            }
        }
        count = newCount
    }

    @inline(__always) func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        chunks[layer][position / KVCache.chunkSize].keys + (position % KVCache.chunkSize) * width
    }

    @inline(__always) func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        chunks[layer][position / KVCache.chunkSize].values + (position % KVCache.chunkSize) * width
    }
}
