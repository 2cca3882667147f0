import Foundation
@testable import Fulfillment
import Storage
import LabelTesting
import Testing

@Suite("Reset")
struct ResetTests {
    @Test("owner only, with the confirmation; the backup holds the old orders; products and stock stay")
    func reset() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try FulfillmentStore.open(path: dir + "/db.sqlite")
        _ = try store.syncProducts([ProductInput(code: "P1", name: "양말", sku: "SOCK")], actor: "t")
        try store.receive(sku: "SOCK", quantity: 5, actor: "t")
        _ = try store.collect([seoulOrder("R1", [.init(productName: "양말", quantity: 2)])], channel: "c", actor: "t")
        try store.allocate(actor: "t")
        for role in [Role.operator, .station] {
            #expect(throws: FulfillmentError.self) { _ = try store.reset(role: role, actor: "x", confirmation: FulfillmentStore.resetConfirmation, backupDirectory: dir) }
        }
        #expect(throws: FulfillmentError.self) { _ = try store.reset(role: .owner, actor: "kim", confirmation: "yes", backupDirectory: dir) }
        #expect(try store.orders().count == 1)
        let backup = try store.reset(role: .owner, actor: "kim", confirmation: FulfillmentStore.resetConfirmation, backupDirectory: dir + "/backups")
        #expect(try store.orders().isEmpty)
        let stock = try store.optionStocks()
        #expect(stock.map(\.sku) == ["SOCK"] && stock[0].onHand == 5 && stock[0].allocated == 0)
        let old = try FulfillmentStore(writer: try SQLiteStore.open(path: backup))
        #expect(try old.orders().map(\.orderNo) == ["R1"])
        #expect(try store.auditLog().first!.action == "reset")
    }
}
