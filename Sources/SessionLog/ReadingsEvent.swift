import Foundation

/// The `readings` event: the probe readings over one side of a turn, per emotion (emotion names as in the
/// `session` event's probes). z is against neutral text; raw is the projection itself.
///
/// ```json
/// {"event":"readings","time":…,"turn":0,"role":"assistant","layer":18,"tokens":4,
///  "mean_z":{"calm":1.2,…},"mean_raw":{…},"last_before_z":{…},"last_before_raw":{…},
///  "per_token_z":{"calm":[0.8,1.1,1.5,1.4],…}}
/// ```
/// A number that was not finite is written as `null` and read back as missing from its map.
public struct ReadingsEvent: Codable, Sendable, Equatable {
    public var turn: Int
    /// `user` or `assistant`.
    public var role: String
    /// The reading layer (0-based block index).
    public var layer: Int
    /// Tokens averaged.
    public var tokens: Int
    /// Mean over the span's tokens.
    public var meanZ: [String: Double]
    public var meanRaw: [String: Double]
    /// At the last token before the span (for a reply: the end of the prompt, before the model wrote anything).
    public var lastBeforeZ: [String: Double]
    public var lastBeforeRaw: [String: Double]
    /// Each token's z (`--per-token`), in order; an entry is nil where the number was not finite.
    public var perTokenZ: [String: [Double?]]?

    public init(turn: Int, role: String, layer: Int, tokens: Int, meanZ: [String: Double], meanRaw: [String: Double],
                lastBeforeZ: [String: Double], lastBeforeRaw: [String: Double], perTokenZ: [String: [Double?]]? = nil) {
        self.turn = turn
        self.role = role
        self.layer = layer
        self.tokens = tokens
        self.meanZ = meanZ
        self.meanRaw = meanRaw
        self.lastBeforeZ = lastBeforeZ
        self.lastBeforeRaw = lastBeforeRaw
        self.perTokenZ = perTokenZ
    }

    enum CodingKeys: String, CodingKey {
        case turn, role, layer, tokens
        case meanZ = "mean_z"
        case meanRaw = "mean_raw"
        case lastBeforeZ = "last_before_z"
        case lastBeforeRaw = "last_before_raw"
        case perTokenZ = "per_token_z"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        turn = try c.decode(Int.self, forKey: .turn)
        role = try c.decode(String.self, forKey: .role)
        layer = try c.decode(Int.self, forKey: .layer)
        tokens = try c.decode(Int.self, forKey: .tokens)
        meanZ = try c.decodeNumbers(forKey: .meanZ)
        meanRaw = try c.decodeNumbers(forKey: .meanRaw)
        lastBeforeZ = try c.decodeNumbers(forKey: .lastBeforeZ)
        lastBeforeRaw = try c.decodeNumbers(forKey: .lastBeforeRaw)
        perTokenZ = try c.decodeIfPresent([String: [Double?]].self, forKey: .perTokenZ)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(turn, forKey: .turn)
        try c.encode(role, forKey: .role)
        try c.encode(layer, forKey: .layer)
        try c.encode(tokens, forKey: .tokens)
        try c.encodeNumbers(meanZ, forKey: .meanZ)
        try c.encodeNumbers(meanRaw, forKey: .meanRaw)
        try c.encodeNumbers(lastBeforeZ, forKey: .lastBeforeZ)
        try c.encodeNumbers(lastBeforeRaw, forKey: .lastBeforeRaw)
        if let perTokenZ { try c.encodeNumberLists(perTokenZ, forKey: .perTokenZ) }
    }
}
