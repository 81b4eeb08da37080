import CKernels
import Testing
@testable import Engine

// limbic_swiglu (CKernels/elementwise.c, a vectorised e^x) against Ops.swiglu (expf), the scalar reference.
@Test func vectorisedSwigluMatchesTheScalarReference() {
    var rng = TestRandom(seed: 77)
    // Ordinary gate values, the far tails (where e^−g over- or underflows) and a length that leaves a remainder.
    var gate = (0..<1_003).map { _ in rng.float() * 12 }
    gate += [-200, -90, -88, -87.5, -30, -1e-30, 0, 1e-30, 30, 87.5, 88, 90, 200]
    let up = gate.indices.map { _ in rng.float() * 3 }
    var expected = gate
    expected.withUnsafeMutableBufferPointer { e in up.withUnsafeBufferPointer { Ops.swiglu(e.baseAddress!, $0.baseAddress!, e.count) } }
    for level in testLevels where level != .scalar {
        var got = gate
        got.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { limbic_swiglu(Int32(level.rawValue), g.baseAddress!, $0.baseAddress!, Int64(g.count)) }
        }
        for i in gate.indices {
            let tolerance = 4e-7 * abs(gate[i] * up[i]) + 1e-30
            #expect(abs(got[i] - expected[i]) <= tolerance, "\(level) gate \(gate[i]) up \(up[i]): \(got[i]) vs \(expected[i])")
        }
    }
}
