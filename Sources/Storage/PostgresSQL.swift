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

    /// `?` → `$n` and `?NNN` → `$NNN` (SQLite's numbered form), outside '…' and "…".
    static func numberingPlaceholders(_ sql: String) -> String {
        let chars = Array(sql)
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character?
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            i += 1
            if let q = quote {
                if ch == q { quote = nil }
                out.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                out.append(ch)
            } else if ch == "?" {
                if i < chars.count, chars[i].isASCII, chars[i].isNumber {
                    out += "$"
                    while i < chars.count, chars[i].isASCII, chars[i].isNumber { out.append(chars[i]); i += 1 }
                } else {
                    n += 1
                    out += "$\(n)"
                }
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// Replaces whole words (not inside identifiers, not in quoted text), in the order given.
    static func replacingWords(_ sql: String, _ pairs: [(String, String)]) -> String {
        var result = sql
        for (from, to) in pairs {
            var out = ""
            var i = result.startIndex
            var quote: Character?
            while i < result.endIndex {
                let ch = result[i]
                if let q = quote {
                    if ch == q { quote = nil }
                    out.append(ch); i = result.index(after: i); continue
                }
                if ch == "'" || ch == "\"" { quote = ch; out.append(ch); i = result.index(after: i); continue }
                if result[i...].hasPrefix(from) {
                    let end = result.index(i, offsetBy: from.count)
                    let before = i == result.startIndex ? nil : result[result.index(before: i)]
                    let after = end == result.endIndex ? nil : result[end]
                    if !isWord(before) && !isWord(after) {
                        out += to; i = end; continue
                    }
                }
                out.append(ch); i = result.index(after: i)
            }
            result = out
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
        var quote: Character?
        for ch in sql {
            if let q = quote {
                if ch == q { quote = nil }
                current.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                current.append(ch)
            } else if ch == ";" {
                if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(current) }
                current = ""
            } else {
                current.append(ch)
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
