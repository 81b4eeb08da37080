import Affect
import Tokenizers
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

    @Test func aChatCalibrationIsCheckedBeforeUse() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/calibration.json"
        let emotions = ["calm", "sad"]
        let span = SpanNull(mean: [1, 2], between: [0.5, 0.5], within: [2, 2], floor: [0.1, 0.1])
        let null = NullDistribution(mean: [0, 0], std: [1, 1])
        let sound = ChatCalibration(key: "k1", emotions: emotions, layer: 3, selfReportStyle: "rating", chats: 4, turns: 16,
                                    reply: span, user: span, lastBefore: null, perToken: null,
                                    selfReport: NullDistribution(mean: [5, 4], std: [0.4, 0.3]), readingThreshold: 2.5, gapThreshold: .infinity)
        func reason(_ c: ChatCalibration) throws -> String? {
            try c.encoded().write(to: URL(fileURLWithPath: path))
            do {
                _ = try CalibrationSetup.read(path, key: "k1", emotions: emotions, style: "rating")
                return nil
            } catch let d as CachedFile.Damage {
                return d.reason
            }
        }
        #expect(try reason(sound) == nil)
        var c = sound
        c.reply.mean = [5]   // a short list must be named, never trap in z(_:)
        #expect(try reason(c) == "'reply.mean' has 1 values for 2 emotions")
        #expect(c.z([1, 1], kind: .reply, tokens: 4)[1].isNaN)
        c = sound
        c.selfReport = NullDistribution(mean: [5, 4], std: [0.4, 1e-30])
        #expect(try reason(c) == "the self-report deviations are below the floor of 0.25")
        c = sound
        c.key = "k2"
        #expect(try reason(c) == "its key k2… is not k1…")
        try "{\"key\":\"k1\"}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CachedFile.Damage.self) { try CalibrationSetup.read(path, key: "k1", emotions: emotions, style: "rating") }
        try "{\"reply\":[0.4,".write(toFile: path, atomically: true, encoding: .utf8)
        let e = #expect(throws: CachedFile.Damage.self) { try CalibrationSetup.read(path, key: "k1", emotions: emotions, style: "rating") }
        #expect(e?.reason == "it is not valid JSON")
    }
}

/// A calibration is measured for one system prompt, question and set of chats: any change is a new key.
struct CalibrationKeyTests {
    @Test func theKeyCoversTheSystemPromptTheQuestionAndTheChats() throws {
        let probes = ProbeSet(emotions: ["a", "b"], layers: [LayerProbe(vectors: [[1, 0], [0, 1]], center: [0, 0], calibrationMean: [0, 0],
                                                                     calibrationStd: [1, 1])],
                              readingLayer: 0, method: .recipe, skipTokens: 3, modelSHA256: "m", datasetHash: "d",
                              validationAccuracy: [0], accuracyUnnamed: 0, accuracyNamed: 0, confusion: [])
        let rating = SelfReportTemplate(style: "rating", question: "How {emotion}?", answer: "{Emotion}:", choices: ["0", "1"])
        var other = rating
        other.question = "Rate {emotion}."
        let template = ChatTemplate.chatml(.init())
        func key(_ system: String?, _ q: SelfReportTemplate = rating, _ chats: String = "c") -> String {
            CalibrationSetup.key(probes: probes, template: template, system: system, selfReport: q, chatsHash: chats, maxTokens: 64)
        }
        let keys = [key(nil), key(""), key("Be brief."), key("Be brief.", other), key("Be brief.", rating, "c2")]
        #expect(Set(keys).count == keys.count)
        #expect(key("Be brief.") == key("Be brief."))
    }
}
