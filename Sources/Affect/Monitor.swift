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
    /// The calibrated family-wise thresholds in force (nil without a chat calibration).
    public var gapThreshold: Float?
    public var readingThreshold: Float?
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
    /// The null distributions against neutral chat (readings per kind, self-reports) and the flags' thresholds;
    /// without it, readings are z against the probe set's neutral passages and no self-report z or flag is given.
    public var calibration: ChatCalibration?
    /// How far each emotion's self-report follows an injection of it (`TrustScores`), when measured.
    public var trust: TrustScores?
    /// Self-report answers with less probability than this on the answer tokens count as missing.
    public var massFloor = AnswerDistribution.massFloor
    /// Every monitored turn so far (for correlations and policies); `clear()` forgets them.
    public private(set) var history: [TurnMonitoring] = []

    public init(model: any InferenceBackend, probes: ProbeSet, chat: ChatTemplate, template: SelfReportTemplate, capacity: Int) {
        self.model = model
        self.probes = probes
        recorder = ReadingRecorder(probes: probes, capacity: capacity)
        reporter = SelfReporter(model: model, chat: chat, emotions: probes.emotions)
        self.template = template
    }

    public var emotions: [String] { probes.emotions }

    /// What readings are z against: the chat calibration when there is one (for this probe set's emotions), else
    /// the probe set's passage calibration.
    public var null: any ReadingNull {
        if let c = calibration, c.emotions == emotions { return c }
        return probes.layers[recorder.layer]
    }

    /// Starts capturing the reading layer in `context` (the conversation's context).
    public func attach(to context: any InferenceSequence) { recorder.attach(to: context) }

    /// The content test for a context holding `tokens` (`ContentPositions`).
    public func contentPositions(_ tokens: [Int]) -> ContentPositions {
        ContentPositions(tokens: tokens, isControl: model.tokenizer.isControl, text: { self.model.tokenizer.decode([$0]) })
    }

    /// Reduces a finished turn to readings over the user span and the reply span (cheap: the projections were
    /// taken as the tokens streamed through) and records it. `tokens` is the context's tokens, which decide the
    /// content positions (template tokens and the context's first positions are left out).
    public func observe(turn: Int, userSpan: Range<Int>, replySpan: Range<Int>, tokens: [Int]) -> TurnMonitoring {
        let t0 = Date()
        let content = contentPositions(tokens)
        let user = recorder.readings(userSpan, kind: .user, keep: content.contains, null: null)
        let reply = recorder.readings(replySpan, kind: .reply, keep: content.contains, null: null)
        var m = TurnMonitoring(turn: turn, user: user, reply: reply, selfReport: nil, selfReportZ: nil, gap: nil,
                               readingSeconds: Date().timeIntervalSince(t0), selfReportSeconds: 0)
        if let c = calibration, c.emotions == emotions { m.readingThreshold = c.readingThreshold }
        history.append(m)
        return m
    }

    /// Per-token z of the reply's content positions (NaN at template positions), for `--per-token`.
    public func perTokenZ(_ span: Range<Int>, tokens: [Int]) -> [[Float]] {
        let content = contentPositions(tokens)
        let z = recorder.perTokenZ(span, null: null)
        return zip(span.clamped(to: 0..<recorder.capacity), z).map { p, row in content.contains(p) ? row : row.map { _ in .nan } }
    }

    /// Forgets the monitored turns (a cleared chat).
    public func clear() { history = [] }

    /// Asks for a self-report about the conversation `messages` on a fork of `context`, and adds it (with its z
    /// and the gaps) to the latest observed turn.
    public func selfReport(messages: [ChatMessage], context: any InferenceSequence) throws -> TurnMonitoring? {
        guard var m = history.last else { return nil }
        var r = try reporter.report(template, messages: messages, context: context)
        r.massFloor = massFloor
        m.selfReport = r
        m.selfReportSeconds = r.seconds
        if let c = calibration, c.emotions == emotions, c.selfReportStyle == r.style, c.selfReport != nil {
            let z = c.selfReportZ(r.zScale)
            m.selfReportZ = z
            m.gap = zip(m.reply.meanZ, z).map { $0 - $1 }
            m.gapThreshold = c.gapThreshold
        }
        history[history.count - 1] = m
        return m
    }
}
