import Foundation
import Fulfillment
import Storage
import LabelModel
import Printing
import LabelTesting
import PrintSpool
import Rendering
import Testing

/// A seller's waybills are never lost on the way: a job that does not print gives its shipments
/// back, one bad shipment does not stop the others, orders that cannot ship get no waybill.
@Suite("No lost label: failed jobs, refused shipments, orders that cannot ship", .serialized)
struct NoLostLabelTests {
    /// The shipped templates plus `waybills/broken`, which binds a field no waybill record has.
    func templatesWithBroken() throws -> String {
        let dir = temporaryDirectory("templates")
        for entry in try FileManager.default.contentsOfDirectory(atPath: Project.templates) {
            try FileManager.default.copyItem(atPath: Project.templates + "/" + entry, toPath: dir + "/" + entry)
        }
        let good = try String(contentsOfFile: Project.templates + "/waybills/generic-4x6.yaml", encoding: .utf8)
        try good.replacingOccurrences(of: "{{receiver.address}}", with: "{{receiver.nickname}}")
            .write(toFile: dir + "/waybills/broken.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    /// `orders` seeded shipments, an office file printer, and the generic carrier's waybills set to `waybills/broken`.
    func deskPrintingBroken(orders: Int) throws -> (PrintDesk, [String: Int64], String) {
        let desk = try makeDesk(templates: try templatesWithBroken())
        let ids = try seed(desk, manyOrders(orders))
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .pdf)
        try desk.fulfillment.updateSetting("waybillFormats", to: #"{"generic":{"template":"waybills/broken"}}"#, actor: "owner:test")
        return (desk, ids, dir)
    }

    func status(_ desk: PrintDesk, _ shipment: Int64) throws -> String { try desk.fulfillment.shipmentDetail(shipment).status }

    @Test("a job that fails to render gives its shipments back to the print queue and says so; the fixed template prints them")
    func failedRenderGivesShipmentsBack() throws {
        let (desk, ids, dir) = try deskPrintingBroken(orders: 2)

        let failed = try desk.printBatch(PrintSelection(), printer: "office", actor: "operator:kim", fallbackDirectory: dir)
        #expect(failed.refused.isEmpty)
        let job = try #require(failed.submissions.first).job
        #expect(job.state == .failed)
        #expect(job.reason?.hasSuffix("; 2 waybill(s) back in the print queue") == true, "\(job.reason ?? "")")
        #expect(try status(desk, ids["20261128000001"]!) == "open")
        #expect(try status(desk, ids["20261128000002"]!) == "open")
        #expect(try desk.fulfillment.auditLog().contains { $0.action == "shipments.unprint" && $0.newValue == "open (job \(job.id) failed)" })

        // The seller fixes the template: the same batch prints both, once.
        try desk.fulfillment.updateSetting("waybillFormats", to: #"{"generic":{"template":"waybills/generic-4x6"}}"#, actor: "owner:test")
        let again = try desk.printBatch(PrintSelection(), printer: "office", actor: "operator:kim", fallbackDirectory: dir)
        #expect(again.submissions.count == 1 && again.submissions[0].job.state == .completed && again.submissions[0].job.labelCount == 2)
        #expect(try status(desk, ids["20261128000001"]!) == "printed")
        #expect(try desk.printBatch(PrintSelection(), printer: "office", actor: "operator:kim", fallbackDirectory: dir).submissions.isEmpty)
    }

    @Test("a scan whose label fails gives its shipment back; a scan of it prints again once the template is fixed")
    func failedScan() throws {
        let (desk, ids, dir) = try deskPrintingBroken(orders: 1)
        let s = try desk.printScan("500000000001", printer: "office", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(s.job.state == .failed)
        #expect(try status(desk, ids["20261128000001"]!) == "open")
        try desk.fulfillment.updateSetting("waybillFormats", to: "{}", actor: "owner:test")
        let again = try desk.printScan("500000000001", printer: "office", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(!again.repeated && again.job.id != s.job.id && again.job.state == .completed)
    }

    @Test("a batch prints every valid shipment and refuses the one without a waybill number, with its reason")
    func batchRefusesOnlyTheBadOne() throws {
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(3))
        var input = OrderInput(channel: "smartstore", orderNo: "NOWAYBILL",
                               receiver: .init(name: "무송장", phone: "01012345678", postalCode: "03000", address: "서울특별시 종로구 종로 2"),
                               lines: [.init(productName: "상품", quantity: 1)])
        input.carrier = "generic"
        _ = try desk.fulfillment.collect([input], actor: "test")
        let made = try desk.fulfillment.createShipments(actor: "test")
        #expect(made.created == 1 && made.refused.isEmpty)
        let bad = try #require(try desk.fulfillment.shipments().first { $0.orderNumbers == ["NOWAYBILL"] }).id
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .pdf)

        let plan = try desk.planBatch(PrintSelection(), printer: "office", fallbackDirectory: dir)
        #expect(plan.plans.map(\.shipments.count) == [3])
        #expect(plan.refused == [PrintDesk.Refusal(shipmentId: bad, orderNumbers: ["NOWAYBILL"],
                                                   reason: "no waybill number yet (labeld shipments assign \(bad) CARRIER, or import the orders with one)")])
        // A Lotte number that breaks the mod-7 rule (stored before imports checked it) is refused alone.
        try desk.fulfillment.writer.write { db in
            try db.execute(sql: "UPDATE shipment SET carrier = 'lotte', waybillNo = '312345678905' WHERE id = ?", arguments: [ids["20261128000003"]!])
        }
        let lotte = try #require(try desk.planBatch(PrintSelection(), printer: "office", fallbackDirectory: dir).refused.first { $0.shipmentId == ids["20261128000003"]! })
        #expect(lotte.reason.hasPrefix("롯데택배 waybill number '312345678905': check digit 5 breaks rule mod7-11"), "\(lotte.reason)")
        try desk.fulfillment.writer.write { db in
            try db.execute(sql: "UPDATE shipment SET carrier = 'generic', waybillNo = '500000000003' WHERE id = ?", arguments: [ids["20261128000003"]!])
        }
        let result = try desk.printBatch(PrintSelection(), printer: "office", actor: "operator:kim", fallbackDirectory: dir)
        #expect(result.submissions.count == 1 && result.submissions[0].job.state == .completed && result.submissions[0].job.labelCount == 3)
        #expect(result.refused == plan.refused)
        #expect(try status(desk, bad) == "open")
        #expect(try status(desk, ids["20261128000002"]!) == "printed")
    }

    @Test("shipments create makes every valid shipment and refuses the order whose waybill number another shipment has")
    func duplicateWaybillRefusesOneOrder() throws {
        let desk = try makeDesk()
        try seed(desk, manyOrders(2))
        var twin = OrderInput(channel: "smartstore", orderNo: "TWIN",
                              receiver: .init(name: "쌍둥이", phone: "01012345678", postalCode: "03000", address: "서울특별시 종로구 종로 3"),
                              lines: [.init(productName: "상품", quantity: 1)])
        twin.carrier = "generic"
        twin.waybillNo = "500000000001"
        var fine = twin
        fine.orderNo = "FINE"
        fine.waybillNo = "500000000099"
        _ = try desk.fulfillment.collect([twin, fine], actor: "test")
        let made = try desk.fulfillment.createShipments(actor: "test")
        #expect(made.created == 1)
        #expect(made.refused == [.init(orderNo: "TWIN", reason: "order TWIN: waybill number 500000000001 is already used by another shipment")])
        #expect(try desk.fulfillment.shipments().contains { $0.orderNumbers == ["FINE"] && $0.waybillNo == "500000000099" })
    }

    @Test("orders that cannot ship are held back from shipments, batches and scans; with the marker setting they print marked")
    func unallocatedOrders() throws {
        let desk = try makeDesk()
        try desk.fulfillment.updateSetting("allocationBasis", to: "currentStock", actor: "owner:test")
        try desk.fulfillment.updateSetting("unallocatedWaybills", to: "hold", actor: "owner:test")
        _ = try desk.fulfillment.syncProducts([ProductInput(code: "P-SOCK", name: "양말", sku: "SOCK")], actor: "test")
        func order(_ no: String, _ product: String, waybill: String) -> OrderInput {
            var o = OrderInput(channel: "smartstore", orderNo: no,
                               receiver: .init(name: "수령인 \(no)", phone: "01012345678", postalCode: "03000", address: "서울특별시 종로구 종로 \(no)"),
                               lines: [.init(productName: product, quantity: 2)])
            o.carrier = "generic"
            o.waybillNo = waybill
            return o
        }
        _ = try desk.fulfillment.collect([order("A1", "양말", waybill: "500000000011"), order("A2", "양말", waybill: "500000000012"),
                                          order("U1", "없는 상품", waybill: "500000000013")], actor: "test")
        _ = try desk.fulfillment.receive(sku: "SOCK", quantity: 3, actor: "test")
        _ = try desk.fulfillment.allocate(actor: "test")   // A1 gets 2 of 3; A2 is short

        let made = try desk.fulfillment.createShipments(actor: "test")
        #expect(made.created == 1 && made.refused.isEmpty)
        #expect(made.heldBack == [
            .init(orderNo: "A2", reason: "order A2: '양말' is not allocated (0 of 2): receive stock and allocate, or split the order"),
            .init(orderNo: "U1", reason: "order U1: '없는 상품' matches no product option (add it to the catalog, then import or match again)"),
        ])
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .pdf)
        // A station scanning the short order's number is told why, and nothing prints.
        #expect(throws: FulfillmentError.self) { try desk.printScan("A2", printer: "office", actor: "station:pack-1", fallbackDirectory: dir) }
        do {
            _ = try desk.printScan("A2", printer: "office", actor: "station:pack-1", fallbackDirectory: dir)
        } catch let error as FulfillmentError {
            #expect(error.code == .notPrintable)
            #expect(error.message.hasSuffix("cannot print: order A2: '양말' is not allocated (0 of 2): receive stock and allocate, or split the order"))
        }
        #expect(try desk.store.jobs().isEmpty)
        // The batch's dry run lists the one the scan made, and prints only A1.
        let plan = try desk.planBatch(PrintSelection(), printer: "office", fallbackDirectory: dir)
        #expect(plan.plans.flatMap(\.shipments).map(\.orderNumbers) == [["A1"]])
        #expect(plan.refused.map(\.orderNumbers) == [["A2"]])

        // Stock arrives: A2 allocates and prints.
        _ = try desk.fulfillment.receive(sku: "SOCK", quantity: 5, actor: "test")
        _ = try desk.fulfillment.allocate(actor: "test")
        let after = try desk.printBatch(PrintSelection(), printer: "office", actor: "operator:kim", fallbackDirectory: dir)
        #expect(after.submissions.map(\.job.labelCount) == [2] && after.refused.isEmpty)

        // With the marker setting the unmatched order gets its waybill, marked.
        try desk.fulfillment.updateSetting("unallocatedWaybills", to: "mark", actor: "owner:test")
        #expect(try desk.fulfillment.createShipments(actor: "test").created == 1)
        let marked = try desk.printBatch(PrintSelection(), printer: "office", actor: "operator:kim", fallbackDirectory: dir)
        let markedJob = try #require(marked.submissions.first).job
        let label = try #require(try desk.store.labels(jobId: markedJob.id).first)
        #expect(label.data["unallocated"] == .bool(true))
    }

    @Test("product labels: a second receipt of the same SKU prints again (only the caller's key repeats); no GTIN is fine for Code 128; price and location reach the label")
    func productLabels() throws {
        let desk = try makeDesk()
        var sock = ProductInput(code: "P-SOCK", name: "수면 양말", sku: "SOCK-GR", option: "색상:그레이")
        sock.price = 12900
        sock.location = "A-03-2"
        _ = try desk.fulfillment.syncProducts([sock], actor: "test")
        let dir = temporaryDirectory("files")
        try desk.addPrinter("labels", "file:\(dir)", .pdf)
        try desk.addPrinter("other", "file:\(dir)/other", .pdf)
        let first = try desk.printBarcodes(sku: "SOCK-GR", copies: 2, printer: "labels", template: "barcodes/product-40x20", actor: "operator:kim", fallbackDirectory: dir)
        let second = try desk.printBarcodes(sku: "SOCK-GR", copies: 2, printer: "labels", template: "barcodes/product-40x20", actor: "operator:kim", fallbackDirectory: dir)
        let elsewhere = try desk.printBarcodes(sku: "SOCK-GR", copies: 1, printer: "other", template: "barcodes/product-40x20", actor: "operator:kim", fallbackDirectory: dir)
        #expect(!second.repeated && second.job.id != first.job.id && second.job.state == .completed)
        #expect(!elsewhere.repeated && elsewhere.job.printer == "other")
        let keyed = try desk.printBarcodes(sku: "SOCK-GR", copies: 1, printer: "labels", template: "barcodes/product-40x20", idempotencyKey: "receipt-7",
                                           actor: "operator:kim", fallbackDirectory: dir)
        let again = try desk.printBarcodes(sku: "SOCK-GR", copies: 1, printer: "labels", template: "barcodes/product-40x20", idempotencyKey: "receipt-7",
                                           actor: "operator:kim", fallbackDirectory: dir)
        #expect(again.repeated && again.job.id == keyed.job.id)
        let label = try #require(try desk.store.labels(jobId: first.job.id).first).data
        #expect(label["price"] == .number(12900) && label["location"] == .string("A-03-2") && label["gtin"] == nil)
        let text = try runTool("/usr/bin/pdftotext", ["\(dir)/job-\(first.job.id).pdf", "-"]).stdout
        #expect(text.contains("12,900원") && text.contains("SOCK-GR"), "\(text)")
        // An EAN-13 template needs the GTIN the catalog lacks: refused at once, nothing queued.
        let jobs = try desk.store.jobs().count
        do {
            _ = try desk.printBarcodes(sku: "SOCK-GR", copies: 1, printer: "labels", template: nil, actor: "operator:kim", fallbackDirectory: dir)
            Issue.record("an EAN-13 label printed without a GTIN")
        } catch let error as FulfillmentError {
            #expect(error.message.hasPrefix("SKU 'SOCK-GR' cannot print on barcodes/product-50x30: ") && error.message.contains("gtin"), "\(error)")
            #expect(error.message.hasSuffix(" (the catalog has no barcode (GTIN) for it: choose a Code 128 SKU template, or add the GTIN)"))
        }
        #expect(try desk.store.jobs().count == jobs)
    }

    @Test("an Idempotency-Key is the caller's: the same key with another request is refused, another station's same key prints its own")
    func scopedKeys() throws {
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(2))
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .pdf)
        let one = try desk.printShipment(ids["20261128000001"]!, printer: "office", idempotencyKey: "http:station:pack-1:K1", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(try desk.printShipment(ids["20261128000001"]!, printer: "office", idempotencyKey: "http:station:pack-1:K1", actor: "station:pack-1",
                                       fallbackDirectory: dir).job.id == one.job.id)
        #expect(throws: PrintError(code: .keyReused, message: "this Idempotency-Key was used for another request (job \(one.job.id)): use a new key for a new request")) {
            try desk.printShipment(ids["20261128000002"]!, printer: "office", idempotencyKey: "http:station:pack-1:K1", actor: "station:pack-1", fallbackDirectory: dir)
        }
        let other = try desk.printShipment(ids["20261128000002"]!, printer: "office", idempotencyKey: "http:station:pack-2:K1", actor: "station:pack-2", fallbackDirectory: dir)
        #expect(!other.repeated && other.job.id != one.job.id && other.job.sources == ["shipment:\(ids["20261128000002"]!)"])
    }
}
