import Foundation
import LabelTesting
import Storage
import Testing

/// `labeld db copy`: a seller's SQLite file moved to PostgreSQL (or, on a run without one, to
/// another SQLite file), through the built binary.
@Suite("labeld db copy", .serialized)
struct DbCopyTests {
    func labeld(_ args: [String], db: String) throws -> ToolResult {
        try runTool(Project.binary, args + ["--db", db, "--name", "tester"], environment: ["LABELD_HOME": Project.root, "LABELD_RETRY_BASE": "0.2"])
    }

    @Test("a day's orders, stock, shipments and print jobs copied: counts and stock invariants checked, and labeld goes on on the copy (new ids after the copied ones)")
    func copy() throws {
        let dir = temporaryDirectory()
        let source = dir + "/var/labeld.sqlite"
        let labels = dir + "/labels"
        try FileManager.default.createDirectory(atPath: labels, withIntermediateDirectories: true)
        let orders = (1...6).map { i in
            #"{"channel":"smartstore","orderNo":"C\#(i)","receiver":{"name":"수령인\#(i)","phone":"0101234567\#(i)","postalCode":"0\#(3000 + i)","address":"서울 \#(i)"},"#
                + #""carrier":"generic","waybillNo":"7000000000\#(i)","lines":[{"productName":"러닝화","option":"사이즈:275","quantity":\#(i % 2 + 1)}]}"#
        }
        try ("[" + orders.joined(separator: ",") + "]").write(toFile: dir + "/orders.json", atomically: true, encoding: .utf8)
        try #"[{"code":"P1","name":"러닝화","option":"사이즈:275","sku":"SHOE-275"}]"#.write(toFile: dir + "/products.json", atomically: true, encoding: .utf8)
        for args in [["products", "import", dir + "/products.json"], ["stock", "receive", "SHOE-275", "20"], ["orders", "import", dir + "/orders.json"],
                     ["orders", "allocate"], ["settings", "set", "sender", #"{"name":"리빙플러스","phone":"0221358870","address":"서울 성동구"}"#, "--role", "owner"],
                     ["shipments", "create"], ["printers", "add", "office", "--transport", "file:\(labels)", "--language", "zpl"],
                     ["print", "batch", "--printer", "office", "--wait", "20"]] {
            let r = try labeld(args, db: source)
            #expect(r.status == 0, "\(args): \(r.stdout)\(r.stderr)")
        }
        let before = try labeld(["shipments", "list"], db: source).stdout
        let jobsBefore = try labeld(["jobs", "list"], db: source).stdout
        let stockBefore = try labeld(["stock", "list"], db: source).stdout

        let destination = TestDatabase.location(sqlitePath: dir + "/copy/labeld.sqlite")!
        let r = try runTool(Project.binary, ["db", "copy", "--from", source, "--to", destination], environment: ["LABELD_HOME": Project.root])
        #expect(r.status == 0 && r.stdout.contains("counts and stock invariants checked"), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("salesOrder\t6") && r.stdout.contains("printJob\t1") && r.stdout.contains("stockMovement\t"), "\(r.stdout)")

        // The copy answers as the original did.
        #expect(try labeld(["shipments", "list"], db: destination).stdout == before)
        #expect(try labeld(["jobs", "list"], db: destination).stdout == jobsBefore)
        #expect(try labeld(["stock", "list"], db: destination).stdout == stockBefore && stockBefore.contains("입고\t20"), "\(stockBefore)")
        // New rows get ids after the copied ones (PostgreSQL's sequences moved on), and print.
        try (#"[{"channel":"smartstore","orderNo":"C7","receiver":{"name":"수령인7","phone":"01012345677","postalCode":"03007","address":"서울 7"},"#
             + #""carrier":"generic","waybillNo":"70000000007","lines":[{"productName":"러닝화","option":"사이즈:275","quantity":1}]}]"#)
            .write(toFile: dir + "/more.json", atomically: true, encoding: .utf8)
        for args in [["orders", "import", dir + "/more.json"], ["orders", "allocate"], ["shipments", "create"], ["print", "scan", "70000000007", "--wait", "20"]] {
            let r = try labeld(args, db: destination)
            #expect(r.status == 0, "\(args): \(r.stdout)\(r.stderr)")
        }
        let after = try labeld(["jobs", "list"], db: destination).stdout
        #expect(after.split(separator: "\n").count == jobsBefore.split(separator: "\n").count + 1 && after.hasPrefix("2\t"), "\(after)")
    }
}
