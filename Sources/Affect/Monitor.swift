import Engine
import Foundation
import Tokenizers

/// What the monitor saw in one turn.
public struct TurnMonitoring: Sendable {
    public var turn: Int
    /// Readings while the model read the user's turn, and while it wrote its reply.
    public var user: Readings
    public var reply: Readings
    public var selfReport: SelfReport?
    /// Self-reported values as z against their neutral baseline (nil without calibration).
    public var selfReportZ: [Float]?
    /// Reading z (reply mean) minus self-report z, per emotion: positive = the activations show more than the
    /// model admits.
    public var gap: [Float]?
    public var readingSeconds: Double
    public var selfReportSeconds: Double

    public init(turn: Int, user: Readings, reply: Readings, selfReport: SelfReport? = nil, selfReportZ: [Float]? = nil,
                gap: [Float]? = nil, readingSeconds: Double = 0, selfReportSeconds: Double = 0) {
        self.turn = turn
        self.user = user
        self.reply = reply
        self.selfReport = selfReport
        self.selfReportZ = selfReportZ
        self.gap = gap
        self.readingSeconds = readingSeconds
        self.selfReportSeconds = selfReportSeconds
    }
}

/// The per-turn monitor (DESIGN.md §3): probe readings from the residual stream, self-reports read from logits
/// on a fork of the KV cache, and the disagreement between them.
public final class Monitor {
    public let model: any InferenceBackend
    public let probes: ProbeSet
    public let recorder: ReadingRecorder
    public let reporter: SelfReporter
    public var template: SelfReportTemplate
    public var calibration: SelfReportCalibration?
    /// Every monitored turn so far (for correlations).
    public private(set) var history: [TurnMonitoring] = []

    public init(model: any InferenceBackend, probes: ProbeSet, chat: ChatTemplate, template: SelfReportTemplate, capacity: Int) {
        self.model = model
        self.probes = probes
        recorder = ReadingRecorder(probes: probes, capacity: capacity)
        reporter = SelfReporter(model: model, chat: chat, emotions: probes.emotions)
        self.template = template
    }

    public var emotions: [String] { probes.emotions }

    /// Starts capturing the reading layer in `context` (the conversation's context).
    public func attach(to context: any InferenceSequence) { recorder.attach(to: context) }

    /// Reduces a finished turn to readings over the user span and the reply span (cheap: the projections were
    /// taken as the tokens streamed through) and records it.
    public func observe(turn: Int, userSpan: Range<Int>, replySpan: Range<Int>) -> TurnMonitoring {
        let t0 = Date()
        let user = recorder.readings(userSpan)
        let reply = recorder.readings(replySpan)
        let m = TurnMonitoring(turn: turn, user: user, reply: reply, selfReport: nil, selfReportZ: nil, gap: nil,
                               readingSeconds: Date().timeIntervalSince(t0), selfReportSeconds: 0)
        history.append(m)
        return m
    }

    /// Asks for a self-report about the conversation `messages` on a fork of `context`, and adds it (with its z
    /// and the gaps) to the latest observed turn.
    public func selfReport(messages: [ChatMessage], context: any InferenceSequence) throws -> TurnMonitoring? {
        guard var m = history.last else { return nil }
        let r = try reporter.report(template, messages: messages, context: context)
        m.selfReport = r
        m.selfReportSeconds = r.seconds
        if let c = calibration, c.emotions == emotions, c.style == r.style {
            let z = c.z(r.values)
            m.selfReportZ = z
            m.gap = zip(m.reply.meanZ, z).map { $0 - $1 }
        }
        history[history.count - 1] = m
        return m
    }

    // MARK: Self-report baseline

    /// Neutral Human/AI exchanges from the dataset's `neutral.txt` ("Human: … AI: …" lines).
    public static func neutralDialogues(_ dataset: EmotionDataset, limit: Int = 16) -> [[ChatMessage]] {
        dataset.neutral.compactMap { p -> [ChatMessage]? in
            guard p.text.hasPrefix("Human:"), let r = p.text.range(of: " AI: ") else { return nil }
            let human = p.text[p.text.index(p.text.startIndex, offsetBy: 6)..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            return [ChatMessage(role: "user", content: human), ChatMessage(role: "assistant", content: String(p.text[r.upperBound...]))]
        }.prefix(limit).map { $0 }
    }

    /// Measures the self-report baseline: the template asked after each neutral dialogue.
    public static func calibrate(model: any InferenceBackend, chat: ChatTemplate, emotions: [String], template: SelfReportTemplate,
                                 dialogues: [[ChatMessage]], key: String, threads: Int? = nil,
                                 progress: (Int) -> Void = { _ in }) throws -> SelfReportCalibration {
        let reporter = SelfReporter(model: model, chat: chat, emotions: emotions)
        let ctx = model.makeSequence(capacity: min(1024, model.config.contextLength), threads: threads)
        var values: [[Float]] = []
        for (i, d) in dialogues.enumerated() {
            ctx.rollback(to: 0)
            values.append(try reporter.report(template, messages: d, context: ctx).values)
            progress(i + 1)
        }
        let stats = emotions.indices.map { e in Statistics.meanAndStd(values.map { $0[e] }, floor: SelfReportCalibration.minimumStd) }
        return SelfReportCalibration(style: template.style, emotions: emotions, mean: stats.map(\.0), std: stats.map(\.1),
                                     samples: values.count, key: key)
    }
}
