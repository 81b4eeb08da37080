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

    /// Each position's readings as z against neutral text (per token, for live displays and token-level studies).
    /// Positions past the recorder's capacity are left out.
    public func perTokenZ(_ span: Range<Int>) -> [[Float]] {
        span.clamped(to: 0..<capacity).map { probe.zScores(projection(at: $0)) }
    }

    /// Readings over `span` (absolute positions, clamped to the recorder's capacity); an empty span reads as zeros.
    public func readings(_ span: Range<Int>) -> Readings {
        let span = span.clamped(to: 0..<capacity)
        var mean = [Float](repeating: 0, count: emotionCount)
        for p in span { for e in 0..<emotionCount { mean[e] += projections[p * emotionCount + e] / Float(span.count) } }
        let before = span.lowerBound > 0 && span.lowerBound <= capacity ? projection(at: span.lowerBound - 1) : [Float](repeating: 0, count: emotionCount)
        return Readings(layer: layer, emotions: probes.emotions, tokens: span.count, meanRaw: mean, meanZ: probe.zScores(mean),
                        lastBeforeRaw: before, lastBeforeZ: probe.zScores(before))
    }
}
