import Storage

/// What 거래처/마켓계정/부운영자 갱신 changed in the reference lists.
public struct PartnerRefresh: Codable, Sendable, Hashable {
    /// kind (`channel`, `carrier`, `operator`) → names added / removed.
    public var added: [String: [String]] = [:]
    public var removed: [String: [String]] = [:]
    public var unchanged: Bool { added.values.allSatisfy(\.isEmpty) && removed.values.allSatisfy(\.isEmpty) }
}

extension FulfillmentStore {
    static func ensurePartnerTable(_ db: any SQLDatabase) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS partner (kind TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (kind, name))")
    }

    /// 거래처/마켓계정/부운영자 갱신: reloads the reference lists — sales channels seen in orders,
    /// carriers (from the waybill templates given, the waybillFormats setting and orders), operators
    /// seen in the audit log — and reports what changed.
    public func refreshPartners(carriers templateCarriers: [String], actor: String) throws -> PartnerRefresh {
        try writer.write { db in
            try Self.ensurePartnerTable(db)
            let settings = try Self.settings(db)
            var current: [String: Set<String>] = [
                "channel": Set(try String.fetchAll(db, sql: "SELECT DISTINCT channel FROM salesOrder")),
                "carrier": Set(templateCarriers).union(settings.waybillFormats.keys).union(try String.fetchAll(db, sql: "SELECT DISTINCT carrier FROM salesOrder WHERE carrier IS NOT NULL")),
                "operator": Set(try String.fetchAll(db, sql: "SELECT DISTINCT actor FROM auditLog")),
            ]
            current["operator"]!.insert(actor)
            var result = PartnerRefresh()
            for (kind, names) in current {
                let stored = Set(try String.fetchAll(db, sql: "SELECT name FROM partner WHERE kind = ?", arguments: [kind]))
                result.added[kind] = names.subtracting(stored).sorted()
                result.removed[kind] = stored.subtracting(names).sorted()
                try db.execute(sql: "DELETE FROM partner WHERE kind = ?", arguments: [kind])
                for name in names { try db.execute(sql: "INSERT INTO partner (kind, name) VALUES (?, ?)", arguments: [kind, name]) }
            }
            let summary = result.added.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value.count) -\(result.removed[$0.key]?.count ?? 0)" }.joined(separator: ", ")
            try audit(db, actor: actor, action: "partners.refresh", subject: "reference lists", old: nil, new: summary)
            return result
        }
    }

    /// The stored reference list of one kind.
    public func partners(kind: String) throws -> [String] {
        try writer.write { db in
            try Self.ensurePartnerTable(db)
            return try String.fetchAll(db, sql: "SELECT name FROM partner WHERE kind = ? ORDER BY name", arguments: [kind])
        }
    }
}
