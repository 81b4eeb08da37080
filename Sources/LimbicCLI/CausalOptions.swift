import Affect

/// `limbic probe causal`'s options, checked before the model is loaded (`validate`).
public enum CausalOptions {
    public static let specs: [OptionSpec] = [
        .option("strengths", "LIST", "causal: steering strengths, comma-separated fractions of the mean residual norm at the steering layer (--layer).",
                default: CausalCheck.defaultStrengths.map { "\($0)" }.joined(separator: ",")),
        .option("read-layer", "N", "causal: the layer the readings are taken at (default: the steering layer + \(CausalCheck.defaultReadOffset), at most the last)."),
        .option("random", "N", "causal: random control vectors per strength.", default: "\(CausalCheck.defaultRandomVectors)"),
        .option("seed", "N", "causal: seed of the random control vectors.", default: "1"),
    ]

    /// Everything that can be checked without the model: the strengths, `--read-layer`, `--random`, `--seed`.
    public static func validate(_ args: ParsedArguments) throws {
        _ = try strengths(args)
        _ = try args.int("read-layer", in: 1...LayerList.maxLayer)
        _ = try randomVectors(args)
        _ = try seed(args)
    }

    /// `--strengths`: numbers in (0, 10], in the order given, at most 16.
    public static func strengths(_ args: ParsedArguments) throws -> [Float] {
        guard let text = args.string("strengths") else { return CausalCheck.defaultStrengths }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...16).contains(parts.count) else { throw UsageError("--strengths takes 1 to 16 numbers, got \(parts.count)") }
        return try parts.map { part in
            guard let x = Double(part), x.isFinite, x > 0, x <= 10 else {
                throw UsageError("--strengths: '\(part)' is not a fraction of the residual norm in (0, 10] (e.g. --strengths 0.05,0.1)")
            }
            return Float(x)
        }
    }

    /// `--random`: 1-64 random control vectors.
    public static func randomVectors(_ args: ParsedArguments) throws -> Int {
        try args.int("random", in: 1...64) ?? CausalCheck.defaultRandomVectors
    }

    /// `--seed`: a non-negative integer.
    public static func seed(_ args: ParsedArguments) throws -> UInt64 {
        UInt64(try args.int("seed", in: 0...Int.max) ?? 1)
    }
}
