import Foundation

/// The carriers labeld knows, by the keys of `templates/carriers.yaml` (`cj`, `lotte`, …): the names
/// and codes channels write in a 택배사 column, the display name a waybill prints, and the waybill
/// number's plausible lengths for checking numbers at import.
public enum Carriers {
    public struct Carrier: Sendable, Hashable {
        /// The profile key in templates/carriers.yaml.
        public var key: String
        /// What the waybill prints (`CJ대한통운`).
        public var displayName: String
        /// Plausible waybill number lengths at import.
        public var digits: ClosedRange<Int>
        /// The last digit is the first 11 digits mod 7 (Lotte; confirmed by public integrations).
        public var mod7first11: Bool
        /// Other spellings seen in exports, compared without case, spaces or punctuation.
        public var aliases: [String]
    }

    public static let all: [Carrier] = [
        Carrier(key: "cj", displayName: "CJ대한통운", digits: 10...12, mod7first11: false,
                aliases: ["CJ대한통운", "대한통운", "CJ", "CJ택배", "CJ대한통운택배", "대한통운택배", "CJGLS", "CJ GLS", "CJ Logistics"]),
        Carrier(key: "lotte", displayName: "롯데택배", digits: 12...12, mod7first11: true,
                aliases: ["롯데택배", "롯데", "Lotte", "롯데글로벌로지스", "롯데글로벌로지스택배", "Lotte Global Logistics", "현대택배"]),
        Carrier(key: "hanjin", displayName: "한진택배", digits: 10...12, mod7first11: false,
                aliases: ["한진택배", "한진", "Hanjin", "Hanjin Express"]),
        Carrier(key: "epost", displayName: "우체국택배", digits: 13...13, mod7first11: false,
                aliases: ["우체국택배", "우체국", "우체국소포", "ePost", "Korea Post"]),
        Carrier(key: "logen", displayName: "로젠택배", digits: 11...11, mod7first11: false,
                aliases: ["로젠택배", "로젠", "Logen", "iLogen"]),
        Carrier(key: "generic", displayName: "택배", digits: 8...20, mod7first11: false,
                aliases: ["택배", "기타", "기타택배", "generic"]),
    ]

    /// Waybill numbers of an unknown or unnamed carrier: any 8–20 digits.
    public static let anyDigits: ClosedRange<Int> = 8...20

    static let byAlias: [String: Carrier] = {
        var table: [String: Carrier] = [:]
        for c in all {
            for name in [c.key, c.displayName] + c.aliases { table[fold(name)] = c }
        }
        return table
    }()

    /// Lower case without spaces, punctuation or a company suffix: `CJ 대한통운(주)` → `cj대한통운`.
    static func fold(_ name: String) -> String {
        var s = name.lowercased()
        for suffix in ["(주)", "㈜", "주식회사"] { s = s.replacingOccurrences(of: suffix, with: "") }
        return String(s.unicodeScalars.filter { !($0.properties.isWhitespace || " -_.,()[]/·".unicodeScalars.contains($0)) }.map(Character.init))
    }

    /// The profile key for a carrier name or code as a channel writes it (`CJ대한통운`, `롯데`, `epost`);
    /// nil when it is none of the known names.
    public static func key(for name: String) -> String? { byAlias[fold(name)]?.key }

    /// The carrier for a profile key.
    public static func carrier(_ key: String) -> Carrier? { all.first { $0.key == key } }

    /// What a waybill prints for the carrier `key` (`cj` → `CJ대한통운`); an unknown key as it is.
    public static func displayName(_ key: String) -> String { carrier(key)?.displayName ?? key }

    /// The names an import accepts, for error messages.
    public static var acceptedNames: String {
        all.map { "\($0.displayName) (\($0.key))" }.joined(separator: ", ")
    }

    /// A waybill number as stored: its digits once hyphens and spaces are removed, checked for a
    /// length the carrier uses (any 8–20 digits without a known carrier) and, for Lotte, the mod-7
    /// check digit. Throws with what is wrong.
    public static func waybillNumber(_ text: String, carrier key: String?) throws(FulfillmentError) -> String {
        let c = key.flatMap(carrier)
        let label = c.map { "\($0.displayName) waybill number" } ?? "waybill number"
        func fail(_ why: String) -> FulfillmentError { FulfillmentError(code: .invalidInput, message: "\(label) '\(text)': \(why)") }
        var digits = [UInt8]()
        for b in text.utf8 where b != UInt8(ascii: "-") && b != 0x20 {
            guard b >= 0x30 && b <= 0x39 else { throw fail("digits only (hyphens and spaces are left out)") }
            digits.append(b)
        }
        let range = c?.digits ?? anyDigits
        guard range.contains(digits.count) else {
            let want = range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw fail("expected \(want) digits, got \(digits.count)")
        }
        if c?.mod7first11 == true {
            var base = 0
            for b in digits.prefix(11) { base = base * 10 + Int(b - 0x30) }
            let expected = base % 7, actual = Int(digits[11] - 0x30)
            if expected != actual { throw fail("check digit \(actual) breaks rule mod7-11 (first 11 digits mod 7 = \(expected))") }
        }
        return String(decoding: digits, as: UTF8.self)
    }
}
