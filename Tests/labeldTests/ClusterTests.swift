import Foundation
import Fulfillment
import LabelTesting
import Storage
import Testing

/// Several `labeld serve` nodes on one PostgreSQL (this run's, `TestDatabase`), socket printers
/// (TCP sinks answering `~HS` and the label counter) recording every label's `^FX` tag, and the
/// faults a warehouse meets: a node killed, a node frozen past its lease. Every label prints once.
@Suite("Several nodes on one PostgreSQL: printers fail over under fenced leases", .serialized,
       .enabled(if: TestDatabase.postgres != nil, "needs this run's PostgreSQL (make test's second pass)"))
struct ClusterTests {
    /// The lease the nodes run with: short here; `Scripts/bench-cluster.sh` times failover with the default (10 s).
    static let lease = ProcessInfo.processInfo.environment["LABELD_BENCH_LEASE"] ?? "3"

    struct Node {
        let name: String
        let process: Process
        let log: String
        var text: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    }

    func labeld(_ args: [String], db: String) throws -> ToolResult {
        try runTool(Project.binary, args + ["--db", db, "--name", "tester"], environment: ["LABELD_HOME": Project.root])
    }

    func startNode(_ lab: PrintLab, _ name: String, db: String, dir: String) throws -> Node {
        let log = dir + "/\(name).log"
        let p = try lab.spawn(Project.binary, ["serve", "--port", "0", "--db", db, "--node", name], log: log,
                              environment: ["LABELD_HOME": Project.root, "LABELD_LEASE_SECONDS": Self.lease, "LABELD_RETRY_BASE": "0.2",
                                            "LABELD_FILE_PRINTER_DIR": dir + "/labels-\(name)", "LABELD_BACKUP_DIR": dir + "/backups"])
        let up = eventually(timeout: 30) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("labeld listening on") }
        guard up else { throw PrintLab.LabError("node \(name) did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
        return Node(name: name, process: p, log: log)
    }

    /// `count` orders with waybill numbers, shipments made, `printers` socket printers on sinks.
    func seed(_ lab: PrintLab, dir: String, db: String, orders count: Int, printers: Int) throws -> [PrintLab.Sink] {
        var orders: [String] = []
        for i in 1...count {
            orders.append(#"{"channel":"smartstore","orderNo":"N\#(String(format: "%06d", i))","receiver":{"name":"수령인\#(i)","phone":"010\#(String(format: "%08d", i))","#
                + #""postalCode":"0\#(3000 + i % 6000)","address":"서울특별시 종로구 종로 \#(i)"},"carrier":"generic","waybillNo":"\#(String(format: "8%011d", i))","#
                + #""lines":[{"productName":"상품 \#(i)","quantity":1}]}"#)
        }
        try ("[" + orders.joined(separator: ",") + "]").write(toFile: dir + "/orders.json", atomically: true, encoding: .utf8)
        for args in [["orders", "import", dir + "/orders.json"],
                     ["settings", "set", "sender", #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113"}"#, "--role", "owner"],
                     ["settings", "set", "unallocatedWaybills", "mark", "--role", "owner"], ["shipments", "create"]] {
            let r = try labeld(args, db: db)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        var sinks: [PrintLab.Sink] = []
        for i in 0..<printers {
            let sink = try lab.startSink(name: "p\(i)", statusFile: dir + "/status-p\(i)")
            try "0,0,0".write(toFile: dir + "/status-p\(i)", atomically: true, encoding: .utf8)
            let r = try labeld(["printers", "add", "p\(i)", "--transport", "socket:127.0.0.1:\(sink.port)", "--language", "zpl", "--host-status"], db: db)
            #expect(r.status == 0, "\(r.stderr)")
            sinks.append(sink)
        }
        return sinks
    }

    /// printer → owner, for leases not expired.
    func holders(_ store: any SQLStore) throws -> [String: String] {
        try store.read { db in
            let now = try db.databaseTime()
            return Dictionary(uniqueKeysWithValues: try SQLRow.fetchAll(db, sql: "SELECT printer, owner FROM printerLease WHERE expiresAt > ?", arguments: [now])
                .map { ($0[0] as String, $0[1] as String) })
        }
    }

    /// Every job done, and every label tag in the sinks exactly once.
    func checkExactlyOnce(_ store: any SQLStore, sinks: [PrintLab.Sink], labels: Int, timeout: Double = 180) throws {
        let done = eventually(timeout: timeout) {
            (try? store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM printJob WHERE state NOT IN ('completed')") }) == 0
        }
        let states = try store.read { db in try SQLRow.fetchAll(db, sql: "SELECT id, printer, state, labelsSent, labelCount, reason FROM printJob ORDER BY id") }
        #expect(done, "jobs: \(states.map { "\($0.values)" })")
        for s in sinks { #expect(s.waitUntilClosed(timeout: 30)) }
        let tags = sinks.flatMap { $0.completeLabelTags() }
        let sources = tags.map { String($0.split(separator: " ")[0]) }
        #expect(tags.count == labels, "\(tags.count) labels arrived for \(labels)")
        #expect(Set(sources).count == labels, "\(labels - Set(sources).count) label(s) missing or \(tags.count - Set(sources).count) twice")
        var seen: [String: Int] = [:]
        for s in sources { seen[s, default: 0] += 1 }
        #expect(seen.values.allSatisfy { $0 == 1 }, "printed twice: \(seen.filter { $0.value > 1 }.keys.sorted().prefix(10))")
        let core = try FulfillmentStore(writer: store)
        #expect(try core.ledgerMismatches().isEmpty && core.overAllocated().isEmpty, "stock invariants")
    }

    @Test("3 nodes, a 1000-label batch over 4 printers, kill -9 of the node holding most printers mid-batch: every label printed exactly once; failover timed")
    func killNine() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let dir = temporaryDirectory()
        let db = TestDatabase.location(sqlitePath: nil)!
        let sinks = try seed(lab, dir: dir, db: db, orders: 1000, printers: 4)
        let store = try Stores.open(db)
        var nodes: [Node] = []
        for n in ["n1", "n2", "n3"] { nodes.append(try startNode(lab, n, db: db, dir: dir)) }
        #expect(eventually(timeout: 20) { (try? holders(store).count) == 4 }, "leases: \((try? holders(store)) ?? [:])")
        // One batch per printer, queued by the command line (a client: the nodes print).
        for i in 0..<4 {
            let r = try labeld(["print", "batch", "--printer", "p\(i)", "--limit", "250"], db: db)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        }
        #expect(eventually(timeout: 60) { sinks.map { $0.completeLabelTags().count }.reduce(0, +) >= 120 })
        let held = try holders(store)
        let victimName = Dictionary(grouping: held.values, by: { $0 }).max { $0.value.count < $1.value.count }!.key
        let victim = nodes.first { $0.name == victimName }!
        let victimPrinters = held.filter { $0.value == victimName }.keys.sorted()
        let countsAtKill = victimPrinters.map { p in sinks[Int(p.dropFirst())!].completeLabelTags().count }
        kill(victim.process.processIdentifier, SIGKILL)
        let killedAt = Date()
        victim.process.waitUntilExit()
        // Failover: from the kill to the first label of the victim's printers printed by another node.
        // Labels the victim wrote ahead before it died still arrive: only those after another node
        // took the printer count.
        var failover: Double?
        var atTakeover: [String: Int] = [:]
        let moved = eventually(timeout: 60) {
            let owners = (try? holders(store)) ?? [:]
            for p in victimPrinters where atTakeover[p] == nil {
                if let o = owners[p], o != victimName { atTakeover[p] = sinks[Int(p.dropFirst())!].completeLabelTags().count }
            }
            if atTakeover.contains(where: { p, n in sinks[Int(p.dropFirst())!].completeLabelTags().count > n }) {
                failover = Date().timeIntervalSince(killedAt)
                return true
            }
            return false
        }
        _ = countsAtKill
        print("failover (lease \(Self.lease) s): kill -9 of \(victimName) holding \(victimPrinters) → first label by the new owner after \(failover.map { String(format: "%.2f s", $0) } ?? "-")")
        #expect(moved)
        try checkExactlyOnce(store, sinks: sinks, labels: 1000)
        let after = try holders(store)
        #expect(!after.values.contains(victimName) && after.count == 4, "\(after)")
        let takeovers = nodes.filter { $0.name != victimName }.map(\.text).joined()
        #expect(takeovers.contains("printer lease taken") && takeovers.contains(victimName), "the survivors logged the takeover")
    }

    @Test("a node frozen (SIGSTOP) past its lease: another takes its printer; resumed (SIGCONT), its stale writes are refused and it sends nothing more")
    func frozen() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let dir = temporaryDirectory()
        let db = TestDatabase.location(sqlitePath: nil)!
        let sinks = try seed(lab, dir: dir, db: db, orders: 600, printers: 2)
        let store = try Stores.open(db)
        var nodes: [Node] = []
        for n in ["f1", "f2"] { nodes.append(try startNode(lab, n, db: db, dir: dir)) }
        #expect(eventually(timeout: 20) { (try? holders(store).count) == 2 })
        for i in 0..<2 {
            let r = try labeld(["print", "batch", "--printer", "p\(i)", "--limit", "300"], db: db)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        }
        #expect(eventually(timeout: 60) { sinks[0].completeLabelTags().count >= 30 })
        let owner = try holders(store)["p0"]!
        let frozen = nodes.first { $0.name == owner }!
        kill(frozen.process.processIdentifier, SIGSTOP)
        // Past its lease: the other node takes p0 (and p1, if the frozen node held it).
        #expect(eventually(timeout: 30) { (try? holders(store)["p0"]).flatMap { $0 } != nil && (try? holders(store)["p0"]) != owner })
        // The printer takes one connection at a time (as port 9100 does): the frozen node's stays
        // open, so the new owner waits for it. What the frozen node had written reached the printer
        // while it was stopped; after SIGCONT its connection must not grow by a byte.
        Thread.sleep(forTimeInterval: 1)
        let before = sinks[0].connections()
        kill(frozen.process.processIdentifier, SIGCONT)
        try checkExactlyOnce(store, sinks: sinks, labels: 600)
        let after = sinks[0].connections()
        #expect(before.last.map(\.count) == after[before.count - 1].count,
                "the resumed node sent \(after[before.count - 1].count - (before.last?.count ?? 0)) more bytes")
        #expect(after.count > before.count, "the new owner printed the rest on a connection of its own")
        #expect(frozen.process.isRunning, "the resumed node carries on (without the printer)")
        let log = frozen.text
        #expect(log.contains("does not hold printer") || log.contains("printer lease lost"), "the resumed node's writes were refused: \(log.suffix(3000))")
    }
}
