import Foundation

/// llama.cpp's `llama-bench`, run once per round by `limbic bench --compare-llama` with the same settings.
public enum LlamaBench {
    /// One repetition of pp and tg (`-r 1`), read from its JSON output.
    public static func run(_ path: String, model: String, threads: Int, pp: Int, tg: Int, depth: Int) throws -> (pp: Double?, tg: Double?) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["-m", model, "-t", "\(threads)", "-p", "\(pp)", "-n", "\(tg)", "-r", "1", "-o", "json"] + (depth > 0 ? ["-d", "\(depth)"] : [])
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let last = String(decoding: errData, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw UsageError("--compare-llama: \(path) exited \(p.terminationStatus): \(last)")
        }
        return try parse(data)
    }

    /// The tokens per second of the prefill (`n_prompt` > 0) and decode (`n_gen` > 0) tests in llama-bench's JSON.
    public static func parse(_ data: Data) throws -> (pp: Double?, tg: Double?) {
        guard let rows = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw UsageError("--compare-llama: llama-bench's output is not its JSON (-o json); is it llama.cpp's llama-bench?")
        }
        func rate(_ r: [String: Any]) -> Double? { (r["avg_ts"] as? NSNumber)?.doubleValue }
        let pp = rows.first { ($0["n_prompt"] as? Int ?? 0) > 0 && ($0["n_gen"] as? Int ?? 0) == 0 }.flatMap(rate)
        let tg = rows.first { ($0["n_gen"] as? Int ?? 0) > 0 && ($0["n_prompt"] as? Int ?? 0) == 0 }.flatMap(rate)
        return (pp, tg)
    }
}
