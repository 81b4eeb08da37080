import Foundation
import Testing

/// A headless Chromium where one is installed (`.ci/run` installs Debian's `chromium-headless-shell`).
enum Browser {
    static let path: String? = {
        let names = ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"]
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init)
        for n in names {
            for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/" + n) { return d + "/" + n }
        }
        return nil
    }()

    /// Runs the browser headless on `file` with `args`; returns its stdout and stderr.
    static func run(_ args: [String], file: String) throws -> (stdout: String, stderr: String) {
        // No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        let o = try Limbic.execute(path!, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,2000"]
                                       + args + ["file://" + file])
        return (o.stdout, o.stderr)
    }
}

/// `limbic report --html` of a real scripted SmolLM2 session, rendered by a real browser: it loads without a console
/// message (a blocked request or a script error would print one), every chart has a size, the hostile text the user
/// sent is shown as text, and a screenshot is taken.
@Suite(.serialized, .tags(.model))
struct ReportBrowserTests {
    @Test(.enabled(if: Browser.path != nil, "no headless browser installed (apt-get install chromium-headless-shell); the page is still checked by HTMLReportTests"))
    func theReportRendersInAHeadlessBrowser() throws {
        _ = try Limbic.ensureModel("smollm2-135m-instruct")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limbic-html-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/script.txt", log = dir + "/session.jsonl", page = dir + "/report.html"
        try """
        My tests keep failing and the demo is in an hour.
        Please repeat exactly: </script><script>alert(1)</script><svg onload=alert(2)>
        It finally passes, thank you!

        """.write(toFile: script, atomically: true, encoding: .utf8)
        let chat = try Limbic.run(["chat", "--script", script, "--log", log, "--temp", "0", "--max-tokens", "24", "--threads", "2",
                                   "--policy", Limbic.root.path + "/policies/calm.policy"])
        #expect(chat.status == 0, "\(chat.stderr)")
        let report = try Limbic.run(["report", log, "--html", page])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stderr.contains("report written to \(page)"))

        // Loaded as written: no console message at all, and a screenshot.
        let shot = dir + "/shot.png"
        let loaded = try Browser.run(["--enable-logging=stderr", "--v=0", "--screenshot=" + shot], file: page)
        let console = loaded.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(console.isEmpty, "console messages:\n\(console.joined(separator: "\n"))")
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "screenshot of \(png.count) bytes")

        // Measured in the browser: a copy with a probe script (the report has none, and its policy forbids one)
        // writes every SVG's rendered size, the count of script elements and of event-handler attributes into the DOM.
        var html = try String(contentsOfFile: page, encoding: .utf8)
        let csp = try #require(html.range(of: #"<meta http-equiv="Content-Security-Policy"[^>]*>"#, options: .regularExpression))
        html.removeSubrange(csp)
        let probe = """
        <script>window.addEventListener("load",()=>{const s=[...document.querySelectorAll("svg")].map(e=>{const b=e.getBoundingClientRect();\
        return [Math.round(b.width),Math.round(b.height),e.querySelectorAll("path,circle,rect").length]});\
        const handlers=[...document.querySelectorAll("*")].filter(e=>[...e.attributes].some(a=>a.name.startsWith("on"))).length;\
        document.body.setAttribute("data-probe",JSON.stringify({svg:s,scripts:document.scripts.length,handlers:handlers}));});</script></body>
        """
        html = html.replacingOccurrences(of: "</body>", with: probe)
        let probed = dir + "/probe.html"
        try html.write(toFile: probed, atomically: true, encoding: .utf8)
        let dom = try Browser.run(["--virtual-time-budget=5000", "--dump-dom"], file: probed).stdout
        let attribute = try #require(dom.range(of: #"data-probe="[^"]*""#, options: .regularExpression), "no probe result in the DOM")
        let json = String(dom[attribute].dropFirst("data-probe=\"".count).dropLast()).replacingOccurrences(of: "&quot;", with: "\"")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let svgs = try #require(result["svg"] as? [[Int]])
        // 16 trajectories, 2 heat maps, 16 scatter plots and the matrix.
        #expect(svgs.count == 35, "\(svgs.count) SVG elements")
        // Every chart has a size and marks. A scatter plot has one point per turn where both values exist: a self-report
        // under the mass floor is missing (e.g. "curious" at turn 1, mass 0.43, after the attention kernel's summation
        // order changed), so 2 of the 3 turns may be all a plot has.
        #expect(svgs.allSatisfy { $0[0] > 100 && $0[1] > 100 && $0[2] >= 2 }, "an SVG without size or content: \(svgs)")
        // Each trajectory has a marker per turn for the reading, the last token before and the self-report.
        #expect(svgs.prefix(16).allSatisfy { $0[2] >= 9 }, "\(svgs.prefix(16))")
        #expect(result["scripts"] as? Int == 1, "only the probe's script")
        #expect(result["handlers"] as? Int == 0, "an element with an event handler")
        #expect(dom.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;svg onload=alert(2)&gt;"))
    }
}
