import Foundation
import LabelTesting
import Testing

/// A seller's day that starts with a marketplace's own export and ends with its dispatch file,
/// through the binary: the export (openpyxl; 스마트스토어's encrypted by msoffcrypto-tool) → import
/// (layout told from the header row) → allocate → shipments → waybill numbers from a range → batch
/// to a PNG printer → dispatch file. The waybill numbers the dispatch file sends back are the ones
/// zbar decodes from the printed labels, and each marketplace line is there once.
@Suite("A marketplace's day through the CLI")
struct MarketplaceDayTests {
    struct Day: Sendable, CustomTestStringConvertible {
        var layout: String
        var preset: String
        var carrier: String
        /// The dispatch file's waybill and line-key columns.
        var waybillColumn: String
        var keyColumn: String
        var testDescription: String { layout }
    }

    static let days = [
        Day(layout: "smartstore", preset: "smartstore", carrier: "cj", waybillColumn: "송장번호", keyColumn: "상품주문번호"),
        Day(layout: "coupang-40", preset: "coupang", carrier: "lotte", waybillColumn: "운송장번호", keyColumn: "옵션ID"),
        Day(layout: "11st", preset: "11st", carrier: "hanjin", waybillColumn: "송장/등기번호", keyColumn: "상품번호"),
        Day(layout: "esm", preset: "esm", carrier: "epost", waybillColumn: "운송장/등기번호", keyColumn: "주문번호"),
        Day(layout: "cafe24", preset: "cafe24", carrier: "logen", waybillColumn: "송장번호", keyColumn: "품목별 주문번호"),
    ]

    @Test("export → import → allocate → shipments → batch → dispatch file: the waybills sent back are the ones printed", arguments: days)
    func marketplaceDay(_ day: Day) throws {
        let dir = temporaryDirectory("mday")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/var/labeld.sqlite"
        let password = "스토어-1234"
        func labeld(_ args: [String]) throws -> ToolResult {
            try runTool(Project.binary, args + ["--db", db, "--name", "kim"], environment: ["LABELD_HOME": Project.root, "LABELD_XLSX_PASSWORD": password])
        }
        try #"""
            [{"code":"P1","name":"수면 양말","sku":"SOCK-GR","option":"색상:그레이","itemCode":"SOCK-GR","location":"A-03","price":12900},
             {"code":"P2","name":"수제 딸기잼 500g","sku":"JAM-500","itemCode":"JAM-500","location":"B-01","price":8900}]
            """#.write(toFile: dir + "/products.json", atomically: true, encoding: .utf8)
        var r = try labeld(["products", "import", dir + "/products.json"])
        #expect(r.status == 0, "\(r.stderr)")
        for sku in ["SOCK-GR", "JAM-500"] { #expect(try labeld(["stock", "receive", sku, "10"]).status == 0) }

        // The export as the marketplace gives it (스마트스토어: password-protected, the password in the environment).
        let export = try Workbooks.marketplace(day.layout, in: dir, password: day.preset == "smartstore" ? password : nil)
        r = try labeld(["orders", "import", export])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout == "collected 3 order(s) / 4 line(s); duplicates 0, excluded 0, unmatched 0, errors 0\nlayout \(day.preset) (detected from the header row)\n", "\(r.stdout)")
        // The same download again collects nothing (the marketplace's line keys).
        r = try labeld(["orders", "import", export])
        #expect(r.status == 0 && r.stdout.hasPrefix("collected 0 order(s) / 0 line(s); duplicates 3,"), "\(r.stdout)")

        r = try labeld(["orders", "allocate"])
        #expect(r.status == 0 && r.stdout.contains("full 3"), "\(r.stdout)\(r.stderr)")
        r = try labeld(["shipments", "create"])
        #expect(r.stdout == "3 shipment(s) created\n", "\(r.stdout)\(r.stderr)")
        // A range of numbers the carrier gave (롯데: 11 digits and its mod-7 check digit).
        let digits = ["cj": 12, "lotte": 11, "hanjin": 12, "epost": 13, "logen": 11][day.carrier]!
        let start = Int("3" + String(repeating: "0", count: digits - 2) + "1")!
        r = try labeld(["shipments", "add-range", day.carrier, "\(start)", "\(start + 98)"] + (day.carrier == "lotte" ? ["--check", "mod7-11"] : ["--digits", "\(digits)"]))
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        r = try labeld(["shipments", "assign", "--all", day.carrier])
        #expect(r.status == 0 && r.stdout.hasSuffix("3 waybill number(s) assigned\n"), "\(r.stdout)\(r.stderr)")

        // Nothing printed: the dispatch file has its header and no line.
        r = try labeld(["orders", "export-dispatch", "--preset", day.preset, "-o", dir + "/empty.xlsx"])
        #expect(r.status == 0 && r.stdout.contains("0 line(s) of 0 waybill(s)"), "\(r.stdout)\(r.stderr)")
        #expect(try Workbooks.read(dir + "/empty.xlsx").rows.count == 1)

        r = try labeld(["settings", "set", "sender", #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113","postalCode":"04782"}"#, "--role", "owner"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["printers", "add", "pack-1", "--transport", "file:\(dir)/labels", "--language", "png"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["print", "batch"])
        #expect(r.status == 0 && r.stdout.contains("completed on pack-1: 3 labels"), "\(r.stdout)\(r.stderr)")
        // What the printer got, read by zbar: one waybill barcode per label.
        let pngs = try FileManager.default.contentsOfDirectory(atPath: dir + "/labels").filter { $0.hasSuffix(".png") }.sorted()
        #expect(pngs.count == 3)
        let printed = try pngs.flatMap { try Decoders.zbar(dir + "/labels/" + $0).filter { $0.format == "CODE-128" }.map(\.text) }
        #expect(printed.count == 3 && Set(printed).count == 3, "\(printed)")

        r = try labeld(["orders", "export-dispatch", "--preset", day.preset, "-o", dir + "/dispatch.xlsx"])
        #expect(r.status == 0 && r.stdout == "\(dir)/dispatch.xlsx: 4 line(s) of 3 waybill(s) for \(day.preset)\n", "\(r.stdout)\(r.stderr)")
        let back = try Workbooks.read(dir + "/dispatch.xlsx")
        let header = back.rows[0].map { $0 ?? "" }
        let waybill = try #require(header.firstIndex(of: day.waybillColumn), "\(header)")
        let key = try #require(header.firstIndex(of: day.keyColumn), "\(header)")
        let sent = back.rows.dropFirst().map { $0[waybill] ?? "" }
        #expect(Set(sent) == Set(printed) && sent.count == 4, "the dispatch file sends back what was printed: \(sent) vs \(printed)")
        // Each marketplace line once, by the key the export gave it.
        try FileManager.default.createDirectory(atPath: dir + "/plain", withIntermediateDirectories: true)
        let source = try Workbooks.read(try Workbooks.marketplace(day.layout, in: dir + "/plain"))
        let sourceHeader = try #require(source.rows.first { $0.contains(day.keyColumn) })
        let sourceKeys = source.rows.drop { $0 != sourceHeader }.dropFirst().map { $0[sourceHeader.firstIndex(of: day.keyColumn)!] }
        #expect(back.rows.dropFirst().map { $0[key] } == sourceKeys)

        // Sent once: the next file is empty, --all writes them again; so does the API's twin (GET /v1/orders/dispatch, tested in APITests).
        r = try labeld(["orders", "export-dispatch", "--preset", day.preset, "-o", dir + "/again.xlsx"])
        #expect(r.status == 0 && r.stdout.contains("0 line(s) of 0 waybill(s)") && r.stdout.contains("--all"), "\(r.stdout)")
        r = try labeld(["orders", "export-dispatch", "--preset", day.preset, "--all", "-o", dir + "/all.xlsx"])
        #expect(try Workbooks.read(dir + "/all.xlsx").rows == back.rows, "\(r.stdout)")
        r = try labeld(["settings", "audit"])
        #expect(r.stdout.contains("orders.dispatch"), "\(r.stdout)")
    }
}
