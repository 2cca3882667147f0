import Foundation
import LabelTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// 택배연동 through the binary against the CJ stand-in (Tests/tools/cj_standin.py, answering from
/// docs/carriers/cj-contract.json): orders in → shipments routed and numbered by CJ → a batch in
/// 분류코드 order on the CJ template with every cj.* field → bookings registered once each, also
/// when labeld is killed between print and booking → a cancel withdraws a booking.
@Suite("A CJ대한통운-connected day through the CLI", .serialized)
struct CJDayTests {
    @Test("orders → shipments routed and numbered → batch sorted by routing code on the CJ template → booked once each → a cancel; unreachable CJ leaves shipments pending")
    func connectedDay() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let cj = try lab.startCJStandIn()
        let dir = temporaryDirectory("cjday")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/var/labeld.sqlite"
        func labeld(_ args: [String]) throws -> ToolResult {
            try runTool(Project.binary, args + ["--db", db, "--name", "kim"], environment: ["LABELD_HOME": Project.root])
        }
        try #"""
            [{"code":"P1","name":"수면 양말","sku":"SOCK-GR","option":"색상:그레이","itemCode":"SOCK-GR","location":"A-03"},
             {"code":"P2","name":"수제 딸기잼 500g","sku":"JAM-500","itemCode":"JAM-500","location":"B-01"}]
            """#.write(toFile: dir + "/products.json", atomically: true, encoding: .utf8)
        #expect(try labeld(["products", "import", dir + "/products.json"]).status == 0)
        for sku in ["SOCK-GR", "JAM-500"] { #expect(try labeld(["stock", "receive", sku, "20"]).status == 0) }
        #expect(try labeld(["printers", "add", "pack-1", "--transport", "file:\(dir)/labels", "--language", "png"]).status == 0)
        for (key, value) in [("carrierConnections", cj.connectionSetting), ("waybillFormats", #"{"cj":{"template":"waybills/cj","printer":"pack-1"}}"#),
                             ("printOrder", "routing:asc"),
                             ("sender", #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113","postalCode":"04782"}"#)] {
            let r = try labeld(["settings", "set", key, value, "--role", "owner"])
            #expect(r.status == 0, "\(key): \(r.stderr)")
        }
        // The credentials are never shown whole.
        var r = try labeld(["settings", "get", "carrierConnections"])
        #expect(!r.stdout.contains(cj.customerId) && !r.stdout.contains(cj.businessNumber) && r.stdout.contains("3*****59"), "\(r.stdout)")
        r = try labeld(["settings", "audit"])
        #expect(!r.stdout.contains(cj.customerId) && !r.stdout.contains(cj.businessNumber), "\(r.stdout)")

        // 쿠팡's export (서울 중구, 서울 강남구, 제주) and one more order to 울릉도, which CJ does not deliver to.
        let export = try Workbooks.marketplace("coupang-40", in: dir)
        #expect(try labeld(["orders", "import", export]).status == 0)
        try #"""
            [{"orderNo":"U-1","receiver":{"name":"울릉주민","phone":"01099998888","postalCode":"40200","address":"경상북도 울릉군 울릉읍 도동길 1"},
              "lines":[{"productName":"수제 딸기잼 500g","itemCode":"JAM-500","quantity":1}]}]
            """#.write(toFile: dir + "/u.json", atomically: true, encoding: .utf8)
        #expect(try labeld(["orders", "import", dir + "/u.json"]).status == 0)
        #expect(try labeld(["orders", "allocate"]).status == 0)

        // Shipments are routed and numbered as they are made.
        r = try labeld(["shipments", "create"])
        #expect(r.stdout == "4 shipment(s) created\nrefined 4 shipment(s): routed 2, delayed 1, undeliverable 1, pending 0; 3 waybill number(s) issued\n",
                "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("shipment 4 (U-1): CJ대한통운 does not deliver to this address (배송불가): -20009 배송 불가 주소"), "\(r.stderr)")

        // The dry run lists the undeliverable one as refused; the rest in 분류코드 order.
        r = try labeld(["print", "batch", "--dry-run"])
        #expect(r.stdout.contains("waybills/cj → ") && r.stdout.contains("3 waybill(s)"), "\(r.stdout)")
        #expect(r.stderr.contains("shipment 4 (U-1): CJ대한통운 does not deliver to this address (배송불가)"), "\(r.stderr)")

        r = try labeld(["print", "batch"])
        #expect(r.stdout.contains("completed on pack-1: 3 labels") && r.stdout.contains("booked 3 (already booked 0), canceled 0, failed 0"),
                "\(r.stdout)\(r.stderr)")
        // Every label: the issued waybill number and the sort code CJ gave, both as barcodes (read by zbar), in 분류코드 order.
        let pngs = try FileManager.default.contentsOfDirectory(atPath: dir + "/labels").filter { $0.hasSuffix(".png") }.sorted()
        #expect(pngs.count == 3)
        var sortCodes: [String] = [], waybills: [String] = []
        for png in pngs {
            let read = try Decoders.zbar(dir + "/labels/" + png).filter { $0.format == "CODE-128" }.map(\.text)
            let number = read.first { $0.count == 12 && $0.allSatisfy(\.isNumber) }
            let sort = read.first { $0.contains("-") }
            #expect(number != nil && sort != nil, "\(png): \(read)")
            waybills.append(number ?? ""); sortCodes.append(sort ?? "")
        }
        #expect(Set(waybills) == ["650000000001", "650000000002", "650000000003"], "\(waybills)")
        #expect(sortCodes == sortCodes.sorted(), "batch in routing order: \(sortCodes)")
        // CJ has each booking once, self-printed (PRT_ST 02).
        var log = try cj.log()
        #expect(Set(log.bookings.keys) == Set(waybills) && log.bookings.values.allSatisfy { $0["accepted"] as? Int == 1 && $0["printed"] as? String == "02" },
                "\(log.bookings)")
        r = try labeld(["shipments", "bookings"])
        #expect(r.stdout.split(separator: "\n").count == 3 && !r.stdout.contains("due"), "\(r.stdout)")

        // A canceled order's booking is withdrawn (cancelExchange holds first: cancel twice).
        r = try labeld(["orders", "list", "--json"])
        struct Order: Decodable { var id: Int64; var orderNo: String }
        let orders = try JSONDecoder().decode([Order].self, from: Data(r.stdout.utf8))
        let kim = try #require(orders.first { $0.orderNo == "312000000200" })
        #expect(try labeld(["orders", "cancel", "\(kim.id)"]).status == 0)
        #expect(try labeld(["orders", "cancel", "\(kim.id)"]).status == 0)
        r = try labeld(["shipments", "book"])
        #expect(r.stdout == "booked 0 (already booked 0), canceled 1, failed 0\n", "\(r.stdout)\(r.stderr)")
        log = try cj.log()
        #expect(log.bookings.values.filter { $0["state"] as? String == "canceled" }.map { $0["receiver"] as? String } == ["김철수"], "\(log.bookings)")

        // CJ unreachable: a new order's shipment is pending and does not print; once CJ answers, it does.
        try #"""
            [{"orderNo":"N-1","receiver":{"name":"새고객","phone":"01077776666","postalCode":"06190","address":"서울특별시 강남구 테헤란로 5"},
              "lines":[{"productName":"수면 양말","itemCode":"SOCK-GR","quantity":1}]}]
            """#.write(toFile: dir + "/n.json", atomically: true, encoding: .utf8)
        #expect(try labeld(["orders", "import", dir + "/n.json"]).status == 0)
        #expect(try labeld(["orders", "allocate"]).status == 0)
        try cj.control(#"{"down": ["ReqAddrRfnSm"]}"#)
        r = try labeld(["shipments", "create"])
        #expect(r.stdout.contains("pending 1"), "\(r.stdout)")
        r = try labeld(["print", "scan", "N-1"])
        #expect(r.status == 1 && r.stderr.contains("routing pending: CJ대한통운 has not routed the address yet"), "\(r.stderr)")
        try cj.control(#"{"down": []}"#)
        r = try labeld(["shipments", "refine"])
        #expect(r.status == 0 && r.stdout.hasPrefix("refined 1 shipment(s): routed 1"), "\(r.stdout)\(r.stderr)")

        // labeld killed between print and booking: the booking is due in the database, and goes
        // out once — CJ had taken the first call (its answer lost), so the second is "already booked".
        try cj.control(#"{"hang": {"RegBook": 1}, "hangSeconds": 2}"#)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Project.binary)
        p.arguments = ["print", "scan", "N-1", "--db", db, "--name", "kim"]
        p.environment = ["LABELD_HOME": Project.root]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        #expect(eventually(timeout: 20) { ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/labels")) ?? []).filter { $0.hasSuffix(".png") }.count == 4 })
        #expect(eventually(timeout: 10) { ((try? cj.log().calls["RegBook"]) ?? 0) >= 4 }, "the booking call is on its way")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        r = try labeld(["shipments", "bookings"])
        #expect(r.stdout.contains("\tdue\t"), "\(r.stdout)")
        Thread.sleep(forTimeInterval: 2.5)   // CJ finishes the call it was given
        r = try labeld(["shipments", "book"])
        #expect(r.stdout == "booked 1 (already booked 1), canceled 0, failed 0\n", "\(r.stdout)\(r.stderr)")
        log = try cj.log()
        #expect(log.bookings.count == 4 && log.bookings.values.allSatisfy { $0["accepted"] as? Int == 1 }, "\(log.bookings)")
        r = try labeld(["shipments", "bookings"])
        #expect(!r.stdout.contains("\tdue\t"), "\(r.stdout)")
    }
}
