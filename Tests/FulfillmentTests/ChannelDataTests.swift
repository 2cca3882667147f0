import Foundation
@testable import Fulfillment
import Storage
import LabelTesting
import Testing

/// Issue 15: data the way channels write it — dates, carrier names, waybill numbers, postal codes
/// Excel shortened, field lengths.

/// A CSV export with the default Korean headers; `rows` are the lines after the header.
private func csv(_ rows: [String]) -> Data {
    Data((["주문번호,주문일시,결제일시,수령자명,수령자연락처,우편번호,주소,상품명,수량,택배사,송장번호,배송메세지"] + rows).joined(separator: "\n").utf8)
}

private func stored(_ store: FulfillmentStore, _ column: String, order: String) throws -> String? {
    try store.writer.read { try String.fetchOne($0, sql: "SELECT \(column) FROM salesOrder WHERE channelOrderNo = ?", arguments: [order]) }
}

@Suite("Channel data: order times")
struct OrderTimeTests {
    struct Case: Sendable, CustomStringConvertible {
        var text: String, stored: String
        var description: String { text }
    }

    // Expected values worked out by hand: KST is UTC+9 all year.
    @Test("each channel's date format is read as KST into the stored UTC form", arguments: [
        Case(text: "2026-12-03 14:30:00", stored: "2026-12-03T05:30:00.000Z"),
        Case(text: "2026-12-03 14:30", stored: "2026-12-03T05:30:00.000Z"),
        Case(text: "2026.12.03 08:00:00", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "2026/12/03 08:00:00", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "20261203080000", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "2026-12-03", stored: "2026-12-02T15:00:00.000Z"),
        Case(text: "2026-12-03T08:00:00+09:00", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "2026-12-02T18:00:00-05:00", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "2026-12-02T23:00:00Z", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "2026-12-02T23:00:00.000Z", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "2026-12-03T08:00:00.5+0900", stored: "2026-12-02T23:00:00.500Z"),
        Case(text: "2026-11-27T10:00", stored: "2026-11-27T01:00:00.000Z"),
        Case(text: "2026. 12. 3. 오전 8:00:00", stored: "2026-12-02T23:00:00.000Z"),
        Case(text: "2026. 12. 3. 오후 2:30:00", stored: "2026-12-03T05:30:00.000Z"),
        Case(text: "2026. 12. 3. 오전 12:15:00", stored: "2026-12-02T15:15:00.000Z"),
        Case(text: "2024-02-29 00:00:00", stored: "2024-02-28T15:00:00.000Z"),
        Case(text: "2027-01-01 08:59:59", stored: "2026-12-31T23:59:59.000Z"),
    ])
    func formats(_ c: Case) throws {
        #expect(OrderTime.canonical(c.text) == c.stored)
        // The same form as collectedAt, so the two compare as text.
        #expect(FulfillmentStore.timestamp.string(from: try #require(OrderTime.date(c.text))) == c.stored)
    }

    @Test("what is not a date is refused", arguments: [
        "2026-02-29 10:00:00", "2026-13-01 10:00", "2026-12-03 24:00", "2026-12-03 14:61", "어제", "2026-12", "12/03/2026",
        "2026-12-03 14:30:00 추가", "2026. 12. 3. 오후 13:00:00", "2026-12/03", "2026120314", "",
    ])
    func refused(_ text: String) {
        #expect(OrderTime.canonical(text) == nil)
    }

    @Test("channels mixed: first come, first allocated, whatever the format; orders without a time go by collection time")
    func mixedChannels() throws {
        // Collected at 07:00 KST.
        let store = try catalogStore(now: Date(timeIntervalSince1970: 1_796_248_800))
        try store.receive(sku: "JAM-500", quantity: 2, actor: "t")
        let (coupang, parsed) = try FulfillmentStore.ordersFromCSV(csv([
            "S-2,2026-12-03 14:30:00,,가,010,06190,서울,수제 딸기잼 500g,1,,,",
        ]), source: "coupang.csv", channel: "coupang")
        let (smartstore, parsed2) = try FulfillmentStore.ordersFromCSV(csv([
            "S-1,2026.12.03 08:00:00,2026.12.03 08:01:10,가,010,06190,서울,수제 딸기잼 500g,1,,,",
        ]), source: "smartstore.csv", channel: "smartstore")
        #expect(parsed.errors.isEmpty && parsed2.errors.isEmpty)
        _ = try store.collect(coupang, channel: "coupang", actor: "t")
        _ = try store.collect(smartstore, channel: "smartstore", actor: "t")
        _ = try store.collect([seoulOrder("C-0", [.init(productName: "수제 딸기잼 500g", quantity: 1)])], channel: "direct", actor: "t")
        #expect(try stored(store, "orderedAt", order: "S-1") == "2026-12-02T23:00:00.000Z")
        #expect(try stored(store, "paidAt", order: "S-1") == "2026-12-02T23:01:10.000Z")
        #expect(try stored(store, "orderedAt", order: "S-2") == "2026-12-03T05:30:00.000Z")
        try store.allocate(actor: "t")
        #expect(try store.allocationStates() == ["C-0": .full, "S-1": .full, "S-2": .notAllocatable])
    }

    @Test("a time that cannot be read is a row error with its column (CSV) or field (JSON)")
    func refusedAtImport() throws {
        let store = try catalogStore()
        let (orders, parsed) = try FulfillmentStore.ordersFromCSV(csv([
            "T-1,어제 오후,,가,010,06190,서울,수제 딸기잼 500g,1,,,",
            "T-2,2026-12-03 14:30:00,2026-12-32,가,010,06190,서울,수제 딸기잼 500g,1,,,",
            "T-3,2026-12-03 14:30:00,,가,010,06190,서울,수제 딸기잼 500g,1,,,",
        ]), source: "t.csv", channel: "c")
        #expect(parsed.errors.map(\.description) == [
            "row 2: order T-1: column '주문일시': expected \(OrderTime.expected), got '어제 오후'",
            "row 3: order T-2: column '결제일시': expected \(OrderTime.expected), got '2026-12-32'",
        ])
        #expect(orders.map(\.orderNo) == ["T-3"])
        var json = seoulOrder("J-1", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        json.orderedAt = "soon"
        var good = seoulOrder("J-2", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        good.orderedAt = "2026.12.03 08:00:00"
        let r = try store.collect([json, good], channel: "api", actor: "t")
        #expect(r.errors.map(\.description) == ["row 1: order J-1: field 'orderedAt': expected \(OrderTime.expected), got 'soon'"])
        #expect(try store.orders().map(\.orderNo) == ["J-2"])
        #expect(try stored(store, "orderedAt", order: "J-2") == "2026-12-02T23:00:00.000Z")
    }

    @Test("a day range as stored times: the first instant of a KST day")
    func startOfDay() {
        #expect(OrderTime.startOfDay("2026-11-27") == "2026-11-26T15:00:00.000Z")
        #expect(OrderTime.startOfDay("2026-11-27 10:00") == nil)
        #expect(OrderTime.startOfNextDay("2026-11-27") == "2026-11-27T15:00:00.000Z")
        #expect(OrderTime.startOfNextDay("2026-12-31") == "2026-12-31T15:00:00.000Z")
        #expect(OrderTime.startOfNextDay("2026-11-31") == nil)
    }
}

@Suite("Channel data: carriers and waybill numbers")
struct CarrierDataTests {
    @Test("names and codes channels write select the profile key", arguments: [
        ("CJ대한통운", "cj"), ("대한통운", "cj"), ("cj", "cj"), ("CJ", "cj"), ("CJ 대한통운(주)", "cj"), ("CJGLS", "cj"),
        ("롯데택배", "lotte"), ("롯데", "lotte"), ("lotte", "lotte"), ("LOTTE", "lotte"),
        ("한진택배", "hanjin"), ("한진", "hanjin"), ("hanjin", "hanjin"),
        ("우체국택배", "epost"), ("우체국", "epost"), ("epost", "epost"), ("ePost", "epost"),
        ("로젠택배", "logen"), ("로젠", "logen"), ("logen", "logen"), ("generic", "generic"),
    ])
    func names(_ name: String, _ key: String) {
        #expect(Carriers.key(for: name) == key)
    }

    @Test("unknown names select nothing", arguments: ["쿠팡로켓", "DHL", "", "cjx"])
    func unknown(_ name: String) { #expect(Carriers.key(for: name) == nil) }

    /// Each carrier in templates/carriers.yaml, read line by line (`  key:` then `    name: …`).
    static func templateCarriers() throws -> [(key: String, name: String)] {
        let text = try String(contentsOfFile: Project.root + "/templates/carriers.yaml", encoding: .utf8)
        var out: [(String, String)] = []
        var key: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") { key = String(line.dropFirst(2).dropLast()) }
            if let k = key, line.hasPrefix("    name: ") { out.append((k, String(line.dropFirst("    name: ".count)))); key = nil }
        }
        return out
    }

    @Test("every carrier profile of the templates is in the table, with the name the profile prints")
    func templates() throws {
        let carriers = try Self.templateCarriers()
        #expect(carriers.map(\.key) == ["cj", "hanjin", "lotte", "epost", "logen", "generic"])
        for c in carriers {
            #expect(Carriers.key(for: c.name) == c.key)
            #expect(Carriers.key(for: c.key) == c.key)
            #expect(Carriers.displayName(c.key) == c.name)
        }
        #expect(Carriers.displayName("cj") == "CJ대한통운")
        #expect(Carriers.displayName("dhl") == "dhl")
    }

    struct Number: Sendable, CustomStringConvertible {
        var carrier: String?
        var text: String
        var stored: String?
        var message: String?
        init(carrier: String?, text: String, stored: String? = nil, message: String? = nil) {
            self.carrier = carrier; self.text = text; self.stored = stored; self.message = message
        }
        var description: String { "\(carrier ?? "-") \(text)" }
    }

    // 31234567890 mod 7 = 1 (31234567889 = 7 × 4462081127).
    @Test("waybill numbers: digits without hyphens, the carrier's lengths, Lotte's check digit", arguments: [
        Number(carrier: "lotte", text: "3123-4567-8901", stored: "312345678901"),
        Number(carrier: "lotte", text: "3123-4567-8905", message: "롯데택배 waybill number '3123-4567-8905': check digit 5 breaks rule mod7-11 (first 11 digits mod 7 = 1)"),
        Number(carrier: "lotte", text: "31234567890", message: "롯데택배 waybill number '31234567890': expected 12 digits, got 11"),
        Number(carrier: "cj", text: "6462 4980 2726", stored: "646249802726"),
        Number(carrier: "cj", text: "6462498027", stored: "6462498027"),
        Number(carrier: "cj", text: "123456789", message: "CJ대한통운 waybill number '123456789': expected 10 to 12 digits, got 9"),
        Number(carrier: "cj", text: "6462A4980272", message: "CJ대한통운 waybill number '6462A4980272': digits only (hyphens and spaces are left out)"),
        Number(carrier: "hanjin", text: "1234-5678-90", stored: "1234567890"),
        Number(carrier: "hanjin", text: "1234567890123", message: "한진택배 waybill number '1234567890123': expected 10 to 12 digits, got 13"),
        Number(carrier: "epost", text: "12345-6789-0123", stored: "1234567890123"),
        Number(carrier: "epost", text: "123456789012", message: "우체국택배 waybill number '123456789012': expected 13 digits, got 12"),
        Number(carrier: "logen", text: "123-4567-8901", stored: "12345678901"),
        Number(carrier: "logen", text: "123456789012", message: "로젠택배 waybill number '123456789012': expected 11 digits, got 12"),
        Number(carrier: nil, text: "12345678", stored: "12345678"),
        Number(carrier: nil, text: "1234567", message: "waybill number '1234567': expected 8 to 20 digits, got 7"),
        Number(carrier: "generic", text: "123456789012345678901", message: "택배 waybill number '123456789012345678901': expected 8 to 20 digits, got 21"),
    ])
    func waybills(_ n: Number) {
        do {
            let stored = try Carriers.waybillNumber(n.text, carrier: n.carrier)
            #expect(stored == n.stored)
            #expect(n.message == nil)
        } catch {
            #expect(error.message == n.message)
            #expect(n.stored == nil)
        }
    }

    @Test("import stores the carrier key and the bare number; an unknown carrier or a wrong number is a row error")
    func atImport() throws {
        let store = try catalogStore()
        let (orders, parsed) = try FulfillmentStore.ordersFromCSV(csv([
            "W-1,,,가,010,06190,서울,수제 딸기잼 500g,1,CJ대한통운,6462-4980-2726,",
            "W-2,,,가,010,06190,서울,수제 딸기잼 500g,1,롯데,3123-4567-8905,",
            "W-3,,,가,010,06190,서울,수제 딸기잼 500g,1,쿠팡로켓,12345678,",
            "W-4,,,가,010,06190,서울,수제 딸기잼 500g,1,롯데택배,312345678901,",
            "W-5,,,가,010,06190,서울,수제 딸기잼 500g,1,,1234,",
        ]), source: "w.csv", channel: "c")
        #expect(parsed.errors.map(\.description) == [
            "row 3: order W-2: column '송장번호': 롯데택배 waybill number '3123-4567-8905': check digit 5 breaks rule mod7-11 (first 11 digits mod 7 = 1)",
            "row 4: order W-3: column '택배사': unknown carrier '쿠팡로켓', expected one of CJ대한통운 (cj), 롯데택배 (lotte), 한진택배 (hanjin), 우체국택배 (epost), 로젠택배 (logen), 택배 (generic)",
            "row 6: order W-5: column '송장번호': waybill number '1234': expected 8 to 20 digits, got 4",
        ])
        #expect(orders.map(\.orderNo) == ["W-1", "W-4"])
        _ = try store.collect(orders, channel: "c", actor: "t", report: parsed)
        #expect(try stored(store, "carrier", order: "W-1") == "cj")
        #expect(try stored(store, "waybillNo", order: "W-1") == "646249802726")
        #expect(try stored(store, "carrier", order: "W-4") == "lotte")

        var json = seoulOrder("J-1", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        json.carrier = "우체국"
        json.waybillNo = "12345-6789-0123"
        var bad = seoulOrder("J-2", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        bad.carrier = "DHL"
        let r = try store.collect([json, bad], channel: "api", actor: "t")
        #expect(r.errors.map(\.description) == [
            "row 2: order J-2: field 'carrier': unknown carrier 'DHL', expected one of CJ대한통운 (cj), 롯데택배 (lotte), 한진택배 (hanjin), 우체국택배 (epost), 로젠택배 (logen), 택배 (generic)",
        ])
        #expect(try stored(store, "carrier", order: "J-1") == "epost")
        #expect(try stored(store, "waybillNo", order: "J-1") == "1234567890123")
    }
}

@Suite("Channel data: postal codes and island ranges")
struct PostalDataTests {
    @Test("a code Excel shortened to 4 digits gets its leading 0 back; others stay errors")
    func padded() throws {
        let store = try catalogStore()
        let (orders, parsed) = try FulfillmentStore.ordersFromCSV(csv([
            "P-1,,,가,010,4524,서울,수제 딸기잼 500g,1,,,",
            "P-2,,,가,010,0619,서울,수제 딸기잼 500g,1,,,",
            "P-3,,,가,010,619,서울,수제 딸기잼 500g,1,,,",
        ]), source: "p.csv", channel: "c")
        #expect(parsed.errors.map(\.description) == [
            "row 3: order P-2: column '우편번호': expected a 5-digit postal code, got '0619'",
            "row 4: order P-3: column '우편번호': expected a 5-digit postal code, got '619'",
        ])
        #expect(orders.map(\.receiver.postalCode) == ["04524"])
        let json = OrderInput(orderNo: "J-1", receiver: .init(name: "가", phone: "010", postalCode: "4524", address: "서울"),
                              lines: [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        let bad = OrderInput(orderNo: "J-2", receiver: .init(name: "가", phone: "010", postalCode: "서울", address: "서울"),
                             lines: [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        let r = try store.collect([json, bad], channel: "api", actor: "t")
        #expect(r.errors.map(\.description) == ["row 2: order J-2: field 'receiver.postalCode': expected a 5-digit postal code, got '서울'"])
        #expect(try stored(store, "postalCode", order: "J-1") == "04524")
    }

    @Test("Incheon's island codes: 23004 (강화 섬지역) and 22386 (중구 섬지역) are islands; Ongjin's ranges edges")
    func incheon() {
        #expect(islands.region(of: "23004") == "인천 강화 섬지역")
        #expect(islands.region(of: "23007") == "인천 강화 섬지역")
        #expect(islands.region(of: "22386") == "인천 중구 섬지역")
        #expect(islands.region(of: "22388") == "인천 중구 섬지역")
        #expect(islands.region(of: "23100") != nil && islands.region(of: "23136") != nil)
        #expect(islands.region(of: "23003") == nil && islands.region(of: "22389") == nil && islands.region(of: "23137") == nil)
    }

    @Test("the data file's extra section adds codes; exceptions still take them out; a bad entry is named")
    func extra() throws {
        let dir = temporaryDirectory("islands")
        let path = dir + "/islands.json"
        try #"{"ranges":[{"from":"63000","to":"63644","region":"제주"}],"extra":[{"from":"12345","region":"우리 섬"},{"from":"54010","to":"54012"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let regions = try IslandRegions.load(path: path)
        #expect(regions.region(of: "12345") == "우리 섬")
        #expect(regions.region(of: "54011") == "도서")
        #expect(regions.region(of: "54013") == nil)
        #expect(regions.region(of: "12345", exceptions: ["12345"]) == nil)
        try #"{"ranges":[],"extra":[{"from":"5401","to":"54012"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: FulfillmentError(code: .invalidInput, message: "island postal ranges '\(path)': extra[0] 5401–54012: expected 5-digit codes with from ≤ to")) {
            _ = try IslandRegions.load(path: path)
        }
        let shipped = try String(contentsOfFile: Project.root + "/data/island-postal-ranges.json", encoding: .utf8)
        #expect(shipped.contains(#""extra": []"#), "the shipped file has an empty extra section to fill in")
    }

    @Test("an order to 23004 is flagged 도서")
    func flagged() throws {
        let store = try catalogStore()
        _ = try store.collect([OrderInput(orderNo: "I-1", receiver: .init(name: "가", phone: "010", postalCode: "23004", address: "인천 강화군"),
                                          lines: [.init(productName: "수제 딸기잼 500g", quantity: 1)])], channel: "c", actor: "t")
        #expect(try store.orders(islandOnly: true).map(\.orderNo) == ["I-1"])
    }
}

@Suite("Channel data: sender postal code and field lengths")
struct SenderAndLengthTests {
    @Test("the sender keeps its postal code through settings set/get; a wrong one is refused")
    func senderPostalCode() throws {
        let store = try FulfillmentStore.testing()
        let text = #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113","postalCode":"04782"}"#
        try store.updateSetting("sender", to: text, actor: "owner:t")
        #expect(try store.settings().sender == Settings.Sender(name: "리빙플러스", phone: "0221358870", address: "서울특별시 성동구 성수이로 113", postalCode: "04782"))
        #expect(try store.settings().value(of: "sender") == #"{"address":"서울특별시 성동구 성수이로 113","name":"리빙플러스","phone":"0221358870","postalCode":"04782"}"#)
        let without = #"{"name":"리빙플러스","phone":"0221358870","address":"서울"}"#
        try store.updateSetting("sender", to: without, actor: "owner:t")
        #expect(try store.settings().sender?.postalCode == nil)
        let bad = #"{"name":"리빙플러스","phone":"0221358870","address":"서울","postalCode":"4782"}"#
        #expect(throws: FulfillmentError(code: .invalidSetting, message: "sender: expected a sender postalCode of 5 digits (4782), got '\(bad)'")) {
            try store.updateSetting("sender", to: bad, actor: "owner:t")
        }
    }

    @Test("text over a field's bound is a row error naming the limit, and is not stored")
    func lengths() throws {
        let store = try catalogStore()
        let long = String(repeating: "가", count: 100_000)
        let (orders, parsed) = try FulfillmentStore.ordersFromCSV(csv([
            "L-1,,,가,010,06190,서울,수제 딸기잼 500g,1,,,\(long)",
            "L-2,,,\(String(repeating: "김", count: 101)),010,06190,\(String(repeating: "로", count: 300)),수제 딸기잼 500g,1,,,",
            "L-3,,,가,010,06190,\(String(repeating: "로", count: 301)),\(String(repeating: "잼", count: 301)),1,,,\(String(repeating: "문", count: 500))",
        ]), source: "l.csv", channel: "c")
        #expect(parsed.errors.map(\.description) == [
            "row 2: order L-1: column '배송메세지': 100000 characters, at most 500",
            "row 3: order L-2: column '수령자명': 101 characters, at most 100",
            "row 4: order L-3: column '주소': 301 characters, at most 300",
            "row 4: order L-3: column '상품명': 301 characters, at most 300",
        ])
        #expect(orders.isEmpty)
        var json = seoulOrder("J-1", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        json.message = long
        var fits = seoulOrder("J-2", [.init(productName: "수제 딸기잼 500g", quantity: 1)])
        fits.message = String(repeating: "문", count: 500)
        let r = try store.collect([json, fits], channel: "api", actor: "t")
        #expect(r.errors.map(\.description) == ["row 1: order J-1: field 'message': 100000 characters, at most 500"])
        #expect(try store.orders().map(\.orderNo) == ["J-2"])
        let longest = try store.writer.read { try Int.fetchOne($0, sql: "SELECT MAX(length(message)) FROM salesOrder") }
        #expect(longest == 500)
    }
}
