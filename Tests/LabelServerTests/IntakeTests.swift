import Foundation
import Fulfillment
import Storage
import HTTPTypes
import HummingbirdTesting
import LabelModel
import LabelServer
import LabelTesting
@testable import PrintSpool
import LabeldSupport
import Printing
import Testing

/// The scan intake: many stations' scans acknowledged in one transaction.
@Suite("Scan intake")
struct IntakeTests {
    /// `count` shipments with waybill numbers 600000000001 … and one order after them without a
    /// shipment yet (through the API, as a seller would).
    static func seeded(_ count: Int) async throws -> ServerFixture {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            _ = try await client.call(.post, "/v1/orders", token: f.operatorToken, json: ServerFixture.ordersJSON(count))
            _ = try await client.call(.post, "/v1/shipments", token: f.operatorToken)
            _ = try await client.call(.post, "/v1/orders", token: f.operatorToken, json: ServerFixture.ordersJSON(1, from: count + 1))
        }
        return f
    }

    static func code(_ i: Int) -> String { String(format: "6%011d", i) }

    /// Waits (up to 10 s) until `condition` holds; false if it never did.
    static func until(_ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(2))
        }
        return condition()
    }

    /// Takes every scan at once; answers in the scans' order.
    static func takeAll(_ intake: ScanIntake, _ scans: [ScanIntake.Scan]) async -> [Result<ScanIntake.Outcome, any Error>] {
        await withTaskGroup(of: (Int, Result<ScanIntake.Outcome, any Error>).self) { group in
            for (i, scan) in scans.enumerated() {
                group.addTask {
                    do { return (i, .success(try await intake.take(scan))) } catch { return (i, .failure(error)) }
                }
            }
            var out = [Result<ScanIntake.Outcome, any Error>?](repeating: nil, count: scans.count)
            for await (i, r) in group { out[i] = r }
            return out.map { $0! }
        }
    }

    @Test("the waybill record the intake stores as text is the record every other path binds, as JSON")
    func recordText() throws {
        let f = try ServerFixture.make()
        let desk = f.service.desk
        var settings = try desk.fulfillment.settings()
        func line(_ name: String, _ option: String?, _ quantity: Int, gift: Bool = false, matched: Bool = true) -> String {
            #"{"orderNo":"A1","productName":"\#(name)","option":\#(option.map { "\"\($0)\"" } ?? "null"),"quantity":\#(quantity),"gift":\#(gift),"#
                + #""matched":\#(matched),"allocated":\#(matched ? quantity : 0)}"#
        }
        func detail(carrier: String?, message: String?, island: Bool, combined: Bool, lines: [String]) throws -> ShipmentDetail {
            let json = #"""
                {"id":42,"carrier":\#(carrier.map { "\"\($0)\"" } ?? "null"),"waybillNo":"600000000042","status":"pending",
                 "orderNumbers":["A1","A2-1"],"receiverName":"홍길동 \"별관\"","receiverPhone":"010-1234-5678","postalCode":"63000",
                 "address":"제주특별자치도 제주시 첨단로 242\n(2층)","message":\#(message.map { "\"\($0)\"" } ?? "null"),
                 "island":\#(island),"disruption":\#(!island),"combined":\#(combined),"delayed":\#(combined),
                 "lines":[\#(lines.joined(separator: ","))],"firstOrderId":7}
                """#
            return try JSONDecoder().decode(ShipmentDetail.self, from: Data(json.utf8))
        }
        let details = [
            try detail(carrier: "cj", message: "문 앞에 놓아 주세요\\t감사합니다", island: true, combined: true,
                       lines: [line("데일리 러닝화", "사이즈:270", 2), line("수제 딸기잼 500g", nil, 1), line("샘플 파우치", nil, 1, gift: true)]),
            try detail(carrier: nil, message: "", island: false, combined: false, lines: [line("쌀 4kg", nil, 3)]),
            try detail(carrier: "epost", message: nil, island: true, combined: false, lines: []),
            try detail(carrier: "lotte", message: nil, island: false, combined: false, lines: [line("카탈로그에 없는 상품", nil, 1, matched: false)]),
        ]
        // Waybills of orders that cannot ship print marked (`unallocated`) rather than held back.
        settings.unallocatedWaybills = .mark
        for d in details {
            for marking in [true, false] {
                settings.islandMarking = marking
                let text = try desk.waybillRecordText(d, settings: settings, today: "2026-11-29")
                #expect(text == (try desk.waybillRecord(d, settings: settings, today: "2026-11-29").jsonText), "\(text)")
            }
        }
        let first = try desk.waybillRecordText(details[0], settings: settings, today: "2026-11-29")
        #expect(first.contains(#""order_numbers":"A1, A2-1","products":[{"name":"#) && first.contains(#""option":"사이즈:270","qty":"#), "\(first)")
        #expect(first.contains(#""carrier":"cj","carrier_name":"CJ대한통운","#) && !first.contains("unallocated"), "\(first)")
        #expect(try desk.waybillRecordText(details[3], settings: settings, today: "2026-11-29").contains(#","unallocated":true,"waybill_no":"#))
        var noSender = settings
        noSender.sender = nil
        #expect(throws: (any Error).self) { try desk.waybillRecordText(details[0], settings: noSender, today: "2026-11-29") }
    }

    @Test("a scan through the intake stores the shipment's waybill record as its label's data")
    func storedRecord() async throws {
        let f = try await Self.seeded(2)
        let desk = f.service.desk
        let answers = await Self.takeAll(ScanIntake(desk: desk), [.init(code: Self.code(2), printer: "pack-1", idempotencyKey: nil, actor: "station:pack-1")])
        guard case .success(.submitted(let s, _, _)) = answers[0] else { Issue.record("\(answers[0])"); return }
        let id = try desk.fulfillment.shipment(scanned: Self.code(2))
        let stored = try await desk.fulfillment.writer.read { db in
            try String.fetchOne(db, sql: "SELECT data FROM printLabel WHERE jobId = ? AND seq = 1", arguments: [s.job.id])
        }
        let detail = try desk.fulfillment.shipmentDetail(id)
        let expected = try desk.waybillRecord(detail, settings: try desk.fulfillment.settings(), today: PrintDesk.today()).jsonText
        #expect(stored == expected)
        #expect(stored?.contains(#""waybill_no":"\#(Self.code(2))""#) == true)
    }

    @Test("scans taken together: each committed before its answer, one printer holder, errors and repeats answered apart")
    func together() async throws {
        let f = try await Self.seeded(11)
        let desk = f.service.desk
        let intake = ScanIntake(desk: desk)
        var scans = (1...10).map { ScanIntake.Scan(code: Self.code($0), printer: "pack-1", idempotencyKey: nil, actor: "station:pack-1") }
        scans.append(.init(code: Self.code(3), printer: "pack-1", idempotencyKey: nil, actor: "station:pack-1"))   // the same waybill again
        scans.append(.init(code: Self.code(11), printer: "nope", idempotencyKey: nil, actor: "station:pack-1"))    // no such printer
        scans.append(.init(code: "A000012", printer: "pack-1", idempotencyKey: nil, actor: "station:pack-1"))     // an order without a shipment
        scans.append(.init(code: "NO-SUCH-CODE", printer: "pack-1", idempotencyKey: nil, actor: "station:pack-1"))
        let answers = await Self.takeAll(intake, scans)

        var submitted: [(Submission, PrinterClaim?, Double)] = []
        for (i, answer) in answers.enumerated() where i < 11 {
            guard case .success(.submitted(let s, let claim, let persisted)) = answer else { Issue.record("scan \(i): \(answer)"); continue }
            submitted.append((s, claim, persisted))
        }
        #expect(submitted.count == 11)
        // The waybill scanned twice is one job: one answer made it, the other repeats it.
        let third = [submitted[2].0, submitted[10].0]
        #expect(third[0].job.id == third[1].job.id && third.filter(\.repeated).count == 1)
        let fresh = submitted.map(\.0).filter { !$0.repeated }
        #expect(fresh.count == 10 && Set(fresh.map(\.job.id)).count == 10 && fresh.allSatisfy { $0.job.state == .queued && $0.job.printer == "pack-1" })
        // Each answer's job is the row as stored.
        for s in fresh { #expect(try desk.store.job(s.job.id) == s.job) }
        // Nothing was queued for pack-1: the first scan holds it and prints inline; the rest wait behind it.
        let holders = submitted.filter { $0.1 != nil }
        #expect(holders.count == 1 && holders[0].0.job.id == fresh.map(\.job.id).min() && !holders[0].0.leftToWorker)
        #expect(fresh.filter(\.leftToWorker).count == 9 && submitted.allSatisfy { $0.2 >= 0 })
        #expect(desk.spooler.claimPrinter("pack-1") == nil, "held until its request settles")
        // A scan's own error, without the others': the unknown printer.
        guard case .failure(let error) = answers[11] else { Issue.record("\(answers[11])"); return }
        #expect((error as? PrintError)?.code == .notFound && "\(error)".contains("nope"))
        // Not the intake's: an order without a shipment yet (making one is a write of the order core) and an unknown code.
        guard case .success(.elsewhere) = answers[12], case .success(.elsewhere) = answers[13] else { Issue.record("\(answers[12]) \(answers[13])"); return }

        // Committed before the answers: another connection sees the jobs and the shipments printed.
        let other = try SQLiteStore.open(path: f.directory + "/var/labeld.sqlite")
        let (jobs, printed) = try await other.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM printJob WHERE printer = 'pack-1' AND state = 'queued'")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shipment WHERE status = 'printed'")!)
        }
        #expect(jobs == 10 && printed == 10)

        // Settled: the holder prints now with every stage; the rest go to the workers, in order.
        let inline = try desk.spooler.settle(holders[0].0, claim: holders[0].1, persisted: holders[0].2)
        #expect(inline.job.state == .completed && inline.job.timings.keys.sorted() == ["persist", "render", "send", "total"])
        for (s, claim, persisted) in submitted where claim == nil { _ = try desk.spooler.settle(s, claim: nil, persisted: persisted) }
        #expect(desk.spooler.claimPrinter("pack-1") != nil)
        let order = Collected<Int64>()
        let workers = SpoolWorkers(spooler: desk.spooler, onJob: { order.add($0.id) })
        workers.start(count: 2, interval: 0.05)
        var completed = 0
        for _ in 0..<600 where completed < 10 {
            try await Task.sleep(for: .milliseconds(50))
            completed = try desk.store.jobs(limit: 100, states: [.completed]).count
        }
        workers.stop()
        #expect(completed == 10)
        #expect(order.all == fresh.map(\.job.id).filter { $0 != inline.job.id }.sorted())
    }

    @Test("when another caller's work fails in the same commit group, the scans are queued once and no printer stays held")
    func groupRerun() async throws {
        let f = try await Self.seeded(1)
        let desk = f.service.desk
        let intake = ScanIntake(desk: desk)
        struct Refused: Error {}
        // A leader holds the commit group until the scan and a failing caller both wait for the
        // next group: they meet in it, and the failure makes the group run each body again alone.
        let leading = Monitor(false), letGo = Monitor(false)
        let leader = Thread {
            _ = try? desk.store.durably { _ in
                leading.withLock { $0 = true }
                leading.broadcast()
                letGo.wait(until: Date().addingTimeInterval(30), for: { $0 }) { _, _ in }
            }
        }
        leader.start()
        #expect(leading.wait(until: Date().addingTimeInterval(10), for: { $0 }) { _, held in held })
        async let scan = intake.take(.init(code: Self.code(1), printer: "pack-1", idempotencyKey: nil, actor: "station:pack-1"))
        #expect(try await Self.until { desk.store.commitsWaiting == 1 }, "the scan waits for the next group")
        // A thread of its own (the test pool's threads may all be busy with other tests' work).
        let failed = Monitor<(any Error)??>(nil)
        Thread {
            let outcome: (any Error)?
            do { try desk.store.durably { db in
                try db.execute(sql: "INSERT INTO auditLog (at, actor, action, subject) VALUES ('x', 'test', 'test', 'x')")
                throw Refused()
            }; outcome = nil } catch { outcome = error }
            failed.withLock { $0 = .some(outcome) }
            failed.broadcast()
        }.start()
        #expect(try await Self.until { desk.store.commitsWaiting == 2 }, "the failing caller joins it")
        letGo.withLock { $0 = true }
        letGo.broadcast()
        let error = failed.wait(until: Date().addingTimeInterval(30), for: { $0 != nil }) { state, _ in state ?? nil }
        #expect(error is Refused)
        guard case .submitted(let s, let claim, let persisted) = try await scan else { Issue.record("not submitted"); return }
        #expect(claim != nil && !s.repeated && !s.leftToWorker)
        #expect(try desk.store.jobs(printer: "pack-1").count == 1)
        #expect(desk.spooler.claimPrinter("pack-1") == nil)
        _ = try desk.spooler.settle(s, claim: claim, persisted: persisted)
        #expect(desk.spooler.claimPrinter("pack-1") != nil, "nothing left held")
        #expect(try desk.store.job(s.job.id).state == .completed)
    }
}
