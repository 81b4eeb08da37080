import Foundation
import Testing

/// The self-report wordings on the real tokenizers, and a small `limbic selfreport study` on SmolLM2.
@Suite(.serialized, .tags(.model))
struct SelfReportStudyTests {
    static let styles = ["rating", "rating-plain", "rating-named", "rating-third", "choice"]

    /// Every shipped wording's answer reads single tokens (the digits 0-9, the letters A-P) on `model`'s tokenizer.
    func checkWordings(model: String) throws {
        let o = try Limbic.json(["selfreport", "check", "--model", model, "--json"])
        let rows = try #require(o["styles"] as? [[String: Any]])
        #expect(rows.map { $0["style"] as? String ?? "" } == Self.styles)
        for r in rows {
            #expect(r["ok"] as? Bool == true, "\(model) \(r)")
            let ids = (r["choice_ids"] as? [Int]) ?? []
            let isChoice = r["style"] as? String == "choice"
            #expect(ids.count == (isChoice ? 16 : 10) && Set(ids).count == ids.count, "\(model) \(r)")
            #expect(r["questions"] as? Int == (isChoice ? 1 : 16))
            #expect(r["rotations"] as? Int == (isChoice ? 4 : 1))
        }
    }

    @Test func wordingsReadSingleTokensOnSmolLM2() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        try checkWordings(model: "smollm2-135m-instruct")
    }

    /// Tokenizer only (no forward pass), so cheap once the model is in the cache.
    @Test(.tags(.qwen)) func wordingsReadSingleTokensOnQwen() throws {
        _ = try Limbic.ensureModel("qwen2.5-coder-1.5b-instruct")
        try checkWordings(model: "qwen2.5-coder-1.5b-instruct")
    }

    @Test func aSmallStudyAsksEveryWordingAfterEveryTurn() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-study-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "My tests keep failing and the demo is in an hour.\nI tried your fix; it still fails.\nIt finally passes, thank you!\n"
            .write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        try "My dog died this morning.\nThank you for listening.\n".write(toFile: dir + "/b.txt", atomically: true, encoding: .utf8)
        let o = try Limbic.json(["selfreport", "study", "--conversations", dir, "--max-tokens", "8", "--permutations", "50",
                                 "--threads", "2", "--json"])
        #expect(o["conversations"] as? Int == 2 && o["turns"] as? Int == 5)
        let styles = try #require(o["styles"] as? [[String: Any]])
        #expect(styles.map { $0["style"] as? String ?? "" } == Self.styles)
        for s in styles {
            let mass = s["mean_mass"] as? Double ?? -1
            #expect(mass > 0 && mass <= 1, "\(s)")
        }
        #expect((o["pairs"] as? [[String]])?.count == 10)
        #expect((o["pair_rho"] as? [Any])?.count == 10 && (o["pair_cross"] as? [Any])?.count == 10)
        let emotions = try #require(o["emotions"] as? [[String: Any]])
        #expect(emotions.count == 16)
        for e in emotions {
            #expect((e["pairs"] as? [Any])?.count == 10)
            // A number in [-1, 1], or null where a wording gave the same value on all five turns.
            if let rho = e["rho"] as? Double { #expect(rho >= -1 && rho <= 1) } else { #expect(e["rho"] is NSNull) }
        }
        let top = try #require(o["top"] as? [String: Any])
        let all = top["all_agree"] as? Double ?? -1, pair = top["pair_agree"] as? Double ?? -1
        #expect(all >= 0 && all <= pair && pair <= 1)

        // Usage errors come before any model work.
        let one = try Limbic.run(["selfreport", "study", "--styles", "rating"])
        #expect(one.status == 2 && one.stderr.contains("at least two"))
        let unknown = try Limbic.run(["selfreport", "study", "--styles", "rating,nope", "--conversations", dir])
        #expect(unknown.status == 2 && unknown.stderr.contains("no self-report style 'nope'"), "\(unknown.stderr)")
    }
}
