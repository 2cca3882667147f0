public import Foundation
public import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// labeld on a PostgreSQL database several nodes share, through postgres-nio.
///
/// Store operations are synchronous bodies, as on SQLite, so each statement waits for its answer on
/// the caller's thread; the connections live on an event loop of their own, never one of the HTTP
/// server's. A write is one SERIALIZABLE transaction that first takes the cluster's writer lock
/// (`pg_advisory_lock`, before BEGIN): writes of every node run one after another, as SQLite's single
/// writer ran them, so the order core's read-then-write steps (allocation, waybill numbers, a
/// scan's "already printed?") need nothing more. SERIALIZABLE stays as a second guard, retried from
/// the start on a serialization failure or deadlock. (Without the lock, two stations' scans on two
/// nodes aborted each other as SSI pivots, and throughput fell to a third; finer locks are the
/// next step when one writer is not enough.)
/// A connection lost between statements (PostgreSQL restarted) is opened again and the
/// transaction retried; a commit whose answer was lost is not (its outcome is unknown).
public final class PostgresStore: SQLStore, @unchecked Sendable {
    public var dialect: SQLDialect { .postgres }
    public let location: String
    let configuration: PostgresConnection.Configuration
    let group: MultiThreadedEventLoopGroup
    let logger: Logger
    let poolSize: Int
    /// How many times a write is tried when PostgreSQL asks it to be retried.
    let maxAttempts = 30

    private let lock = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var closed = false
    private var nextID = 0

    /// `url`: `postgres://user[:password]@host[:port]/database[?pool=N]`.
    public init(url: String, logger: Logger = Logger(label: "labeld.postgres", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme ?? ""),
              let host = c.host, !host.isEmpty, let user = c.user else {
            throw SQLError(message: "'\(url)' is not a PostgreSQL URL: expected postgres://user[:password]@host[:port]/database")
        }
        let database = String(c.path.drop { $0 == "/" })
        var config = PostgresConnection.Configuration(host: host, port: c.port ?? 5432, username: user, password: c.password,
                                                     database: database.isEmpty ? user : database, tls: .disable)
        config.options.connectTimeout = .seconds(5)
        // `?schema=NAME`: labeld's tables in a schema of their own (several sites on one database,
        // or a test's own), created when missing.
        let schema = c.queryItems?.first { $0.name == "schema" }?.value
        if let schema {
            guard schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !schema.isEmpty else {
                throw SQLError(message: "schema '\(schema)': letters, digits and _ only")
            }
            config.options.additionalStartupParameters = [("search_path", schema)]
        }
        configuration = config
        poolSize = c.queryItems?.first { $0.name == "pool" }.flatMap { $0.value.flatMap(Int.init) } ?? 16
        location = "postgres://\(user)@\(host):\(c.port ?? 5432)/\(database.isEmpty ? user : database)" + (schema.map { "?schema=\($0)" } ?? "")
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.logger = logger
        // Fail now, with PostgreSQL's own reason, when the database cannot be reached.
        let first = try connect()
        if let schema {
            do {
                _ = try first.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger).wait()
            } catch {
                throw PostgresConnectionBox.map(error, sql: "CREATE SCHEMA")
            }
        }
        checkin(first)
    }

    deinit {
        lock.lock()
        closed = true
        let connections = idle
        idle = []
        lock.unlock()
        for c in connections { _ = try? c.close().wait() }
        try? group.syncShutdownGracefully()
    }

    /// Closes every idle connection (tests; a store is closed when released too).
    public func close() {
        lock.lock()
        let connections = idle
        idle = []
        open -= connections.count
        lock.unlock()
        for c in connections { _ = try? c.close().wait() }
    }

    // MARK: Transactions

    public func read<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    public func write<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", writerLock: true, body)
    }

    /// READ COMMITTED, outside the writer's turn and outside SSI's conflict tracking: a lease's
    /// statements are single-row upserts whose WHERE decides on the row's latest version (a
    /// renewal only of the same owner and epoch, a take only of an expired lease). A fenced job
    /// write that raced a takeover meets the new owner's write of the same job row and is retried
    /// (first updater wins), then refused by its fence.
    public func writeAside<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL READ COMMITTED", body)
    }

    /// The advisory lock key of the cluster's writer.
    static let writerLockKey = 7_150_002

    /// Every commit on PostgreSQL is durable (synchronous_commit on, its default).
    public func writeDurable<T>(_ body: (any SQLDatabase) throws -> T) throws -> T { try write(body) }

    private func transaction<T>(_ begin: String, writerLock: Bool = false, _ body: (any SQLDatabase) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let connection: PostgresConnection
            do {
                connection = try checkout()
            } catch let error as SQLError where error.code == "connection" && attempt < maxAttempts {
                // PostgreSQL restarting: try again shortly (nothing of this transaction ran yet).
                usleep(UInt32(min(200_000, 2_000 * attempt * attempt)))
                continue
            }
            let db = PostgresConnectionBox(connection, logger: logger)
            var committing = false
            var locked = false
            // The writer's lock is a session lock taken before BEGIN, so the transaction's snapshot
            // is taken after the previous writer committed: writes are truly one after another
            // (a transaction-scoped lock comes after the snapshot, and SSI aborted the overlap).
            func unlock() throws {
                if locked { try db.execute(sql: "SELECT pg_advisory_unlock(\(Self.writerLockKey))"); locked = false }
            }
            do {
                if writerLock { try db.execute(sql: "SELECT pg_advisory_lock(\(Self.writerLockKey))"); locked = true }
                try db.execute(sql: begin)
                let result = try body(db)
                committing = true
                try db.execute(sql: "COMMIT")
                try unlock()
                checkin(connection)
                return result
            } catch {
                let retry = Self.retryable(error, committing: committing) && attempt < maxAttempts
                if connection.isClosed {
                    discard()
                } else {
                    do {
                        if !committing || locked { try? db.execute(sql: "ROLLBACK") }
                        try unlock()
                        checkin(connection)
                    } catch {
                        // A connection whose lock could not be let go is closed: that lets it go.
                        let doomed: EventLoopFuture<Void> = connection.close(); _ = doomed; discard()
                    }
                }
                guard retry else { throw error }
                // Back off a little, more each time, with jitter, so two writers don't meet again.
                usleep(UInt32(min(200_000, 500 * attempt * attempt + Int.random(in: 0...2000))))
            }
        }
    }

    /// A serialization failure or deadlock (PostgreSQL asks for a retry), or a connection that was
    /// lost before the commit was sent.
    static func retryable(_ error: any Error, committing: Bool) -> Bool {
        guard let e = error as? SQLError else { return false }
        switch e.code {
        case "connection": return !committing
        default: return e.isRetryable
        }
    }

    // MARK: Migrations

    public func migrate(_ migrations: Migrations) throws {
        try write { db in
            // Several nodes may start at once: one migrates, the others wait and find it done.
            try db.execute(sql: "SELECT pg_advisory_xact_lock(7150001)")
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
            for step in migrations.steps where !applied.contains(step.name) {
                try step.body(db)
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [step.name])
            }
        }
    }

    // MARK: The pool

    private func connect() throws -> PostgresConnection {
        lock.lock()
        nextID += 1
        let id = nextID
        lock.unlock()
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw PostgresConnectionBox.map(error, sql: nil)
        }
    }

    private func checkout() throws -> PostgresConnection {
        lock.lock()
        while true {
            while let c = idle.popLast() {
                if !c.isClosed { lock.unlock(); return c }
                open -= 1
            }
            if open < poolSize { break }
            lock.wait()
        }
        open += 1
        lock.unlock()
        do {
            return try connect()
        } catch {
            discard()
            throw error
        }
    }

    private func checkin(_ c: PostgresConnection) {
        lock.lock()
        idle.append(c)
        lock.signal()
        lock.unlock()
    }

    private func discard() {
        lock.lock()
        open -= 1
        lock.signal()
        lock.unlock()
    }
}

/// One PostgreSQL connection inside a transaction.
final class PostgresConnectionBox: SQLDatabase {
    let connection: PostgresConnection
    let logger: Logger
    private(set) var changesCount = 0
    var dialect: SQLDialect { .postgres }

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func execute(sql: String, arguments: SQLArguments) throws {
        if arguments.isEmpty, sql.contains(";") {
            for statement in PostgresSQL.statements(sql) { _ = try run(statement, []) }
        } else {
            changesCount = try run(sql, arguments)?.metadata.rows ?? 0
        }
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        guard let result = try run(sql, arguments) else { return [] }
        var columns: [String]?
        return try result.rows.map { row in
            var values: [SQLValue] = []
            var names: [String] = []
            for cell in row {
                if columns == nil { names.append(cell.columnName) }
                values.append(try Self.value(cell))
            }
            if columns == nil { columns = names }
            return SQLRow(columns: columns!, values: values)
        }
    }

    /// nil for a statement that has no PostgreSQL counterpart (SQLite's PRAGMAs).
    private func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult? {
        guard let translated = PostgresSQL.translate(sql) else { return nil }
        var binds = PostgresBindings(capacity: arguments.values.count)
        for v in arguments.values {
            switch v {
            case .null: binds.appendNull()
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .blob(let b): binds.append(ByteBuffer(bytes: b))
            }
        }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: translated, binds: binds), logger: logger).wait()
        } catch {
            throw Self.map(error, sql: translated)
        }
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .numeric:
            let text = "\(try cell.decode(Decimal.self))"
            if let i = Int64(text) { return .integer(i) }
            return .real(Double(text) ?? 0)
        case .bytea: return .blob(Array(buffer: try cell.decode(ByteBuffer.self)))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// postgres-nio's errors as `SQLError`: SQLSTATE as the code, or "connection" when the
    /// connection itself failed.
    static func map(_ error: any Error, sql: String?) -> SQLError {
        if let e = error as? PSQLError {
            if let info = e.serverInfo {
                var message = info[.message] ?? "\(e)"
                if let detail = info[.detail] { message += " (\(detail))" }
                return SQLError(code: info[.sqlState] ?? "", message: "PostgreSQL: " + message, sql: sql)
            }
            return SQLError(code: "connection", message: "PostgreSQL connection: \(String(reflecting: e.code))\(e.underlying.map { ": \($0)" } ?? "")", sql: sql)
        }
        if let e = error as? SQLError { return e }
        return SQLError(code: "connection", message: "PostgreSQL connection: \(error)", sql: sql)
    }
}
