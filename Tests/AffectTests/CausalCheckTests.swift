import Foundation
import Testing
import TestSupport
@testable import Affect
@testable import Engine

/// The causal check's mechanics on the tiny random chat model: where it steers, how long its vectors are, the order
/// of its sweep. (Whether the emotion vectors work is ModelTests' CausalTests, on the real model.)
struct CausalCheckTests {
    let emotions = ["calm", "sad", "angry"]

    /// Random unit directions and calibration for the tiny model: the plumbing, not meaning.
    func tinyProbes(seed: UInt64 = 5) -> ProbeSet {
        var rng = SplitMix64(seed: seed)
        let d = TinyModel.hidden
        let layers = (0..<TinyModel.layers).map { _ -> LayerProbe in
            let vectors = emotions.map { _ in LinearAlgebra.normalized((0..<d).map { _ in Double(rng.next() % 1000) / 500 - 1 }).map(Float.init) }
            return LayerProbe(vectors: vectors, center: [Float](repeating: 0, count: d), calibrationMean: [0, 0, 0],
                              calibrationStd: [0.5, 1, 2])
        }
        return ProbeSet(emotions: emotions, layers: layers, readingLayer: 0, method: .recipe, skipTokens: 3, modelSHA256: "tiny",
                        datasetHash: "tiny", validationAccuracy: [0, 0, 0], accuracyUnnamed: 0, accuracyNamed: 0, confusion: [])
    }

    let text = "The train left at eight and stopped at four towns."

    /// Rows captured at every layer, per position, for one pass of `measure` under `steering`.
    func capture(_ model: LanguageModel, ids: [Int], steering: Steering?) throws -> ActivationRecorder {
        let ctx = model.makeContext(capacity: ids.count + 1)
        let reader = ActivationRecorder(width: TinyModel.hidden)
        ctx.hooks.subscribe(reader, sites: [.layer(2)], positions: .range(3..<Int.max))
        let all = ActivationRecorder(width: TinyModel.hidden)
        ctx.hooks.subscribe(all, sites: Set((0..<TinyModel.layers).map { HookSite.layer($0) }))
        let probe = tinyProbes().layers[2]
        _ = try CausalCheck.measure(ctx, tokens: ids, steering: steering, recorder: reader, site: .layer(2), readFrom: 3,
                                    probe: probe, wordIDs: [[], [], []])
        #expect(ctx.hooks.steering.isEmpty, "measure leaves no steering behind")
        return all
    }

    func norm(_ a: ArraySlice<Float>, minus b: ArraySlice<Float>) -> Float {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    @Test func neverSteersPositionZeroNorTheSkippedTokens() throws {
        let model = try TinyModel.chatModel()
        let ids = try model.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let plain = try capture(model, ids: ids, steering: nil)
        let v = CausalCheck.randomDirections(count: 1, width: TinyModel.hidden, seed: 3)[0]
        for skip in [0, 1, 3] {
            let steered = try capture(model, ids: ids, steering: CausalCheck.steering(vector: v, strength: 4, layer: 0, skip: skip))
            let first = max(skip, 1)
            for l in 0..<TinyModel.layers {
                // Positions before the first steered one are bit-identical at every layer (causal attention).
                for p in 0..<first {
                    #expect(steered.row(.layer(l), position: p) == plain.row(.layer(l), position: p), "skip \(skip): layer \(l) position \(p) changed")
                }
            }
            // From there on the vector is added at layer 0 (steering, then capture, at the same site): the capture
            // shows it, so it would show at position 0 too.
            for p in first..<ids.count {
                #expect(abs(norm(steered.row(.layer(0), position: p)!, minus: plain.row(.layer(0), position: p)!) - 4) < 1e-3)
            }
        }
    }

    @Test func randomControlsHaveTheSteeredVectorsNorm() throws {
        let model = try TinyModel.chatModel()
        let ids = try model.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let plain = try capture(model, ids: ids, steering: nil)
        // Directions of very different lengths: every added vector still has the strength's length.
        let directions: [[Float]] = tinyProbes().layers[1].vectors.enumerated().map { e, v in v.map { $0 * Float(10 * e + 1) } }
        let random = CausalCheck.randomDirections(count: 4, width: TinyModel.hidden, seed: 1)
        #expect(Set(random).count == 4 && random.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4 })
        #expect(random == CausalCheck.randomDirections(count: 4, width: TinyModel.hidden, seed: 1), "seeded")
        #expect(random != CausalCheck.randomDirections(count: 4, width: TinyModel.hidden, seed: 2))
        let plan = CausalCheck.steerings(strength: 2.5, layer: 1, skip: 3, directions: directions, random: random)
        #expect(plan.emotions.count == 3 && plan.random.count == 4)
        var lengths: [Float] = []
        for s in plan.emotions + plan.random {
            #expect(s.positions == .range(3..<Int.max) && s.site == .layer(1))
            let steered = try capture(model, ids: ids, steering: s)
            // The added vector, as the residual stream at the steering layer shows it (position 5; the model's
            // own response to it only starts in the next block).
            let added = steered.row(.layer(1), position: 5)!
            lengths.append(norm(added, minus: plain.row(.layer(1), position: 5)!))
        }
        for l in lengths { #expect(abs(l - 2.5) < 1e-3, "added vector lengths \(lengths)") }
    }

    @Test func keepingTheUnsteeredFirstTokensChangesNoMeasurement() throws {
        let model = try TinyModel.chatModel()
        let probe = tinyProbes().layers[2]
        let texts = [text, "The tea was on the table.", text]   // the second shares its first token with the first
        let v = CausalCheck.randomDirections(count: 2, width: TinyModel.hidden, seed: 4)
        let steerings: [Steering?] = [nil, CausalCheck.steering(vector: v[0], strength: 3, layer: 1, skip: 3),
                                      CausalCheck.steering(vector: v[1], strength: 3, layer: 1, skip: 3), nil]
        func measure(_ ctx: InferenceContext, _ reader: ActivationRecorder, _ t: String, _ s: Steering?) throws -> CausalCheck.Measurement {
            let ids = try model.tokenizer.encode(t, addSpecial: true, parseSpecial: false)
            return try CausalCheck.measure(ctx, tokens: ids, steering: s, recorder: reader, site: .layer(2), readFrom: 3,
                                           probe: probe, wordIDs: [[65, 66], [67], []])
        }
        let shared = model.makeContext(capacity: 128)
        let sharedReader = ActivationRecorder(width: TinyModel.hidden)
        shared.hooks.subscribe(sharedReader, sites: [.layer(2)], positions: .range(3..<Int.max))
        for t in texts {
            for s in steerings {
                let kept = try measure(shared, sharedReader, t, s)
                let fresh = model.makeContext(capacity: 128)
                let freshReader = ActivationRecorder(width: TinyModel.hidden)
                fresh.hooks.subscribe(freshReader, sites: [.layer(2)], positions: .range(3..<Int.max))
                let alone = try measure(fresh, freshReader, t, s)
                for (a, b) in zip(kept.z, alone.z) { #expect(abs(a - b) < 1e-4, "z \(kept.z) vs \(alone.z)") }
                #expect(kept.wordLogP[2] == nil && alone.wordLogP[2] == nil)
                for e in 0..<2 { #expect(abs(kept.wordLogP[e]! - alone.wordLogP[e]!) < 1e-4) }
            }
        }
    }

    @Test func sweepsTheStrengthsInTheOrderGiven() throws {
        let model = try TinyModel.chatModel()
        let probes = tinyProbes()
        var config = CausalCheck.Configuration(steeringLayer: 0, readLayer: 2, skip: 3)
        config.strengths = [0.2, 0.02, 0.1]
        config.texts = [text, "We moved the printer upstairs and labelled the trays.", "Mix the flour, egg and salt in a bowl."]
        config.randomVectors = 2
        var seen: [Int] = []
        let report = try CausalCheck.run(model: model, reading: probes, directions: tinyProbes(seed: 9).layers[0].vectors,
                                         config: config) { done, total in
            seen.append(done)
            #expect(total == 3 * (1 + 3 * (3 + 2)))
        }
        #expect(seen == Array(1...48))
        #expect(report.rows.map(\.strength) == [0.2, 0.02, 0.1])
        #expect(report.steeringLayer == 0 && report.readLayer == 2 && report.texts == 3 && report.randomVectors == 2)
        let norm = try model.meanResidualNorms()[0]
        #expect(report.residualNorm == norm)
        for row in report.rows {
            #expect(row.ownRise.n == 9 && row.randomRise.n == 9 && row.otherRise.n == 9)
            #expect(row.perEmotion.map(\.emotion) == emotions)
            // The direct part is linear in the strength.
            #expect(abs(row.directRise.mean / Double(row.strength) - report.rows[0].directRise.mean / 0.2) < 1e-3)
            // The byte-level tokenizer has no single-token words: no word measurement, not a made-up one.
            #expect(row.wordShift == nil && row.randomWordShift == nil)
            #expect(row.perEmotion.allSatisfy { $0.wordShift == nil })
            #expect(abs(row.ownMinusRandom.mean - (row.ownRise.mean - row.randomRise.mean)) < 1e-9)
        }
        #expect(report.words == [[], [], []])
        // A stronger push moves the readings further (same directions, same texts).
        #expect(abs(report.rows[0].ownRise.mean) > abs(report.rows[1].ownRise.mean))
    }

    @Test func refusesALayerOrderThatMeasuresNothing() throws {
        let model = try TinyModel.chatModel()
        let probes = tinyProbes()
        for (steer, read) in [(2, 2), (2, 1), (0, 3)] {
            let config = CausalCheck.Configuration(steeringLayer: steer, readLayer: read, skip: 3)
            #expect(throws: CausalCheck.ConfigurationError.self) {
                try CausalCheck.run(model: model, reading: probes, directions: probes.layers[0].vectors, config: config)
            }
        }
        var short = CausalCheck.Configuration(steeringLayer: 0, readLayer: 2, skip: 3)
        short.texts = ["Hi"]
        #expect(throws: CausalCheck.ConfigurationError.self) {
            try CausalCheck.run(model: model, reading: probes, directions: probes.layers[0].vectors, config: short)
        }
    }

    @Test func estimatesAndLogProbabilities() {
        let e = CausalCheck.Estimate.of([1, 2, 3, 4])!
        #expect(e.mean == 2.5 && e.n == 4)
        // sd 1.2910, se 0.6455, t(3) 3.182.
        #expect(abs(e.high! - (2.5 + 3.182 * 0.645497)) < 1e-4 && abs(e.low! - (2.5 - 3.182 * 0.645497)) < 1e-4)
        #expect(CausalCheck.Estimate.of([]) == nil)
        let one = CausalCheck.Estimate.of([0.3])!
        #expect(one.low == nil && one.high == nil)
        #expect(CausalCheck.Estimate.tCritical95(df: 200) == 1.98 && CausalCheck.Estimate.tCritical95(df: 35) == 2.042)
        // log p of ids {1, 2} under logits log(1), log(2), log(3), log(4): log(5/10).
        let logits: [Float] = [log(1), log(2), log(3), log(4)]
        #expect(abs(CausalCheck.logSumExp(logits, ids: [1, 2]) - CausalCheck.logSumExp(logits, ids: nil) - log(0.5)) < 1e-6)
    }
}

/// Mean-difference directions are what the causal check steers along: each must point from neutral text to its
/// emotion, even for an emotion that lies between neutral text and the other emotions.
struct MeanDiffDirectionTests {
    @Test func pointsFromNeutralToTheEmotion() {
        var rng = SplitMix64(seed: 11)
        func noise() -> Double { Double(rng.next() % 1000) / 10_000 - 0.05 }
        // Axis 0: how emotional a text is (neutral 0, emotions 0 and 1 at 6, emotion 2 at 1); axes 1-3: each
        // emotion's own. Emotion 2 lies between neutral and the grand mean of the emotions (at 13/3 on axis 0), so
        // its own passages project negative against that mean on (emotion 2 − neutral).
        let d = 6
        func sample(_ e: Int?) -> [Double] {
            (0..<d).map { i in
                var x = noise()
                if let e {
                    if i == 0 { x += e == 2 ? 1 : 6 }
                    if i == e + 1 { x += 0.5 }
                }
                return x
            }
        }
        var rows: [[Double]] = [], labels: [Int] = []
        for e in 0..<3 { for _ in 0..<20 { rows.append(sample(e)); labels.append(e) } }
        let neutral = (0..<20).map { _ in sample(nil) }
        let probe = VectorExtraction.layerProbe(rows: rows, labels: labels, emotionCount: 3, componentRows: neutral, calibrationRows: neutral, method: .meanDiff)
        let target = LinearAlgebra.normalized([1, 0, 0, 0.5, 0, 0])   // emotion 2 minus neutral
        let cosine = zip(probe.vectors[2], target).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        #expect(cosine > 0.95, "emotion 2's mean-diff direction against (emotion 2 − neutral): cosine \(cosine)")
        // And its own passages read above neutral text on it.
        let z = probe.zScores(probe.project(ArraySlice(sample(2).map(Float.init))))
        #expect(z[2] > 2, "an emotion-2 passage reads z \(z[2]) on emotion 2")
    }
}
