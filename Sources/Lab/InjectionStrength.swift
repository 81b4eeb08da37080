import Foundation

/// How hard a vector is injected: a fraction of the mean residual norm at the layer (measured at ordinary positions,
/// never position 0: `InferenceBackend.meanResidualNorms`), or an absolute norm in the residual stream's own units.
/// Either way the vector added is the direction at that norm.
public enum InjectionStrength: Sendable, Equatable {
    case fraction(Double)
    case absolute(Double)

    /// The injected vector's norm at a layer whose mean residual norm is `meanNorm`.
    public func norm(meanNorm: Float) -> Float {
        switch self {
        case .fraction(let f): return Float(f) * meanNorm
        case .absolute(let a): return Float(a)
        }
    }

    /// The same strength as a fraction of `meanNorm` (what the results' `strength` columns hold).
    public func fraction(meanNorm: Float) -> Double {
        switch self {
        case .fraction(let f): return f
        case .absolute(let a): return meanNorm > 0 ? a / Double(meanNorm) : .nan
        }
    }

    /// "0.1" (a fraction of the mean residual norm) or "8a" (an absolute norm); nil for anything else or a value
    /// that is not finite or beyond ±100 (fractions) or ±1e6 (absolute).
    public static func parse(_ text: String) -> InjectionStrength? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("a"), let a = Double(t.dropLast()), a.isFinite, abs(a) <= 1e6 { return .absolute(a) }
        if let f = Double(t), f.isFinite, abs(f) <= 100 { return .fraction(f) }
        return nil
    }
}
