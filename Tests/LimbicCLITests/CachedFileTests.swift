import Affect
import Foundation
import Testing
@testable import LimbicCLI

/// Cache files ($LIMBIC_HOME/probes): read and validated, rebuilt with one line when damaged, built once when two
/// processes need them at the same time.
@Suite struct CachedFileTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-cache-\(UUID())").path

    /// Collects notes, whichever thread they come from.
    final class Notes: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    /// A cache of one number in a text file; `read` rejects anything that is not a number.
    func load(_ entry: CachedFile, rebuild: Bool = false, notes: Notes, value: Int = 42,
              build: () -> Void = {}) throws -> Int {
        try entry.load(rebuild: rebuild, note: notes.add, read: { path in
            guard let n = Int((try? String(contentsOfFile: path, encoding: .utf8)) ?? "") else { throw CachedFile.Damage("not a number") }
            return n
        }, build: {
            build()
            return value
        }, write: { n, path in
            try "\(n)".write(toFile: path, atomically: true, encoding: .utf8)
        })
    }

    @Test func aMissingFileIsBuiltQuietlyAndThenRead() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entry = CachedFile(path: directory + "/n.txt", kind: "number cache")
        let notes = Notes()
        var builds = 0
        #expect(try load(entry, notes: notes) { builds += 1 } == 42)
        #expect(try load(entry, notes: notes, value: 7) { builds += 1 } == 42)
        #expect(builds == 1 && notes.all.isEmpty)
        // rebuild (probe extract) builds anew.
        #expect(try load(entry, rebuild: true, notes: notes, value: 7) { builds += 1 } == 7)
        #expect(builds == 2 && notes.all.isEmpty)
        #expect(FileManager.default.fileExists(atPath: directory + "/.n.txt.lock"))
    }

    @Test func aDamagedFileIsRebuiltWithOneLineSayingWhy() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let entry = CachedFile(path: directory + "/n.txt", kind: "number cache")
        try "forty-two".write(toFile: entry.path, atomically: true, encoding: .utf8)
        let notes = Notes()
        #expect(try load(entry, notes: notes) == 42)
        #expect(notes.all == ["limbic: number cache \(entry.path) is damaged (not a number): rebuilding"])
        #expect(try String(contentsOfFile: entry.path, encoding: .utf8) == "42")
    }

    /// A sound file an older Limbic wrote (a probe set below the current `probes.version`) is rebuilt with a note that
    /// says so, not that it is damaged.
    @Test func anOutdatedFileIsRebuiltWithOneLineSayingSo() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let entry = CachedFile(path: directory + "/n.txt", kind: "number cache")
        try "v1:7".write(toFile: entry.path, atomically: true, encoding: .utf8)
        let notes = Notes()
        let n = try entry.load(note: notes.add, read: { path in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard !text.hasPrefix("v1:") else { throw CachedFile.Outdated("version 1, before version 2") }
            return Int(text) ?? -1
        }, build: { 42 }, write: { n, path in try "\(n)".write(toFile: path, atomically: true, encoding: .utf8) })
        #expect(n == 42)
        #expect(notes.all == ["limbic: number cache \(entry.path) is out of date (version 1, before version 2): rebuilding"])
        #expect(try String(contentsOfFile: entry.path, encoding: .utf8) == "42")
    }

    @Test func aSecondProcessWaitsForTheFirstAndUsesItsResult() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entry = CachedFile(path: directory + "/n.txt", kind: "number cache")
        let notes = Notes()
        let building = DispatchSemaphore(value: 0), finish = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        // The first builder holds the lock until told to finish. (flock locks belong to open files, so a second open
        // in this process waits as another process would.)
        let first = Thread {
            _ = try? self.load(entry, notes: notes, value: 1) {
                building.signal()
                finish.wait()
            }
            done.signal()
        }
        first.start()
        building.wait()
        let second = Thread {
            let n = try? self.load(entry, notes: notes, value: 2) { notes.add("second built") }
            notes.add("second got \(n.map(String.init) ?? "nil")")
            done.signal()
        }
        second.start()
        var spins = 0
        while notes.all.isEmpty, spins < 1000 { usleep(2000); spins += 1 }
        #expect(notes.all == ["limbic: another limbic is building the number cache \(entry.path); waiting for it"])
        finish.signal()
        done.wait()
        done.wait()
        #expect(notes.all.last == "second got 1")
        #expect(!notes.all.contains("second built"))
    }

    @Test func aSelfReportBaselineIsCheckedBeforeUse() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/baseline.json"
        let emotions = ["calm", "sad"]
        let sound = SelfReportCalibration(style: "rating", emotions: emotions, mean: [5, 4], std: [0.4, 0.3], samples: 16, key: "k1")
        func reason(_ c: SelfReportCalibration) throws -> String? {
            try JSONEncoder().encode(c).write(to: URL(fileURLWithPath: path))
            do {
                _ = try SelfReportBaseline.read(path, key: "k1", emotions: emotions, style: "rating")
                return nil
            } catch let d as CachedFile.Damage {
                return d.reason
            }
        }
        #expect(try reason(sound) == nil)
        var c = sound
        c.mean = [5]   // used to trap with index out of range in z(_:)
        #expect(try reason(c) == "'mean' has 1 values for 2 emotions")
        c = sound
        c.std = [0.4, 1e-30]
        #expect(try reason(c) == "'std' of 'sad' is 1e-30, below the floor of 0.05 rating points")
        c = sound
        c.key = "k2"
        #expect(try reason(c) == "its key k2… is not k1…")
        try "{\"style\":\"rating\"}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CachedFile.Damage.self) { try SelfReportBaseline.read(path, key: "k1", emotions: emotions, style: "rating") }
        try "{\"std\":[0.4,".write(toFile: path, atomically: true, encoding: .utf8)
        let e = #expect(throws: CachedFile.Damage.self) { try SelfReportBaseline.read(path, key: "k1", emotions: emotions, style: "rating") }
        #expect(e?.reason == "it is not valid JSON")
    }
}
