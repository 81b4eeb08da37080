import Foundation

/// Text made safe for HTML and inline SVG: markup characters become entities, and control characters other than
/// tab and newline become U+FFFD, so a reply holding `</script>` or `<svg onload=…>` is shown as the text it is.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for u in text.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(u)
            case "\r": out += "\n"
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) || (0xFDD0...0xFDEF).contains(u.value) || u.value & 0xFFFE == 0xFFFE {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// A number for labels and tooltips: `digits` fixed decimals, a leading "+" on positives when `sign`, "—" when not finite.
    static func number(_ x: Double, _ digits: Int = 2, sign: Bool = false) -> String {
        guard x.isFinite else { return "—" }
        return String(format: sign ? "%+.\(digits)f" : "%.\(digits)f", x)
    }

    /// A coordinate: one decimal, no exponent.
    static func px(_ x: Double) -> String { String(format: "%.1f", x) }
}

/// Small SVG charts written as text (no scripts, no external resources). Colours come from the page's CSS classes
/// (`s1`…`s4` for series, `grid`, `band`, `shade`, `mark`), so the light and dark schemes and print restyle them;
/// every series pairs its colour with a line style and a marker shape, and every point has a `<title>` tooltip
/// with its exact value.
enum SVG {
    /// A linear map from data to pixels.
    struct Scale {
        var lo: Double, hi: Double, from: Double, to: Double
        func callAsFunction(_ v: Double) -> Double {
            hi == lo ? (from + to) / 2 : from + (v - lo) / (hi - lo) * (to - from)
        }
    }

    /// About `count` round tick values covering lo…hi.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(max(count, 1))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func open(width: Int, height: Int, title: String, description: String, id: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" "
            + "aria-labelledby=\"\(id)-t \(id)-d\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"\(id)-t\">\(HTML.escape(title))</title><desc id=\"\(id)-d\">\(HTML.escape(description))</desc>"
    }

    static func text(_ s: String, x: Double, y: Double, anchor: String = "middle", cls: String = "label", rotate: Bool = false) -> String {
        let r = rotate ? " transform=\"rotate(-90 \(HTML.px(x)) \(HTML.px(y)))\"" : ""
        return "<text class=\"\(cls)\" x=\"\(HTML.px(x))\" y=\"\(HTML.px(y))\" text-anchor=\"\(anchor)\"\(r)>\(HTML.escape(s))</text>"
    }

    /// Axes with ticks, grid lines and labels (units in the labels) for the plot area x0…x1 × y0…y1 (y0 at the top).
    static func axes(x: Scale, y: Scale, xTicks: [(Double, String)], yTicks: [Double], xLabel: String, yLabel: String,
                     box: (x0: Double, y0: Double, x1: Double, y1: Double)) -> String {
        var s = ""
        for t in yTicks {
            s += "<line class=\"grid\" x1=\"\(HTML.px(box.x0))\" x2=\"\(HTML.px(box.x1))\" y1=\"\(HTML.px(y(t)))\" y2=\"\(HTML.px(y(t)))\"/>"
            s += text(String(format: "%.3g", t), x: box.x0 - 4, y: y(t) + 3, anchor: "end", cls: "tick")
        }
        for (v, label) in xTicks {
            s += text(label, x: x(v), y: box.y1 + 12, cls: "tick")
        }
        s += "<line class=\"axis\" x1=\"\(HTML.px(box.x0))\" x2=\"\(HTML.px(box.x1))\" y1=\"\(HTML.px(box.y1))\" y2=\"\(HTML.px(box.y1))\"/>"
        s += "<line class=\"axis\" x1=\"\(HTML.px(box.x0))\" x2=\"\(HTML.px(box.x0))\" y1=\"\(HTML.px(box.y0))\" y2=\"\(HTML.px(box.y1))\"/>"
        s += text(xLabel, x: (box.x0 + box.x1) / 2, y: box.y1 + 26)
        s += text(yLabel, x: 11, y: (box.y0 + box.y1) / 2, rotate: true)
        return s
    }

    /// How a series is drawn: a colour (`s1`…`s8`, the Okabe–Ito palette), a line style (`d1` solid, `d2` dotted,
    /// `d3` dashed, `d4` dash-dot) and a marker (circle, square, diamond, triangle); hollow markers for controls.
    struct Style: Sendable {
        var colour: Int, dash: Int, marker: Int
        var hollow = false
        static func series(_ k: Int) -> Style { Style(colour: k % 8, dash: k % 4, marker: k % 4) }
    }

    /// The marker of `style` at (x, y), with a tooltip.
    static func marker(_ style: Style, x: Double, y: Double, title: String) -> String {
        let cls = "m s\(style.colour + 1)\(style.hollow ? " hollow" : "")"
        let t = "<title>\(HTML.escape(title))</title>"
        switch style.marker % 4 {
        case 0: return "<circle class=\"\(cls)\" cx=\"\(HTML.px(x))\" cy=\"\(HTML.px(y))\" r=\"2.8\">\(t)</circle>"
        case 1: return "<rect class=\"\(cls)\" x=\"\(HTML.px(x - 2.5))\" y=\"\(HTML.px(y - 2.5))\" width=\"5\" height=\"5\">\(t)</rect>"
        case 2: return "<path class=\"\(cls)\" d=\"M\(HTML.px(x)) \(HTML.px(y - 3.5))l3.5 3.5-3.5 3.5-3.5-3.5z\">\(t)</path>"
        default: return "<path class=\"\(cls)\" d=\"M\(HTML.px(x)) \(HTML.px(y - 3.5))l3.5 6h-7z\">\(t)</path>"
        }
    }

    /// A polyline through the points, broken where a value is missing, in `style`'s colour and dash.
    static func line(_ style: Style, _ points: [(Double, Double)?]) -> String {
        var d = "", pen = false
        for p in points {
            guard let p else { pen = false; continue }
            d += (pen ? "L" : "M") + HTML.px(p.0) + " " + HTML.px(p.1)
            pen = true
        }
        return d.isEmpty ? "" : "<path class=\"ln s\(style.colour + 1) d\(style.dash % 4 + 1)\" d=\"\(d)\"/>"
    }

    /// A legend of series names with their line style and marker, one row from (x, y).
    static func legend(_ entries: [(name: String, style: Style)], x: Double, y: Double) -> String {
        var s = "", at = x
        for (n, style) in entries {
            s += "<path class=\"ln s\(style.colour + 1) d\(style.dash % 4 + 1)\" d=\"M\(HTML.px(at)) \(HTML.px(y))h22\"/>"
            s += marker(style, x: at + 11, y: y, title: n)
            s += text(n, x: at + 26, y: y + 4, anchor: "start")
            at += 32 + Double(n.count) * 6.2
        }
        return s
    }
}

/// One chart over turns: a few series (reading, last token before, self-report), a shaded band of what neutral chat
/// reads, shaded steered turns, guards marked under the axis, separators between logs.
struct TurnChart {
    var title: String
    var yLabel: String
    var turnLabels: [String]
    var series: [(name: String, values: [Double?])]
    /// Shaded bands over column ranges (each log its own calibration's band).
    var bands: [(from: Int, to: Int, lo: Double, hi: Double, label: String)] = []
    var shaded: [Int] = []
    var marks: [(index: Int, title: String)] = []
    var separators: [(index: Int, label: String)] = []
    var id: String

    func svg(width: Int = 640, height: Int = 190) -> String {
        let box = (x0: 44.0, y0: 22.0, x1: Double(width) - 10, y1: Double(height) - 40)
        let values: [Double] = series.flatMap { sr in sr.values.compactMap { $0 } }
        let all = values + bands.flatMap { [$0.lo, $0.hi] }
        let lo = min(-3, (all.min() ?? 0).rounded(.down)), hi = max(3, (all.max() ?? 0).rounded(.up))
        let n = max(turnLabels.count, 1)
        let step = (box.x1 - box.x0) / Double(n)
        let x = SVG.Scale(lo: 0, hi: Double(n), from: box.x0, to: box.x1)
        let y = SVG.Scale(lo: lo, hi: hi, from: box.y1, to: box.y0)
        func cx(_ i: Int) -> Double { x(Double(i) + 0.5) }
        var s = SVG.open(width: width, height: height, title: title,
                         description: "\(series.map(\.name).joined(separator: ", ")) over \(turnLabels.count) turns", id: id)
        for band in bands {
            s += "<rect class=\"band\" x=\"\(HTML.px(x(Double(band.from))))\" y=\"\(HTML.px(y(band.hi)))\" width=\"\(HTML.px(Double(band.to - band.from + 1) * step))\" "
                + "height=\"\(HTML.px(y(band.lo) - y(band.hi)))\"><title>\(HTML.escape(band.label))</title></rect>"
        }
        for i in shaded {
            s += "<rect class=\"shade\" x=\"\(HTML.px(x(Double(i))))\" y=\"\(HTML.px(box.y0))\" width=\"\(HTML.px(step))\" "
                + "height=\"\(HTML.px(box.y1 - box.y0))\"><title>turn \(HTML.escape(turnLabels[i])): steered</title></rect>"
        }
        let every = max(1, Int((Double(n) / 16).rounded(.up)))
        let xTicks = turnLabels.indices.filter { $0 % every == 0 }.map { (Double($0) + 0.5, turnLabels[$0]) }
        s += SVG.axes(x: x, y: y, xTicks: xTicks, yTicks: SVG.ticks(lo, hi, count: 4), xLabel: "turn", yLabel: yLabel, box: box)
        for (i, label) in separators where i > 0 {
            s += "<line class=\"sep\" x1=\"\(HTML.px(x(Double(i))))\" x2=\"\(HTML.px(x(Double(i))))\" y1=\"\(HTML.px(box.y0))\" y2=\"\(HTML.px(box.y1))\"><title>\(HTML.escape(label))</title></line>"
        }
        for (k, sr) in series.enumerated() {
            let style = SVG.Style.series(k)
            s += SVG.line(style, sr.values.enumerated().map { i, v in v.map { (cx(i), y($0)) } })
            for (i, v) in sr.values.enumerated() {
                guard let v else { continue }
                s += SVG.marker(style, x: cx(i), y: y(v), title: "turn \(turnLabels[i]): \(sr.name) \(HTML.number(v, 2, sign: true))")
            }
        }
        for m in marks {
            s += "<path class=\"mark\" d=\"M\(HTML.px(cx(m.index))) \(HTML.px(box.y1 + 1))l4 7h-8z\"><title>\(HTML.escape(m.title))</title></path>"
        }
        s += SVG.legend(series.enumerated().map { ($1.name, SVG.Style.series($0)) }, x: box.x0 + 4, y: 10)
        return s + "</svg>"
    }
}

/// Rows × columns of values in −3…+3 as a diverging colour: blue below zero, orange above, opacity the size; the
/// exact value in each cell's tooltip. Missing values are left blank and crossed.
struct HeatMap {
    var title: String
    var rows: [String]
    var columns: [String]
    var values: [[Double?]]   // [row][column]
    var what: String
    var id: String
    var limit = 3.0
    /// Every column labelled, the labels turned upright (a matrix's emotion names); else every few columns.
    var rotateColumns = false
    /// Marks the cells (i, i).
    var outlineDiagonal = false

    static func fill(_ v: Double, limit: Double) -> String {
        let a = min(abs(v) / limit, 1)
        return "fill:var(\(v < 0 ? "--neg" : "--pos"));fill-opacity:\(String(format: "%.2f", a))"
    }

    func svg(cell fixed: Double? = nil) -> String {
        let cell = fixed ?? max(10, min(28, 520 / Double(max(columns.count, 1))))
        let left = 96.0, top = 8.0
        let below = rotateColumns ? 78.0 : 16
        let w = max(left + Double(columns.count) * cell + 8, left + 200), h = top + Double(rows.count) * cell + below + 28
        var s = SVG.open(width: Int(w), height: Int(h), title: title, description: "\(rows.count) × \(columns.count) \(what)", id: id)
        for (r, name) in rows.enumerated() {
            s += SVG.text(name, x: left - 4, y: top + Double(r) * cell + cell * 0.72, anchor: "end", cls: "tick")
            for (c, col) in columns.enumerated() {
                let x = left + Double(c) * cell, y = top + Double(r) * cell
                let v = values[r][c]
                let tip = "\(name), \(col): \(v.map { HTML.number($0, 2, sign: true) } ?? "missing")"
                let style = v.map { Self.fill($0, limit: limit) } ?? "fill:none"
                s += "<rect class=\"cell\" x=\"\(HTML.px(x))\" y=\"\(HTML.px(y))\" width=\"\(HTML.px(cell))\" height=\"\(HTML.px(cell))\" style=\"\(style)\"><title>\(HTML.escape(tip))</title></rect>"
                if v == nil { s += "<path class=\"grid\" d=\"M\(HTML.px(x)) \(HTML.px(y))l\(HTML.px(cell)) \(HTML.px(cell))\"/>" }
            }
        }
        let bottom = top + Double(rows.count) * cell
        if rotateColumns {
            for c in columns.indices {
                let x = left + (Double(c) + 0.5) * cell + 3
                s += "<text class=\"tick\" x=\"\(HTML.px(x))\" y=\"\(HTML.px(bottom + 4))\" text-anchor=\"end\" transform=\"rotate(-90 \(HTML.px(x)) \(HTML.px(bottom + 4)))\">\(HTML.escape(columns[c]))</text>"
            }
        } else {
            let every = max(1, Int((40 / cell).rounded(.up)))
            for c in columns.indices where c % every == 0 {
                s += SVG.text(columns[c], x: left + (Double(c) + 0.5) * cell, y: bottom + 11, cls: "tick")
            }
        }
        if outlineDiagonal {
            for i in 0..<min(rows.count, columns.count) {
                s += "<rect class=\"diag\" x=\"\(HTML.px(left + Double(i) * cell))\" y=\"\(HTML.px(top + Double(i) * cell))\" width=\"\(HTML.px(cell))\" height=\"\(HTML.px(cell))\"/>"
            }
        }
        s += scaleBar(x: left, y: bottom + below)
        return s + "</svg>"
    }

    /// The colour scale from −limit to +limit, labelled.
    func scaleBar(x: Double, y: Double) -> String {
        var s = ""
        let steps = 12
        for i in 0..<steps {
            let v = -limit + (Double(i) + 0.5) * 2 * limit / Double(steps)
            s += "<rect x=\"\(HTML.px(x + Double(i) * 10))\" y=\"\(HTML.px(y))\" width=\"10\" height=\"8\" style=\"\(Self.fill(v, limit: limit))\"/>"
        }
        s += SVG.text(HTML.number(-limit, 0, sign: true), x: x, y: y + 19, anchor: "start", cls: "tick")
        s += SVG.text(HTML.number(limit, 0, sign: true), x: x + Double(steps) * 10, y: y + 19, anchor: "end", cls: "tick")
        s += SVG.text(what, x: x + Double(steps) * 10 + 8, y: y + 8, anchor: "start", cls: "tick")
        return s
    }
}

/// Points (x, y) with a caption; for one emotion's reading against its self-report.
struct ScatterPlot {
    var title: String
    var caption: String
    var xLabel: String
    var yLabel: String
    var points: [(x: Double, y: Double, tip: String)]
    var yRange: (Double, Double)?
    var id: String

    func svg(width: Int = 210, height: Int = 170) -> String {
        let box = (x0: 36.0, y0: 18.0, x1: Double(width) - 8, y1: Double(height) - 34)
        let xs = points.map(\.x), ys = points.map(\.y)
        let xlo = min(-3, (xs.min() ?? 0).rounded(.down)), xhi = max(3, (xs.max() ?? 0).rounded(.up))
        let (ylo, yhi) = yRange ?? (min(-3, (ys.min() ?? 0).rounded(.down)), max(3, (ys.max() ?? 0).rounded(.up)))
        let x = SVG.Scale(lo: xlo, hi: xhi, from: box.x0, to: box.x1), y = SVG.Scale(lo: ylo, hi: yhi, from: box.y1, to: box.y0)
        var s = SVG.open(width: width, height: height, title: title, description: caption, id: id)
        s += SVG.axes(x: x, y: y, xTicks: SVG.ticks(xlo, xhi, count: 3).map { ($0, HTML.number($0, 0)) }, yTicks: SVG.ticks(ylo, yhi, count: 3),
                      xLabel: xLabel, yLabel: yLabel, box: box)
        for p in points { s += SVG.marker(.series(0), x: x(p.x), y: y(p.y), title: p.tip) }
        s += SVG.text(caption, x: box.x0, y: 11, anchor: "start", cls: "tick")
        return s + "</svg>"
    }
}

/// Curves over a numeric x (a strength, a layer) with 95% interval whiskers; controls are series of their own, drawn
/// dashed beside the measured ones. For the lab's results.
public struct CurveChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double, low: Double?, high: Double?)]
        /// Series of one group share a colour; a control is drawn dashed with hollow markers.
        public var group: Int
        public var isControl: Bool
        public init(name: String, group: Int, isControl: Bool = false, points: [(x: Double, y: Double, low: Double?, high: Double?)]) {
            self.name = name
            self.group = group
            self.isControl = isControl
            self.points = points
        }

        var style: SVG.Style {
            SVG.Style(colour: group % 8, dash: isControl ? 2 : 0, marker: group % 4, hollow: isControl)
        }
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// A horizontal reference (chance, zero) drawn as a thin line, with its label.
    public var reference: (y: Double, label: String)?

    public init(title: String, xLabel: String, yLabel: String, series: [Series], reference: (y: Double, label: String)? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.reference = reference
    }

    func svg(id: String, width: Int = 640, height: Int = 220) -> String {
        let box = (x0: 48.0, y0: 24.0 + 14 * Double((series.count - 1) / 3), x1: Double(width) - 12, y1: Double(height) - 40)
        let pts = series.flatMap(\.points)
        let ys = pts.flatMap { [$0.y, $0.low ?? $0.y, $0.high ?? $0.y] }.filter(\.isFinite) + [reference?.y].compactMap { $0 }
        let xs = pts.map(\.x).filter(\.isFinite)
        var (ylo, yhi) = (ys.min() ?? 0, ys.max() ?? 1)
        if yhi - ylo < 1e-9 { ylo -= 0.5; yhi += 0.5 }
        let pad = (yhi - ylo) * 0.08
        ylo -= pad; yhi += pad
        var (xlo, xhi) = (xs.min() ?? 0, xs.max() ?? 1)
        if xhi - xlo < 1e-9 { xlo -= 1; xhi += 1 }
        let xpad = (xhi - xlo) * 0.05
        let x = SVG.Scale(lo: xlo - xpad, hi: xhi + xpad, from: box.x0, to: box.x1), y = SVG.Scale(lo: ylo, hi: yhi, from: box.y1, to: box.y0)
        var s = SVG.open(width: width, height: height, title: title, description: series.map(\.name).joined(separator: ", "), id: id)
        let xValues = Array(Set(xs)).sorted()
        let xTicks = (xValues.count <= 12 ? xValues : SVG.ticks(xlo, xhi, count: 6)).map { ($0, HTML.number($0, $0.rounded() == $0 ? 0 : 2)) }
        s += SVG.axes(x: x, y: y, xTicks: xTicks, yTicks: SVG.ticks(ylo, yhi, count: 4), xLabel: xLabel, yLabel: yLabel, box: box)
        if let r = reference {
            s += "<line class=\"ref\" x1=\"\(HTML.px(box.x0))\" x2=\"\(HTML.px(box.x1))\" y1=\"\(HTML.px(y(r.y)))\" y2=\"\(HTML.px(y(r.y)))\"><title>\(HTML.escape(r.label))</title></line>"
        }
        for sr in series {
            let sorted = sr.points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
            s += SVG.line(sr.style, sorted.map { (x($0.x), y($0.y)) })
            for p in sorted {
                if let l = p.low, let h = p.high, l.isFinite, h.isFinite {
                    s += "<line class=\"ln s\(sr.style.colour + 1)\" x1=\"\(HTML.px(x(p.x)))\" x2=\"\(HTML.px(x(p.x)))\" y1=\"\(HTML.px(y(l)))\" y2=\"\(HTML.px(y(h)))\"/>"
                }
                let interval = p.low.flatMap { l in p.high.map { " [\(HTML.number(l, 3)), \(HTML.number($0, 3))]" } } ?? ""
                s += SVG.marker(sr.style, x: x(p.x), y: y(p.y), title: "\(sr.name), \(xLabel) \(HTML.number(p.x, 2)): \(HTML.number(p.y, 3))\(interval)")
            }
        }
        for row in stride(from: 0, to: series.count, by: 3) {
            let entries = series[row..<min(row + 3, series.count)].map { ($0.name, $0.style) }
            s += SVG.legend(entries, x: box.x0 + 4, y: 10 + 14 * Double(row / 3))
        }
        return s + "</svg>"
    }
}
