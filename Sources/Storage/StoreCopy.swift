public import Foundation
import GRDB

/// Moves a database's rows from one store to another: `labeld db copy` (a seller's SQLite file up
/// to PostgreSQL) and the backup written before 초기화.
public enum StoreCopy {
    /// What a copy moved, table by table.
    public struct Report: Sendable {
        public var rows: [String: Int] = [:]
    }

    /// Copies every table of `source` that `destination` also has (both migrated to the same
    /// schema), replacing what `destination` held, in one transaction on `destination`. Rows keep
    /// their ids; PostgreSQL's id sequences are moved past the largest copied id. Tables are
    /// filled parents first (foreign keys), emptied children first.
    @discardableResult
    public static func copy(from source: any SQLStore, to destination: any SQLStore) throws -> Report {
        // PostgreSQL folds unquoted names to lower case: tables are matched without case.
        let sourceTables = Dictionary(try source.read { db in try tables(db) }.map { ($0.lowercased(), $0) }) { a, _ in a }
        let order = try destination.read { db in try parentsFirst(db) }.filter { sourceTables[$0.lowercased()] != nil && $0 != "grdb_migrations" }
        var report = Report()
        // One snapshot of the source for every table: a copy of a database in use stays consistent.
        try source.read { src in try destination.write { dest in
            for table in order.reversed() { try dest.execute(sql: "DELETE FROM \(table)") }
            for table in order {
                let destColumns = Set(try columns(dest, table).map { $0.lowercased() })
                let name = sourceTables[table.lowercased()]!
                let rows = try SQLRow.fetchAll(src, sql: "SELECT * FROM \(name)")
                guard let first = rows.first else { report.rows[name] = 0; continue }
                let names = first.columns.filter { destColumns.contains($0.lowercased()) }
                let indexes = names.map { first.index(of: $0)! }
                let perStatement = max(1, 900 / max(1, names.count))
                var i = 0
                while i < rows.count {
                    let chunk = rows[i..<min(rows.count, i + perStatement)]
                    let tuple = "(" + Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
                    let sql = "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES "
                        + Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
                    var arguments = SQLArguments(values: [])
                    for row in chunk { for j in indexes { arguments.values.append(row.values[j]) } }
                    try dest.execute(sql: sql, arguments: arguments)
                    i += chunk.count
                }
                report.rows[name] = rows.count
            }
            if dest.dialect == .postgres {
                let serials = try SQLRow.fetchAll(dest, sql: """
                    SELECT table_name, column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND column_default LIKE 'nextval%'
                    """)
                for r in serials {
                    let table: String = r[0], column: String = r[1]
                    try dest.execute(sql: """
                        SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), COALESCE((SELECT MAX(\(column)) FROM \(table)), 0) + 1, false)
                        """)
                }
            }
        } }
        return report
    }

    /// Row counts of every table of `store` but the migrations' own, by the table's name in lower case.
    public static func counts(_ store: any SQLStore) throws -> [String: Int] {
        try store.read { db in
            var counts: [String: Int] = [:]
            for t in try tables(db) where t != "grdb_migrations" {
                counts[t.lowercased()] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(t)") ?? 0
            }
            return counts
        }
    }

    /// A consistent copy of `store` in a new SQLite file at `path` (owner-only): SQLite's online
    /// backup of a SQLite store; for PostgreSQL, every table with its columns and rows (a data
    /// backup `sqlite3` reads).
    public static func backup(_ store: any SQLStore, toSQLite path: String) throws {
        try SQLiteStore.ownerOnly(path)
        if let sqlite = store as? SQLiteStore {
            let backup = try DatabaseQueue(path: path)
            try sqlite.writer.backup(to: backup)
            try backup.close()
            return
        }
        let file = SQLiteStore(writer: try DatabaseQueue(path: path), location: path)
        try store.read { db in
            for table in try tables(db) {
                let names = try columns(db, table)
                let rows = try SQLRow.fetchAll(db, sql: "SELECT * FROM \(table)")
                try file.write { out in
                    try out.execute(sql: "CREATE TABLE \(table) (\(names.joined(separator: ", ")))")
                    let insert = "INSERT INTO \(table) VALUES (" + Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
                    for r in rows { try out.execute(sql: insert, arguments: SQLArguments(values: r.values)) }
                }
            }
        }
    }

    static func tables(_ db: any SQLDatabase) throws -> [String] {
        switch db.dialect {
        case .sqlite:
            return try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        case .postgres:
            return try String.fetchAll(db, sql: """
                SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name
                """)
        }
    }

    static func columns(_ db: any SQLDatabase, _ table: String) throws -> [String] {
        switch db.dialect {
        case .sqlite:
            return try SQLRow.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table]).map { $0[0] }
        case .postgres:
            return try String.fetchAll(db, sql: """
                SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
                """, arguments: [table.lowercased()])
        }
    }

    /// The tables of `db`, each after the tables its foreign keys name.
    static func parentsFirst(_ db: any SQLDatabase) throws -> [String] {
        let all = try tables(db)
        var parents: [String: Set<String>] = [:]
        for t in all {
            switch db.dialect {
            case .sqlite:
                parents[t] = Set(try String.fetchAll(db, sql: "SELECT \"table\" FROM pragma_foreign_key_list(?)", arguments: [t]))
            case .postgres:
                parents[t] = Set(try String.fetchAll(db, sql: """
                    SELECT ccu.table_name FROM information_schema.table_constraints tc
                    JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
                    WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = ?
                    """, arguments: [t]))
            }
        }
        var done: [String] = []
        var placed = Set<String>()
        func place(_ t: String, _ path: Set<String>) {
            guard !placed.contains(t), !path.contains(t) else { return }
            for p in (parents[t] ?? []).sorted() where p != t && all.contains(p) { place(p, path.union([t])) }
            placed.insert(t)
            done.append(t)
        }
        for t in all { place(t, []) }
        return done
    }
}
