import Foundation
@testable import Fulfillment
import LabelTesting
import Storage
import PropertyBased
import Testing

func fixture(_ name: String) -> Data {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    return FileManager.default.contents(atPath: url.path + "/Fixtures/" + name)!
}

let islands = try! IslandRegions.load(path: Project.root + "/data/island-postal-ranges.json")

func catalogStore(now: Date = Date(timeIntervalSince1970: 1_795_000_000)) throws -> FulfillmentStore {
    let store = try FulfillmentStore.testing(islands: islands, now: { now })
    var shoe = ProductInput(code: "P100", name: "남성 데일리 러닝화", sku: "SHOE-275", option: "사이즈:275")
    shoe.itemCode = "P100-275"
    shoe.location = "A-01-02"
    var jam = ProductInput(code: "P200", name: "수제 딸기잼 500g", sku: "JAM-500")
    jam.warningQuantity = 5
    jam.expectedReceiptDate = "2026-11-20"
    jam.tags = ["프로모션"]
    let lamp = ProductInput(code: "P300", name: "LED 스탠드 조명", sku: "LAMP-SV", option: "색상:실버")
    _ = try store.syncProducts([shoe, jam, lamp], actor: "test")
    return store
}

/// An order to the one Seoul receiver most tests use: the receiver is not what those tests are about.
func seoulOrder(_ orderNo: String, _ lines: [OrderInput.Line]) -> OrderInput {
    OrderInput(orderNo: orderNo, receiver: .init(name: "가", phone: "010", postalCode: "06190", address: "서울"), lines: lines)
}

@Suite("Settings")
struct SettingsTests {
    @Test("every setting has a default, round-trips as text, and changes are audited")
    func settings() throws {
        let store = try FulfillmentStore.testing()
        let s = try store.settings()
        #expect(s == Settings())
        for key in Settings.keys { #expect(!(try s.value(of: key)).isEmpty || ["productUpdateExclusions", "optionTags", "stockMovementTypes", "islandExceptions", "collectionExclusions", "channelRanks"].contains(key)) }
        let (old, new) = try store.updateSetting("allocationBasis", to: "unlimited", actor: "owner:kim")
        #expect(old == "currentStock" && new == "unlimited")
        try store.updateSetting("marketStockBasis", to: "fixed(9999)", actor: "owner:kim")
        try store.updateSetting("printOrder", to: "sku:asc,orderedAt:desc", actor: "owner:kim")
        #expect(try store.settings().printOrder == [.init(key: .sku), .init(key: .orderedAt, descending: true)])
        let log = try store.auditLog()
        #expect(log.count == 3)
        #expect(log.last! == AuditEntry(at: log.last!.at, actor: "owner:kim", action: "settings.set", subject: "allocationBasis", oldValue: "currentStock", newValue: "unlimited"))
    }

    struct Bad: Sendable, CustomStringConvertible {
        var key: String, value: String, message: String
        var description: String { key }
    }

    @Test("invalid values are refused with what was expected", arguments: [
        Bad(key: "allocationBasis", value: "lots", message: "allocationBasis: expected one of currentStock, unlimited, got 'lots'"),
        Bad(key: "deliveryDelayDays", value: "-1", message: "deliveryDelayDays: expected a whole number of days from 0 to 365, got '-1'"),
        Bad(key: "marketStockBasis", value: "fixed", message: "marketStockBasis: expected available, current, fixed(N) or mall, got 'fixed'"),
        Bad(key: "allocationPriority", value: "orderedAt,orderedAt", message: "allocationPriority: expected each key once (orderedAt is repeated), got 'orderedAt,orderedAt'"),
        Bad(key: "islandExceptions", value: "6300", message: "islandExceptions: expected 5-digit postal codes (6300), got '6300'"),
        Bad(key: "stockMovementTypes", value: "입고", message: "stockMovementTypes: expected custom type names (입고 is built in), got '입고'"),
        Bad(key: "allocationBasiss", value: "x", message: "unknown setting 'allocationBasiss': expected one of " + Settings.keys.joined(separator: ", ")),
    ])
    func refused(_ bad: Bad) throws {
        let store = try FulfillmentStore.testing()
        #expect(throws: FulfillmentError.self) { try store.updateSetting(bad.key, to: bad.value, actor: "t") }
        do { try store.updateSetting(bad.key, to: bad.value, actor: "t") } catch let e as FulfillmentError { #expect(e.message == bad.message) }
        #expect(try store.auditLog().isEmpty, "a refused change is not logged")
        #expect(try store.settings() == Settings())
    }
}

@Suite("Reference lists")
struct PartnerTests {
    @Test("refresh reports channels, carriers and operators added and removed")
    func refresh() throws {
        let store = try catalogStore()
        var order = seoulOrder("R-1", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        order.carrier = "lotte"
        _ = try store.collect([order], channel: "smartstore", actor: "operator:lee")
        let first = try store.refreshPartners(carriers: ["cj", "generic-100x150"], actor: "owner:kim")
        #expect(first.added["channel"] == ["smartstore"] && first.added["carrier"] == ["cj", "generic-100x150", "lotte"])
        #expect(first.added["operator"] == ["operator:lee", "owner:kim", "test"])
        let second = try store.refreshPartners(carriers: ["cj"], actor: "owner:kim")
        #expect(second.removed["carrier"] == ["generic-100x150"] && second.added["carrier"] == [])
        #expect(try store.partners(kind: "carrier") == ["cj", "lotte"])
    }
}

@Suite("Catalog and stock ledger")
struct CatalogTests {
    @Test("manual product sync stages until the update run; exclusions are never added; mall stock is imported")
    func productSync() throws {
        let store = try FulfillmentStore.testing()
        try store.updateSetting("productSync", to: "manual", actor: "t")
        try store.updateSetting("productUpdateExclusions", to: "P-X,*테스트*", actor: "t")
        try store.updateSetting("importMallStock", to: "on", actor: "t")
        var a = ProductInput(code: "P1", name: "양말", sku: "SOCK")
        a.mallStock = 12
        let excluded = ProductInput(code: "P-X", name: "숨김", sku: "HIDE")
        let test = ProductInput(code: "P2", name: "테스트 상품", sku: "TEST")
        let r = try store.syncProducts([a, excluded, test], actor: "t")
        #expect(r.staged == 1 && r.excluded == ["P-X", "P2"])
        #expect(try store.optionStocks().isEmpty, "manual: nothing in the list before the update run")
        let u = try store.runProductUpdate(actor: "t")
        #expect(u.added == 1 && u.mallStockImported == 1)
        #expect(try store.optionStocks().map(\.onHand) == [12])
        #expect(try store.movements().map(\.type) == [MovementType.mallImport])
    }

    @Test("receive, adjust, custom types; on hand equals the ledger; overdue receipt shown as D+N; market stock per basis")
    func ledger() throws {
        let store = try catalogStore()
        try store.receive(sku: "JAM-500", quantity: 10, actor: "t")
        try store.adjust(sku: "JAM-500", by: -3, actor: "t", note: "파손")
        try store.updateSetting("stockMovementTypes", to: "공급사A 입고", actor: "t")
        try store.receive(sku: "SHOE-275", quantity: 4, type: "공급사A 입고", actor: "t")
        #expect(throws: FulfillmentError.self) { try store.receive(sku: "SHOE-275", quantity: 1, type: "없는유형", actor: "t") }
        #expect(throws: FulfillmentError.self) { try store.receive(sku: "NOPE", quantity: 1, actor: "t") }
        #expect(throws: FulfillmentError.self) { try store.receive(sku: "SHOE-275", quantity: 0, actor: "t") }
        let list = try store.optionStocks()
        let jam = list.first { $0.sku == "JAM-500" }!
        #expect(jam.onHand == 7 && jam.available == 7)
        // now = 2026-11-19T…; expected 2026-11-20 is not overdue yet.
        #expect(jam.expectedReceiptDisplay == "2026-11-20")
        let later = try catalogStore(now: Date(timeIntervalSince1970: 1_795_000_000 + 5 * 86400))
        #expect(try later.optionStocks().first { $0.sku == "JAM-500" }!.expectedReceiptDisplay!.hasSuffix("(D+"+String(try daysAfter("2026-11-20", later))+")"))
        #expect(try store.ledgerMismatches().isEmpty)
        #expect(try store.optionStocks(tag: "프로모션").map(\.sku) == ["JAM-500"])
        try store.updateSetting("marketStockBasis", to: "fixed(9999)", actor: "t")
        #expect(try store.marketStock().allSatisfy { $0.quantity == 9999 })
        try store.updateSetting("marketStockBasis", to: "current", actor: "t")
        #expect(try store.marketStock().first { $0.sku == "JAM-500" }!.quantity == 7)
    }

    func daysAfter(_ day: String, _ store: FulfillmentStore) throws -> Int {
        let f = FulfillmentStore.dayFormat
        let today = f.date(from: f.string(from: store.now()))!
        return Calendar(identifier: .gregorian).dateComponents([.day], from: f.date(from: day)!, to: today).day!
    }

    @Test("property: random receive/adjust/sync sequences keep on hand equal to the ledger sum")
    func ledgerProperty() async throws {
        let ops = Gen.int(in: 0...5).array(of: 1...40)
        await propertyCheck(count: 60, input: ops, Gen.int(in: -20...20).array(of: 40...40)) { kinds, amounts in
            let store = try! catalogStore()
            let skus = ["SHOE-275", "JAM-500", "LAMP-SV"]
            var expected: [String: Int] = [:]
            for (i, kind) in kinds.enumerated() {
                let sku = skus[i % 3]
                let amount = amounts[i]
                switch kind {
                case 0, 1, 2:
                    if amount > 0, (try? store.receive(sku: sku, quantity: amount, actor: "p")) != nil { expected[sku, default: 0] += amount }
                case 3, 4:
                    if amount != 0, (try? store.adjust(sku: sku, by: amount, actor: "p")) != nil { expected[sku, default: 0] += amount }
                case 5 where amount % 2 == 0:
                    _ = try? store.syncProducts([ProductInput(code: "P\(i)", name: "새 상품 \(i)", sku: "NEW-\(i)")], actor: "p")
                default:
                    // Collecting orders never moves stock by itself.
                    _ = try? store.collect([seoulOrder("PB-\(i)", [.init(productName: "수제 딸기잼 500g", quantity: max(1, abs(amount)))])], channel: "p", actor: "p")
                }
            }
            #expect(try store.ledgerMismatches().isEmpty)
            for s in try store.optionStocks() where skus.contains(s.sku) { #expect(s.onHand == expected[s.sku, default: 0]) }
        }
    }
}

@Suite("Order collection")
struct OrderCollectionTests {
    @Test("CSV in UTF-8, UTF-8 with BOM and CP949: same orders, row-numbered report", arguments: ["orders-utf8.csv", "orders-bom.csv", "orders-cp949.csv"])
    func csvEncodings(file: String) throws {
        let store = try catalogStore()
        let (orders, parsed) = try FulfillmentStore.ordersFromCSV(fixture(file), source: file, channel: "cafe24")
        #expect(parsed.encoding == ["orders-utf8.csv": "utf8", "orders-bom.csv": "utf8-bom", "orders-cp949.csv": "cp949"][file])
        #expect(orders.map(\.orderNo) == ["A-1001", "A-1002", "A-1003", "A-1005"])
        #expect(orders[0].lines.count == 2 && orders[1].message == "부재 시 \"경비실\"에 맡겨 주세요")
        #expect(parsed.errors.map(\.description) == [
            "row 6: order A-1004: column '수량': expected a whole number above 0, got '두개'",
            "row 6: order A-1004: column '우편번호': expected a 5-digit postal code, got '0619'",
        ])
        try store.updateSetting("collectionExclusions", to: "샘플 파우치", actor: "t")
        let report = try store.collect(orders, channel: "cafe24", actor: "t", report: parsed)
        #expect(report.collectedOrders == 3 && report.collectedLines == 4)
        #expect(report.unmatched.map(\.description) == ["row 5: order A-1003: '알 수 없는 상품' matches no product option (kept, unmatched)"])
        #expect(report.excluded.map(\.description) == ["row 7: order A-1005: line '[사은품] 샘플 파우치' excluded by '샘플 파우치'",
                                                       "row 7: order A-1005: order not collected: every line is excluded"])
        let listed = try store.orders()
        #expect(listed.map(\.orderNo) == ["A-1001", "A-1002", "A-1003"])
        #expect(try store.orders(islandOnly: true).map(\.orderNo) == ["A-1002", "A-1003"], "Jeju 63001 and Ulleung 40240")
        #expect(try store.orders(unmatchedOnly: true).map(\.orderNo) == ["A-1003"])
    }

    @Test("strict: one bad row and nothing is imported")
    func strict() throws {
        let store = try catalogStore()
        let (orders, parsed) = try FulfillmentStore.ordersFromCSV(fixture("orders-utf8.csv"), source: "o.csv", channel: "c")
        let report = try store.collect(orders, channel: "c", actor: "t", strict: true, report: parsed)
        #expect(report.rolledBack && report.collectedOrders == 0)
        #expect(try store.orders().isEmpty)
    }

    @Test("a mapping file names the channel's headers")
    func mapping() throws {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        let m = try ColumnMapping.load(path: url.path + "/Fixtures/mapping-smartstore.json")
        let (orders, parsed) = try FulfillmentStore.ordersFromCSV(fixture("orders-smartstore.csv"), source: "s.csv", channel: "smartstore", layout: .mapping(m))
        #expect(parsed.errors.isEmpty && orders.count == 1 && orders[0].lines[0].quantity == 2)
        let store = try catalogStore()
        let r = try store.collect(orders, channel: "smartstore", actor: "t")
        #expect(r.unmatched.isEmpty, "matched by normalised name + option")
        #expect(throws: FulfillmentError.self) { _ = try FulfillmentStore.ordersFromCSV(fixture("orders-smartstore.csv"), source: "s.csv", channel: "x") }
    }

    struct DupCase: Sendable, CustomStringConvertible {
        var policy: String
        var shipped: Bool
        var orders: Int
        var detail: String
        var description: String { "\(policy) shipped=\(shipped)" }
    }

    @Test("duplicate order numbers follow the policy; a shipped order is never overwritten", arguments: [
        DupCase(policy: "skip", shipped: false, orders: 1, detail: "already collected: skipped"),
        DupCase(policy: "overwrite", shipped: false, orders: 1, detail: "overwrote the unshipped order"),
        DupCase(policy: "overwrite", shipped: true, orders: 1, detail: "already shipped: kept, not overwritten"),
        DupCase(policy: "addAsNew", shipped: false, orders: 2, detail: "added as a new order D-1-1"),
    ])
    func duplicates(_ c: DupCase) throws {
        let store = try catalogStore()
        try store.updateSetting("duplicateOrderNumber", to: c.policy, actor: "t")
        let order = seoulOrder("D-1", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        _ = try store.collect([order], channel: "c", actor: "t")
        if c.shipped { try store.writer.write { try $0.execute(sql: "UPDATE salesOrder SET status = 'shipped'") } }
        var again = order
        again.lines[0].quantity = 2
        let r = try store.collect([again], channel: "c", actor: "t")
        #expect(r.duplicates.map(\.detail) == [c.detail])
        #expect(try store.orders().count == c.orders)
        let quantities = try store.writer.read { try Int.fetchAll($0, sql: "SELECT quantity FROM orderLine ORDER BY id") }
        #expect(quantities == (c.policy == "overwrite" && !c.shipped ? [2] : c.orders == 2 ? [1, 2] : [1]))
    }

    @Test("matching: item code first, then normalised name + option; order of keys from settings")
    func matching() throws {
        let store = try catalogStore()
        let lines: [OrderInput.Line] = [
            .init(productName: "다른 이름", itemCode: "P100-275", quantity: 1),
            .init(productName: " 남성데일리러닝화 ", option: "[사이즈 : 275]", quantity: 1),
            .init(productName: "LED 스탠드 조명", option: "색상:골드", quantity: 1),
        ]
        let order = seoulOrder("M-1", lines)
        let r = try store.collect([order], channel: "c", actor: "t")
        #expect(r.unmatched.count == 1 && r.unmatched[0].detail.contains("골드"))
        let matched = try store.writer.read { try Int64?.fetchAll($0, sql: "SELECT optionId FROM orderLine ORDER BY lineNo") }
        #expect(matched[0] != nil && matched[0] == matched[1] && matched[2] == nil)
        try store.updateSetting("orderMatching", to: "productName", actor: "t")
        let r2 = try store.collect([OrderInput(orderNo: "M-2", receiver: order.receiver, lines: [lines[0]])], channel: "c", actor: "t")
        #expect(r2.unmatched.count == 1, "item codes are not used when only productName matching is on")
    }

    @Test("island flag at range edges, with per-code exceptions; disruption regions; integrated orders off")
    func flags() throws {
        let store = try catalogStore()
        try store.updateSetting("islandExceptions", to: "63365", actor: "t")
        try store.updateSetting("deliveryDisruptionRegions", to: #"[{"from":"04500","to":"04599"}]"#, actor: "t")
        let codes = ["62999", "63000", "63365", "63366", "63499", "63500", "63644", "63645", "40199", "40200", "40240", "40241", "04524"]
        let orders = codes.enumerated().map { i, code in
            OrderInput(orderNo: "I-\(i)", receiver: .init(name: "가", phone: "010", postalCode: code, address: "주소"), lines: [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        }
        _ = try store.collect(orders, channel: "c", actor: "t")
        let island = Set(try store.orders(islandOnly: true).map(\.postalCode))
        #expect(island == ["63000", "63500", "63644", "40200", "40240"])
        #expect(try store.orders().filter(\.disruption).map(\.postalCode) == ["04524"])
        try store.updateSetting("integratedOrders", to: "off", actor: "t")
        #expect(throws: FulfillmentError.self) { _ = try store.collect(orders, channel: "c", actor: "t") }
    }

    @Test("delayed: unshipped orders older than deliveryDelayDays")
    func delayed() throws {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let store = try catalogStore(now: start)
        _ = try store.collect([OrderInput(orderNo: "L-1", receiver: .init(name: "가", phone: "010", postalCode: "06190", address: "주소"),
                                          lines: [.init(productName: "수제 딸기잼 500g", quantity: 1)])], channel: "c", actor: "t")
        let later = try FulfillmentStore(writer: store.writer, islands: islands, now: { start.addingTimeInterval(4 * 86400) })
        #expect(try later.orders(delayedOnly: true).map(\.orderNo) == ["L-1"])
        try later.updateSetting("deliveryDelayDays", to: "5", actor: "t")
        #expect(try later.orders(delayedOnly: true).isEmpty)
    }
}
