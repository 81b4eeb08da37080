import Foundation
import Testing
import Reports
@testable import SessionLog

/// `limbic report --html`: hostile text stays text, the page fetches nothing, and what the charts draw comes from
/// the log (steered turns, guards, each log's own band).
struct HTMLReportTests {
    static let hostile = [
        "</script><script>alert(1)</script>",
        "<svg onload=alert(2)>",
        "<img src=x onerror=alert(3)>",
        "\"'><iframe src=\"javascript:alert(4)\"></iframe>",
        "a & b < c > d \u{0}\u{7}\u{1B}[31m",
    ]

    static func wilson(_ k: Int, _ n: Int) -> (low: Double, high: Double)? { n > 0 ? (0, 1) : nil }

    /// A chat whose every user message and reply is hostile, with a guard that steers for two turns after turn 1.
    static func hostileLog(path: String = "hostile.jsonl", threshold: Double? = 3.2) throws -> SessionLogFile {
        var session = SessionLogTests.session
        session.system = "You are <b>bold</b> & </style><script>alert(5)</script>"
        session.calibration = threshold.map { .init(key: "k", chats: 32, turns: 128, readingThreshold: $0, gapThreshold: 3) }
        var events: [SessionEvent] = [.session(session)]
        for (i, text) in hostile.enumerated() {
            events.append(.turn(TurnEvent(turn: i, role: "user", text: text, tokens: 3, positions: (10 * i)..<(10 * i + 3))))
            events.append(.turn(TurnEvent(turn: i, role: "assistant", text: "Sure: " + text, tokens: 3, positions: (10 * i + 3)..<(10 * i + 6), stop: "eos")))
            let z = ["calm": Double(i) - 2, "sad": 0.5, "angry": -1]
            events.append(.readings(ReadingsEvent(turn: i, role: "assistant", layer: 1, tokens: 3, meanZ: z, meanRaw: [:],
                                                  lastBeforeZ: z.mapValues { $0 / 2 }, lastBeforeRaw: [:])))
            events.append(.selfReport(SelfReportEvent(turn: i, style: "rating", ms: 1, emotions: [
                "calm": .init(value: Double(i), mass: 0.9, z: Double(i) - 1, gap: -1), "sad": .init(value: 2, mass: 0.9, z: 0, gap: 0.5),
                "angry": .init(value: 1, mass: 0.9, z: -0.5, gap: -0.5),
            ])))
            if i == 1 {
                events.append(.action(ActionEvent(turn: 1, guardName: "<calm> guard", action: "steer", detail: "calm +0.05 for 2 turns")))
            }
        }
        events.append(.tool(ToolEvent(turn: 0, tool: "shell", input: "echo '<script>alert(6)</script>'", ok: true,
                                      output: "<script>alert(6)</script>\n", exitStatus: 0)))
        events.append(.end(EndEvent(reason: "end of script", turns: hostile.count)))
        return SessionLogFile(try SessionLogReader.read(Data(try SessionLogTests.lines(events).utf8), path: path))
    }

    @Test func escapingLeavesNoMarkupAndNoControlCharacters() {
        #expect(HTML.escape("</script><svg onload=x>") == "&lt;/script&gt;&lt;svg onload=x&gt;")
        #expect(HTML.escape("a \"b\" 'c' & d") == "a &quot;b&quot; &#39;c&#39; &amp; d")
        #expect(HTML.escape("x\u{0}y\u{1B}z\u{7F}") == "x\u{FFFD}y\u{FFFD}z\u{FFFD}")
        #expect(HTML.escape("line\r\nnext\ttab ✓ 😀") == "line\n\nnext\ttab ✓ 😀")
    }

    @Test func hostileTextIsShownAsTextAndThePageFetchesNothing() throws {
        let log = try Self.hostileLog()
        let page = HTMLReport(summary: SessionSummary([log]), interval: Self.wilson).render()
        // No markup from the log survives as markup: no tag the page did not write, no event handler, no link.
        #expect(Self.matches(page, #"<(script|iframe|img|b|object|embed|link|a)[\s>]"#).isEmpty)
        #expect(Self.matches(page, #"<[^>]*\s(on[a-z]+|src|href|style)\s*=[^>]*>"#).filter { !$0.hasPrefix("<rect") && !$0.hasPrefix("<td") }.isEmpty)
        #expect(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("&lt;svg onload=alert(2)&gt;"))
        #expect(page.contains("You are &lt;b&gt;bold&lt;/b&gt; &amp;"))
        #expect(!page.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        // Nothing to fetch: no source or link attributes (above), no CSS url() or @import, and a policy that forbids them.
        #expect(!page.contains("url(") && !page.contains("@import") && !page.contains("https://"))
        #expect(page.contains("Content-Security-Policy\" content=\"default-src 'none'"))
        // Its only http:// is the SVG namespace (a name, never fetched).
        #expect(page.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
    }

    @Test func everySectionAndChartIsThereWithTooltips() throws {
        let page = HTMLReport(summary: SessionSummary([try Self.hostileLog()]), interval: Self.wilson).render()
        for id in ["sessions", "trajectories", "heatmaps", "disagreements", "correlations", "agent", "transcript"] {
            #expect(page.contains("<section id=\"\(id)\">"), "no \(id) section")
        }
        // One trajectory chart per emotion, two heat maps, a scatter per emotion and the matrix.
        #expect(page.components(separatedBy: "<svg ").count - 1 == 3 + 2 + 3 + 1)
        #expect(page.contains("<title>turn 4: reply reading z +2.00</title>"))
        #expect(page.contains("<title>turn 2: self-report z +1.00</title>"))
        #expect(page.contains("<title>turn 3: last token before z +0.50</title>"))
        #expect(page.contains("<title>calm, 4: +2.00</title>"))   // a heat-map cell
        // Axis labels with units, a light and a dark scheme, a print stylesheet.
        #expect(page.contains("z (SD of neutral chat)") && page.contains(">turn</text>"))
        #expect(page.contains("prefers-color-scheme: dark") && page.contains("@media print"))
        // The reading is solid with circles, the last token dotted with squares, the self-report dashed with diamonds.
        #expect(page.contains("class=\"ln s1 d1\"") && page.contains("class=\"ln s2 d2\"") && page.contains("class=\"ln s3 d3\""))
    }

    @Test func steeredTurnsGuardsAndTheBandComeFromTheLog() throws {
        let log = try Self.hostileLog()
        #expect(log.turns.map(\.steered) == [false, false, true, true, false])
        #expect(log.turns[1].actions.map(\.guardName) == ["<calm> guard"])
        let page = HTMLReport(summary: SessionSummary([log]), interval: Self.wilson).render()
        #expect(page.components(separatedBy: "class=\"shade\"").count - 1 == 2 * 3)          // 2 turns × 3 emotions
        #expect(page.contains("<title>turn 1: &lt;calm&gt; guard → steer calm +0.05 for 2 turns</title>"))
        #expect(page.contains("<title>neutral band: |z| ≤ 3.20 (the calibration&#39;s family-wise threshold)</title>"))
        // A log without a calibration has no band, and the page says so.
        let plain = HTMLReport(summary: SessionSummary([try Self.hostileLog(threshold: nil)]), interval: Self.wilson).render()
        #expect(!plain.contains("class=\"band\"") && plain.contains("The log has no calibration"))
    }

    @Test func severalLogsAreComparedByCondition() throws {
        let a = try Self.hostileLog(path: "a.jsonl"), b = try Self.hostileLog(path: "b.jsonl", threshold: 2.5)
        var c = try Self.hostileLog(path: "c.jsonl")
        c.session.policy = []
        let page = HTMLReport(summary: SessionSummary([a, b, c]), interval: Self.wilson).render()
        #expect(page.contains("<section id=\"conditions\">"))
        // a and b ran under the same policy and system prompt (both steered); c had no policy.
        #expect(page.contains("<th>calm.policy, system “You are &lt;b&gt;bold&lt;/b&gt; &amp; &lt;/style&gt;&lt;s…”, steered</th><td>2</td><td>10</td>"))
        #expect(page.contains("<th>no policy, system"))
        // Each log's band over its own turns.
        #expect(page.contains("|z| ≤ 2.50") && page.contains("|z| ≤ 3.20"))
        #expect(page.contains("<title>turn 2.3: reply reading z +1.00</title>"))
    }

    @Test func labCurvesDrawTheirControlsDashed() throws {
        let chart = CurveChart(title: "t", xLabel: "strength", yLabel: "accuracy", series: [
            .init(name: "layer 6: detect", group: 0, points: [(0.1, 0.3, 0.2, 0.4), (0.2, 0.5, 0.4, 0.6)]),
            .init(name: "layer 6: random vectors", group: 0, isControl: true, points: [(0.1, 0.2, 0.1, 0.3), (0.2, 0.2, 0.1, 0.3)]),
        ], reference: (0.2, "chance"))
        let page = HTMLReport(summary: SessionSummary([]), lab: [("lab.json", [chart], "note")], interval: Self.wilson).render()
        #expect(page.contains("<section id=\"lab\">") && !page.contains("<section id=\"sessions\">"), "lab results alone: no session sections")
        #expect(page.contains("class=\"ln s1 d1\"") && page.contains("class=\"ln s1 d3\""))   // same colour, the control dashed
        #expect(page.contains("class=\"m s1 hollow\""))
        #expect(page.contains("<title>layer 6: detect, strength 0.20: 0.500 [0.400, 0.600]</title>"))
    }

    @Test func theTextReportHasASparklinePerEmotionForReadingAndSelfReport() throws {
        let text = SessionSummary([try Self.hostileLog()]).text(width: 80)
        #expect(text.contains("reply reading z | self-report z"))
        // calm's reading runs −2…+2 and its self-report z −1…+3.
        #expect(text.contains("calm        ▂▃▅▆▇ | ▃▅▆▇█\n"))
    }

    /// Every match of `pattern` in `text`.
    static func matches(_ text: String, _ pattern: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
    }
}
