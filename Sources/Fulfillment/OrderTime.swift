public import Foundation

/// Order and payment times as channels write them (`2026.12.03 08:00:00`, `20261203080000`,
/// `2026. 12. 3. 오전 8:00:00`, ISO 8601 …), stored in one form that sorts as text: UTC with
/// milliseconds, `2026-12-02T23:00:00.000Z`, the form of `collectedAt` (`FulfillmentStore.timestamp`).
public enum OrderTime {
    /// Korea Standard Time (UTC+9, no daylight saving): the zone of every Korean channel's export.
    public static let seoulOffsetSeconds = 9 * 3600

    /// What an import accepts, for error messages.
    public static let expected = "a date and time such as 2026-12-03 14:30:00, 2026.12.03 14:30, 2026/12/03 14:30:00, 20261203143000, 2026-12-03, 2026-12-03T14:30:00+09:00 or 2026. 12. 3. 오후 2:30:00"

    /// The stored form of `text`, read as local time at `utcOffsetSeconds` unless it names its own
    /// offset (`Z`, `+09:00`); nil when it is not one of the accepted forms or not a real date.
    public static func canonical(_ text: String, utcOffsetSeconds: Int = seoulOffsetSeconds) -> String? {
        milliseconds(text, utcOffsetSeconds: utcOffsetSeconds).map(format)
    }

    /// The calendar day of `date` at `utcOffsetSeconds` (Korea by default: UTC+9 all year, no
    /// daylight saving) as `yyyy-MM-dd`, or `yyyyMMdd` with `separator: ""`. No formatter: a scan
    /// asks it for every waybill.
    public static func day(_ date: Date = Date(), separator: String = "-", utcOffsetSeconds: Int = seoulOffsetSeconds) -> String {
        var t = time_t(date.timeIntervalSince1970) + time_t(utcOffsetSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)\(separator)\(two(parts.tm_mon + 1))\(separator)\(two(parts.tm_mday))"
    }

    /// The instant `text` names (see `canonical`).
    public static func date(_ text: String, utcOffsetSeconds: Int = seoulOffsetSeconds) -> Date? {
        milliseconds(text, utcOffsetSeconds: utcOffsetSeconds).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// The stored form of the first instant of a local calendar day (`2026-11-27` → `2026-11-26T15:00:00.000Z`),
    /// for comparing stored times with a day range.
    public static func startOfDay(_ day: String, utcOffsetSeconds: Int = seoulOffsetSeconds) -> String? {
        guard day.utf8.count == 10 else { return nil }
        return canonical(day, utcOffsetSeconds: utcOffsetSeconds)
    }

    /// The stored form of the first instant after a local calendar day (`2026-11-27` → `2026-11-27T15:00:00.000Z`):
    /// a day range `from…to` is `startOfDay(from) <= t < startOfNextDay(to)`.
    public static func startOfNextDay(_ day: String, utcOffsetSeconds: Int = seoulOffsetSeconds) -> String? {
        guard day.utf8.count == 10, let ms = milliseconds(day, utcOffsetSeconds: utcOffsetSeconds) else { return nil }
        return format(ms + 86_400_000)
    }

    /// Milliseconds since 1970 in UTC.
    static func milliseconds(_ text: String, utcOffsetSeconds: Int) -> Int64? {
        var p = Parser(Array(text.utf8))
        p.skipSpaces()
        guard let year = p.number(4, 4) else { return nil }
        var month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0
        var offset = utcOffsetSeconds
        if p.atEnd || p.isSpace || p.peek == UInt8(ascii: "T") || !p.isDigit {
            // yyyy-MM-dd, yyyy.MM.dd, yyyy/MM/dd (Excel: `2026. 12. 3.`), then an optional time.
            guard let sep = p.peek, [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/")].contains(sep) else { return nil }
            p.i += 1
            p.skipSpaces()
            guard let m = p.number(1, 2), p.take(sep) else { return nil }
            p.skipSpaces()
            guard let d = p.number(1, 2) else { return nil }
            month = m; day = d
            if sep == UInt8(ascii: ".") { _ = p.take(sep) }
            let beforeTime = p.i
            p.skipSpaces()
            if !p.atEnd {
                if p.i == beforeTime { guard p.take(UInt8(ascii: "T")) || p.take(UInt8(ascii: "t")) else { return nil } }
                let before = p.meridiem()
                p.skipSpaces()
                guard let h = p.number(1, 2), p.take(UInt8(ascii: ":")), let mi = p.number(2, 2) else { return nil }
                hour = h; minute = mi
                if p.take(UInt8(ascii: ":")) {
                    guard let s = p.number(2, 2) else { return nil }
                    second = s
                    if p.take(UInt8(ascii: ".")) || p.take(UInt8(ascii: ",")) {
                        guard let f = p.fraction() else { return nil }
                        millis = f
                    }
                }
                let afterStart = p.i
                p.skipSpaces()
                let after = p.meridiem()
                if after == nil { p.i = afterStart }
                if before != nil && after != nil { return nil }
                if let pm = before ?? after {
                    guard (0...12).contains(hour), !(pm && hour == 0) else { return nil }
                    hour = hour % 12 + (pm ? 12 : 0)
                }
                let zoneStart = p.i
                p.skipSpaces()
                if let z = p.zone() { offset = z } else { p.i = zoneStart }
            }
        } else {
            // Digits only: yyyyMMdd, yyyyMMddHHmm, yyyyMMddHHmmss.
            guard let m = p.number(2, 2), let d = p.number(2, 2) else { return nil }
            month = m; day = d
            if !p.atEnd && !p.isSpace {
                guard let h = p.number(2, 2), let mi = p.number(2, 2) else { return nil }
                hour = h; minute = mi
                if p.isDigit { guard let s = p.number(2, 2) else { return nil }; second = s }
            }
        }
        p.skipSpaces()
        guard p.atEnd, (1...12).contains(month), day >= 1, day <= daysIn(month, year), hour < 24, minute < 60, second < 60 else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = days * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return seconds * 1000 + Int64(millis)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC.
    static func format(_ ms: Int64) -> String {
        let (secs, milli) = (ms >= 0 ? ms / 1000 : (ms - 999) / 1000, ((ms % 1000) + 1000) % 1000)
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rest = Int(secs - days * 86400)
        // civil_from_days
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        let y = Int(yoe + era * 400) + (m <= 2 ? 1 : 0)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ n: Int, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var v = n
            for k in stride(from: width - 1, through: 0, by: -1) { digits[k] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10 }
            out.append(contentsOf: digits)
        }
        put(y, 4); out.append(UInt8(ascii: "-")); put(m, 2); out.append(UInt8(ascii: "-")); put(d, 2)
        out.append(UInt8(ascii: "T")); put(rest / 3600, 2); out.append(UInt8(ascii: ":")); put(rest / 60 % 60, 2)
        out.append(UInt8(ascii: ":")); put(rest % 60, 2); out.append(UInt8(ascii: ".")); put(Int(milli), 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    struct Parser {
        let b: [UInt8]
        var i = 0
        init(_ b: [UInt8]) { self.b = b }
        var atEnd: Bool { i >= b.count }
        var peek: UInt8? { i < b.count ? b[i] : nil }
        var isDigit: Bool { peek.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        var isSpace: Bool { peek == 0x20 || peek == 0x09 }
        mutating func skipSpaces() { while isSpace { i += 1 } }
        mutating func take(_ c: UInt8) -> Bool {
            guard peek == c else { return false }
            i += 1
            return true
        }
        /// `min`…`max` ASCII digits as a number.
        mutating func number(_ min: Int, _ max: Int) -> Int? {
            var n = 0, count = 0
            while count < max, isDigit { n = n * 10 + Int(b[i] - 0x30); i += 1; count += 1 }
            return count >= min ? n : nil
        }
        /// Fractional seconds as milliseconds (further digits dropped).
        mutating func fraction() -> Int? {
            var ms = 0, count = 0
            while isDigit { if count < 3 { ms = ms * 10 + Int(b[i] - 0x30) }; count += 1; i += 1 }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 3) { ms *= 10 }
            return ms
        }
        /// 오전/오후, AM/PM: true for the afternoon; nil (nothing taken) when absent.
        mutating func meridiem() -> Bool? {
            for (word, pm) in [(Array("오전".utf8), false), (Array("오후".utf8), true)] where b[i...].starts(with: word) {
                i += word.count
                return pm
            }
            guard i + 1 < b.count, b[i + 1] | 0x20 == UInt8(ascii: "m") else { return nil }
            switch b[i] | 0x20 {
            case UInt8(ascii: "a"): i += 2; return false
            case UInt8(ascii: "p"): i += 2; return true
            default: return nil
            }
        }
        /// `Z`, `±HH`, `±HH:mm`, `±HHmm` as seconds east of UTC.
        mutating func zone() -> Int? {
            if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return 0 }
            guard let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            i += 1
            guard let h = number(2, 2), h <= 18 else { return nil }
            var m = 0
            if take(UInt8(ascii: ":")) { guard let mm = number(2, 2) else { return nil }; m = mm } else if isDigit {
                guard let mm = number(2, 2) else { return nil }
                m = mm
            }
            guard m < 60 else { return nil }
            return (sign == UInt8(ascii: "+") ? 1 : -1) * (h * 3600 + m * 60)
        }
    }
}
