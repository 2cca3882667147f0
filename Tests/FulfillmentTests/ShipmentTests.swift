import Foundation
@testable import Fulfillment
import Storage
import LabelModel
import LabelTesting
import Testing

@Suite("Shipments")
struct ShipmentTests {
    let home = OrderInput.Receiver(name: "홍길동", phone: "010-1234-5678", postalCode: "03195", address: "서울 종로구 종로 217, 104동 301호")

    func orders(_ s: FulfillmentStore) throws -> [String: Int64] {
        var other = home
        other.name = "김철수"
        var sameButSpaced = home
        sameButSpaced.phone = "01012345678"
        sameButSpaced.address = "서울 종로구 종로 217,104동 301호"
        _ = try s.collect([
            OrderInput(orderNo: "S1", receiver: home, lines: [.init(productName: "수제 딸기잼 500g", quantity: 2)]),
            OrderInput(orderNo: "S2", receiver: sameButSpaced, lines: [.init(productName: "남성 데일리 러닝화", option: "사이즈:275", quantity: 1)]),
            OrderInput(orderNo: "S3", receiver: other, lines: [.init(productName: "수제 딸기잼 500g", quantity: 1)]),
        ], channel: "c", actor: "t")
        return try s.writer.read { db in
            Dictionary(uniqueKeysWithValues: try SQLRow.fetchAll(db, sql: "SELECT channelOrderNo, id FROM salesOrder").map { ($0[0] as String, $0[1] as Int64) })
        }
    }

    @Test("combine: same receiver (normalised) into one shipment; clear refusals")
    func combine() throws {
        let s = try catalogStore()
        let ids = try orders(s)
        #expect(throws: FulfillmentError.self) { try s.combine(orderIds: [ids["S1"]!, ids["S3"]!], actor: "t") }
        let shipment = try s.combine(orderIds: [ids["S1"]!, ids["S2"]!], actor: "t")
        #expect(try s.shipments().first { $0.id == shipment }!.orderNumbers.sorted() == ["S1", "S2"])
        try s.addWaybillRange(carrier: "lotte", start: 31234567890, end: 31234567891, digits: 12, checkRule: "mod7-11", actor: "t")
        try s.assignWaybill(shipmentId: shipment, carrier: "lotte", actor: "t")
        let s3 = try s.shipment(forOrder: ids["S3"]!)
        _ = s3
        try s.writer.write { try $0.execute(sql: "UPDATE shipment SET status = 'printed' WHERE id = ?", arguments: [shipment]) }
        do { try s.combine(orderIds: [ids["S1"]!, ids["S2"]!], actor: "t"); Issue.record("combined a printed shipment") } catch let e as FulfillmentError {
            #expect(e.message == "order S1 is already printed or shipped: it cannot be combined")
        }
    }

    @Test("split moves quantities into a new order; splitNoCombine marks both")
    func split() throws {
        let s = try catalogStore()
        let ids = try orders(s)
        let line = try s.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM orderLine WHERE orderId = ?", arguments: [ids["S1"]!])! }
        let newId = try s.split(orderId: ids["S1"]!, quantities: [line: 1], actor: "t")
        let rows = try s.writer.read { try SQLRow.fetchAll($0, sql: "SELECT o.suffix, o.doNotCombine, l.quantity FROM salesOrder o JOIN orderLine l ON l.orderId = o.id WHERE o.channelOrderNo = 'S1' ORDER BY o.suffix") }
        #expect(rows.map { [$0[0] as Int, $0[1] as Int, $0[2] as Int] } == [[0, 1, 1], [1, 1, 1]])
        #expect(newId != ids["S1"]!)
        do { try s.combine(orderIds: [ids["S1"]!, ids["S2"]!], actor: "t"); Issue.record("combined a do-not-combine order") } catch let e as FulfillmentError {
            #expect(e.message == "order S1 is marked do-not-combine")
        }
        #expect(throws: FulfillmentError.self) { try s.split(orderId: ids["S3"]!, quantities: [line: 1], actor: "t") }
    }

    @Test("waybill ranges: Lotte numbers with their check digit, never twice, exhaustion is an error")
    func ranges() throws {
        let s = try catalogStore()
        let ids = try orders(s)
        try s.addWaybillRange(carrier: "lotte", start: 31234567890, end: 31234567891, digits: 12, checkRule: "mod7-11", actor: "t")
        #expect(throws: FulfillmentError.self) { try s.addWaybillRange(carrier: "lotte", start: 31234567891, end: 31234567899, digits: 12, checkRule: "mod7-11", actor: "t") }
        var numbers: [String] = []
        for key in ["S1", "S2"] {
            numbers.append(try s.assignWaybill(shipmentId: try s.shipment(forOrder: ids[key]!), carrier: "lotte", actor: "t"))
        }
        #expect(numbers == ["312345678901", "312345678912"])
        let lotte = Project.carriers["lotte"]!
        for n in numbers { try lotte.validate(n) }
        do { _ = try s.assignWaybill(shipmentId: try s.shipment(forOrder: ids["S3"]!), carrier: "lotte", actor: "t"); Issue.record("no error") } catch let e as FulfillmentError {
            #expect(e.message == "no waybill numbers left for lotte: add a range (waybills add-range)")
        }
    }

    @Test("ship deducts exactly the allocated quantities through the ledger; unallocated lines cannot ship")
    func ship() throws {
        let s = try catalogStore()
        try s.receive(sku: "JAM-500", quantity: 2, actor: "t")
        let ids = try orders(s)
        try s.allocate(actor: "t")   // S1 gets JAM×2; S2 (no shoes) and S3 (no jam left) nothing
        let s1 = try s.shipment(forOrder: ids["S1"]!), s2 = try s.shipment(forOrder: ids["S2"]!)
        do { try s.ship(shipmentId: s2, actor: "t"); Issue.record("shipped unallocated") } catch let e as FulfillmentError {
            #expect(e.message == "order S2: '남성 데일리 러닝화' has no allocated stock; it cannot be shipped (allocate first)")
        }
        try s.ship(shipmentId: s1, actor: "t")
        let jam = try s.optionStocks().first { $0.sku == "JAM-500" }!
        #expect(jam.onHand == 0 && jam.allocated == 0)
        #expect(try s.movements(sku: "JAM-500").map(\.quantity) == [2, -2])
        #expect(try s.ledgerMismatches().isEmpty && s.overAllocated().isEmpty)
        #expect(throws: FulfillmentError.self) { try s.ship(shipmentId: s1, actor: "t") }
    }
}

@Suite("Shipment query API")
struct ShipmentDetailTests {
    @Test("a combined shipment's detail: receiver, flags, every line with SKU and location; supplied waybills")
    func detail() throws {
        let s = try catalogStore()
        let home = OrderInput.Receiver(name: "고제주", phone: "010-1111-2222", postalCode: "63001", address: "제주시 연삼로 1")
        var first = OrderInput(orderNo: "D1", receiver: home, lines: [.init(productName: "남성 데일리 러닝화", option: "사이즈:275", quantity: 1)])
        first.carrier = "cj"
        first.waybillNo = "646249802726"
        let second = OrderInput(orderNo: "D2", receiver: home, lines: [.init(productName: "수제 딸기잼 500g", quantity: 2), .init(productName: "샘플", quantity: 1, gift: true)])
        var third = OrderInput(orderNo: "D3", receiver: home, lines: [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        third.waybillNo = "646249802726"
        _ = try s.collect([first, second, third], channel: "c", actor: "t")
        let ids = try s.writer.read { try Int64.fetchAll($0, sql: "SELECT id FROM salesOrder ORDER BY id") }
        let shipment = try s.combine(orderIds: [ids[1], ids[0]], actor: "t")
        let d = try s.shipmentDetail(shipment)
        #expect(d.orderNumbers == ["D1", "D2"] && d.combined && d.island && !d.disruption)
        #expect(d.waybillNo == "646249802726", "the supplied waybill survives the combine")
        #expect(d.lines.map(\.productName) == ["남성 데일리 러닝화", "수제 딸기잼 500g", "샘플"])
        #expect(d.lines[0].sku == "SHOE-275" && d.lines[0].location == "A-01-02" && d.lines[2].gift && d.lines[2].sku == nil)
        #expect(d.waybillLines.count == 3)
        #expect(throws: FulfillmentError.self) { try s.shipment(forOrder: ids[2]) }
    }

    @Test("the waybill's product box prints the catalog's name and option (what is on the shelf), the channel's words only when asked for")
    func catalogNames() throws {
        let s = try catalogStore()
        // The channel calls the shoe by its own listing title; the item code matches it to the catalog.
        let line = OrderInput.Line(productName: "[특가] 남성 러닝화 데일리 경량 운동화", option: "사이즈선택: 275mm", itemCode: "P100-275", quantity: 1)
        _ = try s.collect([seoulOrder("C1", [line])], channel: "c", actor: "t")
        let order = try s.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM salesOrder")! }
        let d = try s.shipmentDetail(try s.shipment(forOrder: order))
        #expect(d.lines[0].catalogName == "남성 데일리 러닝화" && d.lines[0].catalogOption == "사이즈:275")
        let wl = d.waybillLines[0]
        #expect(wl.productName == "남성 데일리 러닝화" && wl.option == "사이즈:275" && wl.location == "A-01-02" && wl.sku == "SHOE-275")
        var settings = Settings.ProductList()
        // By default with its shelf location, for the packer.
        #expect(WaybillProductList.rows(d.waybillLines, settings: settings).map(\.name) == ["남성 데일리 러닝화 (@A-01-02)"])
        settings.fields = [.productName, .option, .quantity]
        #expect(WaybillProductList.rows(d.waybillLines, settings: settings).map(\.name) == ["남성 데일리 러닝화"])
        settings.fields = [.productName, .channelProductName, .option, .quantity, .location]
        #expect(WaybillProductList.rows(d.waybillLines, settings: settings).map(\.name)
                == ["남성 데일리 러닝화 / [특가] 남성 러닝화 데일리 경량 운동화 사이즈선택: 275mm (@A-01-02)"])
    }
}
