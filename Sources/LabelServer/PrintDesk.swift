public import Foundation
public import Fulfillment
public import PrintSpool
public import Rendering
public import GRDB
public import LabelModel
import Glibc
// `struct stat` and `timespec` are declared, for Swift's member visibility, in Dispatch's C module.
import CDispatch

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

    public init(fulfillment: FulfillmentStore, spooler: Spooler) {
        self.fulfillment = fulfillment
        self.spooler = spooler
    }

    /// Opens (creating) the database at `path` for both the order core and the spool.
    public static func open(databasePath: String, rendering: RendererConfiguration, islands: IslandRegions = .empty,
                            retry: RetryPolicy = RetryPolicy()) throws -> PrintDesk {
        let fulfillment = try FulfillmentStore.open(path: databasePath, islands: islands)
        let spool = try SpoolStore(writer: fulfillment.writer, retry: retry)
        return PrintDesk(fulfillment: fulfillment, spooler: try Spooler(store: spool, rendering: rendering))
    }

    // MARK: Printers

    /// The printer for a request: the one named, else the carrier's from the settings, else the only
    /// or `default` profile. With no profile at all, a `default` profile is added: the default CUPS
    /// server's first queue (PDF) when one is reachable, else a file printer writing PDFs into
    /// `fallbackDirectory` — so labeld prints out of the box.
    public func resolvePrinter(_ name: String?, carrier: String? = nil, settings: Settings? = nil, fallbackDirectory: String) throws -> PrinterProfile {
        if let p = try fulfillment.writer.read({ db in try Self.configuredPrinter(db, name, carrier: carrier, settings: settings ?? FulfillmentStore.settings(db)) }) {
            return p
        }
        let queue = (try? IPPTransport.destinations(server: nil))?.first?.name
        let p = PrinterProfile(name: "default", transport: queue.map { "cups:\($0)" } ?? "file:\(fallbackDirectory)", language: .pdf)
        try store.save(p)
        return p
    }

    /// `resolvePrinter` as `db` sees it; nil when no profile exists at all.
    static func configuredPrinter(_ db: Database, _ name: String?, carrier: String?, settings: Settings) throws -> PrinterProfile? {
        if let name { return try SpoolStore.profile(db, name) }
        if let carrier, let configured = settings.waybillFormats[carrier]?.printer { return try SpoolStore.profile(db, configured) }
        let all = try SpoolStore.profiles(db)
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

    /// A shipped template's text (`name` relative to `templates/`, without `.yaml`). Names cannot
    /// leave the templates folder.
    public func templateSource(_ name: String) throws -> String {
        let clean = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name
        guard !clean.isEmpty, !clean.hasPrefix("/"), !clean.split(separator: "/").contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw PrintError(code: .invalidInput, message: "template '\(name)': a name under templates/, such as waybills/cj")
        }
        let path = spooler.rendering.templatesDirectory + "/" + clean + ".yaml"
        guard let source = Self.shippedTemplates.text(atPath: path) else {
            throw PrintError(code: .notFound, message: "no template '\(clean)' (\(path))")
        }
        return source
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
        guard let sender = settings.sender else {
            throw FulfillmentError(code: .invalidInput, message: "set the sender printed on waybills first: labeld settings set sender '{\"name\":…,\"phone\":…,\"address\":…}'")
        }
        let rows = WaybillProductList.rows(s.waybillLines, settings: settings.waybillProductList)
        w.string("accepted_at", today)
        if let carrier = s.carrier { w.string("carrier", carrier) }
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
        w.string("waybill_no", waybill)
    }

    func repeatLimits(_ settings: Settings) -> [String: RepeatLimitSpec] {
        ["products": RepeatLimitSpec(maxRows: settings.waybillProductList.maxLines, overflow: settings.waybillProductList.overflow.rawValue)]
    }

    /// Today in Korea (UTC+9 all year, no daylight saving) as `yyyy-MM-dd`; a formatter per scan costs more than the rest of the record.
    public static func today(_ now: Date = Date()) -> String {
        var t = time_t(now.timeIntervalSince1970) + 9 * 3600
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
    }

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
            try Self.shipmentId(db, scanned: code).map { try self.waybill(db, $0, printer: printer, idempotencyKey: idempotencyKey, actor: actor) }
        }) {
            return try submit(waybill, fallbackDirectory: fallbackDirectory, goal: goal)
        }
        return try printShipment(try orderShipment(scanned: code), printer: printer, idempotencyKey: idempotencyKey, actor: actor,
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

        init(_ db: Database, desk: PrintDesk) throws {
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

        func printer(_ db: Database, _ name: String?, carrier: String?) throws -> PrinterProfile? {
            let key = (name ?? "") + "\u{0}" + (carrier ?? "")
            if let known = printers[key] { return known }
            let found = try PrintDesk.configuredPrinter(db, name, carrier: carrier, settings: settings)
            printers[key] = found
            return found
        }

        /// The revision holding `source` (recorded now if new), for `SpoolStore.enqueue`.
        func revision(_ db: Database, name: String, source: String, at: String) throws -> Int {
            if let known = revisions[name], known.source == source { return known.revision }
            let found = try SpoolStore.revision(db, name: name, source: source, at: at)
            revisions[name] = (source, found)
            return found
        }
    }

    /// `lookForStanding`: false when the caller queues the request in this same transaction
    /// (`SpoolStore.enqueue` looks for a standing job itself). `basis`: shared with the other scans
    /// of the same transaction.
    func waybill(_ db: Database, _ id: Int64, printer: String?, idempotencyKey: String?, actor: String, lookForStanding: Bool = true,
                 basis known: ScanBasis? = nil, recordAsText: Bool = false) throws -> Waybill {
        let basis = try known ?? ScanBasis(db, desk: self)
        let settings = basis.settings
        let detail = try fulfillment.shipmentDetail(db, id, delayCutoff: basis.delayCutoff)
        if detail.status == "shipped" { throw FulfillmentError(code: .invalidInput, message: "shipment \(id) is already shipped") }
        let profile = try basis.printer(db, printer, carrier: detail.carrier)
        let template = try basis.template(carrier: detail.carrier)
        let text = recordAsText ? try waybillRecordText(detail, settings: settings, today: basis.today) : nil
        let request = PrintRequest(kind: "waybill", title: "송장 \(detail.waybillNo ?? "") (\(detail.orderNumbers.first ?? ""))", printer: profile?.name ?? "",
                                   templateName: template.name, templateSource: template.source,
                                   labels: [LabelInput(source: "shipment:\(id)", data: text == nil ? try waybillRecord(detail, settings: settings, today: basis.today) : .null)],
                                   repeatLimits: basis.repeatLimits,
                                   idempotencyKey: idempotencyKey, sameSourceKinds: ["waybill", "waybill-batch"], actor: actor)
        return Waybill(request: request, shipmentId: id, carrier: detail.carrier, settings: settings, profile: profile,
                       standing: lookForStanding ? try SpoolStore.standing(db, request) : nil, recordText: text)
    }

    func submit(_ waybill: Waybill, fallbackDirectory: String, goal: Spooler.Goal) throws -> Submission {
        if let standing = waybill.standing { return Submission(job: standing, repeated: true) }
        let profile = try waybill.profile ?? resolvePrinter(nil, carrier: waybill.carrier, settings: waybill.settings, fallbackDirectory: fallbackDirectory)
        var request = waybill.request
        request.printer = profile.name
        let id = waybill.shipmentId
        return try spooler.submit(request, profile: profile, goal: goal, repeatChecked: true) { db, _ in try FulfillmentStore.markPrinted(db, shipmentIds: [id]) }
    }

    /// Finds a shipment by what a station scans: a waybill number or an order number.
    public func shipment(scanned code: String) throws -> Int64 {
        if let id = try fulfillment.writer.read({ db in try Self.shipmentId(db, scanned: code) }) { return id }
        return try orderShipment(scanned: code)
    }

    /// For a scanned order number without a shipment yet: makes its shipment now (one order, one
    /// waybill). Unknown codes are not found.
    func orderShipment(scanned code: String) throws -> Int64 {
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if let order = try fulfillment.writer.read({ db in
            try Int64.fetchOne(db, sql: "SELECT id FROM salesOrder WHERE channelOrderNo = ? AND status = 'collected' ORDER BY id LIMIT 1", arguments: [trimmed])
        }) {
            return try fulfillment.shipment(forOrder: order)
        }
        throw FulfillmentError(code: .notFound, message: "no shipment or order '\(trimmed)'")
    }

    /// The shipment a scanned waybill or order number names, if it has one.
    static func shipmentId(_ db: Database, scanned code: String) throws -> Int64? {
        let trimmed = code.trimmedOfWhitespace
        let digits = trimmed.filter { $0 != "-" && $0 != " " }
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM shipment WHERE waybillNo = ?"), arguments: [digits]) { return id }
        return try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT shipmentId FROM salesOrder WHERE (channelOrderNo = ? OR channelOrderNo || '-' || suffix = ?) AND status != 'canceled'
            ORDER BY id LIMIT 1
            """), arguments: [trimmed, trimmed])
    }

    /// One planned batch: the shipments of one template and printer, in print order.
    public struct BatchPlan: Sendable {
        public var template: String
        public var printer: String
        public var shipments: [ShipmentDetail]
    }

    /// The batches `printBatch` would print, in order (one per template and printer).
    public func planBatch(_ selection: PrintSelection, printer: String?, fallbackDirectory: String) throws -> [BatchPlan] {
        var plans: [BatchPlan] = []
        for s in try fulfillment.printQueue(selection) {
            let template = try waybillTemplate(carrier: s.carrier).name
            let p = try resolvePrinter(printer, carrier: s.carrier, fallbackDirectory: fallbackDirectory).name
            if let i = plans.firstIndex(where: { $0.template == template && $0.printer == p }) { plans[i].shipments.append(s) } else {
                plans.append(BatchPlan(template: template, printer: p, shipments: [s]))
            }
        }
        return plans
    }

    /// 송장출력: the selected shipments in the seller's print order, one document and one job per
    /// template and printer; every label's sequence number is recorded with the job.
    public func printBatch(_ selection: PrintSelection, printer: String? = nil, actor: String, fallbackDirectory: String,
                           idempotencyKey: String? = nil, goal: Spooler.Goal = .accepted) throws -> [Submission] {
        let settings = try fulfillment.settings()
        let today = Self.today()
        var out: [Submission] = []
        for (i, plan) in try planBatch(selection, printer: printer, fallbackDirectory: fallbackDirectory).enumerated() {
            let labels = try plan.shipments.map { LabelInput(source: "shipment:\($0.id)", data: try waybillRecord($0, settings: settings, today: today)) }
            let ids = plan.shipments.map(\.id)
            let request = PrintRequest(kind: "waybill-batch", title: "송장출력 \(plan.shipments.count)건 \(today)", printer: plan.printer,
                                       templateName: plan.template, templateSource: try templateSource(plan.template), labels: labels,
                                       repeatLimits: repeatLimits(settings), idempotencyKey: idempotencyKey.map { "\($0)/\(i)" }, actor: actor)
            out.append(try spooler.submit(request, goal: goal) { db, _ in try FulfillmentStore.markPrinted(db, shipmentIds: ids) })
        }
        return out
    }

    /// Product barcode labels: one label per unit (`copies`), for a SKU from the catalog.
    public func printBarcodes(sku: String, copies: Int, printer: String?, template: String?, idempotencyKey: String? = nil,
                              actor: String, fallbackDirectory: String, goal: Spooler.Goal = .accepted) throws -> Submission {
        guard (1...10_000).contains(copies) else { throw PrintError(code: .invalidInput, message: "copies must be from 1 to 10000, not \(copies)") }
        guard let option = try fulfillment.optionStocks(skuPrefix: sku).first(where: { $0.sku == sku }) else {
            throw FulfillmentError(code: .notFound, message: "no product option with SKU '\(sku)'")
        }
        guard let barcode = option.barcode, !barcode.isEmpty else {
            throw FulfillmentError(code: .invalidInput, message: "SKU '\(sku)' has no barcode (GTIN) in the catalog")
        }
        let profile = try resolvePrinter(printer, fallbackDirectory: fallbackDirectory)
        let name = template ?? defaultBarcodeTemplate
        var record: [String: DataValue] = ["name": .string(option.name), "sku": .string(sku), "gtin": .string(barcode)]
        if !option.option.isEmpty { record["option"] = .string(option.option) }
        let labels = (1...copies).map { _ in LabelInput(source: "sku:\(sku)", data: .object(record)) }
        let request = PrintRequest(kind: "barcode", title: "바코드 \(sku) ×\(copies)", printer: profile.name, templateName: name,
                                   templateSource: try templateSource(name), labels: labels,
                                   idempotencyKey: idempotencyKey, actor: actor)
        return try spooler.submit(request, goal: goal)
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

    /// Cancels a job; its shipments go back to the print queue when nothing of it reached a printer.
    public func cancel(jobId: Int64, actor: String) throws -> PrintJob {
        let before = try store.job(jobId)
        let job = try spooler.cancel(jobId)
        if before.labelsSent == 0 && before.reprintOf == nil && before.kind.hasPrefix("waybill") {
            let ids = before.sources.compactMap { $0.hasPrefix("shipment:") ? Int64($0.dropFirst(9)) : nil }
            try fulfillment.unmarkPrinted(shipmentIds: ids, actor: actor)
        }
        try fulfillment.record(actor: actor, action: "print.cancel", subject: "job \(jobId)", detail: nil)
        return job
    }
}

extension PrintDesk {
    /// 초기화 (owner only, confirmed, backed up first): the order core's data and the print history.
    /// Printer profiles stay. Returns the backup's path.
    public func reset(role: Role, actor: String, confirmation: String, backupDirectory: String) throws -> String {
        let backup = try fulfillment.reset(role: role, actor: actor, confirmation: confirmation, backupDirectory: backupDirectory)
        try fulfillment.writer.write { db in try SpoolStore.reset(db) }
        return backup
    }
}

/// Texts of files (the shipped templates, read by every scan), read again only when a file's
/// size, modification time or inode changed: one `stat` per use instead of open, read and close.
final class FileTexts: @unchecked Sendable {
    private struct Stamp: Equatable { var size: Int64, seconds: Int64, nanoseconds: Int64, inode: UInt64 }
    private let lock = NSLock()
    private var texts: [String: (stamp: Stamp, text: String)] = [:]

    func text(atPath path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let stamp = Stamp(size: Int64(info.st_size), seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec),
                          inode: UInt64(info.st_ino))
        lock.lock()
        if let known = texts[path], known.stamp == stamp { lock.unlock(); return known.text }
        lock.unlock()
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        lock.lock(); if texts.count >= 256 { texts.removeAll() }; texts[path] = (stamp, text); lock.unlock()
        return text
    }
}

extension String {
    /// Without leading and trailing white space and newlines; the string itself, uncopied, when it
    /// has none (what a scanner sends), since Foundation's trimming costs as much as a query.
    var trimmedOfWhitespace: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
