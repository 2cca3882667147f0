public import Storage
public import Foundation
public import Logging
public import LabeldSupport

/// labeld's order and inventory core, on SQLite (the embedded default) or PostgreSQL (`Storage`).
/// Sendable: every operation is one transaction on the store it was given.
public struct FulfillmentStore: Sendable {
    public let writer: any SQLStore
    /// Island postal ranges (도서산간), shipped as data.
    public let islands: IslandRegions
    /// The clock, for collection times and delay flags (tests pass a fixed one).
    public let now: @Sendable () -> Date
    /// Where changes made on another module's behalf are told (shipments given back to the print
    /// queue, 초기화), at info.
    public let logger: Logger

    public init(writer: any SQLStore, islands: IslandRegions = .empty, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = .disabled) throws {
        self.writer = writer
        self.islands = islands
        self.now = now
        self.logger = logger
        try writer.migrate(Self.migrator)
    }

    /// Opens labeld's database: a SQLite file at `location` (created if needed), or a PostgreSQL
    /// database when `location` is a `postgres://` URL.
    public static func open(path location: String, islands: IslandRegions = .empty, logger: Logger = .disabled) throws -> FulfillmentStore {
        do {
            return try FulfillmentStore(writer: try Stores.open(location), islands: islands, logger: logger)
        } catch let error as SQLError {
            throw FulfillmentError(code: .database, message: error.description)
        }
    }

    /// A private in-memory database (tests).
    public static func inMemory(islands: IslandRegions = .empty, now: @escaping @Sendable () -> Date = { Date() }) throws -> FulfillmentStore {
        try FulfillmentStore(writer: try SQLiteStore.inMemory(), islands: islands, now: now)
    }

    static var migrator: Migrations {
        var m = Migrations()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE settings (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
                CREATE TABLE auditLog (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                    subject TEXT NOT NULL, oldValue TEXT, newValue TEXT);
                CREATE TABLE product (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, brand TEXT);
                CREATE TABLE productOption (id INTEGER PRIMARY KEY,
                    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
                    sku TEXT NOT NULL UNIQUE, barcode TEXT, itemCode TEXT UNIQUE, optionText TEXT NOT NULL DEFAULT '',
                    location TEXT, tags TEXT NOT NULL DEFAULT '', warningQuantity INTEGER, expectedReceiptDate TEXT,
                    mallStock INTEGER, matchKey TEXT NOT NULL);
                CREATE INDEX productOption_matchKey ON productOption(matchKey);
                CREATE TABLE productStaging (id INTEGER PRIMARY KEY, json TEXT NOT NULL, stagedAt TEXT NOT NULL);
                CREATE TABLE movementType (name TEXT PRIMARY KEY, builtIn INTEGER NOT NULL);
                CREATE TABLE stockMovement (id INTEGER PRIMARY KEY,
                    optionId INTEGER NOT NULL REFERENCES productOption(id) ON DELETE CASCADE,
                    type TEXT NOT NULL REFERENCES movementType(name), quantity INTEGER NOT NULL,
                    at TEXT NOT NULL, actor TEXT NOT NULL, note TEXT, orderLineId INTEGER);
                CREATE INDEX stockMovement_option ON stockMovement(optionId);
                CREATE TABLE stockLevel (optionId INTEGER PRIMARY KEY REFERENCES productOption(id) ON DELETE CASCADE,
                    onHand INTEGER NOT NULL DEFAULT 0, allocated INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE salesOrder (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, channelOrderNo TEXT NOT NULL,
                    suffix INTEGER NOT NULL DEFAULT 0, orderedAt TEXT, paidAt TEXT, collectedAt TEXT NOT NULL,
                    receiverName TEXT NOT NULL, receiverPhone TEXT NOT NULL, receiverPhone2 TEXT, postalCode TEXT NOT NULL,
                    address TEXT NOT NULL, message TEXT, carrier TEXT, waybillNo TEXT,
                    island INTEGER NOT NULL DEFAULT 0, disruption INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL DEFAULT 'collected', shippedAt TEXT, sourceRow INTEGER,
                    UNIQUE (channel, channelOrderNo, suffix));
                CREATE TABLE orderLine (id INTEGER PRIMARY KEY,
                    orderId INTEGER NOT NULL REFERENCES salesOrder(id) ON DELETE CASCADE, lineNo INTEGER NOT NULL,
                    productName TEXT NOT NULL, optionText TEXT NOT NULL DEFAULT '', itemCode TEXT,
                    quantity INTEGER NOT NULL CHECK (quantity > 0), isGift INTEGER NOT NULL DEFAULT 0,
                    optionId INTEGER REFERENCES productOption(id), sourceRow INTEGER);
                CREATE INDEX orderLine_order ON orderLine(orderId);
                CREATE INDEX orderLine_option ON orderLine(optionId);
                """)
            for name in MovementType.builtIn {
                try db.execute(sql: "INSERT INTO movementType (name, builtIn) VALUES (?, 1)", arguments: [name])
            }
            try db.execute(sql: "INSERT INTO settings (id, json) VALUES (1, ?)", arguments: [try Settings().jsonText()])
        }
        migrateAllocation(&m)
        migrateShipments(&m)
        migrateCustomerService(&m)
        // The print side reads shipments by id and orders by shipment (a scan, a 1000-waybill batch).
        m.registerMigration("v5-print-indexes") { db in
            try db.execute(sql: "CREATE INDEX salesOrder_shipment ON salesOrder(shipmentId); CREATE INDEX salesOrder_channelOrderNo ON salesOrder(channelOrderNo);")
        }
        // Order and payment times were stored as the channels wrote them (`2026.12.03 08:00:00`
        // sorted after `2026-12-03 14:30:00`): now in the one form collectedAt has (`OrderTime`), and
        // carriers by their profile key. What cannot be read stays as it was.
        m.registerMigration("v6-order-times-carriers") { db in
            let rows = try SQLRow.fetchAll(db, sql: "SELECT id, orderedAt, paidAt, carrier FROM salesOrder")
            for r in rows {
                let ordered: String? = r[1], paid: String? = r[2], carrier: String? = r[3]
                try db.execute(sql: "UPDATE salesOrder SET orderedAt = ?, paidAt = ?, carrier = ? WHERE id = ?", arguments: [
                    ordered.map { OrderTime.canonical($0) ?? $0 }, paid.map { OrderTime.canonical($0) ?? $0 },
                    carrier.map { Carriers.key(for: $0) ?? $0 }, r[0] as Int64])
            }
            for r in try SQLRow.fetchAll(db, sql: "SELECT id, carrier FROM shipment WHERE carrier IS NOT NULL") {
                try db.execute(sql: "UPDATE shipment SET carrier = ? WHERE id = ?", arguments: [Carriers.key(for: r[1]) ?? (r[1] as String), r[0] as Int64])
            }
        }
        // Product labels print the price.
        m.registerMigration("v7-catalog-price") { db in
            try db.execute(sql: "ALTER TABLE productOption ADD COLUMN price INTEGER")
        }
        migrateDispatch(&m)
        migrateCarrierLinks(&m)
        return m
    }

    // Formatters are thread-safe for formatting and parsing once configured.
    nonisolated(unsafe) static let timestamp: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    func stamp() -> String { Self.timestamp.string(from: now()) }
}

/// Built-in stock movement types (입/출고 유형); sellers add their own in settings.
public enum MovementType {
    public static let receipt = "입고"
    public static let shipment = "출고"
    public static let returnReceipt = "반품입고"
    public static let adjustment = "조정"
    public static let mallImport = "마켓재고반영"
    public static let builtIn = [receipt, shipment, returnReceipt, adjustment, mallImport]
}

extension Settings {
    func jsonText() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}

// MARK: - Settings and audit

/// One audit log row: who changed what, when, old → new.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var at: String
    public var actor: String
    public var action: String
    public var subject: String
    public var oldValue: String?
    public var newValue: String?
}

extension FulfillmentStore {
    public func settings() throws -> Settings {
        try writer.read { db in try Self.settings(db) }
    }

    /// The settings as `db` sees them. Decoding is cached by the stored text (a scan reads the
    /// settings every time; decoding them costs more than the rest of its reads together).
    public static func settings(_ db: any SQLDatabase) throws -> Settings {
        let json = try String.fetchOne(db.cachedStatement(sql: "SELECT json FROM settings WHERE id = 1")) ?? "{}"
        return try decodedSettings.value(for: json) { try JSONDecoder().decode(Settings.self, from: Data(json.utf8)) }
    }
    /// The settings last decoded, by their stored text.
    static let decodedSettings = KeyedCache<String, Settings>(limit: 1)

    /// Changes one setting (validated), records it in the audit log; returns (old, new) as text.
    @discardableResult
    public func updateSetting(_ key: String, to value: String, actor: String) throws -> (old: String, new: String) {
        try writer.write { db in
            var s = try Self.settings(db)
            let old = try s.value(of: key)
            try s.set(key, to: value)
            let new = try s.value(of: key)
            try db.execute(sql: "UPDATE settings SET json = ? WHERE id = 1", arguments: [try s.jsonText()])
            if key == "stockMovementTypes" {
                for name in s.stockMovementTypes {
                    try db.execute(sql: "INSERT OR IGNORE INTO movementType (name, builtIn) VALUES (?, 0)", arguments: [name])
                }
            }
            try audit(db, actor: actor, action: "settings.set", subject: key, old: old, new: new)
            return (old, new)
        }
    }

    func audit(_ db: any SQLDatabase, actor: String, action: String, subject: String, old: String?, new: String?) throws {
        try db.execute(sql: "INSERT INTO auditLog (at, actor, action, subject, oldValue, newValue) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [stamp(), actor, action, subject, old, new])
    }

    public func auditLog(limit: Int = 100) throws -> [AuditEntry] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM auditLog ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                AuditEntry(at: $0["at"], actor: $0["actor"], action: $0["action"], subject: $0["subject"], oldValue: $0["oldValue"], newValue: $0["newValue"])
            }
        }
    }
}
