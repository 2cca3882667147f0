import Foundation
@testable import Fulfillment
import LabelTesting
import Testing

/// .xlsx exports read as marketplaces write them: fixtures made by openpyxl (inline strings) and
/// XlsxWriter (shared strings), encrypted ones by msoffcrypto-tool — never by labeld.
@Suite("Workbooks (.xlsx) in")
struct WorkbookTests {
    static let python = Project.root + "/.build/pyfixtures/bin/python"

    /// The channel export of Tests/tools/make_workbook.py, written by `writer`.
    static func fixture(_ writer: String) throws -> (path: String, data: Data) {
        let path = temporaryDirectory("xlsx") + "/orders-\(writer).xlsx"
        let r = try runTool(python, [Project.root + "/Tests/tools/make_workbook.py", writer, path])
        guard r.status == 0, let data = FileManager.default.contents(atPath: path) else { throw FixtureError(text: r.stderr) }
        return (path, data)
    }
    struct FixtureError: Error { var text: String }

    @Test("cells as Excel shows them: strings inline or shared, rich text joined, numbers without .0, dates as wall-clock time, sheets by name",
          arguments: ["openpyxl", "xlsxwriter"])
    func cells(writer: String) throws {
        let (path, data) = try Self.fixture(writer)
        let book = try Workbook(data: data, source: path)
        #expect(book.sheetNames == ["안내", "발주발송관리"])
        #expect(try book.sheet(named: nil).rows.map(\.cells) == [["이 파일은 주문 내보내기입니다"]])
        let sheet = try book.sheet(named: "발주발송관리")
        #expect(sheet.rows.map(\.number) == [1, 2, 3, 4, 5, 6, 7])
        #expect(sheet.rows[0].cells == ["※ 주문 정보는 개인정보이므로 취급에 유의하세요"])
        #expect(sheet.rows[2].cells == ["X-1", "2026-12-03 08:00:00", "홍길동", "010-1111-2222", "4524", "서울특별시 중구 세종대로 110",
                                        "수제 딸기잼 500g", "", "1", "문 앞에 놓아 주세요", "CJ대한통운", "600000000019"])
        #expect(sheet.rows[3].cells == ["X-2", "2026-12-03 14:30:15", "김철수", "010-3333-4444", "06190", "서울특별시 강남구 테헤란로 1",
                                        "수면 양말", "색상:그레이", "2", "부재 시 경비실", "CJ대한통운", "600000000027"])
        // Trailing empty cells are not there: the row ends with its last value.
        #expect(sheet.rows[5].cells == ["X-3", "2026-12-03 09:00:00", "이영희", "010-5555-6666", "48058", "부산광역시 해운대구 1", "수면 양말", "", "1"])
        #expect(throws: FulfillmentError.self) { try book.sheet(named: "없는 시트") }
    }

    @Test("orders from the sheet: the header under the notice row, Excel's 4-digit postal code padded, KST times, a mistake named by its cell",
          arguments: ["openpyxl", "xlsxwriter"])
    func orders(writer: String) throws {
        let (path, data) = try Self.fixture(writer)
        let (orders, report) = try FulfillmentStore.ordersFromWorkbook(data, source: path, sheet: "발주발송관리", channel: "smartstore")
        #expect(orders.map(\.orderNo) == ["X-1", "X-2", "X-3"])
        #expect(orders[0].receiver.postalCode == "04524" && orders[0].orderedAt == "2026-12-02T23:00:00.000Z" && orders[0].message == "문 앞에 놓아 주세요")
        #expect(orders[0].carrier == "cj" && orders[0].waybillNo == "600000000019")
        #expect(orders[1].lines.map(\.productName) == ["수면 양말", "수제 딸기잼 500g"] && orders[1].lines.map(\.quantity) == [2, 1])
        #expect(orders[1].lines.map(\.sourceRow) == [4, 5] && orders[1].waybillNo == "600000000027" && orders[1].message == "부재 시 경비실")
        #expect(report.encoding == "xlsx")
        #expect(report.errors.map(\.detail) == ["발주발송관리!I7: column '수량': expected a whole number above 0, got '두개'"])
        #expect(report.errors.map(\.row) == [7] && report.errors.map(\.orderNo) == ["X-4"])

        // The first sheet is a cover page: the error says which sheets there are.
        #expect(throws: FulfillmentError(code: .mapping, message: "\(path): sheet '안내' has no row with the column '주문번호', nor a known export's header (smartstore, coupang, 11st, esm, cafe24, labeld) (its first row: 이 파일은 주문 내보내기입니다); "
                                         + "choose another sheet (--sheet: 발주발송관리) or name the columns in a mapping file")) {
            try FulfillmentStore.ordersFromWorkbook(data, source: path, channel: "smartstore")
        }
    }

    /// `writer`'s fixture encrypted by msoffcrypto-tool (ECMA-376 Agile: AES-256, SHA-512, 100 000 spins).
    static func encrypted(_ writer: String, password: String) throws -> (path: String, data: Data, plain: Data) {
        let (path, plain) = try fixture(writer)
        let sealed = path + ".encrypted.xlsx"
        let r = try runTool(Project.root + "/.build/pyfixtures/bin/msoffcrypto-tool", ["-e", "-p", password, path, sealed])
        guard r.status == 0, let data = FileManager.default.contents(atPath: sealed) else { throw FixtureError(text: r.stderr) }
        return (sealed, data, plain)
    }

    @Test("a password-protected workbook (msoffcrypto-tool) opens with its password, in memory; without it, or with a wrong one, a clear error",
          arguments: ["openpyxl", "xlsxwriter"])
    func encryptedWorkbook(writer: String) throws {
        let (path, data, plain) = try Self.encrypted(writer, password: "스마트스토어2026!")
        #expect(data.starts(with: [0xD0, 0xCF, 0x11, 0xE0]), "the fixture is an OLE container")
        let opened = try FulfillmentStore.ordersFromWorkbook(data, source: path, sheet: "발주발송관리", password: "스마트스토어2026!", channel: "smartstore")
        let clear = try FulfillmentStore.ordersFromWorkbook(plain, source: path, sheet: "발주발송관리", channel: "smartstore")
        #expect(opened.orders.map(\.orderNo) == ["X-1", "X-2", "X-3"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(opened.orders) == (try encoder.encode(clear.orders)))
        #expect(opened.report.errors.map(\.detail) == clear.report.errors.map(\.detail))
        #expect(throws: FulfillmentError(code: .workbookPassword, message: "\(path): the password does not open this workbook (the one the marketplace gave with the download)")) {
            try Workbook(data: data, source: path, password: "스마트스토어2025!")
        }
        #expect(throws: FulfillmentError(code: .workbookPassword, message: "\(path) is a password-protected workbook: give its password "
                                         + "(labeld orders import --password P, or LABELD_XLSX_PASSWORD; over HTTP the X-Workbook-Password header)")) {
            try Workbook(data: data, source: path)
        }
    }

    @Test("5000 rows on one line of XML (XlsxWriter's constant-memory mode), entities in the text: every row, in order")
    func bigSheet() throws {
        let (path, data) = try Self.fixture("big")
        let (orders, report) = try FulfillmentStore.ordersFromWorkbook(data, source: path, channel: "coupang")
        #expect(report.errors.isEmpty && orders.count == 5000, "\(report.errors.prefix(3))")
        #expect(orders.first?.orderNo == "B00001" && orders.last?.orderNo == "B05000")
        #expect(orders.last?.lines.first?.productName == "러닝화 & 양말 <특가> \"5000\" '세트'" && orders.last?.lines.first?.quantity == 3)
        #expect(orders.last?.orderedAt == "2026-12-04T11:20:00.000Z" && orders.last?.receiver.postalCode == "06000")
    }

    @Test("hostile cell values cannot trap the reader: a date cell of 1e300, a column past XFD, a bad entity")
    func hostileCells() throws {
        let sheet = SheetParser(sharedStrings: [], dateStyles: [true], source: "x.xlsx")
        let xml = #"<worksheet><sheetData><row r="1"><c r="A1" s="0"><v>1e300</v></c><c r="B1" s="0"><v>46023.5</v></c>"#
            + #"<c r="ZZZZZZZZZZZZZZZZZZZZ1" t="inlineStr"><is><t>far &amp; away</t></is></c></row></sheetData></worksheet>"#
        try XMLScanner.scan(Array(xml.utf8), into: sheet)
        let cells = try #require(sheet.rows.first?.cells)
        #expect(cells.count == 16_384 && cells[0] == "1e+300" && cells[1] == "2026-01-01 12:00:00" && cells[16_383] == "far & away")
        #expect(throws: XMLScanner.Failure.self) { try XMLScanner.scan(Array("<a>&bogus;</a>".utf8), into: SheetParser(sharedStrings: [], dateStyles: [], source: "x")) }
        #expect(throws: XMLScanner.Failure.self) { try XMLScanner.scan(Array(#"<!DOCTYPE x [<!ENTITY a "b">]><a/>"#.utf8), into: SheetParser(sharedStrings: [], dateStyles: [], source: "x")) }
    }

    @Test("a part whose bytes changed after it was written (stored, so it still unpacks) fails its CRC-32 and says so")
    func damagedPart() throws {
        let (path, _) = try Self.fixture("openpyxl")
        let damaged = path + ".damaged.xlsx"
        // Repacked uncompressed by Python's zipfile, then one digit of a phone number changed in place.
        let script = """
            import sys, zipfile
            src, out = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as w:
                for i in z.infolist(): w.writestr(i.filename, z.read(i.filename))
            data = open(out, "rb").read()
            assert data.count(b"010-1111-2222") == 1
            open(out, "wb").write(data.replace(b"010-1111-2222", b"010-1111-2229"))
            """
        let r = try runTool(Self.python, ["-c", script, path, damaged])
        #expect(r.status == 0, "\(r.stderr)")
        let book = try Workbook(data: try #require(FileManager.default.contents(atPath: damaged)), source: "d.xlsx")
        #expect(throws: FulfillmentError(code: .spreadsheet, message: "d.xlsx: xl/worksheets/sheet2.xml is damaged (its CRC-32 does not match): download the file again")) {
            try book.sheet(named: "발주발송관리")
        }
    }

    @Test("files that are not what they claim: CSV named .xlsx, a truncated workbook, a damaged OLE container")
    func notWorkbooks() throws {
        let (path, data) = try Self.fixture("openpyxl")
        func message(_ bytes: Data) -> String? {
            do { _ = try Workbook(data: bytes, source: "f.xlsx"); return nil } catch { return error.code == .spreadsheet ? error.message : "code \(error.code)" }
        }
        #expect(message(Data("주문번호,수령자명\nA-1,홍길동\n".utf8)) == "f.xlsx is not an .xlsx workbook (no ZIP container); it looks like CSV text: give it a .csv name")
        #expect(message(data.prefix(data.count / 2))?.hasPrefix("f.xlsx is not a readable .xlsx workbook (a truncated or damaged ZIP container") == true)
        _ = path
        let sealed = try Self.encrypted("openpyxl", password: "x").data
        #expect(message(sealed.prefix(600))?.hasPrefix("f.xlsx is a damaged OLE compound file") == true, "\(message(sealed.prefix(600)) ?? "")")
    }
}
