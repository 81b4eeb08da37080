import CKernels
import Engine
import Foundation
import Testing
import TestSupport

/// The C attention kernels against a plain Swift softmax attention, at real head sizes (the tiny test models' 8
/// would miss the blocked paths): one head at a time, and a grouped-query group's heads together, with a first row
/// (sliding window) and a gap (branches), in chunks of the cache, at every instruction-set level.
struct AttentionKernelTests {
    func reference(_ q: [Float], _ keys: [[Float]], _ values: [[Float]], rows: [Int], scale: Float) -> [Float] {
        let scores = rows.map { p in zip(q, keys[p]).map { $0 * $1 }.reduce(0, +) * scale }
        let m = scores.max()!
        let e = scores.map { expf($0 - m) }
        let sum = e.reduce(0, +)
        var out = [Float](repeating: 0, count: q.count)
        for (i, p) in rows.enumerated() { for d in out.indices { out[d] += e[i] / sum * values[p][d] } }
        return out
    }

    @Test(arguments: [(64, 3), (128, 6), (256, 4), (256, 1), (48, 1), (48, 7), (40, 2), (64, 2), (128, 5)])
    func kernelsMatchAPlainSoftmaxAttention(hd: Int, g: Int) throws {
        var rng = SplitMix64(seed: UInt64(hd * 10 + g))
        func random() -> Float { Float(rng.next() % 2000) / 1000 - 1 }
        let n = 45, chunk = 16, kvHeads = 2, stride = kvHeads * hd, kv = 1
        let chunks = (n + chunk - 1) / chunk
        var k = [Float](repeating: 0, count: chunks * chunk * stride), v = k
        for i in k.indices { k[i] = random(); v[i] = random() }
        let q = (0..<(g * hd)).map { _ in random() }
        let keys = (0..<n).map { p in Array(k[(p * stride + kv * hd)..<(p * stride + kv * hd + hd)]) }
        let values = (0..<n).map { p in Array(v[(p * stride + kv * hd)..<(p * stride + kv * hd + hd)]) }
        for (lo, gap0, gap1) in [(0, n, n), (7, n, n), (5, 20, 31)] {
            let rows = Array(lo..<gap0) + Array(gap1..<n)
            let expected = (0..<g).flatMap { reference(Array(q[($0 * hd)..<(($0 + 1) * hd)]), keys, values, rows: rows, scale: 0.125) }
            for level in [Int32(0), Int32(1), Int32(2)] {
                var one = [Float](repeating: 0, count: g * hd), grouped = one
                var scores = [Float](repeating: 0, count: g * n)
                k.withUnsafeBufferPointer { kb in
                    v.withUnsafeBufferPointer { vb in
                        let kc: [UnsafePointer<Float>?] = (0..<chunks).map { kb.baseAddress! + $0 * chunk * stride }
                        let vc: [UnsafePointer<Float>?] = (0..<chunks).map { vb.baseAddress! + $0 * chunk * stride }
                        for j in 0..<g {
                            limbic_attention(level, q.withUnsafeBufferPointer { $0.baseAddress! + j * hd }, Int64(hd), kc, vc, Int64(chunk),
                                             Int64(stride), Int64(kv * hd), Int64(lo), Int64(gap0), Int64(gap1), Int64(n), 0.125,
                                             &scores, one.withUnsafeMutableBufferPointer { $0.baseAddress! + j * hd })
                        }
                        limbic_attention_group(level, q, Int64(g), Int64(hd), kc, vc, Int64(chunk), Int64(stride), Int64(kv * hd),
                                               Int64(lo), Int64(gap0), Int64(gap1), Int64(n), 0.125, &scores, &grouped)
                    }
                }
                let worstOne = zip(one, expected).map { abs($0 - $1) }.max()!
                let worstGroup = zip(grouped, expected).map { abs($0 - $1) }.max()!
                #expect(worstOne < 1e-5 && worstGroup < 1e-5, "hd \(hd) g \(g) span \(lo)…\(gap0),\(gap1)… level \(level): \(worstOne) \(worstGroup)")
            }
        }
    }

    /// A block of consecutive tokens × heads, each row seeing the positions before its own limit, gives every row
    /// exactly (bit for bit) what that row's token gets from limbic_attention on its own, so a prefill's results do
    /// not depend on how its tokens were grouped into calls or blocks.
    @Test(arguments: [(64, 3, 8), (128, 6, 5), (40, 1, 8), (128, 2, 3)])
    func aBlockOfTokensEqualsEachTokenAlone(hd: Int, g: Int, tokens: Int) {
        var rng = SplitMix64(seed: UInt64(hd + g + tokens))
        func random() -> Float { Float(rng.next() % 2000) / 1000 - 1 }
        let first = 37, n = first + tokens - 1, chunk = 16, stride = 2 * hd, kv = 1   // token b sees first + b rows
        let chunks = (n + chunk - 1) / chunk
        var k = [Float](repeating: 0, count: chunks * chunk * stride), v = k
        for i in k.indices { k[i] = random() * 3; v[i] = random() }
        let rows = tokens * g
        let q = (0..<(rows * hd)).map { _ in random() }
        let limits = (0..<rows).map { Int64(first + $0 / g) }
        for level in [Int32(0), Int32(1), Int32(2)] {
            var block = [Float](repeating: .nan, count: rows * hd), alone = block, group = block
            var scores = [Float](repeating: 0, count: rows * n)
            k.withUnsafeBufferPointer { kb in
                v.withUnsafeBufferPointer { vb in
                    let kc: [UnsafePointer<Float>?] = (0..<chunks).map { kb.baseAddress! + $0 * chunk * stride }
                    let vc: [UnsafePointer<Float>?] = (0..<chunks).map { vb.baseAddress! + $0 * chunk * stride }
                    limbic_attention_block(level, q, Int64(rows), limits, Int64(hd), kc, vc, Int64(chunk), Int64(stride),
                                           Int64(kv * hd), Int64(n), 0.125, &scores, &block)
                    for r in 0..<rows {
                        let seen = limits[r]
                        limbic_attention(level, q.withUnsafeBufferPointer { $0.baseAddress! + r * hd }, Int64(hd), kc, vc,
                                         Int64(chunk), Int64(stride), Int64(kv * hd), 0, seen, seen, seen, 0.125, &scores,
                                         alone.withUnsafeMutableBufferPointer { $0.baseAddress! + r * hd })
                    }
                    // Each token's heads as one group (as a branch token or a short call evaluates them).
                    for b in 0..<tokens {
                        let seen = Int64(first + b)
                        limbic_attention_group(level, q.withUnsafeBufferPointer { $0.baseAddress! + b * g * hd }, Int64(g),
                                               Int64(hd), kc, vc, Int64(chunk), Int64(stride), Int64(kv * hd), 0, seen, seen,
                                               seen, 0.125, &scores, group.withUnsafeMutableBufferPointer { $0.baseAddress! + b * g * hd })
                    }
                }
            }
            #expect(block == alone, "hd \(hd) g \(g) tokens \(tokens) level \(level)")
            // The same bits whichever path a head takes: batched self-report answers (groups) agree with forks
            // (blocks) on Qwen to 1e-7 in probability, where different summation orders gave 1e-2.
            #expect(group == alone, "group: hd \(hd) g \(g) tokens \(tokens) level \(level)")
        }
    }
}
