import Foundation
import LabelTesting
import Testing

/// A seller's whole day through the binary, on one database file: catalog, a channel's CSV with
/// its own date and carrier spellings, allocation, 합포, shipments, a batch to a ZPL printer, a
/// station's scan, 재출력, shipping. Each step checks what a seller would see.
@Suite("A seller's day through the CLI")
struct SellerDayTests {
    @Test("import → allocate → 합포 → shipments → batch → scan → reprint → ship, with the orders that cannot ship held back")
    func sellersDay() throws {
        let dir = temporaryDirectory("day")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/var/labeld.sqlite"
        func labeld(_ args: [String]) throws -> ToolResult {
            try runTool(Project.binary, args + ["--db", db, "--name", "kim"], environment: ["LABELD_HOME": Project.root])
        }
        try SellerDay.products.write(toFile: dir + "/products.json", atomically: true, encoding: .utf8)
        var r = try labeld(["products", "import", dir + "/products.json"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["stock", "receive", "SOCK-GR", "3"])
        r = try labeld(["stock", "receive", "JAM-500", "1"])
        #expect(r.stdout == "JAM-500: on hand 1\n")

        // A channel's export: 스마트스토어's dotted times, 택배사 as the channel names it, a postal
        // code Excel shortened, waybill numbers with hyphens. D-2 (08:00) ordered before D-1 (14:30)
        // though it comes later in the file: the one jar goes to D-2.
        let csv = SellerDay.ordersCSV
        try csv.write(toFile: dir + "/orders.csv", atomically: true, encoding: .utf8)
        r = try labeld(["orders", "import", dir + "/orders.csv", "--channel", "smartstore"])
        #expect(r.status == 0 && r.stdout.hasPrefix("collected 4 order(s) / 4 line(s)"), "\(r.stdout)\(r.stderr)")

        r = try labeld(["orders", "allocate"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["orders", "list", "--json"])
        struct Order: Decodable { var id: Int64; var orderNo: String; var state: String; var postalCode: String }
        let orders = try JSONDecoder().decode([Order].self, from: Data(r.stdout.utf8))
        let byNo = Dictionary(uniqueKeysWithValues: orders.map { ($0.orderNo, $0) })
        #expect(byNo["D-2"]?.state == "full" && byNo["D-3"]?.state == "full", "\(orders)")
        #expect(byNo["D-1"]?.state == "notAllocatable" && byNo["D-4"]?.state == "notAllocatable", "\(orders)")
        #expect(byNo["D-1"]?.postalCode == "04524")

        // 합포: D-2 and D-3 go to the same receiver; the combined shipment keeps D-2's number.
        r = try labeld(["shipments", "combine", "\(byNo["D-2"]!.id)", "\(byNo["D-3"]!.id)"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["shipments", "create"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            0 shipment(s) created
            held back: order D-1: '수제 딸기잼 500g' is not allocated (0 of 1): receive stock and allocate, or split the order
            held back: order D-4: '카탈로그에 없는 머그컵' matches no product option (add it to the catalog, then import or match again)

            """, "\(r.stdout)")

        r = try labeld(["settings", "set", "sender", #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113","postalCode":"04782"}"#, "--role", "owner"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["printers", "add", "zebra", "--transport", "file:\(dir)/var/labels", "--language", "zpl"])
        #expect(r.status == 0, "\(r.stderr)")

        r = try labeld(["print", "batch", "--dry-run"])
        #expect(r.status == 0 && r.stdout.contains("waybills/generic-4x6 → zebra: 1 waybill(s)") && r.stdout.contains("D-2,D-3"), "\(r.stdout)\(r.stderr)")
        r = try labeld(["print", "batch"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let jobId = try #require(r.stdout.split(separator: " ").dropFirst().first.flatMap { Int64($0) }, "\(r.stdout)")
        #expect(r.stdout.hasPrefix("job \(jobId) completed on zebra: 1 label"), "\(r.stdout)")
        let zpl = try String(contentsOfFile: "\(dir)/var/labels/job-\(jobId).zpl", encoding: .utf8)
        #expect(zpl.contains("^FXlabeld shipment:"), "one tagged waybill")

        // A station scans the printed waybill (hyphens and all): already printed, nothing again.
        r = try labeld(["print", "scan", "6000-0000-0027"])
        #expect(r.status == 0 && r.stdout.contains("(already requested: nothing printed again)"), "\(r.stdout)\(r.stderr)")
        // The short and unmatched orders cannot be scanned into a waybill either.
        r = try labeld(["print", "scan", "D-1"])
        #expect(r.status == 1 && r.stderr.contains("cannot print: order D-1: '수제 딸기잼 500g' is not allocated"), "\(r.stderr)")

        r = try labeld(["jobs", "reprint", "\(jobId)", "--reason", "라벨 찢어짐"])
        #expect(r.status == 0 && r.stdout.contains("completed"), "\(r.stdout)\(r.stderr)")

        r = try labeld(["orders", "show", "\(byNo["D-3"]!.id)"])
        #expect(r.status == 0 && r.stdout.hasPrefix("order \(byNo["D-3"]!.id) smartstore D-3: printed\n"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("수면 양말 [색상:그레이]\t×2\tallocated 2\tSOCK-GR @A-03"), "\(r.stdout)")
        #expect(r.stdout.contains(": CJ대한통운 600000000027 printed, 합포 D-2, D-3"), "\(r.stdout)")
        #expect(r.stdout.contains("job \(jobId) completed on zebra") && r.stdout.contains("(재출력 of \(jobId): 라벨 찢어짐)"), "\(r.stdout)")
        r = try labeld(["shipments", "list"])
        let shipment = try #require(r.stdout.split(separator: "\n").first { $0.contains("D-2") }?.split(separator: "\t").first.map(String.init), "\(r.stdout)")
        #expect(r.stdout.contains("\tcj\t600000000027\tprinted\t"), "\(r.stdout)")
        r = try labeld(["shipments", "ship", shipment])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["stock", "list", "--sku", "SOCK-GR"])
        #expect(r.stdout.contains("출고\t-2"), "\(r.stdout)")
        r = try labeld(["orders", "list"])
        #expect(r.stdout.contains("D-2") && r.stdout.split(separator: "\n").filter { $0.contains("\tshipped\t") }.count == 2, "\(r.stdout)")

        // The database holds names, phones and addresses: the owner's alone.
        let mode = try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
