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
    /// The length in whole printer dots at `dpi` (rounded to nearest).
    public func wholeDots(at dpi: Int) -> Int { Int((dots(at: dpi)).rounded()) }
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
    public static func parse(_ text: String, dpi: Int) -> Distance? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "0" { return .zero }
        var numberEnd = trimmed.startIndex
        for index in trimmed.indices {
            let c = trimmed[index]
            if c.isNumber || c == "." || c == "-" || c == "+" { numberEnd = trimmed.index(after: index) } else { break }
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
