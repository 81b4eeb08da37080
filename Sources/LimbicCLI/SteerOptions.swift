import Engine
import Foundation

/// `--steer FILE[:STRENGTH][@LAYERS][#A-B]`, shared by logits, generate and bench.
public enum SteerOptions {
    public static let spec = OptionSpec.option("steer", "SPEC", """
        Add a control vector while running: FILE[:STRENGTH][@LAYERS][#A-B]. STRENGTH multiplies the direction \
        (default 1); with a trailing 'n' it is a fraction of the mean residual norm at each layer (0.08n). \
        @LAYERS picks layers of the file (e.g. @10-14); #A-B limits it to token positions A..B (#A- for A on).
        """, repeatable: true)
    public static let normSpec = OptionSpec.flag("steer-norm", "Norm-preserving steering: rescale each steered row to its norm before steering, so only its direction changes.")

    /// One `--steer` spec, read but not yet loaded.
    public struct Parsed: Equatable, Sendable {
        public var path: String
        public var strength: Float = 1
        /// The strength is a fraction of the mean residual norm at each layer (`0.08n`).
        public var relative = false
        /// `@LAYERS`; nil for every layer in the file.
        public var layers: [Int]? = nil
        public var positions: PositionSelector = .all

        public init(path: String, strength: Float = 1, relative: Bool = false, layers: [Int]? = nil, positions: PositionSelector = .all) {
            self.path = path
            self.strength = strength
            self.relative = relative
            self.layers = layers
            self.positions = positions
        }
    }

    /// Checks the syntax of every `--steer` (the files are read in `steering`).
    public static func validate(_ args: ParsedArguments) throws {
        for spec in args.all("steer") { _ = try parse(spec) }
    }

    /// Parses one spec; suffixes are taken from the right so a path may contain ':' '@' or '#' elsewhere.
    public static func parse(_ spec: String) throws -> Parsed {
        var rest = spec
        var p = Parsed(path: "")
        if let i = rest.lastIndex(of: "#") {
            p.positions = .range(try PositionRange.parse(String(rest[rest.index(after: i)...]), option: "--steer \(spec)", openEnded: true))
            rest = String(rest[..<i])
        }
        if let i = rest.lastIndex(of: "@") {
            p.layers = try LayerList.layers(String(rest[rest.index(after: i)...]), option: "--steer \(spec)")
            rest = String(rest[..<i])
        }
        if let i = rest.lastIndex(of: ":") {
            let written = String(rest[rest.index(after: i)...])
            var r = written
            if r.hasSuffix("n") { p.relative = true; r.removeLast() }
            guard let s = Float(r), s.isFinite else { throw UsageError("--steer \(spec): strength '\(written)' is not a number") }
            p.strength = s
            rest = String(rest[..<i])
        }
        guard !rest.isEmpty else { throw UsageError("--steer \(spec): no file") }
        p.path = rest
        return p
    }

    /// The largest steering step allowed, as a multiple of the layer's mean residual norm: far beyond any useful
    /// steering (the emotions study steers at 0.02-0.1), well short of what overflows the next layer's norm into NaN.
    public static let maxStepOverResidualNorm: Double = 1e4

    /// Checks one layer's step, |strength × vector|: it must be finite and at most `maxStepOverResidualNorm` × the
    /// layer's mean residual norm (`--steer X:1e30` made every logit NaN). Computed in Double, so the check itself
    /// cannot overflow. A norm that is not a positive number (a degenerate model) only rules out infinity.
    /// - Throws: `UsageError` naming the spec, the layer, the step and the largest strength allowed.
    public static func checkStep(_ spec: String, layer: Int, strength: Float, vector: [Float], meanResidualNorm: Float) throws {
        let vectorNorm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let step = Double(abs(strength)) * vectorNorm
        let residual = Double(meanResidualNorm)
        let limit = residual.isFinite && residual > 0 ? maxStepOverResidualNorm * residual : Double(Float.greatestFiniteMagnitude)
        guard step.isFinite, step <= limit else {
            let largest = vectorNorm > 0 ? String(format: "%.3g", limit / vectorNorm) : "any"
            throw UsageError(String(format: "--steer %@: strength %@ adds a step of %.3g at layer %d, more than %.0f × the layer's mean residual norm (%.3g): the output would be NaN; use a strength up to %@ (or a fraction of the norm, like 0.1n)",
                                    spec, "\(strength)", step, layer, maxStepOverResidualNorm, residual, largest))
        }
    }

    /// Loads every `--steer` and turns it into engine steering on this model.
    public static func steering(_ args: ParsedArguments, model: LanguageModel) throws -> [Steering] {
        var out: [Steering] = []
        for spec in args.all("steer") {
            let p = try parse(spec)
            guard FileManager.default.fileExists(atPath: p.path) else { throw UsageError("--steer: no such file '\(p.path)'") }
            let c = model.config
            let cv = try ControlVector(path: p.path, for: c)   // the width and layers checked before reading
            if !cv.modelHint.isEmpty, cv.modelHint != c.architecture {
                Terminal.note("limbic: warning: \(p.path) was made for '\(cv.modelHint)', this model is '\(c.architecture)'")
            }
            let layers = p.layers ?? cv.layers
            // Measured for every spec, relative or not: each step is checked against the residual it is added to.
            let norms = try model.meanResidualNorms()
            for l in layers {
                guard l < c.layerCount, l < norms.count else { throw UsageError("--steer \(spec): layer \(l) is outside 0-\(c.layerCount - 1)") }
                guard let v = cv.directions[l] else { throw UsageError("--steer \(spec): \(p.path) has no direction for layer \(l) (it has \(cv.layers.map(String.init).joined(separator: ",")))") }
                let strength = p.relative ? p.strength * norms[l] : p.strength
                try checkStep(spec, layer: l, strength: strength, vector: v, meanResidualNorm: norms[l])
                out.append(Steering(site: .layer(l), vector: v, strength: strength, positions: p.positions,
                                    normPreserving: args.flag("steer-norm")))
            }
        }
        return out
    }
}
