import Foundation
@testable import Fulfillment
import Storage
import LabelTesting
import PropertyBased
import Testing

/// Invariants under random interleavings and under two writers at once.
@Suite("Core invariants")
struct InvariantTests {
    static func check(_ s: FulfillmentStore, basis: Settings.AllocationBasis, lines: Int) throws {
        #expect(try s.ledgerMismatches().isEmpty, "on hand = ledger sum")
        let (negative, overAllocated, lineCount, shippedUnallocated, dupWaybills) = try s.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stockLevel WHERE onHand < 0")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stockLevel WHERE allocated > onHand OR allocated < 0")!,
             try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(quantity), 0) FROM orderLine")!,
             try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM orderLine l JOIN salesOrder o ON o.id = l.orderId WHERE o.status = 'shipped'
                AND NOT EXISTS (SELECT 1 FROM stockMovement m WHERE m.orderLineId = l.id AND m.quantity = -l.quantity)
                """)!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) - COUNT(DISTINCT waybillNo) FROM shipment WHERE waybillNo IS NOT NULL")!)
        }
        if basis == .currentStock {
            #expect(negative == 0, "on hand never negative")
            #expect(overAllocated == 0, "allocated ≤ on hand")
        }
        #expect(lineCount == lines, "no order line disappears (units conserved by splits)")
        #expect(shippedUnallocated == 0, "every shipped unit left through the ledger")
        #expect(dupWaybills == 0, "a waybill number is never used twice")
    }

    @Test("random receive, import, allocate, cancel, split, combine, ship, return keep the invariants")
    func interleavings() async throws {
        await propertyCheck(count: 30, input: Gen.int(in: 0...8).array(of: 10...40), Gen.int(in: 0...1000).array(of: 40...40)) { ops, seeds in
            let s = try! catalogStore()
            try! s.addWaybillRange(carrier: "cj", start: 100_000_000_000, end: 100_000_000_500, digits: 12, checkRule: "off", actor: "p")
            let skus = ["SHOE-275", "JAM-500", "LAMP-SV"]
            let products: [(String, String?)] = [("남성 데일리 러닝화", "사이즈:275"), ("수제 딸기잼 500g", nil), ("LED 스탠드 조명", "색상:실버")]
            var units = 0
            for (i, op) in ops.enumerated() {
                let r = seeds[i % seeds.count]
                let orderIds = try! s.writer.read { try Int64.fetchAll($0, sql: "SELECT id FROM salesOrder ORDER BY id") }
                func someOrder() -> Int64? { orderIds.isEmpty ? nil : orderIds[r % orderIds.count] }
                switch op {
                case 0: try! s.receive(sku: skus[r % 3], quantity: 1 + r % 4, actor: "p")
                case 1:
                    let q = 1 + r % 3
                    var home = OrderInput.Receiver(name: "가\(r % 2)", phone: "010", postalCode: "06190", address: "서울")
                    home.phone = "010-\(r % 2)"
                    _ = try! s.collect([OrderInput(orderNo: "P\(i)", receiver: home, lines: [.init(productName: products[r % 3].0, option: products[r % 3].1, quantity: q)])],
                                       channel: "p", actor: "p")
                    units += q
                case 2: try! s.allocate(actor: "p")
                case 3: if let o = someOrder() { try? s.cancel(orderId: o, actor: "p") }
                case 4:
                    if let o = someOrder(), let line = try! s.writer.read({ try SQLRow.fetchOne($0, sql: "SELECT id, quantity FROM orderLine WHERE orderId = ?", arguments: [o]) }),
                       (line["quantity"] as Int) > 1 {
                        _ = try? s.split(orderId: o, quantities: [line["id"] as Int64: 1], actor: "p")
                    }
                case 5: if orderIds.count >= 2 { _ = try? s.combine(orderIds: [orderIds[r % orderIds.count], orderIds[(r + 1) % orderIds.count]], actor: "p") }
                case 6:
                    if let o = someOrder(), let shipment = try? s.shipment(forOrder: o) {
                        _ = try? s.assignWaybill(shipmentId: shipment, carrier: "cj", actor: "p")
                        try? s.ship(shipmentId: shipment, actor: "p")
                    }
                case 7:
                    if let o = someOrder(), let line = try! s.writer.read({ try Int64.fetchOne($0, sql: "SELECT id FROM orderLine WHERE orderId = ?", arguments: [o]) }) {
                        if let p = try? s.requestReturn(orderId: o, quantities: [line: 1], actor: "p") { try? s.completePickup(p, defective: r % 2 == 0, actor: "p") }
                    }
                default: if let o = someOrder() { try? s.hold(orderId: o, actor: "p") }
                }
            }
            try! Self.check(s, basis: .currentStock, lines: units)
        }
    }

    @Test("two writers on one database (two pools on one WAL file; two nodes on PostgreSQL), allocating and shipping at once, keep the invariants")
    func concurrentWriters() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = TestDatabase.location(sqlitePath: dir + "/shared.sqlite")!
        let setup = try FulfillmentStore.open(path: path)
        _ = try setup.syncProducts((0..<20).map { ProductInput(code: "P\($0)", name: "상품 \($0)", sku: "S\($0)") }, actor: "setup")
        for i in 0..<20 { try setup.receive(sku: "S\(i)", quantity: 5, actor: "setup") }
        var units = 0
        var orders: [OrderInput] = []
        for i in 0..<300 {
            orders.append(seoulOrder("W\(i)", [.init(productName: "상품 \(i % 20)", quantity: 1 + i % 2)]))
            units += 1 + i % 2
        }
        _ = try setup.collect(orders, channel: "w", actor: "setup")
        // Two independent connections (two pools on the same file), each allocating and shipping.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<2 {
                group.addTask {
                    let store = try FulfillmentStore.open(path: path)
                    for round in 0..<10 {
                        try store.allocate(actor: "w\(worker)")
                        let ids = try await store.writer.read { try Int64.fetchAll($0, sql: "SELECT id FROM salesOrder WHERE allocationState = 'full' AND status = 'collected' LIMIT 10 OFFSET ?", arguments: [worker * 10]) }
                        for id in ids { try? store.ship(shipmentId: try store.shipment(forOrder: id), actor: "w\(worker)") }
                        if round % 3 == 0 { try store.receive(sku: "S\(round)", quantity: 2, actor: "w\(worker)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        try Self.check(setup, basis: .currentStock, lines: units)
        let shipped = try await setup.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM salesOrder WHERE status = 'shipped'")! }
        #expect(shipped > 0)
    }

    @Test("two nodes importing the same order file at once collect each order once")
    func concurrentImports() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = TestDatabase.location(sqlitePath: dir + "/shared.sqlite")!
        let setup = try FulfillmentStore.open(path: path)
        _ = try setup.syncProducts((0..<5).map { ProductInput(code: "P\($0)", name: "상품 \($0)", sku: "S\($0)") }, actor: "setup")
        let orders = (0..<200).map { i in seoulOrder("F\(i)", [.init(productName: "상품 \(i % 5)", quantity: 1)]) }
        let reports = Collected<ImportReport>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in 0..<2 {
                group.addTask {
                    let store = try FulfillmentStore.open(path: path)
                    // In slices, so the two nodes' transactions interleave.
                    for slice in stride(from: 0, to: orders.count, by: 20) {
                        reports.add(try store.collect(Array(orders[slice..<slice + 20]), channel: "smartstore", actor: "node\(node)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let (count, distinct, lines) = try setup.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM salesOrder")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT channelOrderNo) FROM salesOrder")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orderLine")!)
        }
        #expect(count == 200 && distinct == 200 && lines == 200, "\(count) orders, \(distinct) numbers, \(lines) lines")
        #expect(reports.all.map(\.collectedOrders).reduce(0, +) == 200)
    }

    @Test("two nodes assigning waybill numbers from one range at once never issue a number twice")
    func concurrentWaybills() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = TestDatabase.location(sqlitePath: dir + "/shared.sqlite")!
        let setup = try FulfillmentStore.open(path: path)
        try setup.updateSetting("allocationBasis", to: "unlimited", actor: "setup")
        _ = try setup.syncProducts([ProductInput(code: "P0", name: "상품", sku: "S0")], actor: "setup")
        _ = try setup.collect((0..<120).map { i in
            OrderInput(orderNo: "B\(i)", receiver: .init(name: "수령인\(i)", phone: "010-0000-\(1000 + i)", postalCode: "06190", address: "서울 \(i)"),
                       lines: [.init(productName: "상품", quantity: 1)])
        }, channel: "w", actor: "setup")
        try setup.addWaybillRange(carrier: "cj", start: 500_000_000_000, end: 500_000_000_999, digits: 12, checkRule: "off", actor: "setup")
        let shipments = try setup.writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM salesOrder ORDER BY id") }
            .map { try setup.shipment(forOrder: $0) }
        let issued = Collected<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in 0..<2 {
                group.addTask {
                    let store = try FulfillmentStore.open(path: path)
                    // Both nodes walk all shipments (one from each end): each shipment is numbered once.
                    for id in node == 0 ? shipments : shipments.reversed() {
                        issued.add(try store.assignWaybill(shipmentId: id, carrier: "cj", actor: "node\(node)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let numbers = try setup.writer.read { db in try String.fetchAll(db, sql: "SELECT waybillNo FROM shipment WHERE waybillNo IS NOT NULL") }
        #expect(numbers.count == 120 && Set(numbers).count == 120, "\(numbers.count) shipments numbered, \(Set(numbers).count) distinct")
        // A second call for a numbered shipment answers its number: every answer is one of the 120.
        #expect(Set(issued.all) == Set(numbers))
        let next = try setup.writer.read { db in try Int64.fetchOne(db, sql: "SELECT next FROM waybillRange WHERE carrier = 'cj'") }
        #expect(next == 500_000_000_120, "the range moved on by exactly the numbers issued")
    }
}
