import Foundation
import GGUF
import Testing

/// Emotion probes on the real default model and the project's datasets. The first test builds the probe set
/// (about 4 min on 2 cores: reading the passages, then cross-validating every layer) into $LIMBIC_HOME/probes; the
/// rest use the cached file.
@Suite(.serialized, .tags(.model))
struct ProbeTests {
    static let model = "smollm2-135m-instruct"

    @Test func validationBeatsChanceWithoutNamingTheEmotion() throws {
        _ = try Limbic.ensureModel(Self.model)
        let v = try Limbic.json(["probe", "validate", "--json", "--threads", "2"])
        let emotions = v["emotions"] as? [String] ?? []
        #expect(emotions.count == 16)
        let layers = v["layers"] as? [[String: Any]] ?? []
        #expect(layers.count == 30)
        #expect(v["chosen_by"] as? String == "cross-validation")
        let chosen = v["chosen_layer"] as? Int ?? -1
        let accuracy = layers.first { $0["layer"] as? Int == chosen }?["accuracy"] as? Double ?? 0
        let folds = v["fold_accuracy"] as? [Double] ?? []
        #expect(folds.count == 5 && abs(folds.reduce(0, +) / 5 - accuracy) < 1e-4, "the chosen layer's accuracy is its folds' mean")
        func rate(_ key: String) -> (accuracy: Double, total: Int) {
            let c = v[key] as? [String: Any]
            return (c?["accuracy"] as? Double ?? 0, c?["total"] as? Int ?? 0)
        }
        let test = rate("test"), layer0 = rate("layer0"), words = rate("bag_of_words"), unnamed = rate("never_names")
        // 16-way, chance 6.25%. Measured on the data of the cross-validation change: 68.2% cross-validated at layer 18,
        // 71.4% on the test split, layer 0 41.7%, bag of words 40.6%, never naming 70.5%. The floors leave room for
        // other CPUs' kernels, which round activations in a different order, and for the dataset growing.
        #expect(accuracy >= 0.55, "cross-validated accuracy \(accuracy) at layer \(chosen)")
        #expect(test.accuracy >= 0.55, "test accuracy \(test.accuracy)")
        #expect((chosen as Int) >= 5 && chosen <= 27, "reading layer \(chosen) should be mid-depth")
        #expect(test.accuracy >= layer0.accuracy + 0.1 && test.accuracy >= words.accuracy + 0.1,
                "the probe should beat its lexical controls: test \(test.accuracy), layer 0 \(layer0.accuracy), bag of words \(words.accuracy)")
        #expect(unnamed.accuracy >= 0.5, "accuracy on passages that never name their emotion: \(unnamed.accuracy)")
        let confusion = v["confusion"] as? [[Int]] ?? []
        #expect(test.total >= 16 * 12 && confusion.count == 16 && confusion.reduce(0) { $0 + $1.reduce(0, +) } == test.total)
    }

    @Test func extractReusesTheCachedSetUnlessAskedToRebuild() throws {
        let first = try Limbic.run(["probe", "extract", "--threads", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        let again = try Limbic.run(["probe", "extract", "--threads", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("building emotion probes"), "a second extract rebuilt the cached set: \(again.stderr)")
        #expect(again.stdout == first.stdout)
        // The build fitted the mean-difference set (what `probe causal` steers with) from the same passages.
        let meanDiff = try Limbic.run(["probe", "extract", "--method", "mean-diff", "--threads", "2"])
        #expect(meanDiff.status == 0, "\(meanDiff.stderr)")
        #expect(!meanDiff.stderr.contains("building emotion probes"), "the mean-difference set was read again: \(meanDiff.stderr)")
    }

    @Test func classifyReadsClearPassages() throws {
        let input = """
        The house went quiet after the funeral and his coat still hung by the door.
        We opened the results together and she screamed and hugged me; we got in!
        """
        let o = try Limbic.run(["probe", "classify", "--json"], input: input)
        #expect(o.status == 0, "\(o.stderr)")
        #expect(!o.stderr.contains("building"), "the probe set should come from the cache")
        let lines = o.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2)
        #expect(lines[0]?["top"] as? String == "sad")
        let z = lines[1]?["z"] as? [String: Double] ?? [:]
        #expect(z.count == 16)
        #expect((z["happy"] ?? 0) > (z["sad"] ?? 0))
    }

    @Test func exportWritesALlamaCppControlVectorAndImportReadsIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-probe-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cv = dir + "/calm.gguf"
        let e = try Limbic.run(["probe", "export", "--llama-cpp", "calm", "--out", cv])
        #expect(e.status == 0, "\(e.stderr)")
        let f = try GGUFFile(path: cv)
        #expect(f.architecture == "controlvector")
        #expect(f["controlvector.model_hint"]?.string == "llama")
        #expect(f.tensor(named: "direction.0") == nil, "llama.cpp refuses layer 0")
        #expect(f.tensor(named: "direction.18")?.dims == [576])
        #expect(f.tensors.count == 29)

        let imported = dir + "/calm-probe.gguf"
        let i = try Limbic.run(["probe", "import", "--name", "calm2", "--out", imported, cv])
        #expect(i.status == 0, "\(i.stderr)")
        let show = try Limbic.json(["probe", "show", "--json", "--probe", imported])
        #expect(show["emotions"] as? [String] == ["calm2"])
        let c = try Limbic.run(["probe", "classify", "--json", "--probe", imported, "--text", "I sat by the lake, breathing slowly."])
        #expect(c.stdout.contains("\"top\":\"calm2\""))
        let bad = try Limbic.run(["probe", "export", "--llama-cpp", "elated", "--out", dir + "/x.gguf"])
        #expect(bad.status == 1 && bad.stderr.contains("unknown emotion 'elated'"))
    }
}
