public import Foundation
public import Fulfillment
public import PrintSpool
public import Rendering
public import Storage
public import LabelModel
public import Logging
import Glibc
// `struct stat` and `timespec` are declared, for Swift's member visibility, in Dispatch's C module or in
// CoreFoundation (whichever the dependency graph brings in: ZIPFoundation brings the latter).
import CDispatch
import CoreFoundation
public import LabeldSupport

/// Where orders meet printers: turns shipments (송장) and received stock into print requests for
/// the spool — the waybill's data from the order core, the template and printer from the seller's
/// settings — and keeps both sides in step (a shipment is marked printed in the same transaction
/// that queues its job). The CLI and the HTTP service both print through here.
public struct PrintDesk: Sendable {
    public let fulfillment: FulfillmentStore
    public let spooler: Spooler
    public var store: SpoolStore { spooler.store }
    /// The template for carriers the settings do not name (`waybillFormats`).
    public var defaultWaybillTemplate = "waybills/generic-4x6"
    /// The product label template for `printBarcodes` without one.
    public var defaultBarcodeTemplate = "barcodes/product-50x30"
    /// The seller's own templates (revisions saved in the designer): a template here shadows the
    /// shipped one of the same name, and the shipped files are never written. Nil: shipped only.
    public var sellerTemplatesDirectory: String?

    public init(fulfillment: FulfillmentStore, spooler: Spooler) {
        self.fulfillment = fulfillment
        self.spooler = spooler
        // A shipment is printed only once a label of it was: a waybill job that fails or is
        // canceled gives the shipments of its unprinted labels back to the print queue.
        spooler.store.endings.set { [fulfillment] db, job, unprinted in
            guard job.reprintOf == nil, job.kind.hasPrefix("waybill") else { return nil }
            let ids = unprinted.compactMap { $0.hasPrefix("shipment:") ? Int64($0.dropFirst(9)) : nil }
            let back = try fulfillment.returnToQueue(db, shipmentIds: ids, actor: job.actor, reason: "job \(job.id) \(job.state.rawValue)")
            return back == 0 ? nil : "\(back) waybill(s) back in the print queue"
        }
    }

    /// Opens (creating) the database at `path` for both the order core and the spool.
    /// `logger`: the order core's and the spool's log (holds, retries, takeovers, confirmations).
    public static func open(databasePath: String, rendering: RendererConfiguration, islands: IslandRegions = .empty,
                            retry: RetryPolicy = RetryPolicy(), logger: Logger = .disabled) throws -> PrintDesk {
        let fulfillment = try FulfillmentStore.open(path: databasePath, islands: islands, logger: logger)
        let spool = try SpoolStore(writer: fulfillment.writer, retry: retry)
        var desk = PrintDesk(fulfillment: fulfillment, spooler: try Spooler(store: spool, rendering: rendering, logger: logger))
        desk.sellerTemplatesDirectory = Stores.localDirectory(for: databasePath) + "/templates"
        return desk
    }

    // MARK: Printers

    /// The printer for a request: the one named, else the carrier's from the settings, else the only
    /// or `default` profile. With no profile at all, a `default` profile is added: the default CUPS
    /// server's first queue (PDF) when one is reachable, else a file printer writing PDFs into
    /// `fallbackDirectory` — so labeld prints out of the box.
    public func resolvePrinter(_ name: String?, carrier: String? = nil, settings: Settings? = nil, fallbackDirectory: String) throws -> PrinterProfile {
        if let p = try fulfillment.writer.read({ db in try self.configuredPrinter(db, name, carrier: carrier, settings: settings ?? FulfillmentStore.settings(db)) }) {
            return p
        }
        let queue = (try? IPPTransport.destinations(server: nil))?.first?.name
        let p = PrinterProfile(name: "default", transport: queue.map { "cups:\($0)" } ?? "file:\(fallbackDirectory)", language: .pdf)
        try store.save(p)
        return p
    }

    /// `resolvePrinter` as `db` sees it; nil when no profile exists at all.
    func configuredPrinter(_ db: any SQLDatabase, _ name: String?, carrier: String?, settings: Settings) throws -> PrinterProfile? {
        if let name { return try store.profile(db, name) }
        if let carrier, let configured = settings.waybillFormats[carrier]?.printer { return try store.profile(db, configured) }
        let all = try store.profiles(db)
        if let d = all.first(where: { $0.name == "default" }) { return d }
        if all.count == 1 { return all[0] }
        if all.isEmpty { return nil }
        throw PrintError(code: .invalidInput, message: "choose a printer (--printer): \(all.map(\.name).joined(separator: ", "))")
    }

    // MARK: Waybills

    /// The waybill template for a carrier (name and text).
    public func waybillTemplate(carrier: String?, settings: Settings? = nil) throws -> (name: String, source: String) {
        let name = try carrier.flatMap { try (settings ?? fulfillment.settings()).waybillFormats[$0]?.template } ?? defaultWaybillTemplate
        return (name, try templateSource(name))
    }

    /// A template's text (`name` relative to `templates/`, without `.yaml`): the seller's saved one
    /// if there is one, else the shipped one. Names cannot leave the templates folders.
    public func templateSource(_ name: String) throws -> String {
        let clean = try Self.templateName(name)
        if let seller = sellerTemplatesDirectory, let source = Self.shippedTemplates.text(atPath: seller + "/" + clean + ".yaml") { return source }
        let path = spooler.rendering.templatesDirectory + "/" + clean + ".yaml"
        guard let source = Self.shippedTemplates.text(atPath: path) else {
            throw PrintError(code: .notFound, message: "no template '\(clean)' (\(path))")
        }
        return source
    }

    /// `name` without `.yaml`, refused when it would leave a templates folder.
    public static func templateName(_ name: String) throws -> String {
        let clean = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name
        guard !clean.isEmpty, !clean.hasPrefix("/"), !clean.split(separator: "/").contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw PrintError(code: .invalidInput, message: "template '\(name)': a name under templates/, such as waybills/cj")
        }
        return clean
    }
    /// Every scan reads its carrier's template.
    static let shippedTemplates = FileTexts()

    /// The record a waybill template binds: receiver, sender, product box rows, markers.
    public func waybillRecord(_ s: ShipmentDetail, settings: Settings, today: String) throws -> DataValue {
        var w = DataValueWriter()
        try writeWaybillRecord(s, settings: settings, today: today, into: &w)
        return w.value
    }

    /// `waybillRecord` as the JSON text a job stores (its `jsonText`), written directly.
    public func waybillRecordText(_ s: ShipmentDetail, settings: Settings, today: String) throws -> String {
        var w = JSONTextWriter()
        try writeWaybillRecord(s, settings: settings, today: today, into: &w)
        return w.text
    }

    /// What a waybill record holds, each object's keys in ascending order (`RecordWriter`).
    func writeWaybillRecord<W: RecordWriter>(_ s: ShipmentDetail, settings: Settings, today: String, into w: inout W) throws {
        guard let waybill = s.waybillNo else {
            throw FulfillmentError(code: .invalidInput, message: "shipment \(s.id) has no waybill number yet (shipments assign, or import orders with one)")
        }
        guard let sender = settings.sender else { throw Self.noSender }
        let rows = WaybillProductList.rows(s.waybillLines, settings: settings.waybillProductList)
        w.string("accepted_at", today)
        // Parcels under this waybill (박스수량): one — a waybill per parcel. `quantity` is the units in it.
        w.number("boxes", 1)
        if let carrier = s.carrier {
            w.string("carrier", carrier)
            w.string("carrier_name", Carriers.displayName(carrier))
        }
        // The connected carrier's routing, as the CJ template binds it (`cj.clsfcd` …).
        if let r = s.routing, r.printBlock == nil, r.carrier == "cj" {
            w.object("cj") { w in
                w.string("branch", r.branch ?? "")
                w.string("clsfaddr", r.addressShort ?? "")
                w.string("clsfcd", r.sortCode ?? "")
                w.string("emp_nick", r.employeeNick ?? "")
                if let p2p = r.p2p { w.string("p2p", p2p) }
                w.string("subclsfcd", r.subSortCode ?? "")
            }
        }
        w.bool("combined", s.combined)
        w.bool("delayed", s.delayed)
        w.bool("disruption", s.disruption)
        w.bool("island", s.island && settings.islandMarking)
        w.string("island_text", settings.islandText)
        if let m = s.message, !m.isEmpty { w.string("message", m) }
        w.string("order_no", s.orderNumbers.first ?? "")
        if s.combined { w.string("order_numbers", s.orderNumbers.joined(separator: ", ")) }
        w.objects("products", rows) { w, r in
            w.string("name", r.name)
            if let option = r.option { w.string("option", option) }
            w.string("qty", r.qty)
        }
        w.number("quantity", Double(s.lines.reduce(0) { $0 + $1.quantity }))
        w.object("receiver") { w in
            w.string("address", s.address)
            w.string("name", s.receiverName)
            w.string("phone", s.receiverPhone)
            w.string("postal_code", s.postalCode)
        }
        w.bool("reprint", false)
        w.object("sender") { w in
            w.string("address", sender.address)
            w.string("name", sender.name)
            w.string("phone", sender.phone)
        }
        w.number("shipment_id", Double(s.id))
        if settings.unallocated == .mark && s.shippingBlock(settings.allocationBasis) != nil { w.bool("unallocated", true) }
        w.string("waybill_no", waybill)
    }

    static let noSender = FulfillmentError(code: .invalidInput, message: "set the sender printed on waybills first: labeld settings set sender '{\"name\":…,\"phone\":…,\"address\":…}'")

    func repeatLimits(_ settings: Settings) -> [String: RepeatLimitSpec] {
        ["products": RepeatLimitSpec(maxRows: settings.waybillProductList.maxLines, overflow: settings.waybillProductList.overflow.rawValue)]
    }

    /// Today in Korea as `yyyy-MM-dd` (the waybill's 접수일자).
    public static func today(_ now: Date = Date()) -> String { OrderTime.day(now) }

    /// Prints one shipment's waybill (a scan at a packing station). A repeat — the same idempotency
    /// key, or the same shipment at the same template revision while a job that printed it stands
    /// (single or batch) — returns that job and prints nothing: printing again is a 재출력.
    public func printShipment(_ id: Int64, printer: String? = nil, idempotencyKey: String? = nil, actor: String,
                              fallbackDirectory: String, goal: Spooler.Goal = .accepted) throws -> Submission {
        let waybill = try fulfillment.writer.read { db in try self.waybill(db, id, printer: printer, idempotencyKey: idempotencyKey, actor: actor) }
        return try submit(waybill, fallbackDirectory: fallbackDirectory, goal: goal)
    }

    /// `printShipment` for what a station scans: a waybill number or an order number. Finding the
    /// shipment, the settings, its orders and lines, the printer and whether the scan repeats a
    /// standing job are one read transaction: each separate read costs a pool checkout and a
    /// transaction of its own, which add up under a burst of scans.
    public func printScan(_ code: String, printer: String? = nil, idempotencyKey: String? = nil, actor: String,
                          fallbackDirectory: String, goal: Spooler.Goal = .accepted) throws -> Submission {
        if let waybill = try fulfillment.writer.read({ db in
            try FulfillmentStore.shipmentId(db, scanned: code).map { try self.waybill(db, $0, printer: printer, idempotencyKey: idempotencyKey, actor: actor) }
        }) {
            return try submit(waybill, fallbackDirectory: fallbackDirectory, goal: goal)
        }
        return try printShipment(try fulfillment.shipment(scanned: code), printer: printer, idempotencyKey: idempotencyKey, actor: actor,
                                 fallbackDirectory: fallbackDirectory, goal: goal)
    }

    /// A waybill print request as `db` sees it, with what it needs to go to the spool.
    struct Waybill {
        var request: PrintRequest
        var shipmentId: Int64
        var carrier: String?
        var settings: Settings
        /// Nil when no printer profile exists at all (`resolvePrinter` makes the default one).
        var profile: PrinterProfile?
        /// The job this request repeats, if one stands.
        var standing: PrintJob?
        /// With `recordAsText`: the waybill record as the JSON a job stores (its label's `data` is
        /// then null), for `SpoolStore.enqueue(labelTexts:)`.
        var recordText: String?
    }

    /// What the scans of one transaction share, read once for all of them: the seller's settings,
    /// the delay cutoff, today's date, and each carrier's template, printer and template revision
    /// as first looked up. Made inside the transaction it serves and dropped with it.
    final class ScanBasis {
        let settings: Settings
        let delayCutoff: String
        let today: String
        let repeatLimits: [String: RepeatLimitSpec]
        private let desk: PrintDesk
        private var templates: [String: (name: String, source: String)] = [:]
        private var printers: [String: PrinterProfile?] = [:]
        private var revisions: [String: (source: String, revision: Int)] = [:]

        init(_ db: any SQLDatabase, desk: PrintDesk) throws {
            self.desk = desk
            settings = try FulfillmentStore.settings(db)
            delayCutoff = try desk.fulfillment.delayCutoff(settings)
            today = PrintDesk.today()
            repeatLimits = desk.repeatLimits(settings)
        }

        func template(carrier: String?) throws -> (name: String, source: String) {
            if let known = templates[carrier ?? ""] { return known }
            let found = try desk.waybillTemplate(carrier: carrier, settings: settings)
            templates[carrier ?? ""] = found
            return found
        }

        func printer(_ db: any SQLDatabase, _ name: String?, carrier: String?) throws -> PrinterProfile? {
            let key = (name ?? "") + "\u{0}" + (carrier ?? "")
            if let known = printers[key] { return known }
            let found = try desk.configuredPrinter(db, name, carrier: carrier, settings: settings)
            printers[key] = found
            return found
        }

        /// The revision holding `source` (recorded now if new), for `SpoolStore.enqueue`.
        func revision(_ db: any SQLDatabase, name: String, source: String, at: String) throws -> Int {
            if let known = revisions[name], known.source == source { return known.revision }
            let found = try desk.store.revision(db, name: name, source: source, at: at)
            revisions[name] = (source, found)
            return found
        }
    }

    /// `lookForStanding`: false when the caller queues the request in this same transaction
    /// (`SpoolStore.enqueue` looks for a standing job itself). `basis`: shared with the other scans
    /// of the same transaction.
    func waybill(_ db: any SQLDatabase, _ id: Int64, printer: String?, idempotencyKey: String?, actor: String, lookForStanding: Bool = true,
                 basis known: ScanBasis? = nil, recordAsText: Bool = false) throws -> Waybill {
        let basis = try known ?? ScanBasis(db, desk: self)
        let settings = basis.settings
        let detail = try fulfillment.shipmentDetail(db, id, delayCutoff: basis.delayCutoff)
        if detail.status == "shipped" { throw FulfillmentError(code: .invalidInput, message: "shipment \(id) is already shipped") }
        if let reason = printBlock(detail, settings: settings) {
            throw FulfillmentError(code: .notPrintable, message: "shipment \(id) (\(detail.orderNumbers.joined(separator: ", "))) cannot print: \(reason)")
        }
        let profile = try basis.printer(db, printer, carrier: detail.carrier)
        let template = try basis.template(carrier: detail.carrier)
        let text = recordAsText ? try waybillRecordText(detail, settings: settings, today: basis.today) : nil
        let request = PrintRequest(kind: "waybill", title: "송장 \(detail.waybillNo ?? "") (\(detail.orderNumbers.first ?? ""))", printer: profile?.name ?? "",
                                   templateName: template.name, templateSource: template.source,
                                   labels: [LabelInput(source: "shipment:\(id)", data: text == nil ? try waybillRecord(detail, settings: settings, today: basis.today) : .null)],
                                   repeatLimits: basis.repeatLimits,
                                   idempotencyKey: idempotencyKey, sameSourceKinds: ["waybill", "waybill-batch"], actor: actor)
        return Waybill(request: request, shipmentId: id, carrier: detail.carrier, settings: settings, profile: profile,
                       standing: lookForStanding ? try store.standing(db, request) : nil, recordText: text)
    }

    func submit(_ waybill: Waybill, fallbackDirectory: String, goal: Spooler.Goal) throws -> Submission {
        if let standing = waybill.standing { return Submission(job: standing, repeated: true) }
        let profile = try waybill.profile ?? resolvePrinter(nil, carrier: waybill.carrier, settings: waybill.settings, fallbackDirectory: fallbackDirectory)
        var request = waybill.request
        request.printer = profile.name
        let id = waybill.shipmentId
        return try spooler.submit(request, profile: profile, goal: goal, repeatChecked: true) { db, _ in try FulfillmentStore.markPrinted(db, shipmentIds: [id]) }
    }

    /// One planned batch: the shipments of one template and printer, in print order.
    public struct BatchPlan: Sendable {
        public var template: String
        public var printer: String
        public var shipments: [ShipmentDetail]
    }

    /// A shipment a batch leaves out, and why (it stays in the print queue).
    public struct Refusal: Codable, Sendable, Hashable {
        public var shipmentId: Int64
        public var orderNumbers: [String]
        public var reason: String
        public init(shipmentId: Int64, orderNumbers: [String], reason: String) {
            self.shipmentId = shipmentId; self.orderNumbers = orderNumbers; self.reason = reason
        }
    }

    /// What a batch would print (one plan per template and printer, in order) and what it refuses.
    public struct BatchOutline: Sendable {
        public var plans: [BatchPlan] = []
        public var refused: [Refusal] = []
    }

    /// What a batch printed (one job per plan) and what it refused.
    public struct BatchResult: Sendable {
        public var submissions: [Submission] = []
        public var refused: [Refusal] = []
    }

    /// Why a shipment's waybill cannot print now, or nil: no waybill number yet, or — unless the
    /// seller prints those with a marker — orders that cannot ship (unmatched lines, no stock).
    /// With a connected carrier (택배연동), also: its routing is pending or the address undeliverable —
    /// a CJ waybill never prints half empty.
    func printBlock(_ s: ShipmentDetail, settings: Settings) -> String? {
        if let routing = s.routing, let block = routing.printBlock { return block }
        if s.routing == nil, let carrier = s.carrier, settings.connections[carrier] != nil, s.status == "open" {
            return "routing pending: \(Carriers.displayName(carrier)) has not routed the address yet (labeld shipments refine)"
        }
        if s.waybillNo == nil { return "no waybill number yet (labeld shipments assign \(s.id) CARRIER, or import the orders with one)" }
        if settings.unallocated == .hold, let block = s.shippingBlock(settings.allocationBasis) { return block }
        return nil
    }

    /// The batches `printBatch` would print, in order (one per template and printer), and the
    /// shipments it would refuse with their reasons. A named printer that does not exist is an error.
    public func planBatch(_ selection: PrintSelection, printer: String?, fallbackDirectory: String) throws -> BatchOutline {
        let settings = try fulfillment.settings()
        if let printer { _ = try store.profile(printer) }
        var outline = BatchOutline()
        for s in try fulfillment.printQueue(selection) {
            do {
                if let reason = printBlock(s, settings: settings) { throw FulfillmentError(code: .notPrintable, message: reason) }
                // A number its carrier's rule refuses would fail the whole batch's render: refuse that one here.
                if let carrier = s.carrier, let profile = spooler.carriers[carrier], let number = s.waybillNo {
                    do { try profile.validate(number) } catch { throw FulfillmentError(code: .notPrintable, message: error.message) }
                }
                let template = try waybillTemplate(carrier: s.carrier, settings: settings).name
                let p = try resolvePrinter(printer, carrier: s.carrier, settings: settings, fallbackDirectory: fallbackDirectory).name
                if let i = outline.plans.firstIndex(where: { $0.template == template && $0.printer == p }) { outline.plans[i].shipments.append(s) } else {
                    outline.plans.append(BatchPlan(template: template, printer: p, shipments: [s]))
                }
            } catch let error as FulfillmentError {
                outline.refused.append(Refusal(shipmentId: s.id, orderNumbers: s.orderNumbers, reason: error.message))
            } catch let error as PrintError {
                outline.refused.append(Refusal(shipmentId: s.id, orderNumbers: s.orderNumbers, reason: error.message))
            }
        }
        return outline
    }

    /// 송장출력: the selected shipments in the seller's print order, one document and one job per
    /// template and printer; every label's sequence number is recorded with the job. A shipment that
    /// cannot print is refused with its reason and the rest print.
    public func printBatch(_ selection: PrintSelection, printer: String? = nil, actor: String, fallbackDirectory: String,
                           idempotencyKey: String? = nil, goal: Spooler.Goal = .accepted) throws -> BatchResult {
        let settings = try fulfillment.settings()
        let today = Self.today()
        let outline = try planBatch(selection, printer: printer, fallbackDirectory: fallbackDirectory)
        if settings.sender == nil, !outline.plans.isEmpty { throw Self.noSender }
        var result = BatchResult(refused: outline.refused)
        for (i, plan) in outline.plans.enumerated() {
            var labels: [LabelInput] = [], ids: [Int64] = []
            for s in plan.shipments {
                do {
                    labels.append(LabelInput(source: "shipment:\(s.id)", data: try waybillRecord(s, settings: settings, today: today)))
                    ids.append(s.id)
                } catch let error as FulfillmentError {
                    result.refused.append(Refusal(shipmentId: s.id, orderNumbers: s.orderNumbers, reason: error.message))
                }
            }
            if labels.isEmpty { continue }
            let request = PrintRequest(kind: "waybill-batch", title: "송장출력 \(labels.count)건 \(today)", printer: plan.printer,
                                       templateName: plan.template, templateSource: try templateSource(plan.template), labels: labels,
                                       repeatLimits: repeatLimits(settings), idempotencyKey: idempotencyKey.map { "\($0)/\(i)" }, actor: actor)
            let marked = ids
            result.submissions.append(try spooler.submit(request, goal: goal) { db, _ in try FulfillmentStore.markPrinted(db, shipmentIds: marked) })
        }
        return result
    }

    /// Product barcode labels: one label per unit (`copies`), for a SKU from the catalog (name,
    /// option, SKU, GTIN, price, location, brand — what the catalog has). Every request prints: a
    /// second receipt of the same stock needs new labels, so only the caller's `idempotencyKey`
    /// makes a repeat. The first label is composed before the job is queued, so a template that
    /// needs what the SKU lacks (a GTIN for an EAN-13 label) is refused at once, with the field.
    public func printBarcodes(sku: String, copies: Int, printer: String?, template: String?, idempotencyKey: String? = nil,
                              actor: String, fallbackDirectory: String, goal: Spooler.Goal = .accepted) throws -> Submission {
        guard (1...10_000).contains(copies) else { throw PrintError(code: .invalidInput, message: "copies must be from 1 to 10000, not \(copies)") }
        guard let option = try fulfillment.optionStocks(skuPrefix: sku).first(where: { $0.sku == sku }) else {
            throw FulfillmentError(code: .notFound, message: "no product option with SKU '\(sku)'")
        }
        let profile = try resolvePrinter(printer, fallbackDirectory: fallbackDirectory)
        let name = template ?? defaultBarcodeTemplate
        let source = try templateSource(name)
        var record: [String: DataValue] = ["name": .string(option.name), "sku": .string(sku)]
        if let gtin = option.barcode, !gtin.isEmpty { record["gtin"] = .string(gtin) }
        if !option.option.isEmpty { record["option"] = .string(option.option) }
        if let price = option.price { record["price"] = .number(Double(price)) }
        if let location = option.location, !location.isEmpty { record["location"] = .string(location) }
        if let brand = option.brand, !brand.isEmpty { record["brand"] = .string(brand) }
        let parsed = try TemplateParser.parse(yaml: source, file: "templates/\(name).yaml")
        let composer = LabelComposer(template: parsed, dpi: profile.dpi, carriers: spooler.carriers)
        let firstLabel: () throws -> Void = { _ = try composer.compose(.object(record), index: 0) }
        do { try firstLabel() } catch let error as RenderingError where error.code == .data {
            throw FulfillmentError(code: .invalidInput, message: "SKU '\(sku)' cannot print on \(name): \(error.message)"
                                   + (record["gtin"] == nil ? " (the catalog has no barcode (GTIN) for it: choose a Code 128 SKU template, or add the GTIN)" : ""))
        }
        let labels = (1...copies).map { _ in LabelInput(source: "sku:\(sku)", data: .object(record)) }
        let request = PrintRequest(kind: "barcode", title: "바코드 \(sku) ×\(copies)", printer: profile.name, templateName: name,
                                   templateSource: source, labels: labels,
                                   idempotencyKey: idempotencyKey ?? "barcode:\(UUID().uuidString)", actor: actor)
        return try spooler.submit(request, goal: goal)
    }

    /// One order as the seller looks it up: its lines, allocation and shipment, and the jobs that
    /// printed its waybill (reprints included).
    public func orderView(_ id: Int64) throws -> OrderView {
        let detail = try fulfillment.orderDetail(id)
        return OrderView(detail: detail, jobs: try detail.shipment.map { try store.jobs(source: "shipment:\($0.id)") } ?? [])
    }

    public struct OrderView: Encodable, Sendable {
        public var detail: OrderDetail
        public var jobs: [PrintJob]
        enum CodingKeys: String, CodingKey { case order, orderedAt, paidAt, receiverPhone, address, message, carrier, lines, shipment, jobs }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(detail.order, forKey: .order)
            try c.encodeIfPresent(detail.orderedAt, forKey: .orderedAt)
            try c.encodeIfPresent(detail.paidAt, forKey: .paidAt)
            try c.encode(detail.receiverPhone, forKey: .receiverPhone)
            try c.encode(detail.address, forKey: .address)
            try c.encodeIfPresent(detail.message, forKey: .message)
            try c.encodeIfPresent(detail.carrier, forKey: .carrier)
            try c.encode(detail.lines, forKey: .lines)
            try c.encodeIfPresent(detail.shipment, forKey: .shipment)
            try c.encode(jobs, forKey: .jobs)
        }
    }

    // MARK: Jobs

    /// 재출력: prints a job again from its template revision and data, with the marker and the
    /// reason in the audit log.
    public func reprint(jobId: Int64, reason: String, printer: String? = nil, actor: String, goal: Spooler.Goal = .accepted) throws -> PrintJob {
        let original = try store.job(jobId)
        guard original.state != .queued && original.state != .rendering else {
            throw PrintError(code: .conflict, message: "job \(jobId) has not printed yet: nothing to reprint")
        }
        let job = try store.reprint(jobId: jobId, reason: reason, actor: actor, printer: try printer.map { try store.profile($0) })
        try fulfillment.record(actor: actor, action: "print.reprint", subject: "job \(jobId) → job \(job.id)", detail: reason)
        return try spooler.process(job.id, goal: goal)
    }

    /// Releases a held job. One held by barcode verification is rendered again from its template
    /// as it is now (the fixed text becomes a new revision) and verified again before it is sent.
    public func release(jobId: Int64, actor: String, goal: Spooler.Goal = .accepted) throws -> PrintJob {
        let job = try store.job(jobId)
        guard job.state == .held else {
            throw PrintError(code: .conflict, message: "job \(jobId) is \(job.state.rawValue), not held: there is nothing to release")
        }
        var revision: Int?
        if job.verification != nil {
            revision = try store.recordRevision(name: job.templateName, source: try templateSource(job.templateName))
        }
        _ = try spooler.release(jobId, templateRevision: revision)
        try fulfillment.record(actor: actor, action: "print.release", subject: "job \(jobId)",
                               detail: revision.map { "template \(job.templateName) revision \(job.templateRevision) → \($0)" })
        return try spooler.process(jobId, goal: goal)
    }

    /// Cancels a job; the shipments of labels that did not reach the printer go back to the print queue.
    public func cancel(jobId: Int64, actor: String) throws -> PrintJob {
        let job = try spooler.cancel(jobId)
        try fulfillment.record(actor: actor, action: "print.cancel", subject: "job \(jobId)", detail: nil)
        return job
    }

    /// A station's confirmation scan: a scan that repeats an `uncertain` job and names one of its
    /// labels in doubt proves that label came out — and, a printer printing in order, every label
    /// before it. The job is confirmed through it (and goes on); any other submission is returned as it is.
    public func confirmingScan(_ submission: Submission, code: String, actor: String) throws -> Submission {
        guard submission.repeated, submission.job.state == .uncertain, let span = submission.job.uncertainLabels,
              let id = try? fulfillment.shipment(scanned: code),
              let index = submission.job.sources.firstIndex(of: "shipment:\(id)"), (span.first...span.last).contains(index + 1) else {
            return submission
        }
        return Submission(job: try confirm(jobId: submission.job.id, printed: index + 1, actor: actor), repeated: true)
    }

    /// A station scanned a printed waybill's barcode: the label is `confirmed` (seen on the parcel,
    /// by whom and when). A label its job was `uncertain` about confirms the job through it (and
    /// the rest goes out). A code that names no shipment throws `notFound`; a shipment whose
    /// waybill never reached a printer answers `not-printed`; one printed by two jobs that are not
    /// a 재출력 of each other is flagged `duplicate` (a double print).
    public func confirmLabel(code: String, actor: String, mayUse: (String) -> Bool = { _ in true }) throws -> LabelConfirmation {
        let shipment = try fulfillment.shipment(scanned: code)
        let source = "shipment:\(shipment)"
        var labels = try store.printedLabels(source: source).filter { mayUse($0.printer) }
        if let doubt = labels.last(where: { $0.inDoubt && $0.jobState == .uncertain }) {
            // Labels print in order: this one out means every one before it came out too.
            _ = try confirm(jobId: doubt.jobId, printed: doubt.seq, actor: actor)
            labels = try store.printedLabels(source: source).filter { mayUse($0.printer) }
        }
        let printed = labels.filter { $0.reached && $0.jobState != .canceled && $0.jobState != .failed }
        guard let latest = printed.last else {
            let state = labels.last.map { "its label is in job \($0.jobId), \($0.jobState.rawValue)" } ?? "no label was ever printed for it"
            return LabelConfirmation(status: .notPrinted, code: code, shipmentId: shipment, label: labels.last, printedCount: 0, duplicate: false,
                                     message: "shipment \(shipment) was not printed: \(state)")
        }
        let fresh = try store.confirmLabel(jobId: latest.jobId, seq: latest.seq, actor: actor)
        let confirmed = try store.printedLabels(source: source).first { $0.jobId == latest.jobId && $0.seq == latest.seq } ?? latest
        let originals = printed.filter { !$0.reprint }
        let duplicate = Set(originals.map(\.jobId)).count > 1
        var message = fresh ? "label confirmed (job \(latest.jobId), label \(latest.seq))"
            : "already confirmed \(confirmed.confirmedAt ?? "") by \(confirmed.confirmedBy ?? "")"
        if printed.count > 1 {
            message += duplicate ? "; printed \(printed.count) times by jobs \(printed.map { String($0.jobId) }.joined(separator: ", ")) — a double print"
                : "; printed \(printed.count) times (재출력 included)"
        }
        if fresh { try fulfillment.record(actor: actor, action: "print.label-confirm", subject: source, detail: "job \(latest.jobId) label \(latest.seq)") }
        return LabelConfirmation(status: fresh ? .confirmed : .alreadyConfirmed, code: code, shipmentId: shipment, label: confirmed,
                                 printedCount: printed.count, duplicate: duplicate, message: message)
    }

    /// An `uncertain` job: labels 1…`printed` came out (a person looked, or a station scanned the
    /// last label out). The rest goes out now, in order; recorded in the audit log.
    public func confirm(jobId: Int64, printed: Int, actor: String) throws -> PrintJob {
        let before = try store.job(jobId)
        let job = try spooler.confirm(jobId, printed: printed)
        try fulfillment.record(actor: actor, action: "print.confirm", subject: "job \(jobId)",
                               detail: "printed through label \(printed) of \(before.labelCount)"
                                   + (before.uncertainLabels.map { " (labels \($0.first)–\($0.last) were uncertain)" } ?? ""))
        return job.state.isFinal ? job : try spooler.process(jobId, goal: .accepted)
    }
}

extension PrintDesk {
    /// 초기화 (owner only, confirmed, backed up first): the order core's data and the print history.
    /// Printer profiles stay. Returns the backup's path.
    public func reset(role: Role, actor: String, confirmation: String, backupDirectory: String) throws -> String {
        let backup = try fulfillment.reset(role: role, actor: actor, confirmation: confirmation, backupDirectory: backupDirectory)
        try fulfillment.writer.write { db in try store.reset(db) }
        return backup
    }
}

/// Texts of files (the shipped templates, read by every scan), read again only when a file's
/// size, modification time or inode changed: one `stat` per use instead of open, read and close.
struct FileTexts: Sendable {
    private struct Stamp: Equatable { var size: Int64, seconds: Int64, nanoseconds: Int64, inode: UInt64 }
    private let texts = KeyedCache<String, (stamp: Stamp, text: String)>(limit: 256)

    func text(atPath path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let stamp = Stamp(size: Int64(info.st_size), seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec),
                          inode: UInt64(info.st_ino))
        if let known = texts[path], known.stamp == stamp { return known.text }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        texts.set((stamp, text), for: path)
        return text
    }
}

/// What a confirmation scan found (`PrintDesk.confirmLabel`).
public struct LabelConfirmation: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case confirmed, alreadyConfirmed = "already-confirmed", notPrinted = "not-printed" }
    public var status: Status
    public var code: String
    public var shipmentId: Int64
    /// The label confirmed (the latest that reached a printer), or the last one queued.
    public var label: PrintedLabel?
    /// Labels of this shipment that reached a printer (재출력 included).
    public var printedCount: Int
    /// Printed by two jobs neither of which is a 재출력: a double print.
    public var duplicate: Bool
    public var message: String
}
