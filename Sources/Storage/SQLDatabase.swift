import Foundation

/// The SQL engine a store runs on. Statements are written once, in the SQL both engines accept; what
/// differs (placeholders, column types of the schema, `INSERT OR IGNORE`, JSON arrays,
/// `GROUP_CONCAT`) is translated by the PostgreSQL backend (`PostgresSQL.translate`).
public enum SQLDialect: String, Sendable {
    case sqlite, postgres
}

/// One connection inside a transaction: what a store operation's body reads and writes through.
/// A body may run more than once on PostgreSQL (a serialization failure retries the whole
/// transaction), so it must do nothing but database work.
public protocol SQLDatabase: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs `sql`; without arguments it may hold several statements separated by `;`.
    func execute(sql: String, arguments: SQLArguments) throws
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// Rows changed by the last `execute`.
    var changesCount: Int { get }
}

extension SQLDatabase {
    public func execute(sql: String) throws { try execute(sql: sql, arguments: []) }

    /// A statement to run several times: labeld's hot paths name one; the backends keep every
    /// statement they prepared, so the name is all it costs.
    public func cachedStatement(sql: String) throws -> SQLStatement { SQLStatement(db: self, sql: sql) }

    /// `body` in a savepoint, undone alone when it throws (the transaction goes on).
    public func inSavepoint(_ body: () throws -> Void) throws {
        try execute(sql: "SAVEPOINT labeld")
        do {
            try body()
        } catch {
            // When the engine has aborted the whole transaction these fail too, and so does its commit.
            try? execute(sql: "ROLLBACK TO SAVEPOINT labeld")
            try? execute(sql: "RELEASE SAVEPOINT labeld")
            throw error
        }
        try execute(sql: "RELEASE SAVEPOINT labeld")
    }

    /// Seconds since 1970 by the database's clock: on PostgreSQL the server's, one clock for every
    /// node (leases expire by it); on SQLite, this machine's.
    public func databaseTime() throws -> Double {
        switch dialect {
        case .sqlite: return Date().timeIntervalSince1970
        case .postgres: return try Double.fetchOne(self, sql: "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)")!
        }
    }

    /// `IN`'s right-hand side for a JSON array of integers bound as one argument: one statement
    /// whatever the number of ids.
    public var jsonIntegers: String { "(SELECT CAST(value AS INTEGER) FROM json_each(?))" }
    /// The same for a JSON array of strings.
    public var jsonStrings: String { "(SELECT value FROM json_each(?))" }
}

/// A statement and the connection it runs on (`SQLDatabase.cachedStatement`).
public struct SQLStatement {
    public let db: any SQLDatabase
    public let sql: String
    public func execute(arguments: SQLArguments = []) throws { try db.execute(sql: sql, arguments: arguments) }
}

extension SQLRow {
    public static func fetchAll(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try db.fetchAll(sql: sql, arguments: arguments)
    }
    public static func fetchOne(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try db.fetchAll(sql: sql, arguments: arguments).first
    }
    public static func fetchAll(_ s: SQLStatement, arguments: SQLArguments = []) throws -> [SQLRow] {
        try s.db.fetchAll(sql: s.sql, arguments: arguments)
    }
    public static func fetchOne(_ s: SQLStatement, arguments: SQLArguments = []) throws -> SQLRow? {
        try s.db.fetchAll(sql: s.sql, arguments: arguments).first
    }
}

extension SQLValueConvertible {
    /// The first column of the first row; nil when there is no row or it holds NULL.
    public static func fetchOne(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> Self? {
        guard let row = try db.fetchAll(sql: sql, arguments: arguments).first, !row.values[0].isNull else { return nil }
        return try column(row.values[0], sql)
    }
    /// The first column of every row (NULLs left out).
    public static func fetchAll(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try db.fetchAll(sql: sql, arguments: arguments).compactMap { $0.values[0].isNull ? nil : try column($0.values[0], sql) }
    }
    public static func fetchOne(_ s: SQLStatement, arguments: SQLArguments = []) throws -> Self? {
        try fetchOne(s.db, sql: s.sql, arguments: arguments)
    }
    public static func fetchAll(_ s: SQLStatement, arguments: SQLArguments = []) throws -> [Self] {
        try fetchAll(s.db, sql: s.sql, arguments: arguments)
    }
    private static func column(_ v: SQLValue, _ sql: String) throws -> Self {
        guard let value = fromSQL(v) else { throw SQLError(message: "\(v) is not a \(Self.self)", sql: sql) }
        return value
    }
}

extension Optional where Wrapped: SQLValueConvertible {
    /// The first column of every row, NULLs as nil.
    public static func fetchAll(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [Wrapped?] {
        try db.fetchAll(sql: sql, arguments: arguments).map { Wrapped.fromSQL($0.values[0]) }
    }
}

/// A failed statement or connection, with the engine's own message.
public struct SQLError: Error, CustomStringConvertible, Sendable {
    /// The engine's error class: SQLite's result code name or PostgreSQL's SQLSTATE.
    public var code: String
    public var message: String
    public var sql: String?

    public init(code: String = "", message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// A uniqueness or primary-key constraint refused the row (SQLite's CONSTRAINT_UNIQUE or
    /// CONSTRAINT_PRIMARYKEY, PostgreSQL's 23505).
    public var isUniqueViolation: Bool { code == "23505" || code == "SQLITE_CONSTRAINT_UNIQUE" || code == "SQLITE_CONSTRAINT_PRIMARYKEY" }

    /// PostgreSQL asks for the whole transaction to run again (serialization failure, deadlock):
    /// a body that handles errors itself must let these through, so the store retries.
    public var isRetryable: Bool { code == "40001" || code == "40P01" }

    public var description: String { sql.map { "\(message) (in: \($0.prefix(200)))" } ?? message }
}

/// A database labeld keeps its state in: one SQLite file (through GRDB), or a PostgreSQL database
/// shared by several nodes (through postgres-nio). Every store operation is one `read` or one
/// `write`. Writes run one at a time, as on SQLite: on PostgreSQL each write transaction first
/// takes the cluster's writer lock (an advisory lock, before its snapshot), and is SERIALIZABLE
/// besides, retried on a serialization failure.
public protocol SQLStore: Sendable {
    var dialect: SQLDialect { get }
    /// Where it is, for messages and `labeld nodes` (a path, or the URL without its password).
    var location: String { get }
    func read<T>(_ body: (any SQLDatabase) throws -> T) throws -> T
    func write<T>(_ body: (any SQLDatabase) throws -> T) throws -> T
    /// A write beside the writer's turn: for tables only it touches (printer leases, node
    /// heartbeats), so a long write (an allocation) never holds up a lease's renewal.
    func writeAside<T>(_ body: (any SQLDatabase) throws -> T) throws -> T
    /// A write whose commit survives a power loss before it returns (a print job acknowledged to a
    /// station).
    func writeDurable<T>(_ body: (any SQLDatabase) throws -> T) throws -> T
    /// Runs the migrations not yet applied, in order, each in its own transaction.
    func migrate(_ migrations: Migrations) throws
}

extension SQLStore {
    /// Durable writes of several callers (`SpoolStore`'s group commit): `bodies` run in one
    /// transaction when they can; when one throws, each runs again in a transaction of its own and
    /// its error is given back in its place.
    public func writeDurably(_ bodies: [(any SQLDatabase) throws -> Void]) -> [(any Error)?] {
        do {
            try writeDurable { db in for body in bodies { try body(db) } }
            return bodies.map { _ in nil }
        } catch where bodies.count > 1 {
            return bodies.map { body in
                do { try writeDurable { db in try body(db) }; return nil } catch { return error }
            }
        } catch {
            return [error]
        }
    }
}

/// Versioned schema changes. Identifiers are recorded in `grdb_migrations` (the table GRDB's
/// migrator kept, so a SQLite file of an earlier labeld goes on from where it was).
public struct Migrations: Sendable {
    public typealias Body = @Sendable (any SQLDatabase) throws -> Void
    public private(set) var steps: [(name: String, body: Body)] = []
    public init() {}
    public mutating func registerMigration(_ name: String, _ body: @escaping Body) {
        precondition(!steps.contains { $0.name == name }, "migration \(name) registered twice")
        steps.append((name, body))
    }
}

/// Opens the store `location` names.
public enum Stores {
    /// A `postgres://` URL opens PostgreSQL; anything else is a SQLite file's path.
    public static func open(_ location: String) throws -> any SQLStore {
        if isPostgres(location) { return try PostgresStore(url: location) }
        return try SQLiteStore.open(path: location)
    }

    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }
}

extension Stores {
    /// The folder a node keeps its local files in (file printers' labels, seller templates, the
    /// first owner token): beside a SQLite file, or `./var` for a database on a server.
    public static func localDirectory(for location: String) -> String {
        if isPostgres(location) { return "./var" }
        let dir = (location as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }
}

extension SQLDatabase {
    /// `UPDATE table SET column = expression WHERE key = k` for many (k, x) pairs, in few
    /// statements: `expression` names the pair's value `v.x` (`"v.x"`, or `"allocated + v.x"`).
    /// One round trip per 256 rows instead of one per row, which is what a statement costs on
    /// PostgreSQL; the statements come in 9 shapes only (256 rows, then powers of two), so both
    /// engines keep them prepared.
    public func updateEach(_ table: String, set column: String, to expression: String = "v.x", key: String,
                           _ pairs: [(key: any SQLValueConvertible, value: any SQLValueConvertible)]) throws {
        var i = 0
        while i < pairs.count {
            var size = 256
            while size > pairs.count - i { size /= 2 }
            let values = Array(repeating: "(?, ?)", count: size).joined(separator: ", ")
            var arguments = SQLArguments(values: [])
            arguments.values.reserveCapacity(size * 2)
            for p in pairs[i..<i + size] { arguments.values.append(p.key.sqlValue); arguments.values.append(p.value.sqlValue) }
            try execute(sql: "WITH v(k, x) AS (VALUES \(values)) UPDATE \(table) SET \(column) = \(expression) FROM v WHERE \(table).\(key) = v.k",
                        arguments: arguments)
            i += size
        }
    }
}
