import FileIO
import Foundation
import Testing
import TestSupport
import Tokenizers
@testable import Affect
@testable import Agent
@testable import Engine
@testable import Reports
import SessionLog

/// The monitor on a tiny random chat model (byte-level tokenizer, ChatML template): fast enough for debug builds.
struct MonitorTests {
    let emotions = ["calm", "sad", "angry"]

    /// A probe set of random unit directions for the tiny model (what matters here is the plumbing, not meaning).
    func tinyProbes() -> ProbeSet {
        var rng = SplitMix64(seed: 5)
        let d = TinyModel.hidden
        let layers = (0..<TinyModel.layers).map { _ -> LayerProbe in
            let vectors = emotions.map { _ in LinearAlgebra.normalized((0..<d).map { _ in Double(rng.next() % 1000) / 500 - 1 }).map(Float.init) }
            return LayerProbe(vectors: vectors, center: [Float](repeating: 0.1, count: d), calibrationMean: [0.5, -0.5, 0],
                              calibrationStd: [2, 1, 4])
        }
        return ProbeSet(emotions: emotions, layers: layers, readingLayer: 1, method: .recipe, skipTokens: 3, modelSHA256: "tiny",
                        datasetHash: "tiny", validationAccuracy: [0, 0, 0], accuracyUnnamed: 0, accuracyNamed: 0, confusion: [])
    }

    let rating = SelfReportTemplate(style: "rating", question: "How {emotion} are you? Emotion: {emotion}", answer: "{Emotion}:",
                                    choices: (0...9).map(String.init))
    let conversation = [ChatMessage(role: "user", content: "Hi there"), ChatMessage(role: "assistant", content: "Hello!")]

    @Test func selfReportLeavesTheConversationBitIdentical() throws {
        let model = try TinyModel.chatModel()
        let chat = try model.chatTemplate()
        let prompt = try model.tokenizer.encode(chat.render(conversation, addGenerationPrompt: false), addSpecial: true, parseSpecial: true)
        let a = model.makeContext(capacity: 1024), b = model.makeContext(capacity: 1024)
        try a.evaluate(prompt)
        try b.evaluate(prompt)
        let reporter = SelfReporter(model: model, chat: chat, emotions: emotions)
        let report = try reporter.ask(rating, messages: conversation, context: b)
        #expect(report.ratings.count == 3)
        for r in report.ratings {
            #expect(abs(r.probabilities.reduce(0, +) - 1) < 1e-5)
            #expect(r.mass > 0 && r.mass <= 1)
            #expect(r.expected >= 0 && r.expected <= 9)
        }
        #expect(b.position == a.position)
        let next = [72, 105, 257]
        #expect(try a.evaluate(next, logits: .all) == b.evaluate(next, logits: .all))

        // The choice style: one distribution over the emotions.
        let choice = SelfReportTemplate(style: "choice", question: "Which?\n{options}", answer: "Letter:", choices: ["A", "B", "C", "D"])
        let c = try reporter.ask(choice, messages: conversation, context: b)
        #expect(c.choice?.probabilities.count == 3)
        #expect(try a.evaluate([10], logits: .last) == b.evaluate([10], logits: .last))
    }

    @Test func choiceTokensMustBeSingleTokens() throws {
        let model = try TinyModel.chatModel()
        let reporter = SelfReporter(model: model, chat: try model.chatTemplate(), emotions: emotions)
        let bad = SelfReportTemplate(style: "bad", question: "{emotion}?", answer: "A:", choices: ["10", "20"])
        #expect(throws: AffectError.self) { try reporter.ask(bad, messages: conversation, context: model.makeContext(capacity: 512)) }
    }

    @Test func expectedValueAndEntropyFromAKnownDistribution() {
        // Logits log(1), log(3) on ids 4 and 7, and a third token outside the choices with the remaining mass.
        var logits = [Float](repeating: -1000, count: 10)
        logits[4] = log(1); logits[7] = log(3); logits[0] = log(4)
        let d = AnswerDistribution.read(logits: logits, ids: [4, 7])
        #expect(abs(d.mass - 0.5) < 1e-6)
        #expect(abs(d.probabilities[0] - 0.25) < 1e-6 && abs(d.probabilities[1] - 0.75) < 1e-6)
        #expect(abs(d.expected - 0.75) < 1e-6)   // values are the choice indices 0 and 1
        #expect(abs(d.entropy - 0.8112781) < 1e-5)
        #expect(d.top == 1)
        let uniform = AnswerDistribution(probabilities: [Float](repeating: 0.1, count: 10), mass: 1)
        #expect(abs(uniform.expected - 4.5) < 1e-5 && abs(uniform.entropy - log2(10)) < 1e-5)
    }

    @Test func readingsAreMeanProjectionsAtTheReadingLayer() throws {
        let model = try TinyModel.chatModel()
        let probes = tinyProbes()
        let ctx = model.makeContext(capacity: 256)
        let recorder = ReadingRecorder(probes: probes, capacity: 256)
        recorder.attach(to: ctx)
        let rows = Rows()
        // A second, independent capture of the same layer to recompute by hand.
        let tokens = try model.tokenizer.encode("I feel fine today.", addSpecial: true, parseSpecial: true)
        try ctx.evaluate(tokens)
        let check = model.makeContext(capacity: 256)
        check.hooks.subscribe(rows, sites: [.layer(1)])
        try check.evaluate(tokens)
        let span = 3..<tokens.count
        let r = recorder.readings(span)
        let probe = probes.layers[1]
        var mean = [Float](repeating: 0, count: 3)
        for p in span { for (e, v) in probe.project(ArraySlice(rows.rows[.layer(1)]![p]!)).enumerated() { mean[e] += v / Float(span.count) } }
        for e in 0..<3 {
            #expect(abs(r.meanRaw[e] - mean[e]) < 1e-4)
            #expect(abs(r.meanZ[e] - (mean[e] - probe.calibrationMean[e]) / probe.calibrationStd[e]) < 1e-4)
        }
        #expect(r.lastBeforeRaw == probe.project(ArraySlice(rows.rows[.layer(1)]![2]!)))
        #expect(r.tokens == span.count)
    }

    @Test func correlationMaths() {
        let (m, s) = Statistics.meanAndStd([1, 2, 3, 4], floor: 1e-3)
        #expect(m == 2.5 && abs(s - 1.2909944) < 1e-5)
        #expect(SessionSummary.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(abs(SessionSummary.spearman([1, 2, 3, 4], [4, 3, 2, 1])! + 1) < 1e-12)
        #expect(abs(SessionSummary.spearman([0, 0, 1], [9, 8, 7])! + 0.8660254) < 1e-6)   // ties get average ranks
        #expect(SessionSummary.spearman([1, 2], [1, 2]) == nil)
        #expect(SessionSummary.spearman([1, 1, 1], [1, 2, 3]) == nil)
    }

    /// A chat calibration whose every reading kind has the probe's passage null (so z is what the probe says) and
    /// whose self-report null is `selfMean` ± `selfStd`.
    func flatCalibration(_ probe: LayerProbe, selfMean: [Float], selfStd: [Float]) -> ChatCalibration {
        let variance = probe.calibrationStd.map { $0 * $0 }, zeros = probe.calibrationStd.map { _ in Float(0) }
        let span = SpanNull(mean: probe.calibrationMean, between: variance, within: zeros, floor: zeros)
        let null = NullDistribution(mean: probe.calibrationMean, std: probe.calibrationStd)
        return ChatCalibration(key: "k", emotions: emotions, layer: 1, selfReportStyle: "rating", chats: 1, turns: 3, reply: span,
                               user: span, lastBefore: null, perToken: null, selfReport: NullDistribution(mean: selfMean, std: selfStd),
                               readingThreshold: 3, gapThreshold: 4)
    }

    /// A monitored chat session on the tiny model, logging to a temporary file.
    func monitoredSession(capacity: Int, maxTokens: Int, probes: ProbeSet? = nil) throws -> (TurnPipeline, Monitor, String) {
        let model = try TinyModel.chatModel()
        let ctx = model.makeContext(capacity: capacity)
        let session = try ChatSession(model: model, context: ctx, sampling: .greedy, maxTokens: maxTokens)
        let monitor = Monitor(model: model, probes: probes ?? tinyProbes(), chat: try model.chatTemplate(), template: rating, capacity: capacity)
        monitor.attach(to: ctx)
        // The tiny model's random weights put little probability on the digits; the floor is tested on its own.
        monitor.massFloor = 0
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("session-\(UUID()).jsonl").path
        let log = try SessionLogWriter(path: path)
        try log.write(.session(SessionInfo(model: "tiny", modelSHA256: "tiny", architecture: "llama",
                                           probes: .init(path: "tiny", layer: 1, method: "recipe", emotions: emotions, datasetHash: "tiny"),
                                           selfReport: .init(style: "rating", every: 1, baselineSamples: 3),
                                           settings: .init(context: capacity, threads: 1))))
        return (TurnPipeline(session: session, monitor: monitor, log: log), monitor, path)
    }

    @Test func monitoredChatWritesACompleteLogThatReadsBackAndSurvivesTruncation() throws {
        let (pipeline, monitor, path) = try monitoredSession(capacity: 1024, maxTokens: 6)
        defer { try? FileManager.default.removeItem(atPath: path) }
        monitor.calibration = flatCalibration(monitor.probes.layers[1], selfMean: [4, 4, 4], selfStd: [1, 1, 1])
        pipeline.logPerToken = true
        for text in ["Hello", "How are you?", "Bye"] { _ = try pipeline.run(text) }
        pipeline.end(reason: "test")

        let file = try SessionLogFile(path: path)
        #expect(file.schema == 1 && file.emotions == emotions)
        #expect(file.turns.count == 3)
        #expect(file.turns.allSatisfy { $0.readingZ.count == 3 && $0.selfValue.count == 3 && $0.gap.count == 3 })
        #expect(file.turns[1].user == "How are you?")
        #expect(file.endReason == "test")
        #expect(file.skippedLines == 0)
        // Per-token readings: one value per reply token and emotion, their mean equal to the turn's mean reading
        // (z is affine in the projection; both are logged to 4 decimals).
        let replyReadings = try SessionLogReader.read(path: path).events.compactMap { e -> ReadingsEvent? in
            if case .readings(let r) = e, r.role == "assistant" { return r } else { return nil }
        }
        let tokens = replyReadings[0].tokens
        let perToken = replyReadings[0].perTokenZ?["calm"]?.compactMap { $0 } ?? []
        #expect(perToken.count == tokens && tokens > 0)
        #expect(abs(perToken.reduce(0, +) / Double(max(tokens, 1)) - (replyReadings[0].meanZ["calm"] ?? .nan)) < 1e-3)
        #expect(monitor.history.count == 3)
        let m = monitor.history[2]
        for e in 0..<3 where m.selfReport!.values[e].isFinite {
            #expect(abs(m.gap![e] - (m.reply.meanZ[e] - (m.selfReport!.values[e] - 4))) < 1e-4)
        }

        // Cut the log in the middle of its last line: everything before still reads.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 20).write(to: URL(fileURLWithPath: path))
        let cut = try SessionLogFile(path: path)
        #expect(cut.skippedLines == 1)
        #expect(cut.turns.count == 3)
        #expect(cut.endReason == nil)
        let summary = SessionSummary([cut])
        #expect(summary.spearman["calm"]?.n == 3)
        #expect(summary.text().contains("1 incomplete line skipped"))
    }

    @Test func readingsAndSelfReportsThatAreNotNumbersAreLoggedAsNullAndTheChatGoesOn() throws {
        // In memory, past the validation a file gets: calm's z is infinite, sad's NaN; the baseline's mean of sad NaN.
        var probes = tinyProbes()
        probes.layers[1].calibrationStd[0] = 0
        probes.layers[1].calibrationMean[1] = .nan
        let (pipeline, monitor, path) = try monitoredSession(capacity: 1024, maxTokens: 4, probes: probes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        monitor.calibration = flatCalibration(probes.layers[1], selfMean: [4, .nan, 4], selfStd: [1, 1, 1])
        pipeline.logPerToken = true
        for text in ["Hello", "Again"] {
            let outcome = try pipeline.run(text)
            #expect(outcome.monitoring?.reply.meanZ[1].isNaN == true)
            #expect(outcome.monitoring?.gap?[1].isNaN == true && outcome.selfReportError == nil)
        }
        pipeline.end(reason: "test")
        let file = try SessionLogFile(path: path)
        #expect(file.skippedLines == 0 && file.turns.count == 2 && file.endReason == "test")
        for t in file.turns {
            #expect(t.readingZ["calm"] == nil && t.readingZ["sad"] == nil && t.readingZ["angry"] != nil)   // null, read back as missing
            #expect(t.gap["sad"] == nil && t.gap["angry"] != nil)
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8)
        #expect(lines.contains("\"calm\":null") && !lines.contains("nan") && !lines.contains("\"hidden\":[\"calm"))
    }

    @Test func aFailedSelfReportStillLogsTheTurn() throws {
        // Room for a short turn, not for the question on top.
        let (pipeline, _, path) = try monitoredSession(capacity: 60, maxTokens: 4)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try pipeline.run("Hi")
        #expect(outcome.selfReportError?.contains("context holds 60 tokens") == true)
        #expect(outcome.monitoring?.selfReport == nil && outcome.monitoring?.reply.tokens == outcome.turn.result.tokens.count)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)   // session, 2 turns, 2 readings, the failed self-report
        #expect(lines.last?.contains("\"error\"") == true)
        #expect(try SessionLogFile(path: path).turns.first?.reply.isEmpty == false)
    }

    @Test func selfReportTemplatesParse() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sr-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "# comment\nquestion: Which one?\n{options}\nPick a letter.\nanswer: Letter:\nchoices: A B C\n".write(toFile: dir + "/choice.txt", atomically: true, encoding: .utf8)
        let t = try SelfReportTemplate.load(style: "choice", directory: dir)
        #expect(t.question == "Which one?\n{options}\nPick a letter.")
        #expect(t.answer == "Letter:" && t.choices == ["A", "B", "C"])
        #expect(t.fill(t.question, options: ["calm", "sad"]) == "Which one?\nA) calm\nB) sad\nPick a letter.")
        try "oops\n".write(toFile: dir + "/bad.txt", atomically: true, encoding: .utf8)
        do { _ = try SelfReportTemplate.load(style: "bad", directory: dir); Issue.record("no error") } catch {
            #expect("\(error)".hasSuffix("bad.txt:1: expected 'question:', 'answer:' or 'choices:'"))
        }
        // A named pipe in a template's place is refused at once.
        let fifo = try FIFO(name: "rating.txt")
        defer { fifo.remove() }
        let (e, seconds) = fifo.timed { #expect(throws: FileIOError.self) { _ = try SelfReportTemplate.load(style: "rating", directory: fifo.folder) } }
        #expect(seconds < 1)
        #expect(e == .notRegularFile(path: fifo.path, kind: .namedPipe))
    }
}
