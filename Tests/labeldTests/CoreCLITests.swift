import Foundation
import LabelTesting
import Testing

@Suite("labeld order and inventory commands")
struct CoreCLITests {
    func labeld(_ args: [String], db: String) throws -> ToolResult {
        try runTool(Project.binary, args + ["--db", db, "--name", "tester"], environment: ["LABELD_HOME": Project.root])
    }

    var fixtures: String {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent(); url.deleteLastPathComponent()
        return url.path + "/FulfillmentTests/Fixtures"
    }

    @Test("orders import of an .xlsx export (made by XlsxWriter): --sheet, row errors by cell, --sheet refused for CSV")
    func workbook() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/var/labeld.sqlite"
        let book = dir + "/주문.xlsx"
        let made = try runTool(Project.root + "/.build/pyfixtures/bin/python", [Project.root + "/Tests/tools/make_workbook.py", "xlsxwriter", book])
        #expect(made.status == 0, "\(made.stderr)")
        var r = try labeld(["orders", "import", book, "--channel", "smartstore"], db: db)
        #expect(r.status == 1 && r.stderr.hasPrefix("error [import.mapping]: \(book): sheet '안내' has no row with the column '주문번호'"), "\(r.stderr)")
        r = try labeld(["orders", "import", book, "--sheet", "발주발송관리", "--channel", "smartstore"], db: db)
        #expect(r.status == 1, "one row has a mistake: exit 1 after importing the rest")
        #expect(r.stdout.hasPrefix("collected 3 order(s) / 4 line(s); duplicates 0, excluded 0, unmatched 4, errors 1\n"), "\(r.stdout)")
        #expect(r.stdout.contains("error: row 7: order X-4: 발주발송관리!I7: column '수량': expected a whole number above 0, got '두개'"), "\(r.stdout)")
        r = try labeld(["orders", "list"], db: db)
        #expect(r.stdout.contains("X-1\t홍길동\t04524") && r.stdout.contains("X-2\t김철수\t06190\t2 line(s)"), "\(r.stdout)")
        r = try labeld(["orders", "import", fixtures + "/orders-utf8.csv", "--sheet", "x"], db: db)
        #expect(r.status != 0 && r.stderr.contains("--sheet is for .xlsx workbooks"), "\(r.stderr)")
    }

    @Test("products, stock, CP949 orders, listings and settings through the binary, on one database file")
    func endToEnd() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/var/labeld.sqlite"
        try #"[{"code":"P100","name":"남성 데일리 러닝화","sku":"SHOE-275","option":"사이즈:275","itemCode":"P100-275"},{"code":"P200","name":"수제 딸기잼 500g","sku":"JAM-500","warningQuantity":5}]"#
            .write(toFile: dir + "/products.json", atomically: true, encoding: .utf8)
        var r = try labeld(["products", "import", dir + "/products.json"], db: db)
        #expect(r.status == 0 && r.stdout == "added 2, updated 0, staged 0, excluded 0\n", "\(r.stdout)\(r.stderr)")
        r = try labeld(["stock", "receive", "JAM-500", "10"], db: db)
        #expect(r.stdout == "JAM-500: on hand 10\n")
        r = try runTool(Project.binary, ["stock", "adjust", "--note", "파손", "--db", db, "JAM-500", "--", "-3"], environment: ["LABELD_HOME": Project.root])
        #expect(r.stdout == "JAM-500: on hand 7\n", "\(r.stderr)")
        r = try labeld(["stock", "receive", "NOPE", "1"], db: db)
        #expect(r.status == 1 && r.stderr == "error [core.not_found]: no product option with SKU 'NOPE'\n")

        r = try labeld(["orders", "import", fixtures + "/orders-cp949.csv", "--channel", "cafe24"], db: db)
        #expect(r.status == 1, "row errors give exit 1 after importing the rest")
        #expect(r.stdout.hasPrefix("collected 4 order(s) / 5 line(s); duplicates 0, excluded 0, unmatched 3, errors 2\n"), "\(r.stdout)")
        #expect(r.stdout.contains("error: row 6: order A-1004: column '수량': expected a whole number above 0, got '두개'"))
        r = try labeld(["orders", "list", "--island"], db: db)
        #expect(r.stdout.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 2 && r.stdout.contains("A-1002") && r.stdout.contains("도서"))
        r = try labeld(["orders", "import", fixtures + "/orders-utf8.csv", "--channel", "cafe24", "--strict"], db: db)
        #expect(r.status == 1 && r.stdout.contains("nothing imported (strict)"))

        r = try labeld(["settings", "set", "allocationBasis", "unlimited"], db: db)
        #expect(r.stdout == "allocationBasis: currentStock → unlimited\n")
        r = try labeld(["settings", "get", "allocationBasis"], db: db)
        #expect(r.stdout == "unlimited\n")
        r = try labeld(["settings", "set", "deliveryDelayDays", "soon"], db: db)
        #expect(r.status == 1 && r.stderr == "error [settings.invalid]: deliveryDelayDays: expected a whole number of days from 0 to 365, got 'soon'\n")
        r = try labeld(["settings", "audit"], db: db)
        #expect(r.stdout.contains("operator:tester\tsettings.set\tallocationBasis\tcurrentStock → unlimited"))
        r = try labeld(["stock", "market"], db: db)
        #expect(r.stdout.contains("JAM-500\t\t7"))
    }
}

@Suite("labeld shipping commands")
struct ShippingCLITests {
    @Test("allocate, assign a Lotte number from a range (check digit from the carrier profile), ship, reset as owner")
    func flow() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/db.sqlite"
        func labeld(_ args: [String]) throws -> ToolResult {
            try runTool(Project.binary, args + ["--db", db], environment: ["LABELD_HOME": Project.root])
        }
        try #"[{"code":"P1","name":"양말","sku":"SOCK"}]"#.write(toFile: dir + "/p.json", atomically: true, encoding: .utf8)
        try #"[{"orderNo":"F1","receiver":{"name":"가","phone":"010","postalCode":"06190","address":"서울"},"lines":[{"productName":"양말","quantity":2}]}]"#
            .write(toFile: dir + "/o.json", atomically: true, encoding: .utf8)
        _ = try labeld(["products", "import", dir + "/p.json"])
        _ = try labeld(["stock", "receive", "SOCK", "3"])
        _ = try labeld(["orders", "import", dir + "/o.json"])
        var r = try labeld(["orders", "allocate"])
        #expect(r.stdout.hasPrefix("1 order(s), 1 line(s) allocated; full 1"), "\(r.stdout)\(r.stderr)")
        r = try labeld(["shipments", "create"])
        #expect(r.stdout == "1 shipment(s) created\n")
        r = try labeld(["shipments", "add-range", "lotte", "31234567890", "31234567899"])
        #expect(r.stdout == "lotte: 31234567890…31234567899, check mod7-11\n", "\(r.stderr)")
        r = try labeld(["shipments", "assign", "1", "lotte"])
        #expect(r.stdout == "312345678901\n", "\(r.stderr)")
        r = try labeld(["shipments", "ship", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["stock", "list", "--sku", "SOCK"])
        #expect(r.stdout.contains("출고\t-2"))
        r = try labeld(["reset", "--confirm", "DELETE ALL ORDERS"])
        #expect(r.status == 1 && r.stderr.contains("reset is for the owner"))
        r = try labeld(["reset", "--role", "owner", "--confirm", "DELETE ALL ORDERS", "--backups", dir + "/backups"])
        #expect(r.status == 0 && r.stdout.hasPrefix("reset done; backup: \(dir)/backups/labeld-"), "\(r.stdout)\(r.stderr)")
    }
}
