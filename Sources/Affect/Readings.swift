import Engine

/// Probe readings for one span of a conversation (a user turn or an assistant reply), at the probe set's layer.
public struct Readings: Sendable, Equatable {
    public var layer: Int
    public var emotions: [String]
    /// Tokens averaged.
    public var tokens: Int
    /// Mean projection over the span's tokens, raw and as z against neutral text.
    public var meanRaw: [Float]
    public var meanZ: [Float]
    /// Projection at the last token before the span (for a reply: the end of the prompt, where the model has
    /// read the request but written nothing yet), raw and z.
    public var lastBeforeRaw: [Float]
    public var lastBeforeZ: [Float]

    public init(layer: Int, emotions: [String], tokens: Int, meanRaw: [Float], meanZ: [Float], lastBeforeRaw: [Float], lastBeforeZ: [Float]) {
        self.layer = layer
        self.emotions = emotions
        self.tokens = tokens
        self.meanRaw = meanRaw
        self.meanZ = meanZ
        self.lastBeforeRaw = lastBeforeRaw
        self.lastBeforeZ = lastBeforeZ
    }
}

/// Projects the residual stream at the reading layer onto every emotion vector as tokens stream through the
/// forward pass, keeping one row of projections per absolute position (so a reply's readings are ready the
/// moment it ends, and rolled-back positions are simply overwritten). Cost per token: one dot product per emotion.
public final class ReadingRecorder: ActivationSink {
    public let probes: ProbeSet
    public let layer: Int
    let probe: LayerProbe
    /// (capacity, emotions) projections by position.
    private var projections: [Float]
    private let emotionCount: Int
    /// Called with each position's projections as it is produced (for live displays).
    public var onToken: ((Int, [Float]) -> Void)?
    /// Weak: the sequence holds this recorder through its subscription.
    private weak var sequence: (any InferenceSequence)?
    private var handle: CaptureHandle?

    public init(probes: ProbeSet, layer: Int? = nil, capacity: Int) {
        self.probes = probes
        self.layer = layer ?? probes.readingLayer
        probe = probes.layers[self.layer]
        emotionCount = probes.emotions.count
        projections = [Float](repeating: 0, count: capacity * probes.emotions.count)
    }

    /// Listens to `sequence` (the conversation): the reading layer, every position. Other listeners stay.
    public func attach(to sequence: any InferenceSequence) {
        detach()
        self.sequence = sequence
        handle = sequence.hooks.subscribe(self, sites: [.layer(layer)], positions: .all)
    }

    /// Stops listening.
    public func detach() {
        if let handle { sequence?.hooks.unsubscribe(handle) }
        sequence = nil
        handle = nil
    }

    public func receive(site: HookSite, position: Int, row: UnsafeBufferPointer<Float>) {
        guard site == .layer(layer), (position + 1) * emotionCount <= projections.count else { return }
        // Straight into the buffer: no allocation per token on the decode path.
        let center = probe.center
        projections.withUnsafeMutableBufferPointer { out in
            for e in 0..<emotionCount {
                var s: Float = 0
                probe.vectors[e].withUnsafeBufferPointer { v in
                    for i in 0..<v.count { s += (row[i] - center[i]) * v[i] }
                }
                out[position * emotionCount + e] = s
            }
        }
        if let onToken { onToken(position, projection(at: position)) }
    }

    /// The projections at one position.
    public func projection(at position: Int) -> [Float] {
        Array(projections[(position * emotionCount)..<((position + 1) * emotionCount)])
    }

    /// Positions this recorder has room for (the context's capacity when made for it).
    public var capacity: Int { projections.count / max(emotionCount, 1) }

    /// Each position's readings as z (per token, for live displays and token-level studies) against `null`
    /// (default: the probe set's passage calibration). Positions past the recorder's capacity are left out.
    public func perTokenZ(_ span: Range<Int>, null: (any ReadingNull)? = nil) -> [[Float]] {
        let null = null ?? probe
        return span.clamped(to: 0..<capacity).map { null.z(projection(at: $0), kind: .perToken, tokens: 1) }
    }

    /// The raw mean projection over the positions of `span` that `keep` accepts (clamped to the capacity), and
    /// how many there were; NaN means when none was kept — missing, never a made-up number.
    public func mean(_ span: Range<Int>, keep: (Int) -> Bool = { _ in true }) -> (raw: [Float], tokens: Int) {
        let kept = span.clamped(to: 0..<capacity).filter(keep)
        guard !kept.isEmpty else { return ([Float](repeating: .nan, count: emotionCount), 0) }
        var mean = [Float](repeating: 0, count: emotionCount)
        for p in kept { for e in 0..<emotionCount { mean[e] += projections[p * emotionCount + e] / Float(kept.count) } }
        return (mean, kept.count)
    }

    /// Readings over `span` (absolute positions, clamped to the recorder's capacity) as `kind` (.reply or .user),
    /// averaging the positions `keep` accepts, z against `null` (default: the probe set's passage calibration).
    /// A span with no kept position reads as missing (NaN), and so does a last-before position outside the
    /// context.
    public func readings(_ span: Range<Int>, kind: ReadingKind = .reply, keep: (Int) -> Bool = { _ in true },
                         null: (any ReadingNull)? = nil) -> Readings {
        let null = null ?? probe
        let (mean, n) = self.mean(span, keep: keep)
        let hasBefore = span.lowerBound > 0 && span.lowerBound <= capacity
        let before = hasBefore ? projection(at: span.lowerBound - 1) : [Float](repeating: .nan, count: emotionCount)
        return Readings(layer: layer, emotions: probes.emotions, tokens: n, meanRaw: mean, meanZ: null.z(mean, kind: kind, tokens: n),
                        lastBeforeRaw: before, lastBeforeZ: null.z(before, kind: .lastBefore, tokens: hasBefore ? 1 : 0))
    }
}

/// Which positions of a chat carry its content, for readings: not the first `skip` positions of the context
/// (SmolLM2's first position holds a massive activation, norm ≈ 22,600, that says nothing about the text), not
/// the template's control tokens (`<|im_start|>`, `<|im_end|>`), and not the header a control token opens up to
/// and including its line break (the role name, the newline after `<|im_end|>`).
public struct ContentPositions: Sendable {
    /// Positions before this are never read (the same count that passage extraction skips).
    public static let skip = PassageActivations.defaultSkip
    private let template: Set<Int>

    /// The content test for a context holding `tokens`, given which ids are control tokens and what each decodes to.
    public init(tokens: [Int], isControl: (Int) -> Bool, text: (Int) -> String) {
        var template = Set<Int>()
        var inHeader = false, headerLength = 0
        for (p, id) in tokens.enumerated() {
            if isControl(id) {
                template.insert(p)
                inHeader = true
                headerLength = 0
            } else if inHeader {
                template.insert(p)
                headerLength += 1
                // A header ends at its line break; four tokens at most, so a template without one loses little.
                if text(id).contains("\n") || headerLength >= 4 { inHeader = false }
            }
        }
        self.template = template
    }

    public func contains(_ position: Int) -> Bool { position >= Self.skip && !template.contains(position) }
}
