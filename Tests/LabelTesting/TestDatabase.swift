public import Foundation
public import Storage
public import Fulfillment
import Synchronization

/// The database a test runs on. `make test` runs the store suites twice: on SQLite, and with
/// `LABELD_TEST_POSTGRES` set (by `Scripts/with-postgres.sh`, which starts a PostgreSQL of its
/// own) on PostgreSQL, each test in a schema of its own. One suite, two backends.
public enum TestDatabase {
    /// The PostgreSQL server of this run (`postgres://user@127.0.0.1:PORT/db`), or nil for SQLite.
    public static let postgres: String? = ProcessInfo.processInfo.environment["LABELD_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    public static var dialect: SQLDialect { postgres == nil ? .sqlite : .postgres }
    private static let counter = Atomic<Int>(0)

    /// Where a new, empty database is: a fresh schema on this run's PostgreSQL, or else
    /// `sqlitePath` (nil: in memory).
    public static func location(sqlitePath: String?) -> String? {
        guard let postgres else { return sqlitePath }
        let n = counter.add(1, ordering: .relaxed).newValue
        return postgres + "?schema=t\(getpid())_\(n)"
    }

    /// A new, empty store.
    public static func store() throws -> any SQLStore {
        guard let location = location(sqlitePath: nil) else { return try SQLiteStore.inMemory() }
        return try Stores.open(location)
    }
}

extension FulfillmentStore {
    /// A new, empty order core on this run's backend (`TestDatabase`).
    public static func testing(islands: IslandRegions = .empty, now: @escaping @Sendable () -> Date = { Date() }) throws -> FulfillmentStore {
        try FulfillmentStore(writer: try TestDatabase.store(), islands: islands, now: now)
    }
}
