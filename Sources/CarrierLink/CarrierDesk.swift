public import Foundation
public import Fulfillment
public import Logging

/// 택배연동 as the seller's day uses it: refine the open shipments of each connected carrier (and
/// issue the waybill numbers they lack), and send the bookings the printed ones owe. The calls
/// run `concurrency` at a time, each with its connector's timeout; a carrier that cannot be
/// reached is tried `attempts` times with a growing pause, then its shipments are left `pending`
/// (they do not print) or its bookings due (sent next time). Nothing here holds state: the
/// database does, so a restart resumes where the last run stopped.
public struct CarrierDesk: Sendable {
    public let store: FulfillmentStore
    let connectors: [String: any CarrierConnector]
    let logger: Logger
    public var concurrency = 8
    public var attempts = 3
    /// The pause before the second attempt; doubled for each one after.
    public var backoff: Duration = .milliseconds(200)

    public init(store: FulfillmentStore, connectors: [String: any CarrierConnector], logger: Logger = Logger(label: "labeld.carriers")) {
        self.store = store
        self.connectors = connectors
        self.logger = logger
    }

    /// The connectors of the seller's `carrierConnections` (CJ대한통운 today); their tokens kept in `store`.
    public static func connectors(for settings: Settings, store: FulfillmentStore?, timeout: TimeInterval = 3) -> [String: any CarrierConnector] {
        var out: [String: any CarrierConnector] = [:]
        for (carrier, connection) in settings.connections where carrier == "cj" {
            out[carrier] = CJConnector(connection: connection, timeout: timeout, tokenStore: store)
        }
        return out
    }

    public var isConnected: Bool { !connectors.isEmpty }

    public struct RefineReport: Codable, Sendable, Hashable {
        public var routed = 0, delayed = 0, undeliverable = 0, pending = 0
        public var numbersIssued = 0
        /// One line per shipment that did not route, with the reason.
        public var notes: [String] = []
        public var total: Int { routed + delayed + undeliverable + pending }
        public var summary: String {
            "refined \(total) shipment(s): routed \(routed), delayed \(delayed), undeliverable \(undeliverable), pending \(pending); \(numbersIssued) waybill number(s) issued"
        }
    }

    /// Refines the open shipments not routed yet (with `again`, all open ones; `ids`: only those).
    public func refine(again: Bool = false, ids: [Int64]? = nil, actor: String) async throws -> RefineReport {
        var report = RefineReport()
        for (carrier, connector) in connectors.sorted(by: { $0.key < $1.key }) {
            let targets = try store.shipmentsToRefine(carrier: carrier, again: again, unassignedToo: connectors.count == 1, ids: ids)
            let outcomes = await bounded(targets) { s in await self.refineOne(s, connector: connector, actor: actor) }
            for o in outcomes {
                switch o.routing.state {
                case .routed: report.routed += 1
                case .delayed: report.delayed += 1
                case .undeliverable: report.undeliverable += 1
                case .pending: report.pending += 1
                }
                if o.issued { report.numbersIssued += 1 }
                if let note = o.note { report.notes.append(note) }
            }
        }
        return report
    }

    struct RefineOutcome: Sendable { var routing: CarrierRouting; var issued: Bool; var note: String? }

    func refineOne(_ s: ShipmentDetail, connector: any CarrierConnector, actor: String) async -> RefineOutcome {
        let name = "shipment \(s.id) (\(s.orderNumbers.joined(separator: ", ")))"
        do {
            let routing = try await retrying { () async throws(CarrierLinkError) -> CarrierRouting in try await connector.refine(s) }
            var issued = false
            if routing.printBlock == nil, s.waybillNo == nil {
                let number = try await retrying { () async throws(CarrierLinkError) -> String in try await connector.issueWaybillNumber() }
                try store.setIssuedWaybill(number, shipmentId: s.id, carrier: connector.carrier, actor: actor)
                issued = true
            }
            try store.saveRouting(routing, shipmentId: s.id)
            return RefineOutcome(routing: routing, issued: issued, note: routing.printBlock.map { "\(name): \($0)" })
        } catch {
            let why = (error as? CarrierLinkError)?.message ?? "\(error)"
            let pending = CarrierRouting(carrier: connector.carrier, state: .pending, detail: why)
            do { try store.saveRouting(pending, shipmentId: s.id) } catch {
                logger.error("routing not saved", metadata: ["shipment.id": "\(s.id)", "error": "\(error)"])
            }
            logger.warning("routing pending", metadata: ["shipment.id": "\(s.id)", "carrier": "\(connector.carrier)", "reason": "\(why)"])
            return RefineOutcome(routing: pending, issued: false, note: "\(name): \(pending.printBlock ?? why)")
        }
    }

    public struct BookingReport: Codable, Sendable, Hashable {
        public var booked = 0, alreadyBooked = 0, canceled = 0, failed = 0
        public var notes: [String] = []
        public var summary: String { "booked \(booked) (already booked \(alreadyBooked)), canceled \(canceled), failed \(failed)" }
    }

    /// Sends the bookings printed shipments owe their carriers, and the cancels of canceled orders.
    /// `today`: RegBook's RCPT_YMD (yyyyMMdd, KST).
    /// A booking the carrier does not take stays due (its attempts and reason recorded).
    public func book(actor: String, today: String = OrderTime.day(separator: "")) async throws -> BookingReport {
        var report = BookingReport()
        let settings = try store.settings()
        for (carrier, connector) in connectors.sorted(by: { $0.key < $1.key }) {
            let pending = try store.pendingBookings(carrier: carrier)
            guard !pending.isEmpty else { continue }
            guard let sender = settings.sender else {
                report.failed += pending.count
                report.notes.append("\(Carriers.displayName(carrier)): set the sender first (settings set sender …): \(pending.count) booking(s) wait")
                continue
            }
            let outcomes = await bounded(pending) { b in await self.bookOne(b, sender: sender, today: today, connector: connector, actor: actor) }
            for o in outcomes {
                switch o {
                case .booked: report.booked += 1
                case .alreadyBooked: report.booked += 1; report.alreadyBooked += 1
                case .canceled: report.canceled += 1
                case .failed(let note): report.failed += 1; report.notes.append(note)
                }
            }
        }
        return report
    }

    enum BookOutcome: Sendable { case booked, alreadyBooked, canceled, failed(String) }

    func bookOne(_ b: CarrierBooking, sender: Settings.Sender, today: String, connector: any CarrierConnector, actor: String) async -> BookOutcome {
        let s = b.shipment
        do {
            switch b.state {
            case .due:
                let outcome = try await retrying { () async throws(CarrierLinkError) -> BookingOutcome in try await connector.book(s, sender: sender, on: today) }
                try store.recordBooking(shipmentId: s.id, from: .due, to: .booked, detail: outcome == .alreadyBooked ? "already booked" : nil,
                                        bookedOn: today, actor: actor)
                return outcome == .alreadyBooked ? .alreadyBooked : .booked
            case .cancelDue:
                try await retrying { () async throws(CarrierLinkError) in try await connector.cancel(s, sender: sender, bookedOn: b.bookedOn ?? today) }
                try store.recordBooking(shipmentId: s.id, from: .cancelDue, to: .canceled, detail: nil, actor: actor)
                return .canceled
            case .booked, .canceled:
                return .booked
            }
        } catch {
            let why = (error as? CarrierLinkError)?.message ?? "\(error)"
            try? store.recordBooking(shipmentId: s.id, from: b.state, to: nil, detail: why, actor: actor)
            return .failed("shipment \(s.id) (waybill \(s.waybillNo ?? "?")): \(why)")
        }
    }

    /// `body` tried up to `attempts` times while the carrier cannot be reached.
    func retrying<T: Sendable>(_ body: () async throws(CarrierLinkError) -> T) async throws(CarrierLinkError) -> T {
        var pause = backoff
        for attempt in 1... {
            do { return try await body() } catch where error.isTransient && attempt < attempts {
                try? await Task.sleep(for: pause)
                pause *= 2
            }
        }
        fatalError("unreachable")
    }

    /// `work` over `items`, at most `concurrency` at a time; results in no particular order.
    func bounded<Item: Sendable, Result: Sendable>(_ items: [Item], _ work: @escaping @Sendable (Item) async -> Result) async -> [Result] {
        await withTaskGroup(of: Result.self) { group in
            var next = 0, results: [Result] = []
            while next < items.count && next < concurrency { let item = items[next]; group.addTask { await work(item) }; next += 1 }
            while let r = await group.next() {
                results.append(r)
                if next < items.count { let item = items[next]; group.addTask { await work(item) }; next += 1 }
            }
            return results
        }
    }
}
