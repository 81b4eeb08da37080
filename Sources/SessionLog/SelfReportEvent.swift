import Foundation

/// The `selfreport` event: the model's own rating of each emotion (read from its answer's logits), and how far
/// the readings are from it.
///
/// ```json
/// {"event":"selfreport","time":…,"turn":0,"style":"rating","ms":250.4,
///  "emotions":{"calm":{"value":7.1,"dist":[0,…,0.2],"entropy":2.3,"mass":0.95,"z":-2,"gap":3.2},…},
///  "choice":{"dist":{"calm":0.5,…},"top":"calm","entropy":1.49,"mass":0.8},
///  "hidden":["calm"],"overclaimed":[]}
/// ```
/// A number that was not finite is written as `null` and read back as nil (or missing from its map).
public struct SelfReportEvent: Codable, Sendable, Equatable {
    /// One emotion's self-report.
    public struct Emotion: Codable, Sendable, Equatable {
        /// The self-reported value (0-9 for ratings).
        public var value: Double?
        /// Rating styles: the answer's probability over the choices, its entropy (bits) and the probability mass
        /// the choices held among all tokens.
        public var dist: [Double?]?
        public var entropy: Double?
        public var mass: Double?
        /// The value as z against the neutral baseline, and the reading z minus it (+: shows more than it says).
        public var z: Double?
        public var gap: Double?

        public init(value: Double?, dist: [Double?]? = nil, entropy: Double? = nil, mass: Double? = nil, z: Double? = nil, gap: Double? = nil) {
            self.value = value
            self.dist = dist
            self.entropy = entropy
            self.mass = mass
            self.z = z
            self.gap = gap
        }

        enum CodingKeys: String, CodingKey { case value, dist, entropy, mass, z, gap }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            value = try c.decodeNullableNumber(forKey: .value)
            dist = try c.decodeIfPresent([Double?].self, forKey: .dist)
            entropy = try c.decodeIfPresent(Double.self, forKey: .entropy)
            mass = try c.decodeIfPresent(Double.self, forKey: .mass)
            z = try c.decodeIfPresent(Double.self, forKey: .z)
            gap = try c.decodeIfPresent(Double.self, forKey: .gap)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNumber(value, forKey: .value)
            if let dist { try c.encodeNumberList(dist, forKey: .dist) }
            try c.encodeNumberIfPresent(entropy, forKey: .entropy)
            try c.encodeNumberIfPresent(mass, forKey: .mass)
            try c.encodeNumberIfPresent(z, forKey: .z)
            try c.encodeNumberIfPresent(gap, forKey: .gap)
        }
    }

    /// The `choice` style: one question over all emotions.
    public struct Choice: Codable, Sendable, Equatable {
        /// Probability per emotion.
        public var dist: [String: Double]
        /// The most probable emotion.
        public var top: String
        public var entropy: Double?
        public var mass: Double?

        public init(dist: [String: Double], top: String, entropy: Double?, mass: Double?) {
            self.dist = dist
            self.top = top
            self.entropy = entropy
            self.mass = mass
        }

        enum CodingKeys: String, CodingKey { case dist, top, entropy, mass }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dist = try c.decodeNumbers(forKey: .dist)
            top = try c.decode(String.self, forKey: .top)
            entropy = try c.decodeNullableNumber(forKey: .entropy)
            mass = try c.decodeNullableNumber(forKey: .mass)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNumbers(dist, forKey: .dist)
            try c.encode(top, forKey: .top)
            try c.encodeNumber(entropy, forKey: .entropy)
            try c.encodeNumber(mass, forKey: .mass)
        }
    }

    public var turn: Int
    /// The question style (`rating`, `choice`).
    public var style: String
    /// Time taken.
    public var ms: Double?
    /// Per emotion (names as in the `session` event's probes).
    public var emotions: [String: Emotion]
    public var choice: Choice?
    /// Emotions whose gap is above the threshold (shown more than said) and below minus it (said more than shown);
    /// nil when there was no baseline to compute gaps.
    public var hidden: [String]?
    public var overclaimed: [String]?
    /// The steering in force on the fork the question was asked on (it inherits the conversation's); nil when none.
    public var steering: [String]?

    public init(turn: Int, style: String, ms: Double?, emotions: [String: Emotion], choice: Choice? = nil,
                hidden: [String]? = nil, overclaimed: [String]? = nil, steering: [String]? = nil) {
        self.turn = turn
        self.style = style
        self.ms = ms
        self.emotions = emotions
        self.choice = choice
        self.hidden = hidden
        self.overclaimed = overclaimed
        self.steering = steering
    }

    enum CodingKeys: String, CodingKey { case turn, style, ms, emotions, choice, hidden, overclaimed, steering }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        turn = try c.decode(Int.self, forKey: .turn)
        style = try c.decode(String.self, forKey: .style)
        ms = try c.decodeNullableNumber(forKey: .ms)
        emotions = try c.decode([String: Emotion].self, forKey: .emotions)
        choice = try c.decodeIfPresent(Choice.self, forKey: .choice)
        hidden = try c.decodeIfPresent([String].self, forKey: .hidden)
        overclaimed = try c.decodeIfPresent([String].self, forKey: .overclaimed)
        steering = try c.decodeIfPresent([String].self, forKey: .steering)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(turn, forKey: .turn)
        try c.encode(style, forKey: .style)
        try c.encodeNumber(ms, forKey: .ms)
        try c.encode(emotions, forKey: .emotions)
        try c.encodeIfPresent(choice, forKey: .choice)
        try c.encodeIfPresent(hidden, forKey: .hidden)
        try c.encodeIfPresent(overclaimed, forKey: .overclaimed)
        try c.encodeIfPresent(steering, forKey: .steering)
    }
}

/// A `selfreport` event with `error`: a scheduled self-report that could not be taken (a context too full for
/// the question, say). The turn itself is logged as usual.
///
/// ```json
/// {"event":"selfreport","time":…,"turn":3,"style":"rating","error":"context holds 60 tokens; …"}
/// ```
public struct SelfReportFailure: Codable, Sendable, Equatable {
    public var turn: Int
    public var style: String
    public var error: String

    public init(turn: Int, style: String, error: String) {
        self.turn = turn
        self.style = style
        self.error = error
    }
}

/// The `feel` event: the model's own words about how it feels (`/feel`), after the turn it follows.
///
/// ```json
/// {"event":"feel","time":…,"turn":2,"text":"I feel curious."}
/// ```
public struct FeelEvent: Codable, Sendable, Equatable {
    public var turn: Int
    public var text: String

    public init(turn: Int, text: String) {
        self.turn = turn
        self.text = text
    }
}
