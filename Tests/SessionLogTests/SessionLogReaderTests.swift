import Foundation
import TestSupport
import Testing
@testable import SessionLog

/// What the reader refuses, and how it says so: the file, the line, the key, what to do.
struct SessionLogReaderTests {
    /// A short log: session, a user turn, its readings, end.
    static func log() throws -> [String] {
        try SessionLogTests.lines(SessionLogTests.everyKind[0], SessionLogTests.everyKind[1], SessionLogTests.everyKind[3],
                                  SessionLogTests.everyKind[12]).split(separator: "\n").map(String.init)
    }

    static func error(reading lines: [String]) -> SessionLogError? {
        do {
            _ = try SessionLogReader.read(Data((lines.joined(separator: "\n") + "\n").utf8), path: "run.jsonl")
            return nil
        } catch {
            return error as? SessionLogError
        }
    }

    @Test func aMisspeltKeyNamesTheLineTheKeyAndTheMisspelling() throws {
        var lines = try Self.log()
        lines[2] = lines[2].replacingOccurrences(of: "\"mean_z\"", with: "\"mean_zz\"")
        let e = try #require(Self.error(reading: lines))
        #expect(e == .missingKey(path: "run.jsonl", line: 3, kind: "readings", key: "mean_z", near: ["mean_zz"]))
        #expect(e.description == "run.jsonl:3: 'readings' event has no key 'mean_z' (it has 'mean_zz': misspelt?); repair the line or remove it")
    }

    @Test func aMissingKeyDeepInAnEventIsNamedByItsPath() throws {
        var lines = try Self.log()
        lines[1] = lines[1].replacingOccurrences(of: "\"tokens\"", with: "\"tokenz\"")
        #expect(Self.error(reading: lines) == .missingKey(path: "run.jsonl", line: 2, kind: "turn", key: "tokens", near: ["tokenz"]))
        lines = try Self.log()
        lines[0] = lines[0].replacingOccurrences(of: "\"dataset_hash\"", with: "\"hash\"")
        #expect(Self.error(reading: lines) == .missingKey(path: "run.jsonl", line: 1, kind: "session", key: "probes.dataset_hash", near: []))
        lines = try Self.log()
        lines[3] = lines[3].replacingOccurrences(of: "\"time\":1763719200,", with: "")
        #expect(Self.error(reading: lines) == .missingKey(path: "run.jsonl", line: 4, kind: "end", key: "time", near: []))
    }

    @Test func aValueOfTheWrongKindIsNamed() throws {
        var lines = try Self.log()
        lines[1] = lines[1].replacingOccurrences(of: "\"tokens\":12", with: "\"tokens\":\"twelve\"")
        #expect(Self.error(reading: lines)?.description == "run.jsonl:2: 'turn' event: 'tokens' should be a whole number; repair the line or remove it")
        // Positions out of order would trap as a Range: an error instead.
        lines = try Self.log()
        lines[1] = lines[1].replacingOccurrences(of: "[0,12]", with: "[12,0]")
        #expect(Self.error(reading: lines)?.description.hasPrefix("run.jsonl:2: 'turn' event: 'positions' should be [first, end]") == true)
        lines = try Self.log()
        lines[2] = lines[2].replacingOccurrences(of: "\"turn\":0", with: "\"turn\":null")
        #expect(Self.error(reading: lines)?.description.hasPrefix("run.jsonl:3: 'readings' event: 'turn' is null") == true)
    }

    @Test func aNewerSchemaIsRefusedClearly() throws {
        var lines = try Self.log()
        // A schema-2 session may have changed any key: the schema is checked before the rest.
        lines[0] = #"{"event":"session","time":1,"schema":2,"model":"m","probes":{"set":"x"}}"#
        let e = try #require(Self.error(reading: lines))
        #expect(e == .newerSchema(path: "run.jsonl", line: 1, schema: 2, supported: 1))
        #expect(e.description == "run.jsonl was written by a newer Limbic (schema 2; this one reads 1): update limbic")
    }

    @Test func aDamagedLineBeforeTheLastIsAnError() throws {
        var lines = try Self.log()
        lines[1] = String(lines[1].dropLast(10))
        #expect(Self.error(reading: lines) == .malformedLine(path: "run.jsonl", line: 2, reason: "not complete JSON"))
        lines = try Self.log()
        lines[2] = "[1, 2]"
        let e = Self.error(reading: lines)
        #expect(e == .malformedLine(path: "run.jsonl", line: 3, reason: "not a JSON object"))
        #expect(e?.description.hasPrefix("run.jsonl:3: not a JSON object; only the last line of a log can be cut off by a crash") == true)
    }

    @Test func aFileThatIsNotASessionLogSaysSo() throws {
        let lines = try Self.log()
        #expect(Self.error(reading: Array(lines.dropFirst())) == .notASessionLog(path: "run.jsonl", reason: "line 1 is a 'turn' event; a log starts with 'session'"))
        #expect(Self.error(reading: ["hello", "world"]) == .notASessionLog(path: "run.jsonl", reason: "line 1 is not complete JSON"))
        #expect(Self.error(reading: [String(lines[0].prefix(40))]) == .notASessionLog(path: "run.jsonl", reason: "it ends before its first line is complete"))
        #expect(Self.error(reading: [#"{"time":1}"#, lines[1]]) == .notASessionLog(path: "run.jsonl", reason: "line 1 has no key 'event'"))
        #expect(throws: SessionLogError.unreadable(path: "/nonexistent/run.jsonl", reason: "no such file")) {
            try SessionLogReader.read(path: "/nonexistent/run.jsonl")
        }
        let fifo = try FIFO(name: "run.jsonl")
        defer { fifo.remove() }
        let (e, seconds) = fifo.timed { #expect(throws: SessionLogError.self) { try SessionLogReader.read(path: fifo.path) } }
        #expect(seconds < 1)
        #expect(e == .unreadable(path: fifo.path, reason: "it is a named pipe (FIFO), not a regular file"))
        #expect(throws: SessionLogError.unreadable(path: NSTemporaryDirectory(), reason: "it is a folder; give the .jsonl files in it")) {
            try SessionLogReader.read(path: NSTemporaryDirectory())
        }
        #expect(throws: SessionLogError.notASessionLog(path: "run.jsonl", reason: "it is empty")) {
            try SessionLogReader.read(Data(), path: "run.jsonl")
        }
    }

    @Test func emptyLinesAreIgnoredAndLineNumbersStayTrue() throws {
        let lines = try Self.log()
        let read = try SessionLogReader.read(Data((lines[0] + "\n\n" + lines[1...].joined(separator: "\n") + "\n").utf8), path: "run.jsonl")
        #expect(read.records.map(\.line) == [1, 3, 4, 5])
    }

    @Test func editDistanceFindsMisspellings() {
        #expect(SessionLogReader.editDistance("mean_z", "mean_zz") == 1)
        #expect(SessionLogReader.editDistance("", "abc") == 3)
        #expect(SessionLogReader.editDistance("kitten", "sitting") == 3)
        #expect(SessionLogReader.misspellings(of: "mean_z", among: ["mean_zz", "mean_raw", "man_z", "turn"]) == ["man_z", "mean_zz"])
        #expect(SessionLogReader.misspellings(of: "turn", among: ["tur", "time", "turns"]) == ["tur", "turns"])
    }
}
