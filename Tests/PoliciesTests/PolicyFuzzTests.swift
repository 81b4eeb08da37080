import Testing
@testable import Policies

/// A short fuzz of the parser and checker: random and mutated policy texts never crash, and whatever compiles
/// evaluates on a turn without crashing either.
struct PolicyFuzzTests {
    /// SplitMix64 (Steele, Lea and Flood), as the Fuzzing module's mutator uses.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let pieces = ["guard", "group", "when", "then", "rearm", "for", "in", "of", "turns", "turn", "and", "or", "not",
                         "any(", "all(", "max(", "min(", ")", "(", "sad", "calm", "desperate", "neg", "selfreport.", "gap.",
                         "flag.hidden", ".last", "reply matches", "\"(a|b\"", "\"x{z}\"", "\"{emotion}\"", ">", ">=", "<", "==",
                         "!=", "2", "-1.5", "+4", "0", "9.5", "pause", "tell", "steer", "log", "abort", "at", ",", "=", "\n",
                         "#", "\"", "\\", "\t", "é", "~", "1e999", "99999999999999999999"]

    @Test func randomAndMutatedPoliciesNeverCrash() {
        var rng = Random(state: 12)
        let seed = Array(PolicyParserTests.example)
        var compiled = 0
        for round in 0..<3000 {
            var text: [Character]
            if round % 2 == 0 {
                text = seed
                for _ in 0...rng.int(6) {
                    let at = rng.int(text.count + 1)
                    switch rng.int(4) {
                    case 0: if !text.isEmpty { text.remove(at: min(at, text.count - 1)) }
                    case 1: text.insert(contentsOf: Array(Self.pieces[rng.int(Self.pieces.count)] + " "), at: at)
                    case 2: if at < text.count { text.removeSubrange(at..<min(text.count, at + rng.int(20))) }
                    default: if !text.isEmpty { text[min(at, text.count - 1)] = Character(Unicode.Scalar(UInt8(32 + rng.int(95)))) }
                    }
                }
            } else {
                text = Array((0..<rng.int(40)).map { _ in Self.pieces[rng.int(Self.pieces.count)] }.joined(separator: " "))
            }
            let source = String(text)
            let (engine, diagnostics) = PolicyEngine.compile(source, file: "fuzz", emotions: testEmotions)
            for d in diagnostics { _ = d.render() }
            if let engine {
                compiled += 1
                _ = run(engine, [monitoring(turn: 0, z: ["sad": 3]), nil, monitoring(turn: 2, selfReport: ["sad": 4], gap: ["sad": 1])],
                        replies: ["a", "b", "give up"])
            }
        }
        #expect(compiled > 10)
    }
}
