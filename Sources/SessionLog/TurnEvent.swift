import Foundation

/// The `turn` event: one side of a turn. A turn is logged as two of these, the user's message then the reply.
///
/// ```json
/// {"event":"turn","time":…,"turn":0,"role":"user","text":"Hello","tokens":12,"positions":[0,12]}
/// {"event":"turn","time":…,"turn":0,"role":"assistant","text":"Hi!","tokens":4,"positions":[12,16],
///  "prefill_ms":30.1,"decode_ms":52.7,"stop":"eos"}
/// ```
///
/// A user message that could not be sent (the context was full, the tokenizer refused it) is still logged, as a
/// user `turn` with an `error`, no tokens and an empty span at the position where it would have gone; no reply
/// follows, and the next turn that succeeds takes the same number:
///
/// ```json
/// {"event":"turn","time":…,"turn":3,"role":"user","text":"…","tokens":0,"positions":[412,412],
///  "error":"the context holds 512 tokens but 2980 are needed: …"}
/// ```
///
/// `error` is optional within schema 1: logs without it read as before, and readers that predate it skip the key.
public struct TurnEvent: Codable, Sendable, Equatable {
    /// 0-based turn number.
    public var turn: Int
    /// `user` or `assistant`.
    public var role: String
    public var text: String
    public var tokens: Int
    /// Absolute token positions in the context (for a user turn: the message with the template around it).
    public var positions: Range<Int>
    /// Reply only: prompt evaluation and generation time.
    public var prefillMs: Double?
    public var decodeMs: Double?
    /// Reply only: why generation stopped (`eos`, `max_tokens`, `cancelled`, …).
    public var stop: String?
    /// User only: why the message could not be sent; nil for a turn that went through.
    public var error: String?
    /// Reply only: the steering in force while it was written (`--steer` and policy `steer` actions, each as
    /// "what (by whom)"); nil when none. Readings at and after a steered layer carry the added vector itself.
    public var steering: [String]?

    public init(turn: Int, role: String, text: String, tokens: Int, positions: Range<Int>,
                prefillMs: Double? = nil, decodeMs: Double? = nil, stop: String? = nil, error: String? = nil,
                steering: [String]? = nil) {
        self.turn = turn
        self.role = role
        self.text = text
        self.tokens = tokens
        self.positions = positions
        self.prefillMs = prefillMs
        self.decodeMs = decodeMs
        self.stop = stop
        self.error = error
        self.steering = steering
    }

    enum CodingKeys: String, CodingKey {
        case turn, role, text, tokens, positions, stop, error, steering
        case prefillMs = "prefill_ms"
        case decodeMs = "decode_ms"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        turn = try c.decode(Int.self, forKey: .turn)
        role = try c.decode(String.self, forKey: .role)
        text = try c.decode(String.self, forKey: .text)
        tokens = try c.decode(Int.self, forKey: .tokens)
        // [lo, hi], checked before it becomes a Range (which traps on lo > hi).
        let p = try c.decode([Int].self, forKey: .positions)
        guard p.count == 2, p[0] <= p[1] else {
            throw DecodingError.dataCorruptedError(forKey: .positions, in: c, debugDescription: "should be [first, end] with first ≤ end, not \(p)")
        }
        positions = p[0]..<p[1]
        prefillMs = try c.decodeIfPresent(Double.self, forKey: .prefillMs)
        decodeMs = try c.decodeIfPresent(Double.self, forKey: .decodeMs)
        stop = try c.decodeIfPresent(String.self, forKey: .stop)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        steering = try c.decodeIfPresent([String].self, forKey: .steering)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(turn, forKey: .turn)
        try c.encode(role, forKey: .role)
        try c.encode(text, forKey: .text)
        try c.encode(tokens, forKey: .tokens)
        try c.encode([positions.lowerBound, positions.upperBound], forKey: .positions)
        try c.encodeNumberIfPresent(prefillMs, forKey: .prefillMs)
        try c.encodeNumberIfPresent(decodeMs, forKey: .decodeMs)
        try c.encodeIfPresent(stop, forKey: .stop)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(steering, forKey: .steering)
    }
}
