import Foundation
@testable import Fulfillment
import Storage
import LabelTesting
import PropertyBased
import Testing

/// 재고할당 under each setting.
@Suite("Allocation")
struct AllocationTests {
    /// Stock: SHOE 2, JAM 3, LAMP 0. Orders (collected in this order):
    /// O1 ordered 10:00 paid 12:00 — JAM×2, SHOE×1 (2 lines)
    /// O2 ordered 09:00 paid 13:00 — JAM×2 (1 line)
    /// O3 ordered 11:00 paid 11:00 — SHOE×2, gift JAM×1 (1 line + gift)
    /// O4 ordered 08:00 paid 08:00 — LAMP×1, JAM×1 (lamp out of stock), gift SHOE×1
    func store(basis: String, priority: String, gift: String) throws -> FulfillmentStore {
        let s = try catalogStore()
        try s.receive(sku: "SHOE-275", quantity: 2, actor: "t")
        try s.receive(sku: "JAM-500", quantity: 3, actor: "t")
        try s.updateSetting("allocationBasis", to: basis, actor: "t")
        try s.updateSetting("allocationPriority", to: priority, actor: "t")
        try s.updateSetting("giftAllocation", to: gift, actor: "t")
        let r = OrderInput.Receiver(name: "가", phone: "010", postalCode: "06190", address: "서울")
        func order(_ no: String, _ at: String, _ paid: String, _ lines: [OrderInput.Line]) -> OrderInput {
            var o = OrderInput(orderNo: no, receiver: r, lines: lines)
            o.orderedAt = at; o.paidAt = paid
            return o
        }
        let jam = "수제 딸기잼 500g", shoe = "남성 데일리 러닝화", lamp = "LED 스탠드 조명"
        _ = try s.collect([
            order("O1", "2026-11-27T10:00", "2026-11-27T12:00", [.init(productName: jam, quantity: 2), .init(productName: shoe, option: "사이즈:275", quantity: 1)]),
            order("O2", "2026-11-27T09:00", "2026-11-27T13:00", [.init(productName: jam, quantity: 2)]),
            order("O3", "2026-11-27T11:00", "2026-11-27T11:00", [.init(productName: shoe, option: "사이즈:275", quantity: 2), .init(productName: jam, quantity: 1, gift: true)]),
            order("O4", "2026-11-27T08:00", "2026-11-27T08:00", [.init(productName: lamp, option: "색상:실버", quantity: 1), .init(productName: jam, quantity: 1),
                                                                 .init(productName: shoe, option: "사이즈:275", quantity: 1, gift: true)]),
        ], channel: "c", actor: "t")
        return s
    }

    struct SQLRow: Sendable, CustomStringConvertible {
        var basis: String, priority: String, gift: String
        var states: [String: AllocationState]
        var description: String { "\(basis) \(priority) \(gift)" }
    }

    @Test("basis × priority × gift rule", arguments: [
        // orderedAt: O4 (lamp short → JAM 1 partial; gift not with fullShipmentOnly), O2 (JAM 2 → full), O1 (JAM short, SHOE 1 → partial), O3 (SHOE 1 left < 2 → none)
        SQLRow(basis: "currentStock", priority: "orderedAt", gift: "fullShipmentOnly",
            states: ["O4": .partial, "O2": .full, "O1": .partial, "O3": .notAllocatable]),
        // partialToo: O4's gift takes a SHOE too (1 left), O1 still gets its SHOE, O3 (needs 2) nothing.
        SQLRow(basis: "currentStock", priority: "orderedAt", gift: "partialToo",
            states: ["O4": .partial, "O2": .full, "O1": .partial, "O3": .notAllocatable]),
        // paidAt: O4 (JAM 1 → 2 left), O3 (SHOE 2, then its gift JAM → 1 left), O1 (JAM 2 > 1, SHOE 0 → none), O2 (JAM 2 > 1 → none)
        SQLRow(basis: "currentStock", priority: "paidAt", gift: "fullShipmentOnly",
            states: ["O4": .partial, "O3": .full, "O1": .notAllocatable, "O2": .notAllocatable]),
        // singleLineFirst: O2 (single) first, then by collection order O1, O3, O4.
        SQLRow(basis: "currentStock", priority: "singleLineFirst", gift: "fullShipmentOnly",
            states: ["O2": .full, "O1": .partial, "O3": .notAllocatable, "O4": .partial]),
        // unlimited: everything matched is allocated; O4's lamp too.
        SQLRow(basis: "unlimited", priority: "orderedAt", gift: "fullShipmentOnly",
            states: ["O1": .full, "O2": .full, "O3": .full, "O4": .full]),
    ])
    func table(_ row: SQLRow) throws {
        let s = try store(basis: row.basis, priority: row.priority, gift: row.gift)
        try s.allocate(actor: "t")
        let states = try s.allocationStates()
        #expect(states == row.states)
        if row.basis == "currentStock" { #expect(try s.overAllocated().isEmpty) }
        // Idempotent: a second run allocates nothing more.
        let again = try s.allocate(actor: "t")
        #expect(again.linesAllocated == 0)
        #expect(try s.allocationStates() == row.states)
    }

    @Test("hold gives its stock back at once; release lets the next run allocate it again")
    func hold() throws {
        let s = try store(basis: "currentStock", priority: "orderedAt", gift: "fullShipmentOnly")
        try s.allocate(actor: "t")
        let id = try s.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM salesOrder WHERE channelOrderNo = 'O2'")! }
        #expect(try s.optionStocks().first { $0.sku == "JAM-500" }!.available == 0)
        try s.hold(orderId: id, actor: "t")
        #expect(try s.optionStocks().first { $0.sku == "JAM-500" }!.available == 2)
        #expect(try s.allocationStates()["O2"] == .onHold)
        try s.allocate(actor: "t")
        #expect(try s.allocationStates()["O2"] == .onHold, "held orders are skipped")
        try s.release(orderId: id, actor: "t")
        try s.allocate(actor: "t")
        #expect(try s.allocationStates()["O2"] == .full || s.allocationStates()["O2"] == .notAllocatable)
        #expect(try s.overAllocated().isEmpty)
    }

    @Test("property: random stock, orders and allocation runs never over-allocate in currentStock mode")
    func neverOverAllocates() async throws {
        await propertyCheck(count: 40, input: Gen.int(in: 0...6).array(of: 3...3), Gen.int(in: 1...3).array(of: 1...30)) { stock, quantities in
            let s = try! catalogStore()
            for (sku, n) in zip(["SHOE-275", "JAM-500", "LAMP-SV"], stock) where n > 0 { try! s.receive(sku: sku, quantity: n, actor: "p") }
            let names = [("남성 데일리 러닝화", "사이즈:275"), ("수제 딸기잼 500g", nil), ("LED 스탠드 조명", "색상:실버")] as [(String, String?)]
            let orders = quantities.enumerated().map { i, q in
                seoulOrder("P\(i)", [.init(productName: names[i % 3].0, option: names[i % 3].1, quantity: q)])
            }
            _ = try! s.collect(orders, channel: "p", actor: "p")
            try! s.allocate(actor: "p")
            if quantities.count > 3 {
                _ = try? s.hold(orderId: 1, actor: "p")
                try! s.allocate(actor: "p")
            }
            #expect(try s.overAllocated().isEmpty)
            #expect(try s.ledgerMismatches().isEmpty)
            let allocated = try s.writer.read { try Int.fetchOne($0, sql: "SELECT COALESCE(SUM(allocated), 0) FROM orderLine")! }
            let levels = try s.writer.read { try Int.fetchOne($0, sql: "SELECT COALESCE(SUM(allocated), 0) FROM stockLevel")! }
            #expect(allocated == levels, "line allocations and stock levels agree")
        }
    }
}
