import Affect
import Engine
import Foundation
import Policies
import Tokenizers

/// Runs scripted chats (one user turn per line) under the monitor, as a chat would, to measure what readings and
/// self-reports look like when nothing is happening (issue 11; `ChatCalibration`), and how often flags and
/// policies fire on them.
public struct Calibrator {
    /// One scripted chat: a name (its file) and the user's turns.
    public struct Chat: Sendable {
        public var name: String
        public var turns: [String]
        public init(name: String, turns: [String]) {
            self.name = name
            self.turns = turns
        }
    }

    /// What one scripted turn produced.
    public struct Turn: Sendable {
        public var chat: Int
        public var raw: CalibrationTurn
        public var monitoring: TurnMonitoring
        /// The guards of `policies` that fired on this turn.
        public var fired: [String]
    }

    public let model: any InferenceBackend
    public let probes: ProbeSet
    public let template: SelfReportTemplate
    public let system: String?
    /// Replies are short: the null of a reply mean is modelled by its length, so long replies add little.
    public var maxTokens = 64
    public var threads: Int?
    /// Self-report answers below this probability on the answer tokens count as missing (`Monitor.massFloor`).
    public var massFloor = AnswerDistribution.massFloor

    public init(model: any InferenceBackend, probes: ProbeSet, template: SelfReportTemplate, system: String?) {
        self.model = model
        self.probes = probes
        self.template = template
        self.system = system
    }

    /// Greedy decoding, with the repetition penalty the chat uses by default for small models: calibration must
    /// not depend on a seed.
    public static var sampling: SamplingParameters {
        var s = SamplingParameters.greedy
        s.repetitionPenalty = 1.1
        return s
    }

    /// Runs `chats` in order, each from an empty conversation, under `calibration` (nil: raw only), evaluating
    /// `policies` after every turn as a chat would (each reset between chats). `progress` gets turns done and the
    /// total.
    public func run(_ chats: [Chat], calibration: ChatCalibration?, policies: [any Policy] = [],
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> [Turn] {
        let capacity = min(2048, model.config.contextLength)
        let context = model.makeSequence(capacity: capacity, threads: threads)
        let session = try ChatSession(model: model, context: context, system: system, sampling: Self.sampling, maxTokens: maxTokens)
        let monitor = Monitor(model: model, probes: probes, chat: session.template, template: template, capacity: capacity)
        monitor.calibration = calibration
        monitor.massFloor = massFloor
        monitor.attach(to: context)
        let total = chats.reduce(0) { $0 + $1.turns.count }
        var out: [Turn] = []
        for (c, chat) in chats.enumerated() {
            session.clear()
            monitor.clear()
            for p in policies { p.reset() }
            for (k, user) in chat.turns.enumerated() {
                let turn = try session.reply(to: user)
                var m = monitor.observe(turn: turn.index, userSpan: turn.promptPositions, replySpan: turn.replyPositions,
                                        tokens: context.tokens)
                if let withReport = try monitor.selfReport(messages: session.renderedMessages, context: context) { m = withReport }
                let content = monitor.contentPositions(context.tokens)
                let perToken = turn.replyPositions.clamped(to: 0..<monitor.recorder.capacity).filter(content.contains)
                    .map { monitor.recorder.projection(at: $0) }
                let report = m.selfReport
                let raw = CalibrationTurn(chat: c, turn: k, user: m.user.meanRaw, userTokens: m.user.tokens,
                                          reply: m.reply.meanRaw, replyTokens: m.reply.tokens, lastBefore: m.reply.lastBeforeRaw,
                                          perToken: perToken, selfReport: report?.zScale,
                                          selfReportConfident: report.map { r in r.emotions.indices.map { r.isConfident($0) } })
                let input = PolicyInput(turn: turn.index, reply: turn.reply, history: monitor.history)
                let fired = policies.flatMap { $0.evaluate(input) }.map(\.guardName)
                out.append(Turn(chat: c, raw: raw, monitoring: m, fired: fired))
                progress(out.count, total)
            }
        }
        return out
    }

    /// Builds the calibration from `chats`: the even-numbered ones (0, 2, …) fit it, the odd-numbered ones are
    /// held out and give the false-alarm rates it carries.
    public func calibrate(_ chats: [Chat], key: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> ChatCalibration {
        let fitting = chats.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let heldOut = chats.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let total = chats.reduce(0) { $0 + $1.turns.count }
        let first = try run(fitting, calibration: nil) { done, _ in progress(done, total) }
        var c = ChatCalibration.fit(first.map(\.raw), key: key, emotions: probes.emotions, layer: probes.readingLayer,
                                    selfReportStyle: template.style)
        c.chats = fitting.count
        let second = try run(heldOut, calibration: c) { done, _ in progress(first.count + done, total) }
        c.heldOut = FalseAlarms(rates: FalseAlarms.measure(second.map(\.monitoring)))
        if let dump = ProcessInfo.processInfo.environment["LIMBIC_DUMP_CALIBRATION"] {   // research aid: every turn's raw values
            let encoder = JSONEncoder()
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try encoder.encode(["fitting": first.map(\.raw), "held_out": second.map(\.raw)]).write(to: URL(fileURLWithPath: dump))
        }
        return c
    }
}
