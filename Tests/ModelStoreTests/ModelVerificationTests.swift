import Foundation
import Testing
@testable import ModelStore

/// Model files are hashed on first load after any change to their size, times or inode, and registry models are
/// checked against the registry's sha256. Small fake model files; no pip.
@Suite struct ModelVerificationTests {
    /// The fixture's bytes installed as its registry model (file and marker), as a pull leaves it.
    private func installed() throws -> (ModelStoreFixture, ModelStore, String) {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let store = fixture.store()
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        let path = store.modelPath(fixture.spec)
        try Data(fixture.content).write(to: URL(fileURLWithPath: path))
        try "\(fixture.spec.sha256)  \(fixture.spec.fileName)\n".write(toFile: path + ".sha256", atomically: true, encoding: .utf8)
        return (fixture, store, path)
    }

    /// Overwrites one byte in place (same inode and size), as disk damage or a hand edit would. File times tick
    /// with the kernel's clock (a few ms), so wait a little first: the write must be seen as a change.
    private func flipByte(_ path: String, at offset: UInt64 = 1000) throws {
        usleep(20_000)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: offset)
        let old = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data([old ^ 0x01]))
        try handle.close()
    }

    @Test func anUnchangedModelIsHashedOnceThenTrustedFromItsRecord() throws {
        let (fixture, store, path) = try installed()
        let first = try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec)
        #expect(first == ModelHash(sha256: fixture.spec.sha256, hashed: true))
        var progressCalls = 0
        let second = try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec) { _ in progressCalls += 1 }
        #expect(second == ModelHash(sha256: fixture.spec.sha256, hashed: false))
        #expect(progressCalls == 0, "not read again")
        // `force` (models verify) always reads the file.
        #expect(try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec, force: true).hashed)
    }

    @Test func aFlippedByteInARegistryModelIsAClearErrorWithTheFix() throws {
        let (fixture, store, path) = try installed()
        _ = try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec)
        try flipByte(path)
        #expect(store.isInstalled(fixture.spec), "size and marker alone cannot tell")
        let error = #expect(throws: ModelStoreError.self) { try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec) }
        guard case .modelChanged(let model, let at, let expected, let actual)? = error else {
            Issue.record("expected modelChanged, got \(String(describing: error))")
            return
        }
        #expect(model == fixture.spec.name && at == path && expected == fixture.spec.sha256 && actual != expected)
        let message = error?.description ?? ""
        #expect(message.contains("limbic models pull --force \(fixture.spec.name)"))
        #expect(message.contains(path) && !message.contains("\n"))
        // Still refused on the next load: a mismatch is never recorded as trusted.
        #expect(throws: ModelStoreError.self) { try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec) }
    }

    @Test func aTouchedButUnchangedModelIsHashedAgainAndAccepted() throws {
        let (fixture, store, path) = try installed()
        _ = try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec)
        let later = Date().addingTimeInterval(3600)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: path)
        #expect(try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec) == ModelHash(sha256: fixture.spec.sha256, hashed: true))
        #expect(try store.verifiedSHA256(ofModelAt: path, spec: fixture.spec).hashed == false)
    }

    @Test func aUsersOwnFileIsHashedAndRecordedAndAChangeIsSeen() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let store = fixture.store()
        let path = fixture.root + "/mine.gguf"
        try Data(fixture.content).write(to: URL(fileURLWithPath: path))
        #expect(store.spec(forModelAt: path) == nil)
        #expect(try store.verifiedSHA256(ofModelAt: path) == ModelHash(sha256: fixture.spec.sha256, hashed: true))
        #expect(try store.verifiedSHA256(ofModelAt: path).hashed == false)
        try flipByte(path)
        let changed = try store.verifiedSHA256(ofModelAt: path)
        #expect(changed.hashed && changed.sha256 != fixture.spec.sha256 && changed.sha256.count == 64)
        // A damaged record is ignored: the file is hashed again.
        let records = try FileManager.default.contentsOfDirectory(atPath: store.hashesDirectory)
        #expect(records.count == 1)
        try "{".write(toFile: store.hashesDirectory + "/" + records[0], atomically: true, encoding: .utf8)
        #expect(try store.verifiedSHA256(ofModelAt: path) == ModelHash(sha256: changed.sha256, hashed: true))
        // Records of files that are gone are forgotten when another is written.
        let other = fixture.root + "/other.gguf"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: other))
        _ = try store.verifiedSHA256(ofModelAt: other)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.hashesDirectory).count == 2)
        try FileManager.default.removeItem(atPath: path)
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: other))
        _ = try store.verifiedSHA256(ofModelAt: other)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.hashesDirectory).count == 1)
    }

    @Test func theRegistryModelOfAPathIsFoundThroughSymlinks() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        let store = fixture.store()
        let spec = ModelRegistry.defaultSpec
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: store.modelPath(spec), contents: Data([1])))
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/link.gguf", withDestinationPath: store.modelPath(spec))
        #expect(store.spec(forModelAt: fixture.root + "/link.gguf") == spec)
        #expect(store.spec(forModelAt: store.modelsDirectory + "/../models/" + spec.fileName) == spec)
        // One byte is not SmolLM2: the registry's hash decides.
        #expect(throws: ModelStoreError.self) { try store.verifiedSHA256(ofModelAt: fixture.root + "/link.gguf") }
    }

    @Test func twoFileLocksOnOnePathTakeTurnsAndTheSecondIsToldItWaits() throws {
        let fixture = try ModelStoreFixture(buildWheels: false)
        try FileManager.default.createDirectory(atPath: fixture.root, withIntermediateDirectories: true)
        let path = fixture.root + "/x.lock"
        let first = try FileLock(path: path)
        let waited = Flag(), acquired = Flag()
        let thread = Thread {
            // flock locks belong to open files, so a second open in this process waits like another process would.
            let second = try? FileLock(path: path) { waited.set() }
            acquired.set()
            second?.release()
        }
        thread.start()
        var spins = 0
        while !waited.isSet, spins < 500 { usleep(2000); spins += 1 }
        #expect(waited.isSet && !acquired.isSet)
        first.release()
        spins = 0
        while !acquired.isSet, spins < 500 { usleep(2000); spins += 1 }
        #expect(acquired.isSet)
        // Uncontended: no wait reported.
        var toldToWait = false
        let third = try FileLock(path: path) { toldToWait = true }
        third.release()
        #expect(!toldToWait)
    }
}

/// A flag set on one thread and read on another.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
