public import Storage
public import Foundation
import LabeldSupport
import Logging

/// Which shipments a 송장출력 batch takes.
public struct PrintSelection: Sendable, Hashable {
    /// Only this carrier's shipments.
    public var carrier: String?
    /// Only shipments with a product option carrying this tag.
    public var tag: String?
    /// Only island (도서산간) shipments, or only the others.
    public var island: Bool?
    /// Order dates from / to (yyyy-MM-dd in Korea, inclusive), by the order time or else the collection time.
    public var from: String?
    public var to: String?
    /// Also shipments printed before (a deliberate second run); shipped ones never.
    public var includePrinted: Bool
    /// Exactly these shipments (still filtered by the rest).
    public var shipmentIds: [Int64]?
    public var limit: Int?

    public init(carrier: String? = nil, tag: String? = nil, island: Bool? = nil, from: String? = nil, to: String? = nil,
                includePrinted: Bool = false, shipmentIds: [Int64]? = nil, limit: Int? = nil) {
        self.carrier = carrier; self.tag = tag; self.island = island; self.from = from; self.to = to
        self.includePrinted = includePrinted; self.shipmentIds = shipmentIds; self.limit = limit
    }
}

extension FulfillmentStore {
    /// The shipments a batch prints, in the seller's 송장출력 order (`printOrder` keys, stable, final
    /// tie-break by order id). Held, canceled and shipped orders' shipments are left out.
    public func printQueue(_ selection: PrintSelection) throws -> [ShipmentDetail] {
        let settings = try settings()
        let cutoff = try delayCutoff(settings)
        for d in [selection.from, selection.to].compactMap({ $0 }) where !Self.isDate(d) {
            throw FulfillmentError(code: .invalidInput, message: "'\(d)' is not a date (yyyy-MM-dd)")
        }
        let details = try writer.read { db -> [ShipmentDetail] in
            var sql = """
                SELECT DISTINCT s.id FROM shipment s JOIN salesOrder o ON o.shipmentId = s.id
                WHERE o.status = 'collected' AND o.hold = 0 AND s.status \(selection.includePrinted ? "IN ('open','printed')" : "= 'open'")
                """
            var args: [(any SQLValueConvertible)?] = []
            if let c = selection.carrier { sql += " AND COALESCE(s.carrier, o.carrier) = ?"; args.append(c) }
            if let i = selection.island { sql += " AND o.island = ?"; args.append(i) }
            // Stored times are UTC: a Korean calendar day is the range from its first instant to the next day's.
            if let f = selection.from, let start = OrderTime.startOfDay(f) { sql += " AND COALESCE(o.orderedAt, o.collectedAt) >= ?"; args.append(start) }
            if let t = selection.to, let end = OrderTime.startOfNextDay(t) { sql += " AND COALESCE(o.orderedAt, o.collectedAt) < ?"; args.append(end) }
            if let tag = selection.tag {
                sql += """
                     AND EXISTS (SELECT 1 FROM orderLine l JOIN productOption p ON p.id = l.optionId
                     WHERE l.orderId = o.id AND (',' || p.tags || ',') LIKE ?)
                    """
                args.append("%," + tag + ",%")
            }
            if let ids = selection.shipmentIds {
                sql += " AND s.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"
                args += ids
                if ids.isEmpty { return [] }
            }
            let ids = try Int64.fetchAll(db, sql: sql, arguments: SQLArguments(args))
            return try Self.shipmentDetails(db, ids, delayCutoff: cutoff)
        }
        let sorted = Self.sortForPrinting(details, by: settings.printOrder)
        return selection.limit.map { Array(sorted.prefix($0)) } ?? sorted
    }

    /// Sorts by the keys in turn (missing values last), then by the first order id.
    public static func sortForPrinting(_ shipments: [ShipmentDetail], by keys: [Settings.PrintSort]) -> [ShipmentDetail] {
        enum Value: Comparable { case text(String), number(Int), missing }
        func value(_ s: ShipmentDetail, _ key: Settings.PrintSortKey) -> Value {
            let first = s.lines.first
            switch key {
            case .orderedAt: return s.orderedAt.map(Value.text) ?? .missing
            case .orderNo: return s.orderNumbers.first.map(Value.text) ?? .missing
            case .firstProductName: return first.map { .text($0.productName) } ?? .missing
            case .sku: return first?.sku.map(Value.text) ?? .missing
            case .location: return first?.location.map(Value.text) ?? .missing
            case .totalQuantity: return .number(s.lines.reduce(0) { $0 + $1.quantity })
            case .lineCount: return .number(s.lines.count)
            case .receiverName: return .text(s.receiverName)
            case .postalCode: return .text(s.postalCode)
            case .routing: return s.routing?.sortCode.map { .text($0 + "-" + (s.routing?.subSortCode ?? "")) } ?? .missing
            }
        }
        let keyed = shipments.map { s in (s, keys.map { value(s, $0.key) }) }
        return keyed.sorted { a, b in
            for (i, sort) in keys.enumerated() where a.1[i] != b.1[i] {
                // Missing values go last whichever the direction.
                if a.1[i] == .missing { return false }
                if b.1[i] == .missing { return true }
                return sort.descending ? a.1[i] > b.1[i] : a.1[i] < b.1[i]
            }
            return a.0.firstOrderId < b.0.firstOrderId
        }.map(\.0)
    }

    /// The shipment a station's scan names, if it has one yet: a waybill number (hyphens and
    /// spaces as printed are ignored) or an order number (with or without its suffix).
    public static func shipmentId(_ db: any SQLDatabase, scanned code: String) throws -> Int64? {
        let trimmed = code.trimmedOfWhitespace
        let digits = trimmed.filter { $0 != "-" && $0 != " " }
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM shipment WHERE waybillNo = ?"), arguments: [digits]) { return id }
        return try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT shipmentId FROM salesOrder WHERE (channelOrderNo = ? OR channelOrderNo || '-' || suffix = ?) AND status != 'canceled'
            ORDER BY id LIMIT 1
            """), arguments: [trimmed, trimmed])
    }

    /// The shipment a station's scan names; an order number without a shipment yet gets one now
    /// (one order, one waybill). A code that names neither is not found.
    public func shipment(scanned code: String) throws -> Int64 {
        if let id = try writer.read({ db in try Self.shipmentId(db, scanned: code) }) { return id }
        let trimmed = code.trimmedOfWhitespace
        guard let order = try writer.read({ db in
            try Int64.fetchOne(db, sql: "SELECT id FROM salesOrder WHERE channelOrderNo = ? AND status = 'collected' ORDER BY id LIMIT 1", arguments: [trimmed])
        }) else {
            throw FulfillmentError(code: .notFound, message: "no shipment or order '\(trimmed)'")
        }
        return try shipment(forOrder: order)
    }

    /// Marks shipments printed (in the caller's transaction: the print job and this commit together).
    /// A printed shipment is not taken by the next batch and cannot be combined any more; the
    /// time it was first printed dates it for the dispatch file (`exportDispatch(since:)`).
    public static func markPrinted(_ db: any SQLDatabase, shipmentIds: [Int64]) throws {
        let update = try db.cachedStatement(sql: """
            UPDATE shipment SET status = 'printed', printedAt = COALESCE(printedAt, ?) WHERE id = ? AND status = 'open'
            """)
        let now = FulfillmentStore.timestamp.string(from: Date())
        for id in shipmentIds { try update.execute(arguments: [now, id]) }
        try bookingsDue(db, shipmentIds: shipmentIds)
    }

    /// Puts printed shipments whose labels did not print (their job failed or was canceled) back
    /// into the print queue, in the caller's transaction; returns how many went back.
    public func returnToQueue(_ db: any SQLDatabase, shipmentIds: [Int64], actor: String, reason: String) throws -> Int {
        let update = try db.cachedStatement(sql: "UPDATE shipment SET status = 'open' WHERE id = ? AND status = 'printed'")
        var back: [Int64] = []
        for id in shipmentIds {
            try update.execute(arguments: [id])
            if db.changesCount > 0 { back.append(id) }
        }
        // A booking not sent yet waits for the label that really prints.
        for id in back { try db.execute(sql: "DELETE FROM carrierBooking WHERE shipmentId = ? AND state = 'due'", arguments: [id]) }
        if !back.isEmpty {
            logger.info("shipments back in the print queue", metadata: ["shipment.ids": "\(back)", "reason": "\(reason)"])
            try audit(db, actor: actor, action: "shipments.unprint", subject: back.map { "shipment \($0)" }.joined(separator: ", "), old: "printed", new: "open (\(reason))")
        }
        return back.count
    }

    /// Writes an entry in the audit log (for actions other modules carry out, such as 재출력).
    public func record(actor: String, action: String, subject: String, detail: String?) throws {
        try writer.write { db in try audit(db, actor: actor, action: action, subject: subject, old: nil, new: detail) }
    }

    static func isDate(_ s: String) -> Bool {
        s.count == 10 && s.enumerated().allSatisfy { i, c in (i == 4 || i == 7) ? c == "-" : c.isASCII && c.isNumber }
    }
}
