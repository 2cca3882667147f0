import Foundation

/// A filter applied to a bound value: `{{ phone | phone | mask:'-****' }}`.
public struct FilterCall: Sendable, Hashable {
    public enum Name: String, Sendable, CaseIterable {
        /// `mask:'name'` (2nd character → *), `mask:'phone'` (last 4 digits), or a pattern of `.` (keep)
        /// and `*` (mask) matched from the left, or from the right when it starts with `-`.
        /// Separators (`-`, space, `(`, `)`) are skipped and kept.
        case mask
        /// Korean phone number formatting: `01012345678` → `010-1234-5678`, `0212345678` → `02-1234-5678`.
        case phone
        /// Digit/character grouping: `group:'4-4-4'` → `1234-5678-9012`; the separator is the pattern's.
        case group
        /// Thousands separators: `12345` → `12,345`; `number:2` keeps two decimals.
        case number
        /// Date formatting of an ISO 8601 date or date-time: `date:'yyyy.MM.dd'` (Asia/Seoul).
        case date
        /// The value when the field is missing, null or empty.
        case `default`
        case upper
        case lower
        case trim
        /// `truncate:20` keeps 20 characters and ends with `…` when cut.
        case truncate
        /// Text put before / after the value, only when the value is not empty.
        case prefix
        case suffix
    }

    public var name: Name
    public var arguments: [String]

    public init(name: Name, arguments: [String] = []) {
        self.name = name
        self.arguments = arguments
    }

    static func parse(_ text: String, location: SourceLocation?) throws(LabelModelError) -> FilterCall {
        let nameText: String
        var arguments: [String] = []
        if let colon = text.firstIndex(of: ":") {
            nameText = text[..<colon].trimmingCharacters(in: .whitespaces)
            for raw in splitOutsideQuotes(String(text[text.index(after: colon)...]), separator: ",") {
                var arg = raw.trimmingCharacters(in: .whitespaces)
                if arg.count >= 2, let first = arg.first, first == "\"" || first == "'", arg.last == first {
                    arg = String(arg.dropFirst().dropLast())
                } else if ["default", "prefix", "suffix"].contains(nameText.trimmingCharacters(in: .whitespaces)),
                          arg.contains(where: \.isLetter), arg.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
                    // `default:sku` once printed the word "sku": text is quoted, a field starts with @.
                    let name = nameText.trimmingCharacters(in: .whitespaces)
                    throw LabelModelError(code: .invalidBinding, message: "filter '\(name)' argument \(arg) is neither quoted text nor a field: "
                        + "write \(name):'\(arg)' for the text, or \(name):@\(arg) for the value of the field \(arg)", location: location)
                }
                arguments.append(arg)
            }
        } else {
            nameText = text
        }
        guard let name = Name(rawValue: nameText) else {
            let known = Name.allCases.map(\.rawValue).joined(separator: ", ")
            throw LabelModelError(code: .invalidBinding, message: "unknown filter '\(nameText)': expected one of \(known)", location: location)
        }
        let call = FilterCall(name: name, arguments: arguments)
        try call.validate(location: location)
        return call
    }

    private func validate(location: SourceLocation?) throws(LabelModelError) {
        func need(_ count: ClosedRange<Int>, _ example: String) throws(LabelModelError) {
            guard count.contains(arguments.count) else {
                throw LabelModelError(code: .invalidBinding, message: "filter '\(name.rawValue)' takes \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)") argument(s), e.g. \(example)", location: location)
            }
        }
        switch name {
        case .mask:
            try need(1...1, "mask:'name' or mask:'-****'")
            let p = arguments[0]
            if !p.hasPrefix("@") && !Self.isMaskPattern(p) {
                throw LabelModelError(code: .invalidBinding, message: "mask pattern '\(p)': expected 'name', 'phone' or a pattern of '.' (keep) and '*' (mask), optionally starting with '-' to count from the right", location: location)
            }
        case .group:
            try need(1...1, "group:'4-4-4'")
            if !arguments[0].hasPrefix("@") && Self.groupSizes(arguments[0]) == nil {
                throw LabelModelError(code: .invalidBinding, message: "group pattern '\(arguments[0])': expected sizes separated by one separator character, such as '4-4-4' or '2 3 2 2'", location: location)
            }
        case .number:
            try need(0...1, "number or number:2")
            if let a = arguments.first, !(Int(a).map { (0...10).contains($0) } ?? false) {
                throw LabelModelError(code: .invalidBinding, message: "number filter takes a count of decimals from 0 to 10, got '\(a)'", location: location)
            }
        case .date: try need(1...1, "date:'yyyy-MM-dd'")
        case .default, .prefix, .suffix: try need(1...1, "\(name.rawValue):'text'")
        case .truncate:
            try need(1...1, "truncate:20")
            if Int(arguments[0]) == nil || Int(arguments[0])! < 1 {
                throw LabelModelError(code: .invalidBinding, message: "truncate takes a positive character count, got '\(arguments[0])'", location: location)
            }
        case .phone, .upper, .lower, .trim: try need(0...0, name.rawValue)
        }
    }

    static func isMaskPattern(_ p: String) -> Bool {
        p == "name" || p == "phone" || (!p.isEmpty && p.allSatisfy { $0 == "." || $0 == "*" || $0 == "-" })
    }

    static func groupSizes(_ pattern: String) -> (sizes: [Int], separator: String)? {
        var sizes: [Int] = []
        var separator: Character?
        var digits = ""
        for c in pattern {
            if c.isNumber { digits.append(c) }
            else {
                if let s = separator, s != c { return nil }
                separator = c
                guard let n = Int(digits), (1...1000).contains(n) else { return nil }
                sizes.append(n); digits = ""
            }
        }
        guard let n = Int(digits), (1...1000).contains(n) else { return nil }
        sizes.append(n)
        return (sizes, separator.map(String.init) ?? "")
    }

    /// Applies the filter to `text`. Throws (code `data.invalid`, no path yet) when the text is not
    /// what the filter needs, such as a date filter on "tomorrow".
    public func apply(_ text: String) throws(LabelModelError) -> String {
        switch name {
        case .mask: return Self.mask(text, pattern: arguments[0])
        case .phone: return Self.formatPhone(text)
        case .group:
            let (sizes, sep) = Self.groupSizes(arguments[0])!
            let chars = Array(text.filter { $0 != " " && $0 != "-" })
            var groups: [String] = []
            var i = 0
            for (n, size) in sizes.enumerated() {
                guard i < chars.count else { break }
                let end = n == sizes.count - 1 ? chars.count : min(chars.count, i + size)
                groups.append(String(chars[i..<end]))
                i = end
            }
            return groups.joined(separator: sep)
        case .number:
            if text.isEmpty { return text }
            guard let formatted = Self.formatNumber(text, decimals: arguments.first.flatMap(Int.init) ?? 0) else {
                throw LabelModelError(code: .data, message: "'\(text)' is not a number (filter 'number')")
            }
            return formatted
        case .date:
            if text.isEmpty { return text }
            guard let formatted = Self.formatDate(text, format: arguments[0]) else {
                throw LabelModelError(code: .data, message: "'\(text)' is not a date: expected ISO 8601 such as 2026-11-28 or 2026-11-28T09:30:00+09:00 (filter 'date')")
            }
            return formatted
        case .default: return text.isEmpty ? arguments[0] : text
        case .upper: return text.uppercased()
        case .lower: return text.lowercased()
        case .trim: return text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .truncate:
            let n = Int(arguments[0])!
            return text.count > n ? String(text.prefix(n)) + "…" : text
        case .prefix: return text.isEmpty ? text : arguments[0] + text
        case .suffix: return text.isEmpty ? text : text + arguments[0]
        }
    }

    static func isSeparator(_ c: Character) -> Bool { c == "-" || c == " " || c == "(" || c == ")" || c == "." }

    static func mask(_ text: String, pattern: String) -> String {
        var chars = Array(text)
        let positions = chars.indices.filter { !isSeparator(chars[$0]) }
        switch pattern {
        case "name":
            // 홍길동 → 홍*동, 남궁민수 → 남*민수 (2nd character), 이훈 → 이*
            if positions.count >= 2 { chars[positions[1]] = "*" }
        case "phone":
            for p in positions.suffix(4) { chars[p] = "*" }
        default:
            var body = Array(pattern)
            let fromRight = body.first == "-"
            if fromRight { body.removeFirst() }
            let targets = fromRight ? Array(positions.suffix(body.count)) : Array(positions.prefix(body.count))
            let marks = fromRight ? Array(body.suffix(targets.count)) : Array(body.prefix(targets.count))
            for (p, m) in zip(targets, marks) where m == "*" { chars[p] = "*" }
        }
        return String(chars)
    }

    static func formatPhone(_ text: String) -> String {
        let digits = text.filter(\.isNumber)
        let d = Array(digits)
        func cut(_ sizes: [Int]) -> String {
            var parts: [String] = []
            var i = 0
            for s in sizes { parts.append(String(d[i..<min(d.count, i + s)])); i += s }
            return parts.joined(separator: "-")
        }
        switch d.count {
        case 8 where digits.hasPrefix("15") || digits.hasPrefix("16") || digits.hasPrefix("18"): return cut([4, 4])
        case 9 where digits.hasPrefix("02"): return cut([2, 3, 4])
        case 10 where digits.hasPrefix("02"): return cut([2, 4, 4])
        case 10: return cut([3, 3, 4])
        case 11: return cut([3, 4, 4])
        case 12 where digits.hasPrefix("050"): return cut([4, 4, 4])
        default: return text
        }
    }

    static func formatNumber(_ text: String, decimals: Int) -> String? {
        guard let value = Double(text.replacingOccurrences(of: ",", with: "")) else { return nil }
        let negative = value < 0
        let fixed = String(format: "%.\(decimals)f", abs(value))
        let intPart = fixed.split(separator: ".").first.map(String.init) ?? fixed
        let frac = fixed.contains(".") ? "." + fixed.split(separator: ".")[1] : ""
        var grouped = ""
        for (i, c) in intPart.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        return (negative ? "-" : "") + String(grouped.reversed()) + frac
    }

    // Configured once, then only parses and formats: ISO8601DateFormatter is thread-safe for that.
    nonisolated(unsafe) private static let isoFull: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }()

    static func formatDate(_ text: String, format: String) -> String? {
        let seoul = TimeZone(identifier: "Asia/Seoul")!
        var date: Date? = isoFull.date(from: text)
        if date == nil {
            let day = DateFormatter()
            day.locale = Locale(identifier: "en_US_POSIX")
            day.timeZone = seoul
            for f in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyyMMdd"] {
                day.dateFormat = f
                if let d = day.date(from: text) { date = d; break }
            }
        }
        guard let date else { return nil }
        let out = DateFormatter()
        out.locale = Locale(identifier: "ko_KR")
        out.timeZone = seoul
        out.dateFormat = format
        return out.string(from: date)
    }
}
