public import Foundation
public import Fulfillment
import Storage
import LabelModel
public import Printing
public import PrintSpool
import Rendering
public import Logging
public import LabeldSupport

// A print desk (the order core and the spool on one database file) for the tests of Printing,
// PrintSpool and the CLI, with orders and printers as the print tests use them.

/// One order of the tables the print tests use.
public struct TestOrder: Sendable {
    public var no: String
    public var orderedAt: String?
    public var receiver: String
    public var postalCode: String
    public var lines: [(product: String, sku: String?, quantity: Int)]
    public var waybill: String
    public var carrier: String = "generic"

    public init(no: String, orderedAt: String?, receiver: String, postalCode: String, lines: [(product: String, sku: String?, quantity: Int)],
                waybill: String, carrier: String = "generic") {
        self.no = no; self.orderedAt = orderedAt; self.receiver = receiver; self.postalCode = postalCode
        self.lines = lines; self.waybill = waybill; self.carrier = carrier
    }
}

/// The order core and the spool on one database (a file in a temp folder, as in production).
public func makeDesk(templates: String = Project.templates, retry: RetryPolicy = RetryPolicy(baseSeconds: 0.05, maximumSeconds: 0.4),
              database: String? = nil, logger: Logger = .disabled) throws -> PrintDesk {
    // A database given by the test is its own; a new one is on this run's backend (`TestDatabase`).
    let path = database ?? TestDatabase.location(sqlitePath: temporaryDirectory("desk") + "/labeld.sqlite")!
    let store = try FulfillmentStore.open(path: path, logger: logger)
    let spool = try SpoolStore(writer: store.writer, retry: retry)
    let rendering = RendererConfiguration(fontsDirectory: Project.fonts, templatesDirectory: templates)
    let desk = PrintDesk(fulfillment: store, spooler: try Spooler(store: spool, rendering: rendering, logger: logger))
    try store.updateSetting("sender", to: #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113, 5층"}"#, actor: "owner:test")
    try store.updateSetting("allocationBasis", to: "unlimited", actor: "owner:test")
    // The print tests' orders have no catalog: their waybills print with the 미할당 marker.
    try store.updateSetting("unallocatedWaybills", to: "mark", actor: "owner:test")
    return desk
}

/// Collects the orders (with products for the SKUs) and makes their shipments; returns shipment
/// ids by order number.
@discardableResult
public func seed(_ desk: PrintDesk, _ orders: [TestOrder]) throws -> [String: Int64] {
    let store = desk.fulfillment
    var products: [String: ProductInput] = [:]
    for o in orders {
        for l in o.lines {
            if let sku = l.sku, products[sku] == nil {
                var p = ProductInput(code: "P-" + sku, name: l.product, sku: sku)
                p.location = "L-" + sku
                p.barcode = "8801234567893"
                products[sku] = p
            }
        }
    }
    if !products.isEmpty { _ = try store.syncProducts(Array(products.values).sorted { $0.sku < $1.sku }, actor: "test") }
    let inputs = orders.map { o -> OrderInput in
        var input = OrderInput(channel: "smartstore", orderNo: o.no,
                               receiver: .init(name: o.receiver, phone: "01012345678", postalCode: o.postalCode, address: "서울특별시 종로구 종로 1"),
                               lines: o.lines.map { OrderInput.Line(productName: $0.product, quantity: $0.quantity) })
        input.orderedAt = o.orderedAt
        input.carrier = o.carrier
        input.waybillNo = o.waybill
        return input
    }
    _ = try store.collect(inputs, actor: "test")
    try store.createShipments(actor: "test")
    var out: [String: Int64] = [:]
    for s in try store.shipments() { for no in s.orderNumbers { out[no] = s.id } }
    return out
}

/// `n` orders to different receivers, ordered one minute apart.
public func manyOrders(_ n: Int, lines: Int = 3) -> [TestOrder] {
    (1...n).map { (i: Int) -> TestOrder in
        let hour = 9 + i / 60 % 12, minute = i % 60
        let orderedAt = String(format: "2026-11-28T%02d:%02d:00+09:00", hour, minute)
        let products: [(product: String, sku: String?, quantity: Int)] = (1...lines).map { (l: Int) in ("상품 \(i)-\(l) 생활용품", nil, 1 + (i + l) % 3) }
        return TestOrder(no: String(format: "20261128%06d", i), orderedAt: orderedAt, receiver: "수령인\(i)",
                         postalCode: String(format: "%05d", 3000 + i % 60000), lines: products, waybill: String(format: "5%011d", i))
    }
}

extension PrintDesk {
    public func addPrinter(_ name: String, _ transport: String, _ language: PrinterProfile.Language = .zpl, hostStatus: Bool = false,
                    calibration: PrinterProfile.Calibration = .init()) throws {
        try store.save(PrinterProfile(name: name, transport: transport, language: language, calibration: calibration, answersHostStatus: hostStatus))
    }
}

/// Waits until `condition` holds (polling), up to `timeout` seconds.
public func eventually(timeout: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
