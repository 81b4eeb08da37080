import Testing
@testable import Engine

@Test func halfToFloatMatchesFloat16ForEveryBitPattern() {
    for bits in 0...UInt16.max {
        let expected = Float(Float16(bitPattern: bits))
        let got = halfToFloat(bits)
        if expected.isNaN { #expect(got.isNaN) } else { #expect(got.bitPattern == expected.bitPattern, "f16 \(bits)") }
    }
}

@Test func floatToHalfRoundsToNearestEvenLikeFloat16() {
    var rng = TestRandom(seed: 7)
    var samples: [Float] = [0, -0, 1, -1, 65504, 65520, 65519.99, 1e-8, 5.96e-8, 2.98e-8, 2.99e-8, 6.1e-5, .infinity, -.infinity,
                            1.000_488_3, 1.000_976_6, 1.001_464_8]  // 1 + half an f16 ulp, etc.: ties
    for _ in 0..<20000 {
        samples.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
    }
    for f in samples where !f.isNaN {
        #expect(floatToHalf(f) == Float16(f).bitPattern, "\(f)")
    }
    #expect(halfToFloat(floatToHalf(.nan)).isNaN)
}

@Test func bfloat16IsTheTopHalfOfAFloat() {
    #expect(bfloat16ToFloat(0x3F80) == 1)
    #expect(bfloat16ToFloat(0xC040) == -3)
    #expect(bfloat16ToFloat(0x3E20) == 0.15625)
}
