import Foundation
import Storage

/// A return or exchange pickup (수거).
public struct Pickup: Codable, Sendable, Hashable {
    public var id: Int64
    public var orderNo: String
    public var kind: String
    public var status: String
    public var lines: [String: Int]
}

extension FulfillmentStore {
    static func migrateCustomerService(_ m: inout Migrations) {
        m.registerMigration("v4-cs") { db in
            try db.execute(sql: """
                CREATE TABLE pickup (id INTEGER PRIMARY KEY, orderId INTEGER NOT NULL REFERENCES salesOrder(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'requested', defective INTEGER NOT NULL DEFAULT 0,
                    createdAt TEXT NOT NULL, completedAt TEXT);
                CREATE TABLE pickupLine (pickupId INTEGER NOT NULL REFERENCES pickup(id) ON DELETE CASCADE,
                    orderLineId INTEGER NOT NULL REFERENCES orderLine(id) ON DELETE CASCADE, quantity INTEGER NOT NULL CHECK (quantity > 0));
                ALTER TABLE salesOrder ADD COLUMN exchangeFee INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE salesOrder ADD COLUMN replacesOrderId INTEGER;
                """)
        }
    }

    private static func orderRow(_ db: any SQLDatabase, _ orderId: Int64) throws -> SQLRow {
        guard let o = try SQLRow.fetchOne(db, sql: "SELECT * FROM salesOrder WHERE id = ?", arguments: [orderId]) else {
            throw FulfillmentError(code: .notFound, message: "no order \(orderId)")
        }
        return o
    }

    /// 취소: before shipping the order releases its stock and is canceled — or, with
    /// cancelExchange.holdBeforeShipping, put on hold until the cancel is confirmed (call again).
    /// A shipped order cannot be canceled: request a return.
    @discardableResult
    public func cancel(orderId: Int64, actor: String) throws -> String {
        try writer.write { db in
            let settings = try Self.settings(db)
            let o = try Self.orderRow(db, orderId)
            let no: String = o["channelOrderNo"]
            switch o["status"] as String {
            case "collected":
                try Self.deallocate(db, orderId: orderId)
                if settings.cancelExchange.holdBeforeShipping && !(o["hold"] as Bool) {
                    try db.execute(sql: "UPDATE salesOrder SET hold = 1, allocationState = 'onHold' WHERE id = ?", arguments: [orderId])
                    try audit(db, actor: actor, action: "orders.cancel", subject: "order \(no)", old: nil, new: "on hold (cancel requested)")
                    return "order \(no): cancel requested — on hold (보류), its stock released and nothing prints; cancel it again to cancel it for good (cancelExchange.holdBeforeShipping)"
                } else {
                    try db.execute(sql: "UPDATE salesOrder SET status = 'canceled', allocationState = 'notAllocatable' WHERE id = ?", arguments: [orderId])
                    try Self.cancelBooking(db, shipmentId: o["shipmentId"])
                    try audit(db, actor: actor, action: "orders.cancel", subject: "order \(no)", old: "collected", new: "canceled")
                    return "order \(no): canceled"
                }
            case "shipped": throw FulfillmentError(code: .invalidInput, message: "order \(no) is shipped: request a return (orders return) instead of a cancel")
            case let status: throw FulfillmentError(code: .invalidInput, message: "order \(no) is \(status)")
            }
        }
    }

    /// A shipment whose orders are all canceled owes its carrier no booking: one not sent is
    /// dropped, a sent one is to be canceled (택배연동).
    static func cancelBooking(_ db: any SQLDatabase, shipmentId: Int64?) throws {
        guard let shipmentId,
              try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM salesOrder WHERE shipmentId = ? AND status != 'canceled'", arguments: [shipmentId]) == 0 else { return }
        try db.execute(sql: "DELETE FROM carrierBooking WHERE shipmentId = ? AND state = 'due'", arguments: [shipmentId])
        try db.execute(sql: "UPDATE carrierBooking SET state = 'cancelDue' WHERE shipmentId = ? AND state = 'booked'", arguments: [shipmentId])
    }

    /// 반품: a pickup of shipped units (line id → quantity).
    @discardableResult
    public func requestReturn(orderId: Int64, quantities: [Int64: Int], actor: String) throws -> Int64 {
        try writer.write { db in try self.pickup(db, orderId: orderId, kind: "return", quantities: quantities, actor: actor) }
    }

    private func pickup(_ db: any SQLDatabase, orderId: Int64, kind: String, quantities: [Int64: Int], actor: String) throws -> Int64 {
        let o = try Self.orderRow(db, orderId)
        let no: String = o["channelOrderNo"]
        guard (o["status"] as String) == "shipped" else { throw FulfillmentError(code: .invalidInput, message: "order \(no) is not shipped: nothing to pick up") }
        guard !quantities.isEmpty else { throw FulfillmentError(code: .invalidInput, message: "a pickup needs at least one line") }
        for (line, q) in quantities {
            guard let have = try Int.fetchOne(db, sql: "SELECT quantity FROM orderLine WHERE id = ? AND orderId = ?", arguments: [line, orderId]) else {
                throw FulfillmentError(code: .invalidInput, message: "line \(line) is not in order \(no)")
            }
            let picked = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(quantity), 0) FROM pickupLine WHERE orderLineId = ?", arguments: [line])!
            guard q > 0, q + picked <= have else { throw FulfillmentError(code: .invalidInput, message: "line \(line): at most \(have - picked) unit(s) left to pick up, not \(q)") }
        }
        let id = try Int64.fetchOne(db, sql: "INSERT INTO pickup (orderId, kind, createdAt) VALUES (?, ?, ?) RETURNING id", arguments: [orderId, kind, stamp()])!
        for (line, q) in quantities { try db.execute(sql: "INSERT INTO pickupLine (pickupId, orderLineId, quantity) VALUES (?, ?, ?)", arguments: [id, line, q]) }
        try audit(db, actor: actor, action: "pickups.request", subject: "order \(no)", old: nil, new: "\(kind) pickup \(id)")
        return id
    }

    /// 교환: a replacement order for `quantities` (line id → units) with the exchange fee; with
    /// cancelExchange.noCombine it is never combined. After shipping, the units going back get a
    /// pickup (and the replacement waits on hold with holdAfterShipping). Before shipping, the
    /// original releases its stock and is held (holdBeforeShipping) or canceled; no pickup.
    @discardableResult
    public func exchange(orderId: Int64, quantities: [Int64: Int], actor: String) throws -> (pickup: Int64?, replacement: Int64) {
        try writer.write { db in
            let settings = try Self.settings(db)
            let o = try Self.orderRow(db, orderId)
            let no: String = o["channelOrderNo"], channel: String = o["channel"], status: String = o["status"]
            var pickup: Int64?
            switch status {
            case "shipped":
                pickup = try self.pickup(db, orderId: orderId, kind: "exchange", quantities: quantities, actor: actor)
            case "collected":
                for (line, q) in quantities {
                    guard let have = try Int.fetchOne(db, sql: "SELECT quantity FROM orderLine WHERE id = ? AND orderId = ?", arguments: [line, orderId]), q > 0, q <= have else {
                        throw FulfillmentError(code: .invalidInput, message: "line \(line) of order \(no): nothing to exchange")
                    }
                }
                try Self.deallocate(db, orderId: orderId)
                if settings.cancelExchange.holdBeforeShipping {
                    try db.execute(sql: "UPDATE salesOrder SET hold = 1, allocationState = 'onHold' WHERE id = ?", arguments: [orderId])
                } else {
                    try db.execute(sql: "UPDATE salesOrder SET status = 'canceled' WHERE id = ?", arguments: [orderId])
                }
            default:
                throw FulfillmentError(code: .invalidInput, message: "order \(no) is \(status): it cannot be exchanged")
            }
            let suffix = (try Int.fetchOne(db, sql: "SELECT MAX(suffix) FROM salesOrder WHERE channel = ? AND channelOrderNo = ?", arguments: [channel, no]) ?? 0) + 1
            let replacement = try Int64.fetchOne(db, sql: """
                INSERT INTO salesOrder (channel, channelOrderNo, suffix, orderedAt, paidAt, collectedAt, receiverName, receiverPhone, receiverPhone2,
                    postalCode, address, message, carrier, island, disruption, doNotCombine, exchangeFee, replacesOrderId)
                SELECT channel, channelOrderNo, ?, orderedAt, paidAt, ?, receiverName, receiverPhone, receiverPhone2,
                    postalCode, address, message, carrier, island, disruption, ?, ?, id FROM salesOrder WHERE id = ? RETURNING id
                """, arguments: [suffix, stamp(), settings.cancelExchange.noCombine, settings.cancelExchange.exchangeFee, orderId])!
            var n = 0
            for (line, q) in quantities.sorted(by: { $0.key < $1.key }) {
                n += 1
                try db.execute(sql: """
                    INSERT INTO orderLine (orderId, lineNo, productName, optionText, itemCode, quantity, isGift, optionId)
                    SELECT ?, ?, productName, optionText, itemCode, ?, isGift, optionId FROM orderLine WHERE id = ?
                    """, arguments: [replacement, n, q, line])
            }
            if status == "shipped" && settings.cancelExchange.holdAfterShipping {
                try db.execute(sql: "UPDATE salesOrder SET hold = 1, allocationState = 'onHold' WHERE id = ?", arguments: [replacement])
            }
            try audit(db, actor: actor, action: "orders.exchange", subject: "order \(no)", old: nil, new: "replacement \(no)-\(suffix)" + (pickup.map { ", pickup \($0)" } ?? ""))
            return (pickup, replacement)
        }
    }

    /// 수거 완료: with pickupRestock on, the returned units go back into stock as 반품입고 — unless
    /// the pickup is flagged defective.
    public func completePickup(_ pickupId: Int64, defective: Bool, actor: String) throws {
        try writer.write { db in
            let settings = try Self.settings(db)
            guard let p = try SQLRow.fetchOne(db, sql: "SELECT status FROM pickup WHERE id = ?", arguments: [pickupId]) else {
                throw FulfillmentError(code: .notFound, message: "no pickup \(pickupId)")
            }
            guard (p["status"] as String) == "requested" else { throw FulfillmentError(code: .invalidInput, message: "pickup \(pickupId) is already completed") }
            if settings.pickupRestock && !defective {
                for row in try SQLRow.fetchAll(db, sql: """
                    SELECT l.optionId, p.quantity FROM pickupLine p JOIN orderLine l ON l.id = p.orderLineId WHERE p.pickupId = ? AND l.optionId IS NOT NULL
                    """, arguments: [pickupId]) {
                    try move(db, optionId: row[0], type: MovementType.returnReceipt, quantity: row[1], actor: actor, note: "pickup \(pickupId)")
                }
            }
            try db.execute(sql: "UPDATE pickup SET status = 'completed', defective = ?, completedAt = ? WHERE id = ?", arguments: [defective, stamp(), pickupId])
            try audit(db, actor: actor, action: "pickups.complete", subject: "pickup \(pickupId)", old: nil, new: defective ? "defective, not restocked" : "completed")
        }
    }
}
