import Foundation
import Storage
@testable import Fulfillment
import LabelTesting
import Testing

/// Marketplace exports as openpyxl writes them (Tests/tools/make_marketplace.py: the columns of
/// docs/MARKETPLACES.md, realistic Korean content), and the dispatch files labeld writes back, read
/// by openpyxl and compared cell by cell with the export they answer.
@Suite("Marketplace presets: exports in, dispatch files out")
struct MarketplaceTests {
    /// What each fixture holds, as the marketplace wrote it.
    struct Expected: Sendable, CustomTestStringConvertible {
        var layout: String
        var preset: String
        /// The sheet's column that bundles lines into one parcel (→ one order, one shipment).
        var bundleColumn: String
        var orders: [String]
        var firstLineKeys: [String]
        var testDescription: String { layout }
    }

    static let layouts: [Expected] = [
        Expected(layout: "smartstore", preset: "smartstore", bundleColumn: "주문번호", orders: ["2026120355501", "2026120355502", "2026120355503"],
                 firstLineKeys: ["2026120390000001", "2026120390000002"]),
        Expected(layout: "smartstore-old", preset: "smartstore", bundleColumn: "주문번호", orders: ["2026120355501", "2026120355502", "2026120355503"],
                 firstLineKeys: ["2026120390000001", "2026120390000002"]),
        Expected(layout: "coupang-39", preset: "coupang", bundleColumn: "묶음배송번호", orders: ["312000000100", "312000000200", "312000000300"],
                 firstLineKeys: ["210000000001/88123450010", "210000000002/88123450011"]),
        Expected(layout: "coupang-40", preset: "coupang", bundleColumn: "묶음배송번호", orders: ["312000000100", "312000000200", "312000000300"],
                 firstLineKeys: ["210000000001/88123450010", "210000000002/88123450011"]),
        Expected(layout: "11st", preset: "11st", bundleColumn: "배송번호", orders: ["70100", "70200", "70300"],
                 firstLineKeys: ["202612000000301/30001", "202612000000301/30002"]),
        Expected(layout: "esm", preset: "esm", bundleColumn: "배송번호", orders: ["6100000100", "6100000200", "6100000300"],
                 firstLineKeys: ["4100001000", "4100001001"]),
        Expected(layout: "cafe24", preset: "cafe24", bundleColumn: "주문번호", orders: ["20261203-0000100", "20261203-0000200", "20261203-0000300"],
                 firstLineKeys: ["20261203-0000100-01", "20261203-0000100-02"]),
    ]

    @Test("each export is told from its header row (notice and title rows above it passed over) and read as the marketplace bundled it",
          arguments: layouts)
    func detected(_ e: Expected) throws {
        let dir = temporaryDirectory("market")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Workbooks.marketplace(e.layout, in: dir)
        let data = try #require(FileManager.default.contents(atPath: path))
        let (orders, report) = try FulfillmentStore.ordersFromWorkbook(data, source: path)
        #expect(report.layout == e.preset && report.layoutDetected == true && report.errors.isEmpty, "\(report)")
        #expect(orders.map(\.orderNo) == e.orders)
        #expect(orders.allSatisfy { $0.channel == e.preset && $0.preset == e.preset })
        let first = try #require(orders.first)
        #expect(first.lines.map(\.lineKey) == e.firstLineKeys)
        #expect(first.lines.map(\.productName) == ["수면 양말", "수제 딸기잼 500g"] && first.lines.map(\.quantity) == [2, 1])
        #expect(first.lines.map(\.itemCode) == ["SOCK-GR", "JAM-500"] && first.lines[0].option == "색상:그레이")
        #expect(first.receiver.name == "홍길동" && first.receiver.postalCode == "04524" && first.message == "문 앞에 놓아 주세요")
        // 통합배송지, 배송지 or 수령인 주소(전체): the whole address, never its detail twice.
        #expect(first.receiver.address == "서울특별시 중구 세종대로 110 3층")
        // Times as the seller sees them in Seoul, stored in UTC.
        #expect(first.orderedAt == "2026-12-02T23:00:00.000Z", "\(first.orderedAt ?? "nil")")
        #expect(orders[2].receiver.postalCode == "63001" && orders[2].receiver.address == "제주특별자치도 제주시 연삼로 1")

        // Named, the preset reads the same orders; a preset that does not fit says so.
        let named = try FulfillmentStore.ordersFromWorkbook(data, source: path, layout: try Marketplaces.preset(e.preset))
        #expect(named.orders == orders && named.report.layoutDetected == false)
        let other = e.preset == "coupang" ? "smartstore" : "coupang"
        #expect(throws: FulfillmentError.self) { try FulfillmentStore.ordersFromWorkbook(data, source: path, layout: try Marketplaces.preset(other)) }
    }

    @Test("a row with a mistake is named by its cell and leaves its order out; the others import")
    func mistake() throws {
        let dir = temporaryDirectory("market")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Workbooks.marketplace("coupang-40", in: dir, mistake: true)
        let (orders, report) = try FulfillmentStore.ordersFromWorkbook(try #require(FileManager.default.contents(atPath: path)), source: "orders.xlsx")
        #expect(orders.map(\.orderNo) == ["312000000100", "312000000200", "312000000300"])
        #expect(report.errors.map(\.description) == ["row 6: order 312000000400: Delivery!W6: column '구매수(수량)': expected a whole number above 0, got '두개'"])
        // A preset that is not this file's names what it lacks.
        #expect(throws: FulfillmentError(code: .mapping, message: "orders.xlsx: sheet 'Delivery' has no row with the columns '상품주문번호', '주문번호', '수취인명' "
                                         + "(its first row: 번호, 묶음배송번호, 주문번호, 택배사, 운송장번호, 분리배송 Y/N, 분리배송 출고예정일, 주문시 출고예정일, 출고일(발송일), 주문일, 등록상품명, 등록옵션명, 노출상품명(옵션명), 노출상품ID, 옵션ID, 최초등록등록상품명/옵션명, 업체상품코드, 바코드, 결제액, 배송비구분, 배송비, 도서산간 추가배송비, 구매수(수량), 옵션판매가(판매단가), 구매자, 구매자전화번호, 수취인이름, 수취인전화번호, 우편번호, 수취인 주소, 배송메세지, 상품별 추가메시지, 주문자 추가메시지, 배송완료일, 구매확정일자, 개인통관번호(PCCC), 통관용수취인전화번호, 기타, 결제위치, 배송유형); name the columns in a mapping file")) {
            try FulfillmentStore.ordersFromWorkbook(try #require(FileManager.default.contents(atPath: path)), source: "orders.xlsx", layout: Marketplaces.smartstore)
        }
    }

    @Test("duplicates are told by the marketplace's line key: a second download of the same file collects nothing")
    func duplicates() throws {
        let dir = temporaryDirectory("market")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try #require(FileManager.default.contents(atPath: try Workbooks.marketplace("coupang-40", in: dir)))
        let store = try catalogStore()
        let (orders, parsed) = try FulfillmentStore.ordersFromWorkbook(data, source: "d.xlsx")
        var report = try store.collect(orders, actor: "t", report: parsed)
        #expect(report.collectedOrders == 3 && report.collectedLines == 4 && report.duplicates.isEmpty)
        report = try store.collect(orders, actor: "t", report: parsed)
        #expect(report.collectedOrders == 0 && report.duplicates.map(\.detail) == [
            "line 210000000001/88123450010, 210000000002/88123450011 already collected: skipped",
            "line 210000000003/88123450012 already collected: skipped", "line 210000000004/88123450013 already collected: skipped",
        ])
        // The same lines bundled otherwise next time (쿠팡 re-bundles) are still the same lines.
        var regrouped = orders
        regrouped[1].orderNo = "312000000999"
        report = try store.collect([regrouped[1]], actor: "t")
        #expect(report.collectedOrders == 0 && report.duplicates.count == 1)
        // New lines under an order number already collected: a new order beside it, not lost.
        var more = orders[1]
        more.lines[0].lineKey = "210000000099/88123450099"
        report = try store.collect([more], actor: "t")
        #expect(report.collectedOrders == 1 && report.duplicates.map(\.detail) == ["added as a new order 312000000200-1 (its lines are new)"])
    }

    /// The fixtures' two products (matched by the seller's codes in the exports), 10 of each in stock.
    static func stockedStore() throws -> FulfillmentStore {
        let store = try FulfillmentStore.testing(islands: islands)
        var sock = ProductInput(code: "P1", name: "수면 양말", sku: "SOCK-GR", option: "색상:그레이")
        sock.itemCode = "SOCK-GR"
        var jam = ProductInput(code: "P2", name: "수제 딸기잼 500g", sku: "JAM-500")
        jam.itemCode = "JAM-500"
        _ = try store.syncProducts([sock, jam], actor: "t")
        for sku in ["SOCK-GR", "JAM-500"] { _ = try store.receive(sku: sku, quantity: 10, actor: "t") }
        return store
    }

    /// Dispatch: (layout, carrier) — each marketplace's carrier vocabulary once.
    static let dispatchCases: [(Expected, String)] = [
        (layouts[0], "cj"), (layouts[2], "cj"), (layouts[3], "epost"), (layouts[4], "hanjin"), (layouts[5], "cj"), (layouts[6], "logen"),
    ]

    @Test("the dispatch file, read by openpyxl and LibreOffice, names every printed line by its key with the marketplace's carrier name and the waybill number; next time only new lines",
          arguments: dispatchCases)
    func dispatch(_ e: Expected, carrier: String) throws {
        let dir = temporaryDirectory("market")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Workbooks.marketplace(e.layout, in: dir)
        let store = try Self.stockedStore()
        let (orders, parsed) = try FulfillmentStore.ordersFromWorkbook(try #require(FileManager.default.contents(atPath: path)), source: path)
        #expect(try store.collect(orders, actor: "t", report: parsed).unmatched.isEmpty)
        _ = try store.allocate(actor: "t")
        let created = try store.createShipments(actor: "t")
        #expect(created.created == 3, "\(created)")
        let digits = Carriers.carrier(carrier)!.digits.upperBound
        let start = Int("7" + String(repeating: "0", count: digits - 2) + "1")!
        try store.addWaybillRange(carrier: carrier, start: start, end: start + 99, digits: digits, checkRule: "off", actor: "t")
        let numbers = try store.assignWaybills(carrier: carrier, actor: "t").map(\.1)
        #expect(numbers.count == 3)

        // Nothing printed yet: nothing to send back.
        #expect(try store.exportDispatch(preset: e.preset, actor: "t").lines == 0)
        // The first two waybills print.
        let shipments = try store.shipments().map(\.id).sorted()
        try store.writer.write { db in try FulfillmentStore.markPrinted(db, shipmentIds: Array(shipments.prefix(2))) }

        let source = try Workbooks.read(path)
        let headerAt = try #require(source.rows.firstIndex { $0.contains(e.bundleColumn) && $0.contains { $0 == "주문번호" } })
        let header = source.rows[headerAt].map { $0 ?? "" }
        let rows = source.rows[(headerAt + 1)...].map { row in Dictionary(uniqueKeysWithValues: zip(header, row.map { $0 ?? "" })) }
        var bundles: [String] = []
        for r in rows where !bundles.contains(r[e.bundleColumn]!) { bundles.append(r[e.bundleColumn]!) }
        let name = Marketplaces.presets.first { $0.name == e.preset }!.dispatch!.carrierNames[carrier]!
        func expected(_ printed: Int) -> [[String?]] {
            let lines = rows.filter { bundles.firstIndex(of: $0[e.bundleColumn]!)! < printed }
            func waybill(_ r: [String: String]) -> String { numbers[bundles.firstIndex(of: r[e.bundleColumn]!)!] }
            switch e.preset {
            case "smartstore": return [["상품주문번호", "배송방법", "택배사", "송장번호"]] + lines.map { [$0["상품주문번호"], "택배,등기,소포", name, waybill($0)] }
            case "coupang":
                // 쿠팡 takes its own file back: every column as it came, 택배사 and 운송장번호 filled.
                return [header] + lines.map { r in header.map { h in h == "택배사" ? name : h == "운송장번호" ? waybill(r) : (r[h]!.isEmpty ? nil : r[h]) } }
            case "11st": return [["주문번호", "배송번호", "배송방법", "택배사코드", "송장/등기번호", "상품번호"]]
                + lines.map { [$0["주문번호"], $0["배송번호"], "01", name, waybill($0), $0["상품번호"]] }
            case "esm": return [["판매아이디", "주문번호", "택배사", "운송장/등기번호"]] + lines.map { [$0["판매아이디"], $0["주문번호"], name, waybill($0)] }
            default: return [["주문번호", "품목별 주문번호", "배송업체", "송장번호"]] + lines.map { [$0["주문번호"], $0["품목별 주문번호"], name, waybill($0)] }
            }
        }

        var export = try store.exportDispatch(preset: e.preset, actor: "t")
        let file = dir + "/dispatch.xlsx"
        try export.workbook.write(to: URL(fileURLWithPath: file))
        var back = try Workbooks.read(file)
        let sheet = Marketplaces.presets.first { $0.name == e.preset }!.dispatch!.sheet
        #expect(back.sheets == [sheet] && back.rows == expected(2))
        #expect(export.lines == back.rows.count - 1 && export.shipments == 2 && export.leftOut.isEmpty)
        // Waybill numbers and keys are text cells (Excel would show 6.0E+11 otherwise); the header is bold.
        #expect(back.types.dropFirst().allSatisfy { $0.allSatisfy { $0 == "s" || $0 == "n" } } && back.types.dropFirst().flatMap { $0 }.contains("s"))
        #expect(back.bold.first == true)
        // LibreOffice Calc opens it too, and sees the same cells (keys and waybill numbers keep their leading zeros).
        #expect(try Workbooks.libreOffice(file) == back.rows.map { $0.map { $0 ?? "" } })

        // The third prints: the next file has only its lines; --all has every one.
        try store.writer.write { db in try FulfillmentStore.markPrinted(db, shipmentIds: [shipments[2]]) }
        export = try store.exportDispatch(preset: e.preset, actor: "t")
        try export.workbook.write(to: URL(fileURLWithPath: file))
        back = try Workbooks.read(file)
        let all = expected(3), firstTwo = expected(2)
        #expect(back.rows == [all[0]] + all[firstTwo.count...] && export.shipments == 1)
        #expect(try store.exportDispatch(preset: e.preset, actor: "t").lines == 0)
        export = try store.exportDispatch(preset: e.preset, all: true, actor: "t")
        try export.workbook.write(to: URL(fileURLWithPath: file))
        #expect(try Workbooks.read(file).rows == all)
        // Another marketplace's file has none of these orders.
        #expect(try store.exportDispatch(preset: e.preset == "esm" ? "cafe24" : "esm", all: true, actor: "t").lines == 0)
    }

    @Test("what an import keeps per line is JSON that JSONDecoder reads back exactly: quotes, backslashes, control characters, Korean")
    func keptText() throws {
        let values = ["", "따옴표 \" 와 \\ 역슬래시", "탭\t줄\n\r", "\u{1}\u{1F}\u{7F}", "이모지 📦", "/"]
        #expect(try JSONDecoder().decode([String].self, from: Data(JSONText.array(values).utf8)) == values)
        let object = ["b": "\u{0}", "a": "값 \"1\""]
        #expect(JSONText.object(object) == #"{"a":"값 \"1\"","b":"\u0000"}"#)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(JSONText.object(object).utf8)) == object)
    }

    @Test("the writer's cells: markup, control characters, leading spaces and long sheet names survive openpyxl")
    func writer() throws {
        let dir = temporaryDirectory("market")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows: [[WorkbookWriter.Cell]] = [[.text("이름"), .text("수량")], [.text("<잼> & \"빵\" 'x'"), .number(3)], [.text("  앞 공백"), .text("줄\n바꿈\u{1}")], [.text(""), .number(-1)]]
        let path = dir + "/w.xlsx"
        try WorkbookWriter(sheet: "발송처리: 12/07 [오전] 아주 긴 시트 이름이 서른한 자를 넘으면", rows: rows).data().write(to: URL(fileURLWithPath: path))
        let back = try Workbooks.read(path)
        #expect(back.sheets == ["발송처리_ 12_07 _오전_ 아주 긴 시트 이름이 서른"])
        #expect(back.rows == [["이름", "수량"], ["<잼> & \"빵\" 'x'", "3"], ["  앞 공백", "줄\n바꿈"], [nil, "-1"]])
        #expect(back.types[1] == ["s", "n"])
        // And labeld's own reader reads it back the same.
        let sheet = try Workbook(data: try Data(contentsOf: URL(fileURLWithPath: path)), source: path).sheet(named: nil)
        #expect(sheet.rows.map(\.cells) == [["이름", "수량"], ["<잼> & \"빵\" 'x'", "3"], ["  앞 공백", "줄\n바꿈"], ["", "-1"]])
    }
}
