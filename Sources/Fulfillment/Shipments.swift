import Foundation
public import Storage

/// A shipment: what one waybill covers — one order, or several combined (합포).
public struct ShipmentSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var carrier: String?
    public var waybillNo: String?
    public var status: String
    public var orderNumbers: [String]
}

extension FulfillmentStore {
    static func migrateShipments(_ m: inout Migrations) {
        m.registerMigration("v3-shipments") { db in
            try db.execute(sql: """
                CREATE TABLE shipment (id INTEGER PRIMARY KEY, carrier TEXT, waybillNo TEXT UNIQUE,
                    status TEXT NOT NULL DEFAULT 'open', createdAt TEXT NOT NULL, shippedAt TEXT);
                ALTER TABLE salesOrder ADD COLUMN shipmentId INTEGER REFERENCES shipment(id);
                ALTER TABLE salesOrder ADD COLUMN doNotCombine INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE waybillRange (id INTEGER PRIMARY KEY, carrier TEXT NOT NULL, next INTEGER NOT NULL,
                    last INTEGER NOT NULL, digits INTEGER NOT NULL, checkRule TEXT NOT NULL);
                """)
        }
    }

    /// The shipment of an order, made when first asked for (one order, one waybill).
    @discardableResult
    public func shipment(forOrder orderId: Int64) throws -> Int64 {
        try writer.write { db in try Self.shipment(db, forOrder: orderId, at: stamp()) }
    }

    static func shipment(_ db: any SQLDatabase, forOrder orderId: Int64, at: String) throws -> Int64 {
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT shipmentId, carrier, waybillNo, channelOrderNo FROM salesOrder WHERE id = ?", arguments: [orderId]) else {
            throw FulfillmentError(code: .notFound, message: "no order \(orderId)")
        }
        if let id: Int64 = row["shipmentId"] { return id }
        // A waybill number supplied with the order data becomes the shipment's (never twice).
        if let supplied: String = row["waybillNo"],
           try Bool.fetchOne(db, sql: "SELECT 1 FROM shipment WHERE waybillNo = ?", arguments: [supplied]) != nil {
            throw FulfillmentError(code: .invalidInput, message: "order \(row["channelOrderNo"] as String): waybill number \(supplied) is already used by another shipment")
        }
        let id = try Int64.fetchOne(db, sql: "INSERT INTO shipment (carrier, waybillNo, createdAt) VALUES (?, ?, ?) RETURNING id", arguments: [row["carrier"] as String?, row["waybillNo"] as String?, at])!
        try db.execute(sql: "UPDATE salesOrder SET shipmentId = ? WHERE id = ?", arguments: [id, orderId])
        return id
    }

    /// A shipment for every unshipped order that has none yet. Orders on hold, and orders that
    /// cannot ship (a line without a product or, in currentStock mode, without allocated stock)
    /// unless the seller prints those with a marker (`unallocatedWaybills`), are held back; an
    /// order whose shipment cannot be made (its waybill number is another shipment's) is refused
    /// with the reason. Every other order gets its shipment.
    @discardableResult
    public func createShipments(actor: String) throws -> ShipmentCreation {
        try writer.write { db in
            let settings = try Self.settings(db)
            var result = ShipmentCreation()
            let rows = try SQLRow.fetchAll(db, sql: """
                SELECT id, channelOrderNo, suffix, hold FROM salesOrder WHERE status = 'collected' AND shipmentId IS NULL ORDER BY id
                """)
            for row in rows {
                let id: Int64 = row[0], suffix: Int = row[2]
                let no = suffix > 0 ? "\(row[1] as String)-\(suffix)" : row[1] as String
                if row[3] as Bool { result.heldBack.append(.init(orderNo: no, reason: "on hold (보류): release it first")); continue }
                if settings.unallocated == .hold, let block = try Self.shippingBlock(db, orderId: id, basis: settings.allocationBasis) {
                    result.heldBack.append(.init(orderNo: no, reason: block)); continue
                }
                do {
                    try db.inSavepoint {
                        _ = try Self.shipment(db, forOrder: id, at: stamp())
                    }
                    result.created += 1
                } catch let error as FulfillmentError {
                    result.refused.append(.init(orderNo: no, reason: error.message))
                }
            }
            if result.created > 0 { try audit(db, actor: actor, action: "shipments.create", subject: "\(result.created) order(s)", old: nil, new: nil) }
            return result
        }
    }

    /// Why an order cannot ship now, or nil when it can: a line without a product option, or — in
    /// currentStock mode — a line not wholly allocated (what `ship` would refuse).
    static func shippingBlock(_ db: any SQLDatabase, orderId: Int64, basis: Settings.AllocationBasis) throws -> String? {
        let lines = try SQLRow.fetchAll(db, sql: """
            SELECT o.channelOrderNo, l.productName, l.optionId IS NOT NULL, l.allocated, l.quantity
            FROM orderLine l JOIN salesOrder o ON o.id = l.orderId WHERE l.orderId = ? ORDER BY l.lineNo
            """, arguments: [orderId])
        for l in lines {
            if let reason = ShipmentDetail.blockReason(orderNo: l[0], product: l[1], matched: l[2], allocated: l[3], quantity: l[4], basis: basis) {
                return reason
            }
        }
        return nil
    }

    /// 합포: one shipment (one waybill) for orders to the same receiver — name, phone and normalised
    /// address equal, none marked do-not-combine, none printed or shipped.
    @discardableResult
    public func combine(orderIds: [Int64], actor: String) throws -> Int64 {
        guard orderIds.count >= 2 else { throw FulfillmentError(code: .invalidInput, message: "combine needs at least two orders") }
        return try writer.write { db in
            var key: String?
            var target: Int64?
            for id in orderIds {
                guard let o = try SQLRow.fetchOne(db, sql: """
                    SELECT o.channelOrderNo, o.receiverName, o.receiverPhone, o.address, o.doNotCombine, o.status, s.status AS shipmentStatus, s.waybillNo
                    FROM salesOrder o LEFT JOIN shipment s ON s.id = o.shipmentId WHERE o.id = ?
                    """, arguments: [id]) else { throw FulfillmentError(code: .notFound, message: "no order \(id)") }
                let no: String = o["channelOrderNo"]
                if o["doNotCombine"] as Bool { throw FulfillmentError(code: .invalidInput, message: "order \(no) is marked do-not-combine") }
                if (o["status"] as String) != "collected" || (o["shipmentStatus"] as String?).map({ $0 != "open" }) == true {
                    throw FulfillmentError(code: .invalidInput, message: "order \(no) is already printed or shipped: it cannot be combined")
                }
                let k = Normalize.matchKey(name: o["receiverName"], option: Self.digits(o["receiverPhone"])) + "|" + Normalize.matchKey(name: o["address"], option: "")
                if let key, key != k { throw FulfillmentError(code: .invalidInput, message: "order \(no) goes to another receiver (name, phone and address must match)") }
                key = k
            }
            // The combined shipment keeps the one waybill number the orders may already have.
            let shipments = try orderIds.map { try Self.shipment(db, forOrder: $0, at: stamp()) }
            var numbered: [Int64: String] = [:]
            for id in Set(shipments) {
                if let n = try String.fetchOne(db, sql: "SELECT waybillNo FROM shipment WHERE id = ?", arguments: [id]) { numbered[id] = n }
            }
            if Set(numbered.values).count > 1 {
                throw FulfillmentError(code: .invalidInput, message: "the orders already carry different waybill numbers (\(Set(numbered.values).sorted().joined(separator: ", "))): they cannot share one waybill")
            }
            target = numbered.keys.min() ?? shipments[0]
            for shipment in Set(shipments) where shipment != target! {
                try db.execute(sql: "UPDATE salesOrder SET shipmentId = ? WHERE shipmentId = ?", arguments: [target!, shipment])
                try db.execute(sql: "DELETE FROM shipment WHERE id = ?", arguments: [shipment])
            }
            try audit(db, actor: actor, action: "shipments.combine", subject: "shipment \(target!)", old: nil, new: "orders \(orderIds.map(String.init).joined(separator: ","))")
            return target!
        }
    }

    /// 주문나누기: moves `quantities` (line id → units) into a new order with the same receiver. The
    /// order's stock is released first (the next allocation run re-allocates both). With
    /// splitNoCombine both orders are marked do-not-combine.
    @discardableResult
    public func split(orderId: Int64, quantities: [Int64: Int], actor: String) throws -> Int64 {
        try writer.write { db in
            let settings = try Self.settings(db)
            guard let o = try SQLRow.fetchOne(db, sql: "SELECT * FROM salesOrder WHERE id = ?", arguments: [orderId]) else {
                throw FulfillmentError(code: .notFound, message: "no order \(orderId)")
            }
            let no: String = o["channelOrderNo"]
            if (o["status"] as String) != "collected" || (o["waybillNo"] as String?) != nil {
                throw FulfillmentError(code: .invalidInput, message: "order \(no) is already printed or shipped: it cannot be split")
            }
            let lines = try SQLRow.fetchAll(db, sql: "SELECT id, quantity FROM orderLine WHERE orderId = ?", arguments: [orderId])
            let byId = Dictionary(uniqueKeysWithValues: lines.map { ($0["id"] as Int64, $0["quantity"] as Int) })
            var remaining = 0
            for (line, q) in byId { remaining += q - (quantities[line] ?? 0) }
            for (line, q) in quantities {
                guard let have = byId[line] else { throw FulfillmentError(code: .invalidInput, message: "line \(line) is not in order \(no)") }
                guard q > 0, q <= have else { throw FulfillmentError(code: .invalidInput, message: "line \(line): split 1 to \(have) units, not \(q)") }
            }
            guard remaining > 0 else { throw FulfillmentError(code: .invalidInput, message: "a split must leave something in order \(no)") }
            try Self.deallocate(db, orderId: orderId)
            let suffix = (try Int.fetchOne(db, sql: "SELECT MAX(suffix) FROM salesOrder WHERE channel = ? AND channelOrderNo = ?",
                                            arguments: [o["channel"] as String, no]) ?? 0) + 1
            let newId = try Int64.fetchOne(db, sql: """
                INSERT INTO salesOrder (channel, channelOrderNo, suffix, orderedAt, paidAt, collectedAt, receiverName, receiverPhone, receiverPhone2,
                    postalCode, address, message, carrier, island, disruption, doNotCombine)
                SELECT channel, channelOrderNo, ?, orderedAt, paidAt, collectedAt, receiverName, receiverPhone, receiverPhone2,
                    postalCode, address, message, carrier, island, disruption, ? FROM salesOrder WHERE id = ? RETURNING id
                """, arguments: [suffix, settings.splitNoCombine, orderId])!
            var n = 0
            for (line, q) in quantities.sorted(by: { $0.key < $1.key }) {
                n += 1
                try db.execute(sql: """
                    INSERT INTO orderLine (orderId, lineNo, productName, optionText, itemCode, quantity, isGift, optionId, sourceRow)
                    SELECT ?, ?, productName, optionText, itemCode, ?, isGift, optionId, sourceRow FROM orderLine WHERE id = ?
                    """, arguments: [newId, n, q, line])
                if q == byId[line]! { try db.execute(sql: "DELETE FROM orderLine WHERE id = ?", arguments: [line]) }
                else { try db.execute(sql: "UPDATE orderLine SET quantity = quantity - ? WHERE id = ?", arguments: [q, line]) }
            }
            if settings.splitNoCombine { try db.execute(sql: "UPDATE salesOrder SET doNotCombine = 1 WHERE id = ?", arguments: [orderId]) }
            try audit(db, actor: actor, action: "orders.split", subject: "order \(no)", old: nil, new: "\(no)-\(suffix)")
            return newId
        }
    }

    /// A carrier's waybill number range (start…end are the numbers without their check digit when
    /// the profile's rule adds one, e.g. Lotte's 11-digit base + mod 7).
    public func addWaybillRange(carrier name: String, start: Int, end: Int, digits: Int, checkRule: String, actor: String) throws {
        let carrier = try Self.carrierKey(name)
        guard start <= end, start >= 0 else { throw FulfillmentError(code: .invalidInput, message: "waybill range: start must be ≤ end") }
        guard ["off", "mod7-11", "mod7-10"].contains(checkRule) else { throw FulfillmentError(code: .invalidInput, message: "check rule: expected off, mod7-11 or mod7-10") }
        try writer.write { db in
            let overlapping = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM waybillRange WHERE carrier = ? AND NOT (last < ? OR next > ?)", arguments: [carrier, start, end])!
            if overlapping > 0 { throw FulfillmentError(code: .invalidInput, message: "waybill range \(start)…\(end) overlaps one already given for \(carrier)") }
            try db.execute(sql: "INSERT INTO waybillRange (carrier, next, last, digits, checkRule) VALUES (?, ?, ?, ?, ?)", arguments: [carrier, start, end, digits, checkRule])
            try audit(db, actor: actor, action: "waybills.range", subject: carrier, old: nil, new: "\(start)…\(end)")
        }
    }

    /// A carrier named as a seller writes it (`롯데택배`, `lotte`) as its profile key.
    static func carrierKey(_ name: String) throws(FulfillmentError) -> String {
        guard let key = Carriers.key(for: name) else {
            throw FulfillmentError(code: .invalidInput, message: "unknown carrier '\(name)': expected one of \(Carriers.acceptedNames)")
        }
        return key
    }

    /// Gives every open shipment without a waybill number (of orders still to ship) the next
    /// number of `carrier`'s range, in shipment order; stops with a clear error when the range runs
    /// out (the numbers given so far stay given). Returns (shipment, number) pairs.
    public func assignWaybills(carrier name: String, actor: String) throws -> [(Int64, String)] {
        let ids = try writer.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT s.id FROM shipment s WHERE s.status = 'open' AND s.waybillNo IS NULL
                  AND EXISTS (SELECT 1 FROM salesOrder o WHERE o.shipmentId = s.id AND o.status = 'collected') ORDER BY s.id
                """)
        }
        return try ids.map { ($0, try assignWaybill(shipmentId: $0, carrier: name, actor: actor)) }
    }

    /// Gives the shipment the next number of its carrier's range; a range never hands out a number
    /// twice, and an exhausted range is a clear error.
    @discardableResult
    public func assignWaybill(shipmentId: Int64, carrier name: String, actor: String) throws -> String {
        let carrier = try Self.carrierKey(name)
        return try writer.write { db in
            guard let s = try SQLRow.fetchOne(db, sql: "SELECT waybillNo, carrier, status FROM shipment WHERE id = ?", arguments: [shipmentId]) else {
                throw FulfillmentError(code: .notFound, message: "no shipment \(shipmentId)")
            }
            if let existing: String = s["waybillNo"] {
                let had: String? = s["carrier"]
                if let had, had != carrier {
                    throw FulfillmentError(code: .invalidInput, message: "shipment \(shipmentId) already has \(Carriers.displayName(had)) waybill number \(existing): it cannot become \(Carriers.displayName(carrier))'s")
                }
                return existing
            }
            guard let range = try SQLRow.fetchOne(db, sql: "SELECT * FROM waybillRange WHERE carrier = ? AND next <= last ORDER BY id LIMIT 1", arguments: [carrier]) else {
                throw FulfillmentError(code: .invalidInput, message: "no waybill numbers left for \(carrier): add a range (waybills add-range)")
            }
            let base: Int = range["next"], digits: Int = range["digits"], rule: String = range["checkRule"]
            var number = String(base)
            switch rule {
            case "mod7-11", "mod7-10":
                let length = rule == "mod7-11" ? 11 : 10
                number = String(repeating: "0", count: max(0, length - number.count)) + number
                number += String(base % 7)
            default:
                number = String(repeating: "0", count: max(0, digits - number.count)) + number
            }
            try db.execute(sql: "UPDATE waybillRange SET next = next + 1 WHERE id = ?", arguments: [range["id"] as Int64])
            try db.execute(sql: "UPDATE shipment SET waybillNo = ?, carrier = ? WHERE id = ?", arguments: [number, carrier, shipmentId])
            try audit(db, actor: actor, action: "waybills.assign", subject: "shipment \(shipmentId)", old: nil, new: number)
            return number
        }
    }

    /// 배송처리: ships a shipment — deducts on-hand through the ledger (출고) for exactly the allocated
    /// quantities. In currentStock mode every line must be allocated; unlimited ships everything.
    public func ship(shipmentId: Int64, actor: String) throws {
        try writer.write { db in
            let settings = try Self.settings(db)
            guard let s = try SQLRow.fetchOne(db, sql: "SELECT status FROM shipment WHERE id = ?", arguments: [shipmentId]) else {
                throw FulfillmentError(code: .notFound, message: "no shipment \(shipmentId)")
            }
            guard (s["status"] as String) != "shipped" else { throw FulfillmentError(code: .invalidInput, message: "shipment \(shipmentId) is already shipped") }
            let lines = try SQLRow.fetchAll(db, sql: """
                SELECT l.id, l.optionId, l.quantity, l.allocated, o.channelOrderNo, l.productName FROM orderLine l JOIN salesOrder o ON o.id = l.orderId
                WHERE o.shipmentId = ? AND o.status = 'collected' AND o.hold = 0
                """, arguments: [shipmentId])
            guard !lines.isEmpty else { throw FulfillmentError(code: .invalidInput, message: "shipment \(shipmentId) has nothing to ship") }
            for l in lines {
                let allocated: Int = l["allocated"], quantity: Int = l["quantity"]
                if settings.allocationBasis == .currentStock && allocated < quantity {
                    throw FulfillmentError(code: .invalidInput, message: "order \(l["channelOrderNo"] as String): '\(l["productName"] as String)' has no allocated stock; it cannot be shipped (allocate first)")
                }
                guard let option: Int64 = l["optionId"] else {
                    throw FulfillmentError(code: .invalidInput, message: "order \(l["channelOrderNo"] as String): '\(l["productName"] as String)' matches no product option")
                }
                try move(db, optionId: option, type: MovementType.shipment, quantity: -quantity, actor: actor, note: "shipment \(shipmentId)", orderLineId: l["id"])
                if allocated > 0 { try db.execute(sql: "UPDATE stockLevel SET allocated = allocated - ? WHERE optionId = ?", arguments: [allocated, option]) }
                try db.execute(sql: "UPDATE orderLine SET allocated = 0 WHERE id = ?", arguments: [l["id"] as Int64])
            }
            let now = stamp()
            try db.execute(sql: "UPDATE salesOrder SET status = 'shipped', shippedAt = ? WHERE shipmentId = ? AND status = 'collected' AND hold = 0", arguments: [now, shipmentId])
            try db.execute(sql: "UPDATE shipment SET status = 'shipped', shippedAt = ? WHERE id = ?", arguments: [now, shipmentId])
            try audit(db, actor: actor, action: "shipments.ship", subject: "shipment \(shipmentId)", old: nil, new: "\(lines.count) line(s)")
        }
    }

    public func shipments() throws -> [ShipmentSummary] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT s.id, s.carrier, s.waybillNo, s.status, GROUP_CONCAT(o.channelOrderNo || CASE o.suffix WHEN 0 THEN '' ELSE '-' || o.suffix END, ',')
                FROM shipment s LEFT JOIN salesOrder o ON o.shipmentId = s.id GROUP BY s.id ORDER BY s.id
                """).map { ShipmentSummary(id: $0[0], carrier: $0[1], waybillNo: $0[2], status: $0[3],
                                            orderNumbers: (($0[4] as String?) ?? "").split(separator: ",").map(String.init)) }
        }
    }
}

/// What `createShipments` did: how many shipments it made, the orders it held back (on hold, or
/// not shippable yet) and the ones it refused, each with its reason.
public struct ShipmentCreation: Codable, Sendable, Hashable {
    public struct Skipped: Codable, Sendable, Hashable {
        public var orderNo: String
        public var reason: String
        public init(orderNo: String, reason: String) { self.orderNo = orderNo; self.reason = reason }
    }
    public var created = 0
    public var heldBack: [Skipped] = []
    public var refused: [Skipped] = []
    public init() {}
}

/// Everything the print side needs for one waybill (the shipment query API).
public struct ShipmentDetail: Codable, Sendable, Hashable {
    public struct Line: Codable, Sendable, Hashable {
        public var orderNo: String
        public var productName: String
        public var option: String?
        public var sku: String?
        public var location: String?
        public var quantity: Int
        public var gift: Bool
        /// The line is matched to a product option (주문매칭).
        public var matched: Bool
        /// Units of it allocated (재고할당).
        public var allocated: Int
        /// The catalog's product name and option text of the matched product option (`productName`
        /// and `option` are the channel's words for it, as the order file had them).
        public var catalogName: String? = nil
        public var catalogOption: String? = nil
    }

    public var id: Int64
    public var carrier: String?
    public var waybillNo: String?
    public var status: String
    public var orderNumbers: [String]
    public var receiverName: String
    public var receiverPhone: String
    public var postalCode: String
    public var address: String
    public var message: String?
    public var island: Bool
    public var disruption: Bool
    public var combined: Bool
    public var delayed: Bool
    public var lines: [Line]
    /// The earliest order time of its orders (ISO 8601), for the print order.
    public var orderedAt: String?
    /// The lowest order id: the print order's final tie-break.
    public var firstOrderId: Int64
    /// What its connected carrier's refinement answered (nil: not connected, or not asked yet).
    public var routing: CarrierRouting? = nil

    /// Why this shipment cannot ship now (a line without a product; in currentStock mode a line
    /// not wholly allocated), or nil: a waybill for it would go on a parcel that cannot be packed.
    public func shippingBlock(_ basis: Settings.AllocationBasis) -> String? {
        for l in lines {
            if let reason = Self.blockReason(orderNo: l.orderNo, product: l.productName, matched: l.matched, allocated: l.allocated,
                                             quantity: l.quantity, basis: basis) { return reason }
        }
        return nil
    }

    static func blockReason(orderNo: String, product: String, matched: Bool, allocated: Int, quantity: Int,
                            basis: Settings.AllocationBasis) -> String? {
        if !matched { return "order \(orderNo): '\(product)' matches no product option (add it to the catalog, then import or match again)" }
        if basis == .currentStock && allocated < quantity {
            return "order \(orderNo): '\(product)' is not allocated (\(allocated) of \(quantity)): receive stock and allocate, or split the order"
        }
        return nil
    }

    /// The lines as the waybill's product box wants them (see ``WaybillProductList``).
    public var waybillLines: [WaybillLine] {
        // The catalog's name and option, what the packer finds on the shelf; the channel's text
        // stays at hand for the `channelProductName` field.
        lines.map { l in
            let channel = l.productName + (l.option.map { " \($0)" } ?? "")
            guard let name = l.catalogName else {
                return WaybillLine(productName: l.productName, option: l.option, quantity: l.quantity, sku: l.sku, location: l.location, isGift: l.gift)
            }
            return WaybillLine(productName: name, option: l.catalogOption, quantity: l.quantity, sku: l.sku, location: l.location,
                               channelProductName: channel, isGift: l.gift)
        }
    }
}

extension FulfillmentStore {
    /// One shipment with its orders' receiver, flags and lines (product names, options, SKUs,
    /// locations, quantities, gift flags) — what a waybill prints.
    ///
    /// - Parameter settings: the settings when the caller has them already (one read fewer).
    public func shipmentDetail(_ id: Int64, settings known: Settings? = nil) throws -> ShipmentDetail {
        let cutoff = try delayCutoff(known ?? settings())
        return try writer.read { db in try Self.shipmentDetail(db, id, delayCutoff: cutoff) }
    }

    /// Orders collected before this time are delayed (배송지연).
    public func delayCutoff(_ settings: Settings) throws -> String {
        Self.timestamp.string(from: now().addingTimeInterval(-Double(settings.deliveryDelayDays) * 86400))
    }

    /// One shipment as `db` sees it (for callers that read more in the same transaction);
    /// `delayCutoff` from `delayCutoff(settings)`, worked out once for many shipments.
    public func shipmentDetail(_ db: any SQLDatabase, _ id: Int64, delayCutoff: String) throws -> ShipmentDetail {
        try Self.shipmentDetail(db, id, delayCutoff: delayCutoff)
    }

    static func shipmentDetail(_ db: any SQLDatabase, _ id: Int64, delayCutoff cutoff: String) throws -> ShipmentDetail {
        guard let detail = try shipmentDetails(db, [id], delayCutoff: cutoff).first else {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM shipment WHERE id = ?", arguments: [id]) == nil {
                throw FulfillmentError(code: .notFound, message: "no shipment \(id)")
            }
            throw FulfillmentError(code: .notFound, message: "shipment \(id) has no orders")
        }
        return detail
    }

    /// Many shipments in two queries (a 1000-waybill batch reads them all at once), in `ids` order;
    /// shipments without orders are left out. One shipment (a scan) is looked up by key.
    /// Columns are named in the query and read by position: a by-name lookup costs more than the
    /// query itself, and a scan pays this on the writer.
    static func shipmentDetails(_ db: any SQLDatabase, _ ids: [Int64], delayCutoff cutoff: String) throws -> [ShipmentDetail] {
        let one = ids.count == 1
        let match = one ? "= ?" : "IN \(db.jsonIntegers)"
        let arguments: SQLArguments = one ? [ids[0]] : ["[" + ids.map(String.init).joined(separator: ",") + "]"]
        // The shipment's own columns come with each of its orders (a shipment without orders is
        // left out anyway). Cursors: each row is decoded where it lies, not copied first.
        var shipments: [Int64: (carrier: String?, waybillNo: String?, status: String)] = [:]
        struct Order {
            var id: Int64, no: String, receiverName: String, receiverPhone: String, postalCode: String, address: String
            var message: String?, island: Bool, disruption: Bool, delayed: Bool, orderedAt: String?
        }
        var orders: [Int64: [Order]] = [:]
        let orderRows = try SQLRow.fetchAll(db.cachedStatement(sql: """
            SELECT o.shipmentId, o.id, o.channelOrderNo, o.suffix, o.receiverName, o.receiverPhone, o.postalCode, o.address, o.message,
                   o.island, o.disruption, o.status, o.collectedAt, o.orderedAt, s.carrier, s.waybillNo, s.status
            FROM salesOrder o JOIN shipment s ON s.id = o.shipmentId WHERE o.shipmentId \(match) ORDER BY o.id
            """), arguments: arguments)
        for r in orderRows {
            if shipments[r[0]] == nil { shipments[r[0]] = (r[14], r[15], r[16]) }
            let suffix: Int = r[3]
            orders[r[0], default: []].append(Order(
                id: r[1], no: suffix > 0 ? "\(r[2] as String)-\(suffix)" : r[2], receiverName: r[4], receiverPhone: r[5], postalCode: r[6],
                address: r[7], message: r[8], island: r[9], disruption: r[10],
                delayed: (r[11] as String) == "collected" && (r[12] as String) < cutoff, orderedAt: r[13]))
        }
        var lines: [Int64: [ShipmentDetail.Line]] = [:]
        let lineRows = try SQLRow.fetchAll(db.cachedStatement(sql: """
            SELECT o.shipmentId, o.channelOrderNo, o.suffix, l.productName, l.optionText, p.sku, p.location, l.quantity, l.isGift,
                   l.optionId IS NOT NULL, l.allocated, pr.name, p.optionText
            FROM orderLine l JOIN salesOrder o ON o.id = l.orderId LEFT JOIN productOption p ON p.id = l.optionId
            LEFT JOIN product pr ON pr.id = p.productId
            WHERE o.shipmentId \(match) ORDER BY o.id, l.lineNo
            """), arguments: arguments)
        for r in lineRows {
            let suffix: Int = r[2]
            let option: String = r[4]
            lines[r[0], default: []].append(ShipmentDetail.Line(orderNo: suffix > 0 ? "\(r[1] as String)-\(suffix)" : r[1], productName: r[3],
                                                                option: option.isEmpty ? nil : option, sku: r[5], location: r[6], quantity: r[7], gift: r[8],
                                                                matched: r[9], allocated: r[10], catalogName: r[11],
                                                                catalogOption: (r[12] as String?).flatMap { $0.isEmpty ? nil : $0 }))
        }
        var routings: [Int64: CarrierRouting] = [:]
        let routingRows = try SQLRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM carrierRouting WHERE shipmentId \(match)"), arguments: arguments)
        for r in routingRows { routings[r["shipmentId"]] = routing(r) }
        return ids.compactMap { id -> ShipmentDetail? in
            guard let s = shipments[id], let orders = orders[id], let first = orders.first else { return nil }
            return ShipmentDetail(id: id, carrier: s.carrier, waybillNo: s.waybillNo, status: s.status, orderNumbers: orders.map(\.no),
                                  receiverName: first.receiverName, receiverPhone: first.receiverPhone, postalCode: first.postalCode,
                                  address: first.address, message: first.message,
                                  island: orders.contains { $0.island }, disruption: orders.contains { $0.disruption },
                                  combined: orders.count > 1, delayed: orders.contains { $0.delayed },
                                  lines: lines[id] ?? [], orderedAt: orders.compactMap(\.orderedAt).min(), firstOrderId: first.id,
                                  routing: routings[id])
        }
    }
}
