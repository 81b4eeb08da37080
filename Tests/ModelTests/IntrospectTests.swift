import Foundation
import Testing

/// `limbic introspect detect` on SmolLM2 at a small size: the answer tokens of both models, reproducible figures,
/// strength 0 as the base, and every row beside its controls.
@Suite(.serialized, .tags(.model))
struct IntrospectTests {
    @Test func theYesNoTokensOfBothModels() throws {
        // Pinned: the protocol reads " yes"/" Yes" against " no"/" No", each one token.
        let expected = ["smollm2-135m-instruct": [9805, 9230, 787, 2838], "qwen2.5-coder-1.5b-instruct": [9834, 7414, 902, 2308]]
        for (model, ids) in expected {
            _ = try Limbic.ensureModel(model)
            let got = try [" yes", " Yes", " no", " No"].map { word -> Int in
                let o = try Limbic.json(["tokenize", "--model", model, "--no-special", "--json", word])
                let t = o["tokens"] as? [Int] ?? []
                #expect(t.count == 1, "\(model) '\(word)': \(t)")
                return t.first ?? -1
            }
            #expect(got == ids, "\(model)")
        }
    }

    @Test func detectionIsReproducibleAndStrengthZeroIsTheBase() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let args = ["introspect", "detect", "--layers", "10", "--strengths", "0,0.4", "--concepts", "4", "--controls", "3",
                    "--threads", "2", "--json"]
        let r = try Limbic.json(args)
        #expect(r["yes_tokens"] as? [Int] == [9805, 9230] && r["no_tokens"] as? [Int] == [787, 2838], "\(r.keys)")
        let rows = r["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 2)
        func mean(_ row: [String: Any], _ key: String) -> Double? { (row[key] as? [String: Any])?["mean"] as? Double }
        // Strength 0 is exactly the base trial: no shift, on the detection question or the controls.
        #expect(mean(rows[0], "shift") == 0 && mean(rows[0], "control_shift") == 0, "\(rows[0])")
        #expect(abs((mean(rows[0], "injected_log_odds") ?? 1) - (r["base_log_odds"] as? Double ?? 0)) < 1e-9)
        // An injection at 0.4 of the residual norm moves the answer, and the control shift is reported beside it.
        #expect(mean(rows[1], "shift") != 0 && mean(rows[1], "control_shift") != nil)
        let mass = r["base_mass"] as? Double ?? 0
        #expect(mass > 0 && mass <= 1)
        // The same settings give the same numbers.
        let again = try Limbic.json(args)
        #expect(mean((again["rows"] as? [[String: Any]] ?? [[:]]).last ?? [:], "shift") == mean(rows[1], "shift"))
        let table = try Limbic.run(Array(args.dropLast()))
        #expect(table.status == 0 && table.stdout.contains("base (no injection)") && table.stdout.contains("shift − control"), "\(table.stdout)\(table.stderr)")
    }
}

extension IntrospectTests {
    @Test func localizationReportsItsControls() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let r = try Limbic.json(["introspect", "localize", "--layers", "6", "--strengths", "0.5", "--concepts", "2", "--threads", "2", "--json"])
        let prior = r["prior"] as? [Double] ?? []
        #expect(prior.count == 5 && abs(prior.reduce(0, +) - 1) < 1e-6, "\(prior)")
        let row = (r["rows"] as? [[String: Any]])?.first ?? [:]
        #expect(row["trials"] as? Int == 10)
        let acc = row["accuracy"] as? [String: Double] ?? [:]
        #expect(Set(acc.keys) == ["detect", "prefer", "abstract"] && row["random_accuracy"] as? Double != nil, "\(row)")
        let confusion = row["confusion"] as? [[Int]] ?? []
        #expect(confusion.count == 5 && confusion.map { $0.reduce(0, +) } == [2, 2, 2, 2, 2], "every position in turn, once per pair")
    }
}

extension IntrospectTests {
    @Test func selfReportUnderInjectionHasItsNullAtStrengthZero() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let o = try Limbic.run(["introspect", "selfreport", "--strengths", "0,0.3", "--contexts", "1", "--random", "1", "--threads", "2", "--json"])
        #expect(o.status == 0, "\(o.stderr)")
        let results = (try? JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(results.count == 2)
        // Strength 0: every rating is the base one, so no rise, and every emotion ties with the others (0.5).
        let zero = results.first ?? [:]
        let matrix = zero["matrix"] as? [[Double]] ?? []
        #expect(matrix.count == 16 && matrix.allSatisfy { $0.allSatisfy { $0 == 0 } })
        #expect((zero["diagonal_auroc"] as? [String: Any])?["mean"] as? Double == 0.5)
        // At 0.3 the injections move the ratings, and the random control is reported beside them.
        let strong = results.last ?? [:]
        #expect((strong["matrix"] as? [[Double]] ?? []).joined().contains { $0 != 0 })
        #expect((strong["random_auroc"] as? [String: Any])?["n"] as? Int == 16)
    }
}

extension IntrospectTests {
    @Test func predictionTasksRunWithTheirBaseline() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let o = try Limbic.run(["introspect", "predict", "--limit", "3", "--threads", "2", "--json"])
        #expect(o.status == 0, "\(o.stderr)")
        let rows = (try? JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(rows.count == 6)
        for r in rows {
            let checked = r["checked"] as? Int ?? -1, baseline = r["baseline_correct"] as? Int ?? -1
            #expect(checked >= 0 && checked <= 3 && (r["self_correct"] as? Int ?? -1) <= checked, "\(r)")
            #expect(baseline * 2 >= checked, "the majority baseline is right at least half the time: \(r)")
        }
    }
}

extension IntrospectTests {
    @Test func savedTrustScoresReachTheLogAndTheReport() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-trust-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A copy of the probe set, so that the trust file lands beside it and nowhere else.
        let cached = try Limbic.json(["probe", "show", "--json"])["path"] as? String ?? ""
        let probe = dir + "/probes.gguf"
        try FileManager.default.copyItem(atPath: cached, toPath: probe)
        let o = try Limbic.run(["introspect", "selfreport", "--probe", probe, "--strengths", "0.3", "--contexts", "1", "--random", "0",
                                "--save", "--threads", "2"])
        #expect(o.status == 0 && FileManager.default.fileExists(atPath: probe + ".trust.json"), "\(o.stderr)")
        try "Hello.\nHow are you today?\n".write(toFile: dir + "/script.txt", atomically: true, encoding: .utf8)
        let log = dir + "/chat.jsonl"
        let chat = try Limbic.run(["chat", "--probe", probe, "--script", dir + "/script.txt", "--log", log, "--temp", "0",
                                   "--max-tokens", "12", "--threads", "2"])
        #expect(chat.status == 0, "\(chat.stderr)")
        let session = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").first
            .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect((session?["trust"] as? [String: Double])?.count == 16, "the session event records the trust scores")
        let report = try Limbic.run(["report", log])
        #expect(report.status == 0 && report.stdout.contains("trust: how each self-report followed injections"), "\(report.stdout)")
    }
}
