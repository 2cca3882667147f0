import Foundation
import LabelTesting
import Storage
import Testing

/// The SQL layer both backends share. Run on SQLite by `swift test`, and on PostgreSQL by
/// `make test`'s second pass (`TestDatabase`).
@Suite("Storage: one SQL layer, two engines")
struct StorageTests {
    @Test("labeld's SQL as PostgreSQL reads it: numbered placeholders, schema types, INSERT OR IGNORE, JSON arrays, LIKE; quoted text untouched")
    func translation() {
        #expect(PostgresSQLProbe.translate("SELECT a FROM t WHERE b = ? AND c = '?' AND d = ?") == "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $2")
        #expect(PostgresSQLProbe.translate("UPDATE t SET a = ?1, b = ?2 WHERE a = ?1") == "UPDATE t SET a = $1, b = $2 WHERE a = $1")
        #expect(PostgresSQLProbe.translate("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, b BLOB, r REAL, note TEXT DEFAULT 'INTEGER')")
                == "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL, b BYTEA, r DOUBLE PRECISION, note TEXT DEFAULT 'INTEGER')")
        #expect(PostgresSQLProbe.translate("INSERT OR IGNORE INTO t (a) VALUES (?)") == "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING")
        #expect(PostgresSQLProbe.translate("SELECT GROUP_CONCAT(a, ',') FROM t WHERE k IN (SELECT CAST(value AS INTEGER) FROM json_each(?))")
                == "SELECT string_agg(a, ',') FROM t WHERE k IN (SELECT CAST(value AS INTEGER) FROM json_array_elements_text(CAST($1 AS json)))")
        #expect(PostgresSQLProbe.translate("SELECT 1 FROM t WHERE name LIKE ? || '%' AND likeCount > 0") == "SELECT 1 FROM t WHERE name ILIKE $1 || '%' AND likeCount > 0")
        #expect(PostgresSQLProbe.translate("PRAGMA synchronous = FULL") == nil)
    }

    static func table(_ store: any SQLStore) throws {
        try store.write { db in
            try db.execute(sql: """
                CREATE TABLE counter (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER NOT NULL, blob BLOB, ratio REAL);
                INSERT INTO counter (name, n) VALUES ('a', 0);
                """)
        }
    }

    @Test("values round-trip by type; RETURNING answers the new id; a unique violation is named as one; NULL reads as nil")
    func values() throws {
        let store = try TestDatabase.store()
        try Self.table(store)
        let id = try store.write { db in
            try Int64.fetchOne(db, sql: "INSERT INTO counter (name, n, blob, ratio) VALUES (?, ?, ?, ?) RETURNING id",
                               arguments: ["한글 이름", Int64.max, Data([0, 1, 255]), 0.25])
        }
        #expect(id == 2)
        let row = try store.read { db in try SQLRow.fetchOne(db, sql: "SELECT name, n, blob, ratio, NULL AS missing, n > 0 AS positive FROM counter WHERE id = ?", arguments: [id]) }!
        #expect(row["name"] as String == "한글 이름" && row["n"] as Int64 == Int64.max && row["blob"] as Data == Data([0, 1, 255]))
        #expect(row["ratio"] as Double == 0.25 && (row["missing"] as String?) == nil && row["positive"] as Bool)
        let sum = try store.read { db in try Int.fetchOne(db, sql: "SELECT SUM(n) FROM counter WHERE name = 'a'") }
        #expect(sum == 0)
        do {
            try store.write { db in try db.execute(sql: "INSERT INTO counter (name, n) VALUES ('a', 1)") }
            Issue.record("a second 'a' was accepted")
        } catch let e as SQLError {
            #expect(e.isUniqueViolation, "\(e.code): \(e)")
        }
    }

    @Test("a failed write leaves nothing; a savepoint undoes only its own part")
    func rollback() throws {
        struct Refused: Error {}
        let store = try TestDatabase.store()
        try Self.table(store)
        #expect(throws: Refused.self) {
            try store.write { db in
                try db.execute(sql: "UPDATE counter SET n = 99 WHERE name = 'a'")
                throw Refused()
            }
        }
        try store.write { db in
            try db.execute(sql: "UPDATE counter SET n = 1 WHERE name = 'a'")
            try? db.inSavepoint {
                try db.execute(sql: "UPDATE counter SET n = 2 WHERE name = 'a'")
                // A failed statement inside: PostgreSQL aborts up to the savepoint, not the transaction.
                try db.execute(sql: "INSERT INTO counter (name, n) VALUES ('a', 3)")
            }
        }
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT n FROM counter WHERE name = 'a'") } == 1)
    }

    @Test("8 writers doing read-then-write increments on one row at once: none is lost (SQLite's one writer; PostgreSQL's SERIALIZABLE retried)")
    func serializedWrites() throws {
        let first = try TestDatabase.store()
        try Self.table(first)
        // On PostgreSQL each writer is a store of its own: a node with its own connections.
        let stores: [any SQLStore] = try (0..<8).map { _ in first.dialect == .postgres ? try Stores.open(first.location) : first }
        DispatchQueue.concurrentPerform(iterations: 8) { w in
            for _ in 0..<25 {
                try! stores[w].write { db in
                    let n = try Int.fetchOne(db, sql: "SELECT n FROM counter WHERE name = 'a'")!
                    try db.execute(sql: "UPDATE counter SET n = ? WHERE name = 'a'", arguments: [n + 1])
                }
            }
        }
        #expect(try first.read { db in try Int.fetchOne(db, sql: "SELECT n FROM counter WHERE name = 'a'") } == 200)
    }

    @Test("migrations run once, in order, and a second store on the same database finds them done")
    func migrations() throws {
        let store = try TestDatabase.store()
        var m = Migrations()
        m.registerMigration("one") { db in try db.execute(sql: "CREATE TABLE m1 (id INTEGER PRIMARY KEY, v TEXT)") }
        m.registerMigration("two") { db in try db.execute(sql: "ALTER TABLE m1 ADD COLUMN w INTEGER") }
        try store.migrate(m)
        try store.migrate(m)
        let again = store.dialect == .postgres ? try Stores.open(store.location) : store
        try again.migrate(m)
        let applied = try store.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(applied == ["one", "two"])
        try store.write { db in try db.execute(sql: "INSERT INTO m1 (v, w) VALUES ('x', 1)") }
    }
}
