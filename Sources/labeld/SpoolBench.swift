import ArgumentParser
import Foundation
import Fulfillment
import Printing
import PrintSpool
import LabelModel
import Rendering

/// `labeld bench spool`: scan→spool latency and a sorted batch, against a running cupsd raw queue
/// and a TCP sink (Scripts/bench-spool.sh starts both on loopback).
struct SpoolBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "Time single-waybill prints (render + submit to a CUPS raw queue) and a sorted 1000-waybill batch from the database.",
        discussion: "Needs a CUPS queue (--queue QUEUE@HOST:PORT) and a port-9100 sink (--sink HOST:PORT); Scripts/bench-spool.sh sets both up.")

    @Option(name: .long, help: "CUPS raw queue as QUEUE@HOST:PORT.") var queue: String
    @Option(name: .long, help: "A raw TCP sink as HOST:PORT.") var sink: String
    @Option(name: .long) var prints: Int = 1000
    @Option(name: .long) var batch: Int = 1000
    @Option(name: .long, help: "Database file (default: a new one in a temp folder).") var db: String?

    func run() throws {
        try reportingErrors {
            let dir = try scratchDirectory("labeld-bench")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let desk = try PrintDesk.open(databasePath: db ?? dir + "/bench.sqlite", rendering: .standard())
            let store = desk.fulfillment, spool = desk.store
            let shipments = try seedBenchOrders(store, count: prints + 2 * batch)

            try spool.save(PrinterProfile(name: "cups", transport: "cups:\(queue)", language: .zpl))
            try spool.save(PrinterProfile(name: "sink", transport: "socket:\(sink)", language: .zpl))

            // 1. Scan → spool: one waybill at a time, each rendered and handed to cupsd.
            _ = try desk.printShipment(shipments[0], printer: "cups", actor: "station:bench", fallbackDirectory: dir)  // warm-up
            var times: [Double] = [], render: [Double] = [], send: [Double] = []
            for id in shipments[1..<prints] {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let s = try desk.printShipment(id, printer: "cups", actor: "station:bench", fallbackDirectory: dir)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                guard s.job.state == .sent || s.job.state == .completed else { throw CLIError(description: "job \(s.job.id) ended \(s.job.state): \(s.job.reason ?? "")") }
                render.append(s.job.timings["render"] ?? 0)
                send.append(s.job.timings["send"] ?? 0)
            }
            func pct(_ v: [Double], _ p: Double) -> Double { let s = v.sorted(); return s[min(s.count - 1, Int(Double(s.count) * p))] }
            print(String(format: "scan→spool (render + submit to cupsd raw queue), %d prints: p50 %.2f ms, p99 %.2f ms, max %.2f ms; render p50 %.2f ms, submit p50 %.2f ms",
                         times.count, pct(times, 0.5), pct(times, 0.99), times.max() ?? 0, pct(render, 0.5), pct(send, 0.5)))

            // Let cupsd hand the scans' jobs to the sink first (followed to completed), so the batch has the machine.
            try desk.spooler.drain(until: Date().addingTimeInterval(120))

            // 2. A sorted batch from the database through cupsd into the sink (until cupsd says completed).
            for (name, label) in [("cups", "through cupsd raw queue"), ("sink", "straight to the port-9100 sink")] {
                let p0 = DispatchTime.now().uptimeNanoseconds
                _ = try desk.planBatch(PrintSelection(limit: batch), printer: name, fallbackDirectory: dir)
                print(String(format: "  (select + sort %d shipments alone: %.0f ms)", batch, Double(DispatchTime.now().uptimeNanoseconds - p0) / 1e6))
                let t0 = DispatchTime.now().uptimeNanoseconds
                let jobs = try desk.printBatch(PrintSelection(limit: batch), printer: name, actor: "operator:bench", fallbackDirectory: dir,
                                               goal: .finished(deadline: Date().addingTimeInterval(120))).submissions
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                guard let job = jobs.first, job.job.state == .completed else { throw CLIError(description: "batch did not complete: \(jobs.map(\.job))") }
                print(String(format: "sorted batch %@: %d waybills in %.2f s (select+sort, render %.0f ms, send %.0f ms), document %.1f MB",
                             label, job.job.labelCount, seconds, job.job.timings["render"] ?? 0, job.job.timings["send"] ?? 0,
                             Double(try spool.document(jobId: job.job.id)?.count ?? 0) / 1e6))
            }
        }
    }
}

/// Orders like a real day (3 lines each, one a gift; receivers all over the country), each with
/// a waybill number `7` + 11 digits, in shipments; returns the shipment ids.
func seedBenchOrders(_ store: FulfillmentStore, count: Int) throws -> [Int64] {
    try store.updateSetting("sender", to: #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113, 제강빌딩 5층"}"#, actor: "owner:bench")
    try store.updateSetting("printOrder", to: "location:asc,orderedAt:asc", actor: "owner:bench")
    // The bench's orders have no catalog: they print with the 미할당 marker rather than being held back.
    try store.updateSetting("unallocatedWaybills", to: "mark", actor: "owner:bench")
    var orders: [OrderInput] = []
    for i in 1...count {
        var o = OrderInput(channel: "smartstore", orderNo: String(format: "B%07d", i),
                           receiver: .init(name: "수령인\(i % 997)", phone: "010\(String(format: "%08d", i * 7919 % 100_000_000))",
                                           postalCode: String(format: "%05d", 1000 + i * 37 % 62000),
                                           address: "서울특별시 강남구 테헤란로 \(i % 500)길 \(i % 97), \(i % 30 + 1)층"),
                           lines: [.init(productName: "데일리 러닝화 \(i % 40)", option: "사이즈:\(230 + i % 12 * 5)", quantity: 1 + i % 3),
                                   .init(productName: "수제 딸기잼 500g", quantity: 1 + i % 2),
                                   .init(productName: "샘플 파우치", quantity: 1, gift: true)])
        o.orderedAt = String(format: "2026-11-28T%02d:%02d:%02d+09:00", 8 + i / 3600 % 12, i / 60 % 60, i % 60)
        o.carrier = "generic"
        o.waybillNo = String(format: "7%011d", i)
        orders.append(o)
    }
    _ = try store.collect(orders, actor: "bench")
    try store.createShipments(actor: "bench")
    return try store.shipments().map(\.id)
}

/// `labeld bench ack`: what acknowledging a scan costs the server when its label waits behind
/// others — find the shipment, read what the waybill needs, persist the job durably — with no
/// HTTP and no worker running, one scan after another on one thread.
struct AckBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack", abstract: "Time scan acknowledgments (lookup + durable queueing, no rendering) one after another.")
    @Option(name: .long) var scans: Int = 5000

    func run() throws {
        try reportingErrors {
            let dir = try scratchDirectory("labeld-ack")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let desk = try PrintDesk.open(databasePath: dir + "/bench.sqlite", rendering: .standard())
            let store = desk.fulfillment, spool = desk.store
            _ = try seedBenchOrders(store, count: scans + 1)
            try spool.save(PrinterProfile(name: "pack-1", transport: "file:\(dir)/labels", language: .zpl))
            // A job queued ahead (no worker runs): every scan is left to the queue.
            _ = try spool.submit(PrintRequest(kind: "barcode", title: "ahead", printer: "pack-1", templateName: "waybills/generic-4x6",
                                              templateSource: try desk.templateSource("waybills/generic-4x6"),
                                              labels: [LabelInput(source: "bench:ahead", data: .object([:]))], actor: "bench"),
                                 profile: try spool.profile("pack-1"), dueNow: true)
            var times: [Double] = []
            let c0 = clock()
            for i in 1...(scans + 1) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let s = try desk.printScan(String(format: "7%011d", i), printer: "pack-1", actor: "station:bench", fallbackDirectory: dir,
                                           goal: .acceptedUnlessQueued)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                guard s.leftToWorker else { throw CLIError(description: "scan \(i) was not queued: \(s.job.state)") }
            }
            let cpu = Double(clock() - c0) / Double(CLOCKS_PER_SEC) * 1000 / Double(scans + 1)
            let sorted = times.sorted()
            print(String(format: "scan acknowledgment (lookup + durable queueing), %d scans: p50 %.3f ms, p99 %.3f ms, CPU %.3f ms per scan",
                         times.count, sorted[times.count / 2], sorted[min(times.count - 1, times.count * 99 / 100)], cpu))
        }
    }
}
