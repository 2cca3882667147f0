import Foundation

/// labeld's SQL, written once in the form SQLite reads, as PostgreSQL reads it.
///
/// - `?` placeholders become `$1`, `$2`, … (outside quoted text).
/// - Schema: `INTEGER PRIMARY KEY` becomes `BIGSERIAL PRIMARY KEY` (a row id as SQLite's),
///   `INTEGER` `BIGINT` (SQLite's integers are 64-bit), `BLOB` `BYTEA`, `REAL` `DOUBLE PRECISION`.
/// - `INSERT OR IGNORE` becomes `INSERT … ON CONFLICT DO NOTHING`; `GROUP_CONCAT` `string_agg`;
///   `json_each(?)` `json_array_elements_text(CAST(? AS json))`; `LIKE` `ILIKE` (SQLite's LIKE
///   ignores ASCII case).
/// - `PRAGMA`s are dropped.
///
/// Translations are kept by their source text: labeld's statements are a fixed set.
enum PostgresSQL {
    private static let cache = Cache()

    final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var translated: [String: String?] = [:]
    }

    static func translate(_ sql: String) -> String? {
        cache.lock.lock()
        if let hit = cache.translated[sql] { cache.lock.unlock(); return hit }
        cache.lock.unlock()
        let result = uncachedTranslate(sql)
        cache.lock.lock()
        if cache.translated.count > 4096 { cache.translated.removeAll() }
        cache.translated[sql] = result
        cache.lock.unlock()
        return result
    }

    static func uncachedTranslate(_ source: String) -> String? {
        var sql = source.trimmingCharacters(in: .whitespacesAndNewlines)
        let upper = sql.uppercased()
        if upper.hasPrefix("PRAGMA") { return nil }
        if upper.hasPrefix("CREATE TABLE") || upper.hasPrefix("ALTER TABLE") {
            sql = replacingWords(sql, [("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"),
                                       ("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY"),
                                       ("INTEGER", "BIGINT"), ("BLOB", "BYTEA"), ("REAL", "DOUBLE PRECISION")])
        }
        sql = sql.replacingOccurrences(of: "json_each(?)", with: "json_array_elements_text(CAST(? AS json))")
        sql = replacingWords(sql, [("GROUP_CONCAT", "string_agg"), ("LIKE", "ILIKE")])
        if upper.hasPrefix("INSERT OR IGNORE INTO") {
            sql = "INSERT INTO" + sql.dropFirst("INSERT OR IGNORE INTO".count)
            if let r = sql.range(of: " RETURNING ", options: [.caseInsensitive, .backwards]) {
                sql.insert(contentsOf: " ON CONFLICT DO NOTHING", at: r.lowerBound)
            } else {
                sql += " ON CONFLICT DO NOTHING"
            }
        }
        return numberingPlaceholders(sql)
    }

    /// `sql` cut into runs outside and inside quoted text ('…' and "…", quotes included in the
    /// quoted runs): what the rewrites below look at, and what they leave alone.
    static func segments(_ sql: String) -> [(text: Substring, quoted: Bool)] {
        var out: [(text: Substring, quoted: Bool)] = []
        var start = sql.startIndex, i = sql.startIndex
        var quote: Character?
        while i < sql.endIndex {
            let ch = sql[i]
            if let q = quote {
                if ch == q {
                    let end = sql.index(after: i)
                    out.append((sql[start..<end], true))
                    start = end
                    quote = nil
                }
            } else if ch == "'" || ch == "\"" {
                if start < i { out.append((sql[start..<i], false)) }
                start = i
                quote = ch
            }
            i = sql.index(after: i)
        }
        if start < sql.endIndex { out.append((sql[start...], quote != nil)) }
        return out
    }

    /// `sql` with `transform` applied to its runs outside quoted text.
    static func outsideQuotes(_ sql: String, _ transform: (Substring) -> String) -> String {
        segments(sql).map { $0.quoted ? String($0.text) : transform($0.text) }.joined()
    }

    /// `?` → `$n` and `?NNN` → `$NNN` (SQLite's numbered form), outside quoted text.
    static func numberingPlaceholders(_ sql: String) -> String {
        var n = 0
        return outsideQuotes(sql) { text in
            let chars = Array(text)
            var out = ""
            var i = 0
            while i < chars.count {
                let ch = chars[i]
                i += 1
                guard ch == "?" else { out.append(ch); continue }
                if i < chars.count, chars[i].isASCII, chars[i].isNumber {
                    out += "$"
                    while i < chars.count, chars[i].isASCII, chars[i].isNumber { out.append(chars[i]); i += 1 }
                } else {
                    n += 1
                    out += "$\(n)"
                }
            }
            return out
        }
    }

    /// Replaces whole words (not inside identifiers, not in quoted text), in the order given.
    static func replacingWords(_ sql: String, _ pairs: [(String, String)]) -> String {
        var result = sql
        for (from, to) in pairs {
            result = outsideQuotes(result) { text in
                var out = ""
                var i = text.startIndex
                while i < text.endIndex {
                    if text[i...].hasPrefix(from) {
                        let end = text.index(i, offsetBy: from.count)
                        let before = i == text.startIndex ? nil : text[text.index(before: i)]
                        let after = end == text.endIndex ? nil : text[end]
                        if !isWord(before) && !isWord(after) {
                            out += to
                            i = end
                            continue
                        }
                    }
                    out.append(text[i])
                    i = text.index(after: i)
                }
                return out
            }
        }
        return result
    }

    private static func isWord(_ c: Character?) -> Bool {
        guard let c else { return false }
        return c.isLetter || c.isNumber || c == "_"
    }

    /// Splits a script at `;` outside quoted text.
    static func statements(_ sql: String) -> [String] {
        var out: [String] = []
        var current = ""
        for segment in segments(sql) {
            guard !segment.quoted else { current += segment.text; continue }
            let parts = segment.text.split(separator: ";", omittingEmptySubsequences: false)
            for (k, part) in parts.enumerated() {
                current += part
                if k < parts.count - 1 {
                    if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(current) }
                    current = ""
                }
            }
        }
        if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(current) }
        return out
    }
}

/// The translation, for tests (PostgresSQL stays internal to the backend).
public enum PostgresSQLProbe {
    public static func translate(_ sql: String) -> String? { PostgresSQL.uncachedTranslate(sql) }
}
