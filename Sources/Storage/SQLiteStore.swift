public import GRDB
public import Foundation
import Glibc

/// labeld's embedded default: one SQLite file (WAL, foreign keys on) through GRDB.
public final class SQLiteStore: SQLStore {
    /// GRDB's writer: a `DatabasePool` for files, a `DatabaseQueue` in memory.
    public let writer: any DatabaseWriter
    public let location: String
    public var dialect: SQLDialect { .sqlite }

    public init(writer: any DatabaseWriter, location: String = ":memory:") {
        self.writer = writer
        self.location = location
    }

    /// Opens (creating if needed) the database file at `path` in WAL mode, readable by its owner only.
    public static func open(path: String) throws -> SQLiteStore {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try ownerOnly(path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        // WAL + NORMAL: a commit survives any crash of labeld (kill -9 included) and the file is never
        // corrupted; only a power loss may undo the last commits. Commits that acknowledge something
        // to a user (a print job) switch to FULL for that transaction (`writeDurable`).
        // No memory map (mmap_size): every connection remaps the file each time it grows, and under a
        // burst of scans the unmapping (TLB shootdowns on every core) cost more than the reads it saves.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        return SQLiteStore(writer: try DatabasePool(path: path, configuration: config), location: path)
    }

    /// A private in-memory database (tests).
    public static func inMemory() throws -> SQLiteStore {
        var config = Configuration()
        config.foreignKeysEnabled = true
        return SQLiteStore(writer: try DatabaseQueue(configuration: config))
    }

    /// Creates `path` (if missing) readable and writable by its owner only, or takes those rights
    /// back from an existing file: it holds receivers' names, phones and addresses. SQLite gives
    /// the WAL and shared-memory files the database file's mode.
    static func ownerOnly(_ path: String) throws {
        let fd = Glibc.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SQLError(message: "cannot open the database file '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fchmod(fd, 0o600) != 0 {
            throw SQLError(message: "cannot make '\(path)' private (chmod 600): \(String(cString: strerror(errno)))")
        }
        for suffix in ["-wal", "-shm"] { _ = chmod(path + suffix, 0o600) }
    }

    public func read<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        try mapped { try writer.read { db in try body(SQLiteConnection(db)) } }
    }

    public func write<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        try mapped { try writer.write { db in try body(SQLiteConnection(db)) } }
    }

    /// One writer on SQLite: the same as `write`.
    public func writeAside<T>(_ body: (any SQLDatabase) throws -> T) throws -> T { try write(body) }

    /// The writer's own `synchronous` setting, restored after each durable write (only the writer
    /// connection, one caller at a time, touches it).
    nonisolated(unsafe) private var usualSynchronous: Int?

    /// FULL sync for this transaction only (the rest of the time NORMAL: see `open`).
    public func writeDurable<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        try mapped {
            try writer.writeWithoutTransaction { db in
                if usualSynchronous == nil { usualSynchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 2 }
                try db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
                defer {
                    let usual = usualSynchronous ?? 2
                    try? db.cachedStatement(sql: usual == 2 ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = \(usual)").execute()
                }
                var result: T?
                try db.inTransaction {
                    result = try body(SQLiteConnection(db))
                    return .commit
                }
                return result!
            }
        }
    }

    public func migrate(_ migrations: Migrations) throws {
        try mapped {
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
                for step in migrations.steps where !applied.contains(step.name) {
                    // As GRDB's migrator did: foreign keys off while a migration rebuilds tables, then
                    // checked before its commit.
                    let foreignKeys = try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false
                    if foreignKeys { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
                    defer { if foreignKeys { try? db.execute(sql: "PRAGMA foreign_keys = ON") } }
                    try db.inTransaction {
                        try step.body(SQLiteConnection(db))
                        if let bad = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                            throw SQLError(message: "migration \(step.name) broke a foreign key: \(bad)")
                        }
                        try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [step.name])
                        return .commit
                    }
                }
            }
        }
    }

    /// GRDB's errors as `SQLError` (SQLite's extended result code as the code).
    private func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw Self.map(error) }
    }

    static func map(_ error: any Error) -> any Error {
        guard let e = error as? DatabaseError else { return error }
        let code: String = switch e.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE: "SQLITE_CONSTRAINT_UNIQUE"
        case .SQLITE_CONSTRAINT_PRIMARYKEY: "SQLITE_CONSTRAINT_PRIMARYKEY"
        default: "SQLITE_\(e.extendedResultCode.rawValue)"
        }
        return SQLError(code: code, message: e.message ?? "\(e)", sql: e.sql)
    }
}

/// GRDB's connection as a `SQLDatabase`. Every statement with arguments is prepared once per
/// connection (GRDB's statement cache).
final class SQLiteConnection: SQLDatabase {
    let db: Database
    init(_ db: Database) { self.db = db }
    var dialect: SQLDialect { .sqlite }
    var changesCount: Int { db.changesCount }

    func execute(sql: String, arguments: SQLArguments) throws {
        if arguments.isEmpty && sql.contains(";") {
            try db.execute(sql: sql)
        } else {
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        }
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        var rows: [SQLRow] = []
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(columns.count)
            for i in 0..<columns.count {
                switch (row[i] as DatabaseValue).storage {
                case .null: values.append(.null)
                case .int64(let v): values.append(.integer(v))
                case .double(let v): values.append(.real(v))
                case .string(let v): values.append(.text(v))
                case .blob(let v): values.append(.blob([UInt8](v)))
                }
            }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    static func arguments(_ a: SQLArguments) -> StatementArguments {
        StatementArguments(a.values.map { v -> (any DatabaseValueConvertible)? in
            switch v {
            case .null: nil
            case .integer(let i): i
            case .real(let d): d
            case .text(let s): s
            case .blob(let b): Data(b)
            }
        })
    }
}
