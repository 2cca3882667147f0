import Foundation

/// A length on a label. Stored in millimetres; every length in a template carries its unit
/// (`12mm`, `2in`, `10pt`, `80dots`), so a template drawn for 203 dpi renders at 300 dpi too.
public struct Distance: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in millimetres.
    public var millimetres: Double

    public init(millimetres: Double) { self.millimetres = millimetres }

    public static func mm(_ value: Double) -> Distance { Distance(millimetres: value) }
    public static func inches(_ value: Double) -> Distance { Distance(millimetres: value * 25.4) }
    public static func points(_ value: Double) -> Distance { Distance(millimetres: value * 25.4 / 72) }
    /// `value` printer dots at `dpi` dots per inch.
    public static func dots(_ value: Double, dpi: Int) -> Distance { Distance(millimetres: value * 25.4 / Double(dpi)) }
    public static let zero = Distance(millimetres: 0)

    /// The length in printer dots at `dpi`, not rounded.
    public func dots(at dpi: Int) -> Double { millimetres * Double(dpi) / 25.4 }
    /// The length in whole printer dots at `dpi` (rounded to nearest). Never traps: NaN is 0 and
    /// lengths beyond ±2³¹ dots are clamped (the parser and the composer refuse such lengths first).
    public func wholeDots(at dpi: Int) -> Int { Distance.clampedInt(dots(at: dpi).rounded()) }
    /// The length in millimetres rounded to 0.01 mm, for display and listings (`152.4`, not
    /// `152.39999999999998`).
    public var roundedMillimetres: Double { (millimetres * 100).rounded() / 100 }

    /// `value` as an Int, NaN as 0 and clamped to ±2³¹, so a conversion of a huge length cannot trap.
    public static func clampedInt(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        return Int(min(max(value, -2_147_483_648), 2_147_483_647))
    }
    /// The length in PostScript points.
    public var points: Double { millimetres * 72 / 25.4 }

    public static func < (a: Distance, b: Distance) -> Bool { a.millimetres < b.millimetres }
    public static func + (a: Distance, b: Distance) -> Distance { Distance(millimetres: a.millimetres + b.millimetres) }
    public static func - (a: Distance, b: Distance) -> Distance { Distance(millimetres: a.millimetres - b.millimetres) }
    public static func * (a: Distance, k: Double) -> Distance { Distance(millimetres: a.millimetres * k) }

    public var description: String {
        let rounded = (millimetres * 1000).rounded() / 1000
        return "\(rounded)mm"
    }
}

extension Distance {
    /// The units a template may write a length in.
    public enum Unit: String, Sendable, CaseIterable {
        case mm, cm, `in`, pt, dots
    }

    /// Parses `"12.5mm"`, `"2in"`, `"10pt"`, `"80dots"` (or `"80dot"`); `dots` are taken at `dpi`.
    /// Returns nil when the text is not a number followed by a known unit. A bare `0` is zero.
    /// The value may be huge or infinite (`1e400mm`): callers check the range (the parser does).
    public static func parse(_ text: String, dpi: Int) -> Distance? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "0" { return .zero }
        var numberEnd = trimmed.startIndex
        var index = trimmed.startIndex
        while index < trimmed.endIndex {
            let c = trimmed[index]
            if c.isASCII && (c.isNumber || c == "." || c == "-" || c == "+") {
                index = trimmed.index(after: index)
                numberEnd = index
            } else if c == "e" || c == "E", numberEnd > trimmed.startIndex {
                // An exponent (1e3mm) only when digits follow: `3em` is 3 and the unit `em`.
                var digit = trimmed.index(after: index)
                if digit < trimmed.endIndex, trimmed[digit] == "-" || trimmed[digit] == "+" { digit = trimmed.index(after: digit) }
                guard digit < trimmed.endIndex, trimmed[digit].isASCII, trimmed[digit].isNumber else { break }
                index = trimmed.index(after: digit)
                numberEnd = index
            } else {
                break
            }
        }
        guard numberEnd > trimmed.startIndex, let value = Double(trimmed[..<numberEnd]) else { return nil }
        let unit = trimmed[numberEnd...].trimmingCharacters(in: .whitespaces).lowercased()
        switch unit {
        case "mm": return .mm(value)
        case "cm": return .mm(value * 10)
        case "in", "inch", "\"": return .inches(value)
        case "pt": return .points(value)
        case "dots", "dot", "d": return .dots(value, dpi: dpi)
        default: return nil
        }
    }
}
