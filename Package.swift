// swift-tools-version:6.0
// Limbic: a local language model wrapped in an emotion monitor. No third-party packages (see README).
import PackageDescription

let package = Package(
    name: "Limbic",
    products: [
        .executable(name: "limbic", targets: ["limbic"]),
    ],
    targets: [
        // The hot quantized dot-product kernels, with intrinsics chosen at run time (DESIGN.md §8).
        // -O3 so that even debug builds (which `swift test` uses) run the kernels at full speed.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Reading user-given files (regular files only, bounded, never blocking), writing files atomically, whole
        // reads and writes on descriptors.
        .target(name: "FileIO"),
        .target(name: "GGUF", dependencies: ["FileIO"]),
        // The model registry, fetching with pip, sha256 checks, cache paths and `$LIMBIC_HOME`.
        .target(name: "ModelStore", dependencies: ["GGUF"]),
        .target(name: "Tokenizers", dependencies: ["GGUF"]),
        .target(name: "Engine", dependencies: ["GGUF", "Tokenizers", "CKernels"]),
        .target(name: "Affect", dependencies: ["Engine", "GGUF", "Tokenizers", "FileIO"]),
        // The one session-log schema: Codable events, the writer and a tolerant reader (DESIGN.md §5).
        .target(name: "SessionLog", dependencies: ["FileIO"]),
        // The policy language (DESIGN.md §5): lexer, parser, checker and the engine that evaluates guards after each
        // turn; the `Policy` protocol and its actions. Reads `Affect`'s types, runs no model.
        .target(name: "Policies", dependencies: ["Affect"]),
        .target(name: "Agent", dependencies: ["FileIO", "Engine", "Tokenizers", "Affect", "Policies", "SessionLog"]),
        .target(name: "Reports", dependencies: ["SessionLog"]),
        // The introspection lab (DESIGN.md §6): concept vectors, injection detection and the other protocols, each
        // beside its controls.
        .target(name: "Lab", dependencies: ["FileIO", "Engine", "Tokenizers", "Affect"]),
        // Option specs, parsing and validation, terminal helpers, the panel and progress bars: the command line's
        // logic, unit-tested without a model. The executable keeps main.swift and one file per command.
        .target(name: "LimbicCLI", dependencies: ["FileIO", "GGUF", "ModelStore", "Tokenizers", "Engine", "Affect", "Policies", "Agent", "SessionLog", "ShippedPrompts"]),
        // Mutation fuzzing of every format Limbic reads (models, control vectors, probe sets, session logs,
        // command lines): `limbic fuzz` (hidden) for long runs, FuzzTests for a short one in the suite.
        .target(name: "Fuzzing", dependencies: ["GGUF", "Engine", "Affect", "Policies", "SessionLog", "Reports", "LimbicCLI"]),
        .executableTarget(name: "limbic", dependencies: ["FileIO", "LimbicCLI", "Fuzzing", "GGUF", "ModelStore", "Tokenizers", "Engine", "Affect", "Agent", "Reports", "SessionLog", "Lab"],
                          plugins: ["StampCommit"]),
        // prompts/ built into the binary, so an installed limbic needs no checkout (README, "Install"), written
        // into the module by the EmbedPrompts plugin whenever prompts/ changes.
        .target(name: "ShippedPrompts", plugins: ["EmbedPrompts"]),
        .plugin(name: "EmbedPrompts", capability: .buildTool(), exclude: ["embed-prompts.sh"]),
        // The git commit for `limbic --version`, stamped whenever HEAD moves ("unknown commit" without git).
        .plugin(name: "StampCommit", capability: .buildTool(), exclude: ["stamp-commit.sh"]),
        .testTarget(name: "FileIOTests", dependencies: ["FileIO", "TestSupport"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "FileIO", "TestSupport"]),
        .testTarget(name: "ModelStoreTests", dependencies: ["ModelStore", "GGUF"]),
        .testTarget(name: "LimbicCLITests", dependencies: ["LimbicCLI", "Engine", "Affect", "FileIO", "ShippedPrompts", "TestSupport"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "Engine", "ModelStore"]),
        // Test helpers shared by several test targets (tiny models built in memory).
        .target(name: "TestSupport", dependencies: ["Engine", "GGUF", "Fuzzing"], path: "Tests/TestSupport"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "CKernels", "GGUF", "FileIO", "TestSupport"]),
        .testTarget(name: "AffectTests", dependencies: ["Affect", "Agent", "Reports", "SessionLog", "Engine", "GGUF", "Tokenizers", "FileIO", "TestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["Fuzzing", "LimbicCLI", "Policies", "Engine", "Affect", "GGUF", "SessionLog", "TestSupport"]),
        .testTarget(name: "SessionLogTests", dependencies: ["SessionLog", "Reports", "TestSupport"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "Affect", "Engine", "Policies", "SessionLog", "Tokenizers", "TestSupport"]),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "Affect"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Engine", "Tokenizers", "TestSupport"]),
        // Model-level tests: the real default model, driven through the release-built `limbic` binary.
        .testTarget(name: "ModelTests", dependencies: ["GGUF"], exclude: ["Fixtures"]),
    ]
)
