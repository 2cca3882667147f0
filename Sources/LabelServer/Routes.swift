import Hummingbird
import Foundation
import HTTPTypes
import Fulfillment
import GRDB
import LabelModel
import NIOCore
import PrintSpool
import Printing
import Rendering
import LabeldSupport

// Request bodies.
struct PrintBody: Decodable { var code: String?; var shipmentId: Int64?; var printer: String? }
struct BatchBody: Decodable {
    var carrier: String?; var tag: String?; var island: Bool?; var from: String?; var to: String?
    var limit: Int?; var includePrinted: Bool?; var printer: String?; var dryRun: Bool?
}
struct BarcodesBody: Decodable { var sku: String; var copies: Int; var printer: String?; var template: String? }
struct ReprintBody: Decodable { var reason: String; var printer: String? }
/// `POST /v1/jobs/{id}/confirm`: labels 1…printed of an uncertain job came out.
struct ConfirmBody: Decodable { var printed: Int }
struct TemplateBody: Decodable { var source: String }
struct SettingBody: Decodable { var value: String }
struct OrderIdsBody: Decodable { var orderIds: [Int64] }
struct SplitBody: Decodable { var orderId: Int64; var quantities: [String: Int] }
struct QuantitiesBody: Decodable { var quantities: [String: Int] }
struct PickupBody: Decodable { var defective: Bool? }
struct ResetBody: Decodable { var confirmation: String }
struct TokenBody: Decodable { var name: String; var role: Role; var printers: [String]? }
struct StockBody: Decodable { var sku: String; var quantity: Int; var note: String? }

// Responses.
struct JobAnswer: Encodable { var job: PrintJob; var repeated: Bool }
struct PrinterAnswer: Encodable { var profile: PrinterProfile; var status: PrinterStatus }
struct TemplateSummary: Encodable {
    var name: String; var description: String?; var carrier: String?; var widthMM: Double; var heightMM: Double; var dpi: Int
    /// The seller's saved template (it shadows the shipped one of the same name).
    var saved: Bool
}
struct TemplateAnswer: Encodable { var name: String; var source: String; var sample: DataValue?; var revisions: [Int] }
struct BatchPlanAnswer: Encodable { var template: String; var printer: String; var shipments: [ShipmentDetail] }
struct BatchOutlineAnswer: Encodable { var plans: [BatchPlanAnswer]; var refused: [PrintDesk.Refusal] }
struct BatchAnswer: Encodable { var jobs: [JobAnswer]; var refused: [PrintDesk.Refusal] }
struct ShipmentsCreatedAnswer: Encodable {
    var count: Int; var heldBack: [ShipmentCreation.Skipped]; var refused: [ShipmentCreation.Skipped]
}
struct Count: Encodable { var count: Int }
struct Message: Encodable { var message: String }

extension LabelService {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    func json<T: Encodable>(_ value: T, _ status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try Self.encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func bytes(_ data: [UInt8], type: String, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: type]
        headers.append(contentsOf: extra)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The body, at most `limit` bytes (413 beyond).
    func body(_ request: Request, limit: Int) async throws -> Data {
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw Problem(.contentTooLarge, code: "request.too_large", "the body is larger than \(limit) bytes")
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, code: "request.too_large", "the body is larger than \(limit) bytes")
        }
    }

    /// The JSON body as `T` (400 with the field when it does not fit).
    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let data = try await body(request, limit: configuration.maxJSONBytes)
        guard !data.isEmpty else { throw Problem(.badRequest, code: "request.json", "this route takes a JSON body") }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let e as DecodingError {
            throw Problem(.badRequest, code: "request.json", "the body is not what this route takes: \(Problem.describe(e))")
        }
    }

    func int(_ context: AppContext, _ name: String) throws -> Int64 {
        guard let text = context.parameters.get(name), let v = Int64(text), v > 0 else {
            throw Problem(.badRequest, code: "request.parameter", "'\(name)' must be a positive whole number")
        }
        return v
    }

    func quantities(_ q: [String: Int]) throws -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for (k, v) in q {
            guard let id = Int64(k), v > 0 else { throw Problem(.badRequest, code: "request.json", "quantities map order line ids to positive numbers") }
            out[id] = v
        }
        return out
    }

    /// The `Idempotency-Key` header (1–200 characters), scoped to the caller (one station's key
    /// never names another's job) and namespaced apart from keys labeld derives.
    func idempotencyKey(_ request: Request, _ caller: Principal) throws -> String? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard !key.isEmpty, key.count <= 200 else {
            throw Problem(.badRequest, code: "request.idempotency_key", "Idempotency-Key must be 1–200 characters")
        }
        return "http:\(caller.actor):" + key
    }

    /// A file printer's folder, as the API may set it: inside the configured `filePrinterDirectory`
    /// (a relative folder is taken inside it), never elsewhere — labeld creates and writes it.
    func confinedFilePrinter(_ folder: String) throws -> String {
        let root = URL(fileURLWithPath: configuration.filePrinterDirectory).standardizedFileURL.path
        let path = (folder.hasPrefix("/") ? URL(fileURLWithPath: folder) : URL(fileURLWithPath: root).appendingPathComponent(folder)).standardizedFileURL.path
        guard !folder.isEmpty, path == root || path.hasPrefix(root + "/") else {
            throw Problem(.unprocessableContent, code: "printer.file_outside_root",
                          "a file printer writes inside \(root) (filePrinterDirectory / LABELD_FILE_PRINTER_DIR): give a folder there, such as file:office, not '\(folder)'")
        }
        return path
    }

    /// A station may only see and use its own printers.
    func checkPrinter(_ principal: Principal, _ printer: String) throws {
        guard principal.mayUse(printer: printer) else {
            throw Problem.forbidden("station '\(principal.name)' may print to \(principal.printers.joined(separator: ", ")) only, not '\(printer)'")
        }
    }

    func addRoutes(_ r: inout RouteTable) {
        let desk = self.desk, config = configuration

        // MARK: Service
        r.on(.get, "/healthz") { _, _ in
            let ok = try await self.blocking { try desk.fulfillment.writer.read { try Int.fetchOne($0, sql: "SELECT 1") } } == 1
            return try self.json(["status": ok ? "ok" : "degraded"])
        }
        r.on(.get, "/metrics") { _, _ in
            let text = try await self.blocking { () -> [UInt8] in
                let counts = try desk.store.countsByState()
                let now = Date(), maxAge = config.printerStatusSeconds
                let printers = try self.printerUp.value(for: "status", isCurrent: { now.timeIntervalSince($0.at) < maxAge }) {
                    (now, try desk.store.profiles().map { p in (p.name, p.currentStatus().ready) })
                }.printers
                return self.metrics.emit(counts: counts, printers: printers)
            }
            return self.bytes(text, type: "text/plain; version=0.0.4; charset=utf-8")
        }
        r.on(.get, "/openapi.yaml") { _, _ in
            let data = try await self.blocking { try Data(contentsOf: URL(fileURLWithPath: config.webDirectory + "/openapi.yaml")) }
            return self.bytes([UInt8](data), type: "application/yaml; charset=utf-8")
        }
        for (path, file, type) in [("/", "index.html", "text/html; charset=utf-8"), ("/designer.js", "designer.js", "text/javascript; charset=utf-8"),
                                   ("/designer.css", "designer.css", "text/css; charset=utf-8")] {
            r.on(.get, path) { _, _ in
                let data = try await self.blocking { try Data(contentsOf: URL(fileURLWithPath: config.webDirectory + "/designer/" + file)) }
                return self.bytes([UInt8](data), type: type, headers: [.cacheControl: "no-cache"])
            }
        }

        // MARK: Printing (stations)
        r.on(.post, "/v1/print") { request, context in
            let caller = try context.caller()
            let body = try await self.decode(PrintBody.self, request)
            let key = try self.idempotencyKey(request, caller)
            guard body.code != nil || body.shipmentId != nil else {
                throw Problem(.badRequest, code: "request.json", "give 'code' (a scanned waybill or order number) or 'shipmentId'")
            }
            var printer = body.printer
            if caller.role == .station {
                printer = printer ?? caller.printers.first
                try self.checkPrinter(caller, printer!)
            }
            let scan = ScanIntake.Scan(code: body.code ?? "", printer: printer, idempotencyKey: key, actor: caller.actor)
            let submission = try await self.intake.print(scan, shipmentId: body.shipmentId, fallbackDirectory: config.filePrinterDirectory) { work in
                try await self.blocking(work)
            }
            if !submission.repeated { self.metrics.record(submission.job) }
            // 202: durably queued behind other jobs for this printer; the worker prints it in turn.
            let status: HTTPResponse.Status = submission.repeated ? .ok : submission.job.state == .queued ? .accepted : .created
            // Written directly (`PrintJob.jsonText`): JSONEncoder was a tenth of a scan's CPU.
            let answer = #"{"job":"# + submission.job.jsonText + #","repeated":"# + (submission.repeated ? "true" : "false") + "}"
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .location: "/v1/jobs/\(submission.job.id)"],
                            body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        r.on(.post, "/v1/print/batch") { request, context in
            let caller = try context.operatorOrOwner("batch printing (송장출력)")
            let b = try await self.decode(BatchBody.self, request)
            let key = try self.idempotencyKey(request, caller)
            let selection = PrintSelection(carrier: b.carrier, tag: b.tag, island: b.island, from: b.from, to: b.to,
                                           includePrinted: b.includePrinted ?? false, limit: b.limit.map { max(1, min($0, 100_000)) })
            if b.dryRun == true {
                let outline = try await self.blocking { try desk.planBatch(selection, printer: b.printer, fallbackDirectory: config.filePrinterDirectory) }
                return try self.json(BatchOutlineAnswer(plans: outline.plans.map { BatchPlanAnswer(template: $0.template, printer: $0.printer, shipments: $0.shipments) },
                                                        refused: outline.refused))
            }
            let result = try await self.blocking {
                try desk.printBatch(selection, printer: b.printer, actor: caller.actor, fallbackDirectory: config.filePrinterDirectory,
                                    idempotencyKey: key)
            }
            for s in result.submissions where !s.repeated { self.metrics.record(s.job) }
            return try self.json(BatchAnswer(jobs: result.submissions.map { JobAnswer(job: $0.job, repeated: $0.repeated) }, refused: result.refused), .created)
        }
        r.on(.post, "/v1/print/barcodes") { request, context in
            let caller = try context.operatorOrOwner("product labels")
            let b = try await self.decode(BarcodesBody.self, request)
            let key = try self.idempotencyKey(request, caller)
            let s = try await self.blocking {
                try desk.printBarcodes(sku: b.sku, copies: b.copies, printer: b.printer, template: b.template, idempotencyKey: key,
                                       actor: caller.actor, fallbackDirectory: config.filePrinterDirectory)
            }
            return try self.json(JobAnswer(job: s.job, repeated: s.repeated), s.repeated ? .ok : .created)
        }

        // MARK: Jobs
        r.on(.get, "/v1/jobs") { request, context in
            let caller = try context.caller()
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }.map { max(1, min($0, 1000)) } ?? 50
            var states: [PrintJobState] = []
            if let s = request.uri.queryParameters.get("state") {
                guard let state = PrintJobState(rawValue: s) else {
                    throw Problem(.badRequest, code: "request.parameter", "state is one of \(PrintJobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                states = [state]
            }
            let printer = request.uri.queryParameters.get("printer").map { String($0) }
            if let printer { try self.checkPrinter(caller, printer) }
            let wanted = states
            let jobs = try await self.blocking { try desk.store.jobs(limit: caller.role == .station ? 1000 : limit, states: wanted, printer: printer) }
            return try self.json(Array(jobs.filter { caller.mayUse(printer: $0.printer) }.prefix(limit)))
        }
        r.on(.get, "/v1/jobs/:id") { _, context in
            let caller = try context.caller()
            let id = try self.int(context, "id")
            let job = try await self.blocking { () -> PrintJob in
                let job = try desk.store.job(id)
                // Who may see it first: following a sent job asks its print server and writes.
                try self.checkPrinter(caller, job.printer)
                return job.state == .sent ? try desk.spooler.process(id) : job
            }
            return try self.json(job)
        }
        r.on(.post, "/v1/jobs/:id/cancel") { _, context in
            let caller = try context.caller()
            let id = try self.int(context, "id")
            let job = try await self.blocking { () -> PrintJob in
                try self.checkPrinter(caller, try desk.store.job(id).printer)
                return try desk.cancel(jobId: id, actor: caller.actor)
            }
            return try self.json(job)
        }
        r.on(.post, "/v1/jobs/:id/confirm") { request, context in
            let caller = try context.caller()
            let id = try self.int(context, "id")
            let b = try await self.decode(ConfirmBody.self, request)
            let job = try await self.blocking { () -> PrintJob in
                try self.checkPrinter(caller, try desk.store.job(id).printer)
                return try desk.confirm(jobId: id, printed: b.printed, actor: caller.actor)
            }
            return try self.json(job)
        }
        r.on(.post, "/v1/jobs/:id/reprint") { request, context in
            let caller = try context.caller()
            let id = try self.int(context, "id")
            let b = try await self.decode(ReprintBody.self, request)
            let job = try await self.blocking { () -> PrintJob in
                try self.checkPrinter(caller, try desk.store.job(id).printer)
                if let p = b.printer { try self.checkPrinter(caller, p) }
                return try desk.reprint(jobId: id, reason: b.reason, printer: b.printer, actor: caller.actor)
            }
            return try self.json(job, .created)
        }

        // MARK: Printers
        r.on(.get, "/v1/printers") { _, context in
            let caller = try context.caller()
            let answers = try await self.blocking {
                try desk.store.profiles().filter { caller.mayUse(printer: $0.name) }.map { p in
                    PrinterAnswer(profile: p, status: p.currentStatus())
                }
            }
            return try self.json(answers)
        }
        r.on(.put, "/v1/printers/:name") { request, context in
            _ = try context.operatorOrOwner("printer profiles")
            var decoded = try await self.decode(PrinterProfile.self, request)
            decoded.name = context.parameters.get("name") ?? decoded.name
            if decoded.transport.hasPrefix("file:") { decoded.transport = "file:" + (try self.confinedFilePrinter(String(decoded.transport.dropFirst(5)))) }
            let profile = decoded
            try await self.blocking { try desk.store.save(profile) }
            return try self.json(profile)
        }
        r.on(.delete, "/v1/printers/:name") { _, context in
            _ = try context.operatorOrOwner("printer profiles")
            let name = context.parameters.get("name") ?? ""
            try await self.blocking { try desk.store.removeProfile(name) }
            return try self.json(Message(message: "printer \(name) removed"))
        }

        // MARK: Templates and preview
        r.on(.get, "/v1/templates") { _, context in
            _ = try context.operatorOrOwner("templates")
            return try self.json(try await self.blocking { try self.templateList() })
        }
        r.on(.get, "/v1/templates/:folder/:name") { _, context in
            _ = try context.operatorOrOwner("templates")
            let name = try self.templateName(context)
            let answer = try await self.blocking { () -> TemplateAnswer in
                let source = try desk.templateSource(name)
                let sampleFile = config.rendering.templatesDirectory + "/samples/" + (name.split(separator: "/").last.map { String($0) } ?? name) + ".json"
                let sample = FileManager.default.contents(atPath: sampleFile).flatMap { try? DataValue.records(from: $0).first }
                return TemplateAnswer(name: name, source: source, sample: sample, revisions: try desk.store.revisions(name: name).map(\.revision))
            }
            return try self.json(answer)
        }
        r.on(.put, "/v1/templates/:folder/:name") { request, context in
            let caller = try context.operatorOrOwner("templates")
            let name = try self.templateName(context)
            let b = try await self.decode(TemplateBody.self, request)
            let revision = try await self.blocking { try self.saveTemplate(name: name, source: b.source, actor: caller.actor) }
            return try self.json(["name": name, "revision": String(revision)], .created)
        }
        r.on(.post, "/v1/preview") { request, context in
            _ = try context.operatorOrOwner("preview")
            let b = try await self.decode(PreviewBody.self, request)
            let preview = try await self.blocking { try self.preview(b) }
            return self.bytes(preview.bytes, type: preview.contentType, headers: [
                HTTPField.Name("X-Labeld-Warnings")!: String(preview.warnings.count),
                HTTPField.Name("X-Labeld-Warning-List")!: preview.warningListHeader,
            ])
        }

        // MARK: Orders, products, stock
        r.on(.post, "/v1/orders") { request, context in
            let caller = try context.operatorOrOwner("order import")
            let data = try await self.body(request, limit: config.maxUploadBytes)
            let channel = request.uri.queryParameters.get("channel").map { String($0) }
            let type = request.headers[.contentType] ?? "application/json"
            let report = try await self.blocking { () -> ImportReport in
                if type.hasPrefix("text/csv") {
                    guard let channel else { throw Problem(.badRequest, code: "request.parameter", "a CSV upload needs ?channel=NAME") }
                    let (orders, report) = try FulfillmentStore.ordersFromCSV(data, source: "upload.csv", channel: channel)
                    return try desk.fulfillment.collect(orders, channel: channel, actor: caller.actor, report: report)
                }
                let orders: [OrderInput]
                do { orders = try JSONDecoder().decode([OrderInput].self, from: data) } catch let e as DecodingError {
                    throw Problem(.badRequest, code: "request.json", "expected an array of orders: \(Problem.describe(e))")
                }
                return try desk.fulfillment.collect(orders, channel: channel, actor: caller.actor)
            }
            return try self.json(report, .created)
        }
        r.on(.get, "/v1/orders") { request, context in
            _ = try context.operatorOrOwner("orders")
            let q = request.uri.queryParameters
            let limit = q.get("limit").flatMap { Int($0) }.map { max(1, min($0, 10_000)) } ?? 500
            let orders = try await self.blocking {
                try desk.fulfillment.orders(delayedOnly: q.get("delayed") == "true", islandOnly: q.get("island") == "true",
                                           unmatchedOnly: q.get("unmatched") == "true", limit: limit)
            }
            return try self.json(orders)
        }
        r.on(.get, "/v1/orders/:id") { _, context in
            _ = try context.operatorOrOwner("orders")
            let id = try self.int(context, "id")
            return try self.json(try await self.blocking { try desk.orderView(id) })
        }
        r.on(.post, "/v1/orders/allocate") { _, context in
            let caller = try context.operatorOrOwner("allocation")
            return try self.json(try await self.blocking { try desk.fulfillment.allocate(actor: caller.actor) })
        }
        for action in ["hold", "release", "cancel"] {
            r.on(.post, "/v1/orders/:id/\(action)") { _, context in
                let caller = try context.operatorOrOwner("orders")
                let id = try self.int(context, "id")
                let message = try await self.blocking { () -> String in
                    switch action {
                    case "hold": try desk.fulfillment.hold(orderId: id, actor: caller.actor); return "order \(id): on hold"
                    case "release": try desk.fulfillment.release(orderId: id, actor: caller.actor); return "order \(id): released"
                    default: return try desk.fulfillment.cancel(orderId: id, actor: caller.actor)
                    }
                }
                return try self.json(Message(message: message))
            }
        }
        r.on(.post, "/v1/orders/:id/exchange") { request, context in
            let caller = try context.operatorOrOwner("exchanges")
            let id = try self.int(context, "id")
            let q = try self.quantities(try await self.decode(QuantitiesBody.self, request).quantities)
            let r = try await self.blocking { try desk.fulfillment.exchange(orderId: id, quantities: q, actor: caller.actor) }
            return try self.json(["replacementOrder": r.replacement, "pickup": r.pickup ?? 0], .created)
        }
        r.on(.post, "/v1/orders/:id/return") { request, context in
            let caller = try context.operatorOrOwner("returns")
            let id = try self.int(context, "id")
            let q = try self.quantities(try await self.decode(QuantitiesBody.self, request).quantities)
            let pickup = try await self.blocking { try desk.fulfillment.requestReturn(orderId: id, quantities: q, actor: caller.actor) }
            return try self.json(["pickup": pickup], .created)
        }
        r.on(.post, "/v1/pickups/:id/complete") { request, context in
            let caller = try context.operatorOrOwner("pickups")
            let id = try self.int(context, "id")
            let b = try await self.decode(PickupBody.self, request)
            try await self.blocking { try desk.fulfillment.completePickup(id, defective: b.defective ?? false, actor: caller.actor) }
            return try self.json(Message(message: "pickup \(id) completed"))
        }
        r.on(.get, "/v1/products") { request, context in
            _ = try context.operatorOrOwner("products")
            let tag = request.uri.queryParameters.get("tag").map { String($0) }
            return try self.json(try await self.blocking { try desk.fulfillment.optionStocks(tag: tag) })
        }
        r.on(.post, "/v1/products") { request, context in
            let caller = try context.operatorOrOwner("products")
            let data = try await self.body(request, limit: config.maxUploadBytes)
            let products: [ProductInput]
            do { products = try JSONDecoder().decode([ProductInput].self, from: data) } catch let e as DecodingError {
                throw Problem(.badRequest, code: "request.json", "expected an array of products: \(Problem.describe(e))")
            }
            return try self.json(try await self.blocking { try desk.fulfillment.syncProducts(products, actor: caller.actor) }, .created)
        }
        r.on(.post, "/v1/stock/receive") { request, context in
            let caller = try context.operatorOrOwner("stock")
            let b = try await self.decode(StockBody.self, request)
            let onHand = try await self.blocking { try desk.fulfillment.receive(sku: b.sku, quantity: b.quantity, actor: caller.actor, note: b.note) }
            return try self.json(["sku": b.sku, "onHand": String(onHand)])
        }
        r.on(.post, "/v1/stock/adjust") { request, context in
            let caller = try context.operatorOrOwner("stock")
            let b = try await self.decode(StockBody.self, request)
            let onHand = try await self.blocking { try desk.fulfillment.adjust(sku: b.sku, by: b.quantity, actor: caller.actor, note: b.note) }
            return try self.json(["sku": b.sku, "onHand": String(onHand)])
        }
        r.on(.get, "/v1/market-stock") { _, context in
            _ = try context.operatorOrOwner("market stock")
            return try self.json(try await self.blocking { try desk.fulfillment.marketStock() })
        }

        // MARK: Shipments
        r.on(.get, "/v1/shipments") { _, context in
            _ = try context.operatorOrOwner("shipments")
            return try self.json(try await self.blocking { try desk.fulfillment.shipments() })
        }
        r.on(.post, "/v1/shipments") { _, context in
            let caller = try context.operatorOrOwner("shipments")
            let made = try await self.blocking { try desk.fulfillment.createShipments(actor: caller.actor) }
            return try self.json(ShipmentsCreatedAnswer(count: made.created, heldBack: made.heldBack, refused: made.refused), .created)
        }
        r.on(.get, "/v1/shipments/:id") { _, context in
            _ = try context.operatorOrOwner("shipments")
            let id = try self.int(context, "id")
            return try self.json(try await self.blocking { try desk.fulfillment.shipmentDetail(id) })
        }
        r.on(.post, "/v1/shipments/combine") { request, context in
            let caller = try context.operatorOrOwner("합포")
            let b = try await self.decode(OrderIdsBody.self, request)
            return try self.json(["shipment": try await self.blocking { try desk.fulfillment.combine(orderIds: b.orderIds, actor: caller.actor) }], .created)
        }
        r.on(.post, "/v1/shipments/split") { request, context in
            let caller = try context.operatorOrOwner("주문나누기")
            let b = try await self.decode(SplitBody.self, request)
            let q = try self.quantities(b.quantities)
            return try self.json(["order": try await self.blocking { try desk.fulfillment.split(orderId: b.orderId, quantities: q, actor: caller.actor) }], .created)
        }
        r.on(.post, "/v1/shipments/:id/ship") { _, context in
            let caller = try context.operatorOrOwner("배송처리")
            let id = try self.int(context, "id")
            try await self.blocking { try desk.fulfillment.ship(shipmentId: id, actor: caller.actor) }
            return try self.json(Message(message: "shipment \(id) shipped"))
        }

        // MARK: Settings, reset, tokens
        r.on(.get, "/v1/settings") { _, context in
            _ = try context.operatorOrOwner("settings")
            let settings = try await self.blocking { try desk.fulfillment.settings() }
            var out: [String: String] = [:]
            for key in Settings.keys { out[key] = try settings.value(of: key) }
            return try self.json(out)
        }
        r.on(.put, "/v1/settings/:key") { request, context in
            let caller = try context.operatorOrOwner("settings")
            let key = context.parameters.get("key") ?? ""
            let b = try await self.decode(SettingBody.self, request)
            let change = try await self.blocking { try desk.fulfillment.updateSetting(key, to: b.value, actor: caller.actor) }
            return try self.json(["key": key, "old": change.old, "new": change.new])
        }
        r.on(.post, "/v1/reset") { request, context in
            let caller = try context.owner("초기화 (reset)")
            let b = try await self.decode(ResetBody.self, request)
            let backup = try await self.blocking {
                try desk.reset(role: caller.role, actor: caller.actor, confirmation: b.confirmation, backupDirectory: config.backupDirectory)
            }
            return try self.json(["backup": backup])
        }
        r.on(.post, "/v1/tokens") { request, context in
            let caller = try context.owner("making tokens")
            let b = try await self.decode(TokenBody.self, request)
            let tokens = self.tokens
            let token = try await self.blocking { try tokens.create(name: b.name, role: b.role, printers: b.printers ?? [], actor: caller.actor) }
            return try self.json(["token": token, "name": b.name, "role": b.role.rawValue], .created)
        }
    }

    func templateName(_ context: AppContext) throws -> String {
        let folder = context.parameters.get("folder") ?? "", name = context.parameters.get("name") ?? ""
        for part in [folder, name] where part.isEmpty || part.count > 64 || part.hasPrefix(".") || !part.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
            throw Problem(.badRequest, code: "request.template_name", "template names are FOLDER/NAME of letters, digits, '-', '_', '.' (such as waybills/cj)")
        }
        return folder + "/" + (name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name)
    }
}
