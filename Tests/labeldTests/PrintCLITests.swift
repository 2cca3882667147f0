import Foundation
import GRDB
import LabelTesting
import Testing

/// Printing through the built binary against a real private cupsd whose raw queue feeds a TCP sink.
@Suite("labeld print: printers, batches, crash safety", .serialized)
struct PrintCLITests {
    func labeld(_ args: [String], db: String) throws -> ToolResult {
        try runTool(Project.binary, args + ["--db", db, "--name", "tester"], environment: ["LABELD_HOME": Project.root, "LABELD_RETRY_BASE": "0.2"])
    }

    /// `count` orders with waybill numbers, the sender set, shipments made.
    func seed(_ dir: String, db: String, count: Int) throws {
        var orders: [String] = []
        for i in 1...count {
            let minute = String(format: "%02d", i % 60), hour = String(format: "%02d", 9 + (i / 60) % 12)
            orders.append(#"{"channel":"smartstore","orderNo":"A\#(String(format: "%06d", i))","orderedAt":"2026-11-28T\#(hour):\#(minute):00+09:00","#
                + #""receiver":{"name":"수령인\#(i)","phone":"01012345678","postalCode":"0\#(3000 + i % 6000)","address":"서울특별시 종로구 종로 \#(i)"},"#
                + #""carrier":"generic","waybillNo":"\#(String(format: "6%011d", i))","lines":[{"productName":"상품 \#(i) 생활용품 세트","option":"구성:3개입","quantity":\#(1 + i % 3)},{"productName":"사은품 파우치","quantity":1,"gift":true}]}"#)
        }
        try ("[" + orders.joined(separator: ",") + "]").write(toFile: dir + "/orders.json", atomically: true, encoding: .utf8)
        var r = try labeld(["orders", "import", dir + "/orders.json"], db: db)
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["settings", "set", "sender", #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113"}"#, "--role", "owner"], db: db)
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["settings", "set", "unallocatedWaybills", "mark", "--role", "owner"], db: db)
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["shipments", "create"], db: db)
        #expect(r.stdout == "\(count) shipment(s) created\n", "\(r.stderr)")
    }

    @Test("printers add/list/check, print batch --dry-run order, print shipment, jobs list/show/reprint/cancel")
    func commands() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let sink = try lab.startCUPSWithRawQueue("zebra")
        let dir = temporaryDirectory()
        let db = dir + "/var/labeld.sqlite"
        try seed(dir, db: db, count: 3)

        var r = try labeld(["printers", "add", "zebra", "--transport", "cups:zebra@\(lab.cupsServer)", "--language", "zpl", "--station", "pack-1"], db: db)
        #expect(r.stdout == "printer zebra: cups:zebra@\(lab.cupsServer), zpl at 203 dpi\n", "\(r.stderr)")
        r = try labeld(["printers", "add", "bad", "--transport", "lpd:x"], db: db)
        #expect(r.status == 1 && r.stderr == "error: transport 'lpd:x': unknown scheme 'lpd' (expected cups:QUEUE, socket:HOST:PORT, ipp:URI or file:DIR)\n")
        r = try labeld(["printers", "check", "zebra"], db: db)
        #expect(r.status == 0 && r.stdout == "zebra: idle, ready\n", "\(r.stdout)\(r.stderr)")
        r = try labeld(["printers", "list", "--cups", lab.cupsServer], db: db)
        #expect(r.stdout.contains("zebra\tcups:zebra@\(lab.cupsServer)\tzpl 203dpi\tidle\tready\tstations: pack-1") && r.stdout.contains("cups:zebra\tidle\tready"), "\(r.stdout)")
        r = try labeld(["printers", "check", "nope"], db: db)
        #expect(r.status == 1 && r.stderr == "error: no printer 'nope' (printers: zebra)\n")

        try runTool("/usr/bin/env", ["true"])
        r = try labeld(["settings", "set", "printOrder", "orderedAt:desc", "--role", "owner"], db: db)
        r = try labeld(["print", "batch", "--dry-run"], db: db)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "print order: orderedAt:desc, then order id")
        #expect(lines.dropFirst(2).map { $0.split(separator: "\t")[2] } == ["A000003", "A000002", "A000001"], "\(r.stdout)")

        r = try labeld(["print", "scan", "600000000002", "--wait", "20"], db: db)
        #expect(r.status == 0 && r.stdout.hasPrefix("job 1 completed on zebra: 1 label, print-server job "), "\(r.stdout)\(r.stderr)")
        r = try labeld(["print", "scan", "A000002"], db: db)
        #expect(r.stdout.hasPrefix("job 1 completed (already requested: nothing printed again)"), "\(r.stdout)")
        r = try labeld(["print", "batch", "--wait", "20"], db: db)
        #expect(r.stdout.hasPrefix("job 2 completed on zebra: 2 labels"), "\(r.stdout)\(r.stderr)")
        r = try labeld(["jobs", "reprint", "2", "--reason", "용지 걸림", "--wait", "20", "--role", "operator"], db: db)
        #expect(r.stdout.hasPrefix("job 3 completed on zebra: 2 labels"), "\(r.stdout)\(r.stderr)")
        r = try labeld(["jobs", "list"], db: db)
        #expect(r.stdout.split(separator: "\n").first?.hasPrefix("3\tcompleted\tzebra\t2/2\twaybill-batch\t재출력 송장출력 2건") == true, "\(r.stdout)")
        #expect(r.stdout.contains("재출력 of 2: 용지 걸림"))
        r = try labeld(["jobs", "show", "2", "--document", dir + "/job2.zpl"], db: db)
        #expect(r.stdout.contains("1\tshipment:3") && r.stdout.contains("2\tshipment:1"), "\(r.stdout)")
        #expect(sink.waitFor(bytes: 1))
        Thread.sleep(forTimeInterval: 0.5)
        let tags = sink.completeLabelTags()
        #expect(tags == ["shipment:2 1/1", "shipment:3 1/2", "shipment:1 2/2", "shipment:3 1/2", "shipment:1 2/2"], "\(tags)")
        r = try labeld(["jobs", "cancel", "2"], db: db)
        #expect(r.status == 1 && r.stderr == "error: the job is already completed: nothing to cancel\n")
    }

    @Test("kill -9 in the middle of a 1000-label batch, restart: every label arrived exactly once, in order",
          arguments: ["rendering", "sending"])
    func killNine(at state: String) throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let sink = try lab.startCUPSWithRawQueue("zebra")
        let dir = temporaryDirectory()
        let db = dir + "/var/labeld.sqlite"
        try seed(dir, db: db, count: 1000)
        #expect(try labeld(["printers", "add", "zebra", "--transport", "cups:zebra@\(lab.cupsServer)"], db: db).status == 0)

        let printing = try lab.spawn(Project.binary, ["print", "batch", "--db", db, "--printer", "zebra"], log: dir + "/print.log",
                                     environment: ["LABELD_HOME": Project.root])
        let reader = try DatabaseQueue(path: db)
        var caught = false
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && printing.isRunning {
            let now = try reader.read { db in try String.fetchOne(db, sql: "SELECT state FROM printJob ORDER BY id DESC LIMIT 1") }
            if now == state {
                if state == "rendering" { Thread.sleep(forTimeInterval: 0.3) }
                kill(printing.processIdentifier, SIGKILL)
                caught = true
                break
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
        printing.waitUntilExit()
        #expect(caught && printing.terminationReason == .uncaughtSignal, "labeld was not caught while \(state): \((try? String(contentsOfFile: dir + "/print.log", encoding: .utf8)) ?? "")")
        let before = try reader.read { db in try Row.fetchOne(db, sql: "SELECT state, labelCount FROM printJob") }
        #expect((before?["labelCount"] as Int?) == 1000)

        let r = try labeld(["jobs", "resume", "--wait", "90"], db: db)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let job = try reader.read { db in try Row.fetchOne(db, sql: "SELECT state, labelsSent FROM printJob") }
        #expect((job?["state"] as String?) == "completed" && (job?["labelsSent"] as Int?) == 1000)
        let document = try #require(try reader.read { db in try Data.fetchOne(db, sql: "SELECT bytes FROM printDocument") })
        #expect(sink.waitFor(bytes: document.count, timeout: 60))
        Thread.sleep(forTimeInterval: 1)
        let tags = sink.completeLabelTags()
        #expect(tags.count == 1000)
        #expect(tags.map { String($0.split(separator: " ")[1]) } == (1...1000).map { "\($0)/1000" })
        #expect(Set(tags.map { $0.split(separator: " ")[0] }).count == 1000)
        // What the printer got whole is exactly one copy of the stored document.
        #expect(sink.connections().filter { !$0.isEmpty }.last == [UInt8](document))
    }
}
