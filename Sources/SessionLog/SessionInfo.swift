import Foundation

/// The `session` event, the first line of every log: what produced the session, so that a report can say which
/// model and probes its numbers came from and two logs can be compared.
///
/// ```json
/// {"event":"session","time":…,"schema":1,"model":"smollm2-135m-instruct-q8_0.gguf","model_sha256":"…",
///  "architecture":"llama","probes":{"path":"…","layer":18,"method":"recipe","emotions":["calm",…],"dataset_hash":"…"},
///  "selfreport":{"style":"rating","every":1,"baseline_samples":24},"policy":[{"path":"…","sha256":"…"}],
///  "settings":{"context":4096,"threads":8}}
/// ```
public struct SessionInfo: Codable, Sendable, Equatable {
    /// The probe set the readings come from.
    public struct Probes: Codable, Sendable, Equatable {
        public var path: String
        /// The reading layer (0-based block index).
        public var layer: Int
        /// How the vectors were extracted (`recipe`, `pca`, …).
        public var method: String
        /// The emotions in the probe set's order; every emotion map in the log uses these names.
        public var emotions: [String]
        public var datasetHash: String

        public init(path: String, layer: Int, method: String, emotions: [String], datasetHash: String) {
            self.path = path
            self.layer = layer
            self.method = method
            self.emotions = emotions
            self.datasetHash = datasetHash
        }

        enum CodingKeys: String, CodingKey {
            case path, layer, method, emotions
            case datasetHash = "dataset_hash"
        }
    }

    /// How self-reports were asked.
    public struct SelfReportSchedule: Codable, Sendable, Equatable {
        /// The question style (`rating`, `choice`).
        public var style: String
        /// A self-report every N turns; 0: never.
        public var every: Int
        /// How many neutral turns the self-report baseline was measured on (the chat calibration's fitting turns).
        public var baselineSamples: Int

        public init(style: String, every: Int, baselineSamples: Int) {
            self.style = style
            self.every = every
            self.baselineSamples = baselineSamples
        }

        enum CodingKeys: String, CodingKey {
            case style, every
            case baselineSamples = "baseline_samples"
        }
    }

    /// A policy file the session ran under, and its hash (so a log names the exact guards).
    public struct PolicyFile: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String

        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    /// The monitor's calibration against neutral chat: what its z and flags mean in this session.
    public struct Calibration: Codable, Sendable, Equatable {
        /// The cache key (model, probe set, template, system prompt, self-report question, chats).
        public var key: String
        /// Chats and turns it was fitted on.
        public var chats: Int
        public var turns: Int
        /// Family-wise thresholds: a reply reading z above `readingThreshold` on any emotion, or a |gap| above
        /// `gapThreshold`, happens on at most 5% of neutral turns.
        public var readingThreshold: Double?
        public var gapThreshold: Double?

        public init(key: String, chats: Int, turns: Int, readingThreshold: Double?, gapThreshold: Double?) {
            self.key = key
            self.chats = chats
            self.turns = turns
            self.readingThreshold = readingThreshold
            self.gapThreshold = gapThreshold
        }

        enum CodingKeys: String, CodingKey {
            case key, chats, turns
            case readingThreshold = "reading_threshold"
            case gapThreshold = "gap_threshold"
        }
    }

    public struct Settings: Codable, Sendable, Equatable {
        /// Context capacity in tokens.
        public var context: Int
        public var threads: Int
        /// The sampler's seed and temperature (absent in logs written before they were recorded): the same seed,
        /// model and inputs give the same transcript.
        public var seed: UInt64?
        public var temperature: Double?

        public init(context: Int, threads: Int, seed: UInt64? = nil, temperature: Double? = nil) {
            self.context = context
            self.threads = threads
            self.seed = seed
            self.temperature = temperature
        }
    }

    /// The schema the log was written in (`SessionEvent.schemaVersion` when written by this Limbic).
    public var schema: Int
    /// The model file's name.
    public var model: String
    public var modelSHA256: String
    /// The model's architecture (`llama`, `qwen2`, …).
    public var architecture: String
    public var probes: Probes
    public var selfReport: SelfReportSchedule
    /// The policy files in force; empty when none (schema 1 wrote `"policy": null`).
    public var policy: [PolicyFile]
    public var settings: Settings
    /// The system prompt's text (nil: the template's default), so a session can be read, or resumed, as it was.
    public var system: String?
    /// nil: the readings were z against neutral passages (no chat calibration).
    public var calibration: Calibration?
    /// Per emotion, the self-report's trust score (`limbic introspect selfreport --save`); nil when not measured.
    public var trust: [String: Double]?

    public init(schema: Int = SessionEvent.schemaVersion, model: String, modelSHA256: String, architecture: String, probes: Probes,
                selfReport: SelfReportSchedule, policy: [PolicyFile] = [], settings: Settings, system: String? = nil,
                calibration: Calibration? = nil, trust: [String: Double]? = nil) {
        self.schema = schema
        self.model = model
        self.modelSHA256 = modelSHA256
        self.architecture = architecture
        self.probes = probes
        self.selfReport = selfReport
        self.policy = policy
        self.settings = settings
        self.system = system
        self.calibration = calibration
        self.trust = trust
    }

    enum CodingKeys: String, CodingKey {
        case schema, model, architecture, probes, policy, settings, system, calibration, trust
        case modelSHA256 = "model_sha256"
        case selfReport = "selfreport"
    }

    /// Reads `schema` first: a log from a newer Limbic is refused before its other keys are looked at, since
    /// they may have changed.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decode(Int.self, forKey: .schema)
        guard schema <= SessionEvent.schemaVersion else { throw NewerSchema(schema: schema) }
        guard schema >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .schema, in: c, debugDescription: "schema \(schema) is not a Limbic schema (1 or more)")
        }
        model = try c.decode(String.self, forKey: .model)
        modelSHA256 = try c.decode(String.self, forKey: .modelSHA256)
        architecture = try c.decode(String.self, forKey: .architecture)
        probes = try c.decode(Probes.self, forKey: .probes)
        selfReport = try c.decode(SelfReportSchedule.self, forKey: .selfReport)
        policy = try c.decodeIfPresent([PolicyFile].self, forKey: .policy) ?? []
        settings = try c.decode(Settings.self, forKey: .settings)
        system = try c.decodeIfPresent(String.self, forKey: .system)
        calibration = try c.decodeIfPresent(Calibration.self, forKey: .calibration)
        trust = try c.decodeIfPresent([String: Double].self, forKey: .trust)
    }
}

/// Thrown while decoding a `session` event of a newer schema; the reader turns it into `SessionLogError.newerSchema`.
struct NewerSchema: Error {
    var schema: Int
}
