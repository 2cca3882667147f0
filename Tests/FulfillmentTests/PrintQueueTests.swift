import Foundation
@testable import Fulfillment
import Storage
import LabelTesting
import Testing

/// 송장출력 order: the seller's printOrder keys against a table of orders.
@Suite("Print queue: selection and 송장출력 order")
struct PrintQueueTests {
    struct SQLRow {
        var no: String, orderedAt: String?, receiver: String, postal: String, carrier: String
        var lines: [(String, Int)]
    }

    // Products: sku and location from the catalog (A-01 러닝화, B-02 딸기잼, C-03 조명).
    static let table: [SQLRow] = [
        SQLRow(no: "O1", orderedAt: "2026-11-27T10:00:00+09:00", receiver: "홍길동", postal: "03195", carrier: "cj", lines: [("수제 딸기잼 500g", 2)]),
        SQLRow(no: "O2", orderedAt: "2026-11-26T09:00:00+09:00", receiver: "김철수", postal: "63001", carrier: "lotte", lines: [("LED 스탠드 조명", 1), ("수제 딸기잼 500g", 1)]),
        SQLRow(no: "O3", orderedAt: "2026-11-27T10:00:00+09:00", receiver: "이영희", postal: "06190", carrier: "cj", lines: [("남성 데일리 러닝화", 3)]),
        SQLRow(no: "O4", orderedAt: nil, receiver: "박민수", postal: "48058", carrier: "cj", lines: [("LED 스탠드 조명", 1)]),
        SQLRow(no: "O5", orderedAt: "2026-11-28T08:00:00+09:00", receiver: "가나다", postal: "03195", carrier: "cj", lines: [("남성 데일리 러닝화", 1), ("수제 딸기잼 500g", 1), ("LED 스탠드 조명", 1)]),
    ]

    func store() throws -> (FulfillmentStore, [String: Int64]) {
        let s = try catalogStore()
        try s.writer.write { db in
            try db.execute(sql: "UPDATE productOption SET location = 'A-01' WHERE sku = 'SHOE-275'")
            try db.execute(sql: "UPDATE productOption SET location = 'B-02' WHERE sku = 'JAM-500'")
            try db.execute(sql: "UPDATE productOption SET location = 'C-03' WHERE sku = 'LAMP-SV'")
        }
        let options = ["남성 데일리 러닝화": "사이즈:275", "LED 스탠드 조명": "색상:실버"]
        _ = try s.collect(Self.table.map { r in
            var o = OrderInput(orderNo: r.no, receiver: .init(name: r.receiver, phone: "01000000000", postalCode: r.postal, address: "주소 \(r.no)"),
                               lines: r.lines.map { .init(productName: $0.0, option: options[$0.0], quantity: $0.1) })
            o.orderedAt = r.orderedAt
            o.carrier = r.carrier
            return o
        }, channel: "c", actor: "t")
        try s.updateSetting("unallocatedWaybills", to: "mark", actor: "t")
        try s.createShipments(actor: "t")
        var ids: [String: Int64] = [:]
        for sh in try s.shipments() { ids[sh.orderNumbers[0]] = sh.id }
        return (s, ids)
    }

    struct Case: Sendable, CustomStringConvertible {
        var printOrder: String
        var expected: [String]
        var description: String { printOrder }
    }

    static let cases: [Case] = [
        // Missing values (O4 has no order time) go last; ties fall back to the order id.
        Case(printOrder: "orderedAt:asc", expected: ["O2", "O1", "O3", "O5", "O4"]),
        Case(printOrder: "orderedAt:desc", expected: ["O5", "O1", "O3", "O2", "O4"]),
        Case(printOrder: "orderNo:desc", expected: ["O5", "O4", "O3", "O2", "O1"]),
        Case(printOrder: "firstProductName:asc", expected: ["O2", "O4", "O3", "O5", "O1"]),
        Case(printOrder: "sku:asc", expected: ["O1", "O2", "O4", "O3", "O5"]),
        Case(printOrder: "location:asc", expected: ["O3", "O5", "O1", "O2", "O4"]),
        Case(printOrder: "totalQuantity:desc,orderNo:asc", expected: ["O3", "O5", "O1", "O2", "O4"]),
        Case(printOrder: "lineCount:asc", expected: ["O1", "O3", "O4", "O2", "O5"]),
        Case(printOrder: "receiverName:asc", expected: ["O5", "O2", "O4", "O3", "O1"]),
        Case(printOrder: "postalCode:asc,receiverName:desc", expected: ["O1", "O5", "O3", "O4", "O2"]),
    ]

    @Test("each printOrder key, both directions, stable with the order id last", arguments: cases)
    func order(_ c: Case) throws {
        let (s, _) = try store()
        try s.updateSetting("printOrder", to: c.printOrder, actor: "owner:t")
        #expect(try s.printQueue(PrintSelection()).map { $0.orderNumbers[0] } == c.expected)
    }

    @Test("selection: carrier, island, date range, tag; printed and held shipments are left out")
    func selection() throws {
        let (s, ids) = try store()
        #expect(try s.printQueue(PrintSelection(carrier: "lotte")).map { $0.orderNumbers[0] } == ["O2"])
        #expect(try s.printQueue(PrintSelection(from: "2026-11-27", to: "2026-11-27")).map { $0.orderNumbers[0] } == ["O1", "O3"])
        #expect(try s.printQueue(PrintSelection(tag: "프로모션")).map { $0.orderNumbers[0] }.sorted() == ["O1", "O2", "O5"])
        let island = try s.printQueue(PrintSelection(island: true)).map { $0.orderNumbers[0] }
        #expect(island == ["O2"])
        try s.writer.write { db in try FulfillmentStore.markPrinted(db, shipmentIds: [ids["O1"]!]) }
        try s.hold(orderId: try s.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM salesOrder WHERE channelOrderNo = 'O3'")! }, actor: "t")
        #expect(try s.printQueue(PrintSelection()).map { $0.orderNumbers[0] } == ["O2", "O5", "O4"])
        #expect(try s.printQueue(PrintSelection(includePrinted: true)).map { $0.orderNumbers[0] } == ["O2", "O1", "O5", "O4"])
        #expect(throws: FulfillmentError(code: .invalidInput, message: "'2026/11/27' is not a date (yyyy-MM-dd)")) {
            try s.printQueue(PrintSelection(from: "2026/11/27"))
        }
    }
}
