import Foundation
public import Storage

/// One row of the stock ledger (입/출고 내역).
public struct StockMovement: Sendable, Hashable, Codable {
    public var sku: String
    public var type: String
    public var quantity: Int
    public var at: String
    public var actor: String
    public var note: String?
}

/// What is reported to a sales channel for one option (마켓전송기준).
public struct MarketStock: Sendable, Hashable, Codable {
    public var sku: String
    public var itemCode: String?
    public var quantity: Int
}

extension FulfillmentStore {
    /// 입고: adds `quantity` (> 0) of `sku` to on-hand stock, as a ledger row of `type`
    /// (입고 or a seller-defined receipt type).
    @discardableResult
    public func receive(sku: String, quantity: Int, type: String = MovementType.receipt, actor: String, note: String? = nil) throws -> Int {
        guard quantity > 0 else { throw FulfillmentError(code: .invalidInput, message: "receive: quantity must be more than 0, got \(quantity)") }
        return try record(sku: sku, quantity: quantity, type: type, actor: actor, note: note)
    }

    /// 조정: changes on-hand stock by `delta` (either sign; not 0) with a reason.
    @discardableResult
    public func adjust(sku: String, by delta: Int, actor: String, note: String? = nil) throws -> Int {
        guard delta != 0 else { throw FulfillmentError(code: .invalidInput, message: "adjust: the change must not be 0") }
        return try record(sku: sku, quantity: delta, type: MovementType.adjustment, actor: actor, note: note)
    }

    private func record(sku: String, quantity: Int, type: String, actor: String, note: String?) throws -> Int {
        try writer.write { db in
            guard let optionId = try Int64.fetchOne(db, sql: "SELECT id FROM productOption WHERE sku = ?", arguments: [sku]) else {
                throw FulfillmentError(code: .notFound, message: "no product option with SKU '\(sku)'")
            }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM movementType WHERE name = ?", arguments: [type]) != nil else {
                let known = try String.fetchAll(db, sql: "SELECT name FROM movementType ORDER BY builtIn DESC, name")
                throw FulfillmentError(code: .invalidInput, message: "unknown movement type '\(type)': expected one of \(known.joined(separator: ", ")) (add your own with settings set stockMovementTypes)")
            }
            try move(db, optionId: optionId, type: type, quantity: quantity, actor: actor, note: note)
            return try Int.fetchOne(db, sql: "SELECT onHand FROM stockLevel WHERE optionId = ?", arguments: [optionId])!
        }
    }

    /// Writes a ledger row and moves on-hand stock with it, in the caller's transaction: on-hand is
    /// always the ledger's sum.
    public func move(_ db: any SQLDatabase, optionId: Int64, type: String, quantity: Int, actor: String, note: String?, orderLineId: Int64? = nil) throws {
        try db.execute(sql: "INSERT INTO stockMovement (optionId, type, quantity, at, actor, note, orderLineId) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [optionId, type, quantity, stamp(), actor, note, orderLineId])
        try db.execute(sql: "UPDATE stockLevel SET onHand = onHand + ? WHERE optionId = ?", arguments: [quantity, optionId])
    }

    public func movements(sku: String? = nil, limit: Int = 1000) throws -> [StockMovement] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT o.sku, m.type, m.quantity, m.at, m.actor, m.note FROM stockMovement m JOIN productOption o ON o.id = m.optionId
                WHERE (CAST(? AS TEXT) IS NULL OR o.sku = ?) ORDER BY m.id LIMIT ?
                """, arguments: [sku, sku, limit]).map {
                StockMovement(sku: $0[0], type: $0[1], quantity: $0[2], at: $0[3], actor: $0[4], note: $0[5])
            }
        }
    }

    /// Options whose on-hand stock differs from their ledger sum (always empty; the tests check).
    public func ledgerMismatches() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT o.sku FROM productOption o JOIN stockLevel s ON s.optionId = o.id
                WHERE s.onHand != (SELECT COALESCE(SUM(quantity), 0) FROM stockMovement m WHERE m.optionId = o.id)
                """)
        }
    }

    /// 마켓전송기준: the quantity per option to report to sales channels.
    public func marketStock() throws -> [MarketStock] {
        let basis = try settings().marketStockBasis
        return try writer.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT o.sku, o.itemCode, s.onHand, s.allocated, o.mallStock FROM productOption o JOIN stockLevel s ON s.optionId = o.id ORDER BY o.sku
                """).map { r in
                let onHand: Int = r[2], allocated: Int = r[3], mall: Int? = r[4]
                let quantity: Int
                switch basis {
                case .current: quantity = onHand
                case .available: quantity = onHand - allocated
                case .fixed(let n): quantity = n
                case .mall: quantity = mall ?? 0
                }
                return MarketStock(sku: r[0], itemCode: r[1], quantity: max(0, quantity))
            }
        }
    }
}
