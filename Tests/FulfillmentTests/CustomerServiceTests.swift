import Foundation
@testable import Fulfillment
import Storage
import LabelTesting
import Testing

@Suite("Cancel, exchange, return")
struct CustomerServiceTests {
    func shipped() throws -> (FulfillmentStore, Int64, Int64) {
        let s = try catalogStore()
        try s.receive(sku: "JAM-500", quantity: 5, actor: "t")
        _ = try s.collect([seoulOrder("C1", [.init(productName: "수제 딸기잼 500g", quantity: 3)])], channel: "c", actor: "t")
        try s.allocate(actor: "t")
        let order = try s.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM salesOrder")! }
        try s.ship(shipmentId: try s.shipment(forOrder: order), actor: "t")
        let line = try s.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM orderLine WHERE orderId = ?", arguments: [order])! }
        return (s, order, line)
    }

    @Test("cancel before shipping: on hold first (holdBeforeShipping), then canceled; stock released at once")
    func cancel() throws {
        let s = try catalogStore()
        try s.receive(sku: "JAM-500", quantity: 5, actor: "t")
        _ = try s.collect([seoulOrder("C2", [.init(productName: "수제 딸기잼 500g", quantity: 3)])], channel: "c", actor: "t")
        try s.allocate(actor: "t")
        let id = try s.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM salesOrder")! }
        #expect(try s.cancel(orderId: id, actor: "t")
                == "order C2: cancel requested — on hold (보류), its stock released and nothing prints; cancel it again to cancel it for good (cancelExchange.holdBeforeShipping)")
        #expect(try s.allocationStates()["C2"] == .onHold)
        #expect(try s.optionStocks().first { $0.sku == "JAM-500" }!.available == 5)
        #expect(try s.cancel(orderId: id, actor: "t") == "order C2: canceled")
        #expect(try s.orders().first!.status == "canceled")
        #expect(throws: FulfillmentError.self) { try s.cancel(orderId: id, actor: "t") }
    }

    @Test("a shipped order cannot be canceled; a return pickup restocks as 반품입고 unless defective")
    func returns() throws {
        let (s, order, line) = try shipped()
        do { try s.cancel(orderId: order, actor: "t"); Issue.record("canceled a shipped order") } catch let e as FulfillmentError {
            #expect(e.message == "order C1 is shipped: request a return (orders return) instead of a cancel")
        }
        let p1 = try s.requestReturn(orderId: order, quantities: [line: 2], actor: "t")
        #expect(throws: FulfillmentError.self) { try s.requestReturn(orderId: order, quantities: [line: 2], actor: "t") }
        try s.completePickup(p1, defective: false, actor: "t")
        #expect(try s.optionStocks().first { $0.sku == "JAM-500" }!.onHand == 4)
        #expect(try s.movements(sku: "JAM-500").last!.type == MovementType.returnReceipt)
        let p2 = try s.requestReturn(orderId: order, quantities: [line: 1], actor: "t")
        try s.completePickup(p2, defective: true, actor: "t")
        #expect(try s.optionStocks().first { $0.sku == "JAM-500" }!.onHand == 4, "defective goods are not restocked")
        #expect(throws: FulfillmentError.self) { try s.completePickup(p2, defective: false, actor: "t") }
        #expect(try s.ledgerMismatches().isEmpty)
    }

    @Test("exchange after shipping: pickup plus a replacement order with the fee, never combined, on hold")
    func exchange() throws {
        let (s, order, line) = try shipped()
        try s.updateSetting("cancelExchange", to: #"{"holdBeforeShipping":true,"holdAfterShipping":true,"exchangeFee":6000,"noCombine":true}"#, actor: "t")
        let (pickup, replacement) = try s.exchange(orderId: order, quantities: [line: 1], actor: "t")
        #expect(pickup != nil)
        let r = try s.writer.read { try SQLRow.fetchOne($0, sql: "SELECT channelOrderNo, suffix, exchangeFee, doNotCombine, hold, replacesOrderId FROM salesOrder WHERE id = ?", arguments: [replacement])! }
        #expect(r[0] as String == "C1" && r[1] as Int == 1 && r[2] as Int == 6000 && r[3] as Bool && r[4] as Bool && r[5] as Int64 == order)
        #expect(try s.allocationStates()["C1-1"] == .onHold)
    }
}

@Suite("Exchange before shipping")
struct ExchangeBeforeShippingTests {
    @Test("the original releases its stock and waits on hold; the replacement carries the fee, no pickup")
    func beforeShipping() throws {
        let s = try catalogStore()
        try s.receive(sku: "JAM-500", quantity: 5, actor: "t")
        _ = try s.collect([seoulOrder("E1", [.init(productName: "수제 딸기잼 500g", quantity: 2)])], channel: "c", actor: "t")
        try s.allocate(actor: "t")
        let (order, line) = try s.writer.read { db in
            (try Int64.fetchOne(db, sql: "SELECT id FROM salesOrder")!, try Int64.fetchOne(db, sql: "SELECT id FROM orderLine")!)
        }
        let (pickup, replacement) = try s.exchange(orderId: order, quantities: [line: 1], actor: "t")
        #expect(pickup == nil && replacement != order)
        #expect(try s.allocationStates()["E1"] == .onHold)
        #expect(try s.optionStocks().first { $0.sku == "JAM-500" }!.available == 5)
        try s.allocate(actor: "t")
        #expect(try s.allocationStates()["E1-1"] == .full)
    }
}
