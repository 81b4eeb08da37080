import Foundation
import Testing

/// Our engine against llama.cpp (commit 0c1e57098) on the golden prompts: token ids exact, top-1 equal, top-10
/// overlap ≥ 8, shared logits within 1.5, layer norms at the last token within 2% — the tolerances the golden
/// files themselves measured between llama.cpp configurations.
@Suite(.serialized)
struct GoldenTests {
    static func check(model: String, golden: String) throws {
        _ = try Limbic.ensureModel(model)
        let file = try GoldenFile.load(golden)
        for c in file.cases {
            var tokenizeArgs = ["tokenize", "--model", model, "--json"]
            if !c.parse_special { tokenizeArgs.append("--no-special") }
            let ids = try Limbic.json(tokenizeArgs, input: c.prompt)["tokens"] as? [Int]
            #expect(ids == c.token_ids, "token ids of \(c.name)")
            guard c.parse_special else { continue }   // logits were produced with specials parsed

            let out = try Limbic.json(["logits", "--model", model, "--json", "--top", "10", "--threads", "2"], input: c.prompt)
            let top = (out["top"] as? [[String: Any]] ?? []).map { ($0["id"] as! Int, $0["logit"] as! Double) }
            #expect(top.first?.0 == c.top_logits.first?.id, "top-1 of \(c.name): \(top.prefix(3)) vs \(c.top_logits.prefix(3).map { ($0.id, $0.logit) })")
            let ours = Dictionary(uniqueKeysWithValues: top)
            let shared = c.top_logits.filter { ours[$0.id] != nil }
            #expect(shared.count >= 8, "top-10 overlap of \(c.name) is \(shared.count)")
            for g in shared {
                #expect(abs(ours[g.id]! - g.logit) <= 1.5, "logit of \(g.id) in \(c.name): \(ours[g.id]!) vs \(g.logit)")
            }

            let norms = try Limbic.json(["capture", "--model", model, "--layers", "all", "--norms", "--json", "--threads", "2"], input: c.prompt)
            let layers = (norms["layers"] as? [[String: Any]] ?? []).map { $0["norm"] as! Double }
            #expect(layers.count == c.layer_norms_last_token.count)
            for (i, (a, b)) in zip(layers, c.layer_norms_last_token).enumerated() {
                #expect(abs(a - b) / b <= 0.02, "l_out-\(i) norm of \(c.name): \(a) vs \(b)")
            }
        }
    }

    @Test(.tags(.model)) func smolLM2MatchesLlamaCpp() throws {
        try Self.check(model: "smollm2-135m-instruct", golden: "smollm2-135m-instruct")
    }

    @Test(.tags(.model)) func gemma3MatchesLlamaCpp() throws {
        try Self.check(model: "gemma-3-270m", golden: "gemma-3-270m")
    }

    @Test(.tags(.model, .qwen)) func qwen25MatchesLlamaCpp() throws {
        try Self.check(model: "qwen2.5-coder-1.5b-instruct", golden: "qwen2.5-coder-1.5b-instruct")
    }
}
