public import Foundation
public import Fulfillment
public import Storage
import Crypto
import LabeldSupport

/// Who is calling: a bearer token's name, role and (for stations) printers.
public struct Principal: Sendable, Hashable, Codable {
    public var name: String
    public var role: Role
    /// The printers a station may print to (empty for owner and operator: all).
    public var printers: [String]
    /// `role:name`, as the audit log records it.
    public var actor: String { "\(role.rawValue):\(name)" }

    /// Whether this caller may use `printer`.
    public func mayUse(printer: String) -> Bool { role != .station || printers.contains(printer) }
}

/// Bearer tokens, stored as SHA-256 hashes (the token itself is shown once, at creation).
public struct TokenStore: Sendable {
    public let fulfillment: FulfillmentStore
    var writer: any SQLStore { fulfillment.writer }

    /// Tokens live in the order core's database; making one is written to its audit log.
    /// `memorySeconds`: how long a looked-up principal is remembered (`recent`); `now`: the clock.
    public init(fulfillment: FulfillmentStore, memorySeconds: Double = 2, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.fulfillment = fulfillment
        self.memorySeconds = memorySeconds
        self.now = now
        let writer = fulfillment.writer
        var m = Migrations()
        m.registerMigration("server-v1-tokens") { db in
            try db.execute(sql: """
                CREATE TABLE apiToken (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, printers TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE, createdAt TEXT NOT NULL, revokedAt TEXT);
                """)
        }
        try writer.migrate(m)
    }

    static func hash(_ token: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for b in SHA256.hash(data: Data(token.utf8)) { hex.append(digits[Int(b >> 4)]); hex.append(digits[Int(b & 15)]) }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Principals of tokens seen in the last `memorySeconds`: every request names one, and a
    /// station scanning a burst should not pay a database read each time. Revoking here clears
    /// it; a token revoked by another process (`labeld tokens revoke`) stops working within
    /// `memorySeconds`.
    let recent = KeyedCache<String, (principal: Principal, until: Date)>(limit: 1000)
    let memorySeconds: Double
    let now: @Sendable () -> Date

    /// Makes a token (`lbd_` + 32 random bytes, base64url); returns it — the only time it is seen.
    public func create(name: String, role: Role, printers: [String], actor: String) throws -> String {
        guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0.isWhitespace || $0 == ":" }) else {
            throw FulfillmentError(code: .invalidInput, message: "a token name is 1–64 characters without spaces or ':'")
        }
        if role == .station && printers.isEmpty {
            throw FulfillmentError(code: .invalidInput, message: "a station token needs the printers it may use (--printer)")
        }
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let token = "lbd_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let json = String(decoding: try JSONEncoder().encode(printers), as: UTF8.self)
        try writer.write { db in
            try db.execute(sql: "INSERT INTO apiToken (name, role, printers, hash, createdAt) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, role.rawValue, json, Self.hash(token), ISO8601DateFormatter().string(from: Date())])
        }
        try fulfillment.record(actor: actor, action: "tokens.create", subject: name, detail: role.rawValue + (printers.isEmpty ? "" : " " + printers.joined(separator: ",")))
        return token
    }

    /// The caller a token stands for; nil when unknown or revoked.
    public func principal(token: String) throws -> Principal? {
        let hash = Self.hash(token)
        if let known = recent[hash], known.until > now() { return known.principal }
        let found = try writer.read { db -> Principal? in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT name, role, printers FROM apiToken WHERE hash = ? AND revokedAt IS NULL",
                                             arguments: [hash]),
                  let role = Role(rawValue: row["role"]) else { return nil }
            let printers = (try? JSONDecoder().decode([String].self, from: Data((row["printers"] as String).utf8))) ?? []
            return Principal(name: row["name"], role: role, printers: printers)
        }
        if let found { recent.set((found, now().addingTimeInterval(memorySeconds)), for: hash) }
        return found
    }

    /// The principal of a token seen lately, without touching the database (nil: ask `principal`).
    public func recentPrincipal(token: String) -> Principal? {
        recent[Self.hash(token)].flatMap { $0.until > now() ? $0.principal : nil }
    }

    /// Revokes every token of that name.
    public func revoke(name: String) throws -> Int {
        defer { recent.removeAll() }
        return try writer.write { db in
            try db.execute(sql: "UPDATE apiToken SET revokedAt = ? WHERE name = ? AND revokedAt IS NULL", arguments: [ISO8601DateFormatter().string(from: Date()), name])
            return db.changesCount
        }
    }

    public func list() throws -> [(name: String, role: String, printers: String, createdAt: String, revoked: Bool)] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT name, role, printers, createdAt, revokedAt FROM apiToken ORDER BY id").map {
                ($0["name"], $0["role"], $0["printers"], $0["createdAt"], ($0["revokedAt"] as String?) != nil)
            }
        }
    }
}
