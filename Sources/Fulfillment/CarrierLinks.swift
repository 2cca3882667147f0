public import Foundation
public import Storage

/// What a connected carrier's address refinement answered for a shipment (CJ대한통운: 분류코드,
/// 주소약칭, 배달점소, SM 별칭, P2P code), or why there is no answer yet.
public struct CarrierRouting: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Routed: the waybill can print.
        case routed
        /// Routed, in a region the carrier delivers late (지연지역): prints with the 배송차질 flag.
        case delayed
        /// The carrier does not deliver there (배송불가): the waybill cannot print.
        case undeliverable
        /// The carrier could not be asked (unreachable, refused the credentials): refine again.
        case pending
    }
    public var carrier: String
    public var state: State
    /// CJ CLSFCD (도착지코드), SUBCLSFCD, CLSFADDR (주소약칭), CLLDLVBRANNM (배달점소),
    /// CLLDLVEMPNICKNM (SM 별칭), P2PCD.
    public var sortCode: String?
    public var subSortCode: String?
    public var addressShort: String?
    public var branch: String?
    public var employeeNick: String?
    public var p2p: String?
    /// The carrier's words for an undeliverable or delayed address, or why it is pending.
    public var detail: String?

    public init(carrier: String, state: State, sortCode: String? = nil, subSortCode: String? = nil, addressShort: String? = nil,
                branch: String? = nil, employeeNick: String? = nil, p2p: String? = nil, detail: String? = nil) {
        self.carrier = carrier; self.state = state; self.sortCode = sortCode; self.subSortCode = subSortCode; self.addressShort = addressShort
        self.branch = branch; self.employeeNick = employeeNick; self.p2p = p2p; self.detail = detail
    }

    /// Why a waybill with this routing cannot print, or nil.
    public var printBlock: String? {
        switch state {
        case .routed, .delayed: nil
        case .undeliverable: "\(Carriers.displayName(carrier)) does not deliver to this address (배송불가)\(detail.map { ": \($0)" } ?? "")"
        case .pending: "routing pending: \(Carriers.displayName(carrier)) has not routed the address yet\(detail.map { " (\($0))" } ?? ""); labeld shipments refine"
        }
    }
}

/// A booking (접수) waiting to go to the carrier, or a cancel of one.
public struct CarrierBooking: Sendable, Hashable {
    public enum State: String, Sendable {
        /// The waybill printed: book it.
        case due
        case booked
        /// Its orders were canceled after it was booked: cancel the booking.
        case cancelDue
        case canceled
    }
    public var shipment: ShipmentDetail
    public var state: State
    public var attempts: Int
    /// The day (KST, yyyyMMdd) the carrier took the booking: a cancel names it again.
    public var bookedOn: String?
}

extension FulfillmentStore {
    static func migrateCarrierLinks(_ m: inout Migrations) {
        // 택배연동: each shipment's routing from its connected carrier, and the outbox of bookings
        // (written in the print job's transaction, so a booking is never lost between print and send).
        m.registerMigration("v9-carrier-links") { db in
            try db.execute(sql: """
                CREATE TABLE carrierRouting (shipmentId INTEGER PRIMARY KEY REFERENCES shipment(id) ON DELETE CASCADE,
                    carrier TEXT NOT NULL, state TEXT NOT NULL, sortCode TEXT, subSortCode TEXT, addressShort TEXT, branch TEXT,
                    employeeNick TEXT, p2p TEXT, detail TEXT, refinedAt TEXT NOT NULL);
                CREATE TABLE carrierBooking (shipmentId INTEGER PRIMARY KEY REFERENCES shipment(id) ON DELETE CASCADE,
                    carrier TEXT NOT NULL, waybillNo TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                    detail TEXT, updatedAt TEXT NOT NULL, bookedOn TEXT);
                CREATE INDEX carrierBooking_state ON carrierBooking(state);
                CREATE TABLE carrierToken (carrier TEXT PRIMARY KEY, token TEXT NOT NULL, expiresAt REAL NOT NULL);
                """)
        }
    }

    /// Open shipments of `carrier` to refine: those never refined and the pending ones (with
    /// `again`, every open one). `unassignedToo`: also shipments that name no carrier (the only
    /// connected carrier is the seller's carrier for those). Shipments of orders still to ship only.
    public func shipmentsToRefine(carrier: String, again: Bool = false, unassignedToo: Bool = false, ids: [Int64]? = nil) throws -> [ShipmentDetail] {
        try writer.read { db in
            var sql = """
                SELECT s.id FROM shipment s LEFT JOIN carrierRouting r ON r.shipmentId = s.id
                WHERE s.status = 'open'
                  AND (s.carrier = ? OR (s.carrier IS NULL AND ? = 1))
                  AND EXISTS (SELECT 1 FROM salesOrder o WHERE o.shipmentId = s.id AND o.status = 'collected')
                """
            if !again { sql += " AND (r.shipmentId IS NULL OR r.state = 'pending')" }
            var args: [(any SQLValueConvertible)?] = [carrier, unassignedToo]
            if let ids {
                sql += " AND s.id IN \(db.jsonIntegers)"
                args.append("[" + ids.map(String.init).joined(separator: ",") + "]")
            }
            let found = try Int64.fetchAll(db, sql: sql + " ORDER BY s.id", arguments: SQLArguments(args))
            return found.isEmpty ? [] : try Self.shipmentDetails(db, found, delayCutoff: "")
        }
    }

    /// Stores what the carrier answered (or that it could not be asked); a delay region sets the
    /// shipment's orders' 배송차질 flag, as the deliveryDisruptionRegions setting does by hand.
    public func saveRouting(_ routing: CarrierRouting, shipmentId: Int64) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO carrierRouting (shipmentId, carrier, state, sortCode, subSortCode, addressShort, branch, employeeNick, p2p, detail, refinedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (shipmentId) DO UPDATE SET carrier = excluded.carrier, state = excluded.state, sortCode = excluded.sortCode,
                    subSortCode = excluded.subSortCode, addressShort = excluded.addressShort, branch = excluded.branch,
                    employeeNick = excluded.employeeNick, p2p = excluded.p2p, detail = excluded.detail, refinedAt = excluded.refinedAt
                """, arguments: [shipmentId, routing.carrier, routing.state.rawValue, routing.sortCode, routing.subSortCode, routing.addressShort,
                                 routing.branch, routing.employeeNick, routing.p2p, routing.detail, stamp()])
            try db.execute(sql: "UPDATE shipment SET carrier = ? WHERE id = ? AND carrier IS NULL", arguments: [routing.carrier, shipmentId])
            if routing.state == .delayed {
                try db.execute(sql: "UPDATE salesOrder SET disruption = 1 WHERE shipmentId = ?", arguments: [shipmentId])
            }
        }
    }

    /// A shipment's routing, if its carrier is connected and was asked.
    public func routing(shipmentId: Int64) throws -> CarrierRouting? {
        try writer.read { db in try Self.routing(db, shipmentId) }
    }

    static func routing(_ db: any SQLDatabase, _ shipmentId: Int64) throws -> CarrierRouting? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM carrierRouting WHERE shipmentId = ?", arguments: [shipmentId]).map(Self.routing(_:))
    }

    static func routing(_ r: SQLRow) -> CarrierRouting {
        CarrierRouting(carrier: r["carrier"], state: CarrierRouting.State(rawValue: r["state"]) ?? .pending, sortCode: r["sortCode"],
                       subSortCode: r["subSortCode"], addressShort: r["addressShort"], branch: r["branch"], employeeNick: r["employeeNick"],
                       p2p: r["p2p"], detail: r["detail"])
    }

    /// Gives a shipment the waybill number its carrier issued (채번); a shipment that has one keeps it.
    public func setIssuedWaybill(_ number: String, shipmentId: Int64, carrier: String, actor: String) throws {
        try writer.write { db in
            let checked = try Carriers.waybillNumber(number, carrier: carrier)
            try db.execute(sql: "UPDATE shipment SET waybillNo = ?, carrier = ? WHERE id = ? AND waybillNo IS NULL", arguments: [checked, carrier, shipmentId])
            if db.changesCount > 0 {
                try audit(db, actor: actor, action: "waybills.issue", subject: "shipment \(shipmentId)", old: nil, new: "\(Carriers.displayName(carrier)) \(checked)")
            }
        }
    }

    /// Bookings of `carrier` to send: due ones (printed, not yet booked) and cancels.
    public func pendingBookings(carrier: String) throws -> [CarrierBooking] {
        try writer.read { db in
            let rows = try SQLRow.fetchAll(db, sql: """
                SELECT shipmentId, state, attempts, bookedOn FROM carrierBooking WHERE carrier = ? AND state IN ('due', 'cancelDue') ORDER BY shipmentId
                """, arguments: [carrier])
            let shipments = Dictionary(uniqueKeysWithValues: try Self.shipmentDetails(db, rows.map { $0[0] }, delayCutoff: "").map { ($0.id, $0) })
            return rows.compactMap { r in
                shipments[r[0]].map { CarrierBooking(shipment: $0, state: CarrierBooking.State(rawValue: r[1]) ?? .due, attempts: r[2], bookedOn: r[3]) }
            }
        }
    }

    /// Records a booking's outcome: `to` when the carrier took it, the same state with one more
    /// attempt and the reason when it did not.
    public func recordBooking(shipmentId: Int64, from: CarrierBooking.State, to: CarrierBooking.State?, detail: String?, bookedOn: String? = nil,
                              actor: String) throws {
        try writer.write { db in
            if let to {
                try db.execute(sql: """
                    UPDATE carrierBooking SET state = ?, detail = ?, attempts = attempts + 1, updatedAt = ?, bookedOn = COALESCE(?, bookedOn)
                    WHERE shipmentId = ? AND state = ?
                    """, arguments: [to.rawValue, detail, stamp(), bookedOn, shipmentId, from.rawValue])
                if db.changesCount > 0 {
                    try audit(db, actor: actor, action: to == .booked ? "carrier.book" : "carrier.cancel", subject: "shipment \(shipmentId)", old: from.rawValue, new: detail ?? to.rawValue)
                }
            } else {
                try db.execute(sql: "UPDATE carrierBooking SET detail = ?, attempts = attempts + 1, updatedAt = ? WHERE shipmentId = ? AND state = ?",
                               arguments: [detail, stamp(), shipmentId, from.rawValue])
            }
        }
    }

    /// A carrier's API token as last issued, shared by every labeld process on this database
    /// (CJ blocks a caller that asks for day tokens too often).
    public func carrierToken(_ carrier: String) throws -> (token: String, expires: Date)? {
        try writer.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT token, expiresAt FROM carrierToken WHERE carrier = ?", arguments: [carrier]).map {
                ($0[0], Date(timeIntervalSince1970: $0[1]))
            }
        }
    }

    public func saveCarrierToken(_ carrier: String, token: String?, expires: Date) throws {
        try writer.write { db in
            if let token {
                try db.execute(sql: """
                    INSERT INTO carrierToken (carrier, token, expiresAt) VALUES (?, ?, ?)
                    ON CONFLICT (carrier) DO UPDATE SET token = excluded.token, expiresAt = excluded.expiresAt
                    """,
                               arguments: [carrier, token, expires.timeIntervalSince1970])
            } else {
                try db.execute(sql: "DELETE FROM carrierToken WHERE carrier = ?", arguments: [carrier])
            }
        }
    }

    /// Bookings as they stand (`labeld shipments bookings`).
    public func bookings() throws -> [(shipmentId: Int64, carrier: String, waybillNo: String, state: String, attempts: Int, detail: String?)] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT shipmentId, carrier, waybillNo, state, attempts, detail FROM carrierBooking ORDER BY shipmentId").map {
                ($0[0], $0[1], $0[2], $0[3], $0[4], $0[5])
            }
        }
    }

    /// In the print job's transaction: the printed shipments a connected carrier routed owe it a booking.
    static func bookingsDue(_ db: any SQLDatabase, shipmentIds: [Int64]) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO carrierBooking (shipmentId, carrier, waybillNo, state, updatedAt)
            SELECT r.shipmentId, r.carrier, s.waybillNo, 'due', ?
            FROM carrierRouting r JOIN shipment s ON s.id = r.shipmentId
            WHERE r.shipmentId = ? AND r.state IN ('routed', 'delayed') AND s.waybillNo IS NOT NULL
            """)
        let now = FulfillmentStore.timestamp.string(from: Date())
        for id in shipmentIds { try insert.execute(arguments: [now, id]) }
    }
}
