import Foundation
import Fulfillment
import Storage
import LabelModel
import Printing
import LabelTesting
import PrintSpool
import Rendering
import Testing

@Suite("Printer profiles")
struct PrinterProfileTests {
    struct Bad: Sendable, CustomStringConvertible {
        var profile: PrinterProfile
        var message: String
        var description: String { message }
    }

    static let bad: [Bad] = [
        Bad(profile: .init(name: "z 1", transport: "file:/tmp", language: .zpl), message: "printer 'z 1': name must be 1–64 letters, digits, '-', '_' or '.'"),
        Bad(profile: .init(name: "z", transport: "lpd:queue", language: .zpl),
            message: "transport 'lpd:queue': unknown scheme 'lpd' (expected cups:QUEUE, socket:HOST:PORT, ipp:URI or file:DIR)"),
        Bad(profile: .init(name: "z", transport: "socket:10.0.0.5", language: .zpl),
            message: "transport 'socket:10.0.0.5': missing host or port (expected cups:QUEUE, socket:HOST:PORT, ipp:URI or file:DIR)"),
        Bad(profile: .init(name: "z", transport: "cups:", language: .zpl),
            message: "transport 'cups:': missing queue name (expected cups:QUEUE, socket:HOST:PORT, ipp:URI or file:DIR)"),
        Bad(profile: .init(name: "z", transport: "socket:10.0.0.5:9100", language: .pdf), message: "printer 'z': a socket: printer speaks ZPL (language zpl)"),
        Bad(profile: .init(name: "z", transport: "file:/tmp", language: .zpl, dpi: 250), message: "printer 'z': dpi must be 152, 203, 300 or 600, not 250"),
        Bad(profile: .init(name: "z", transport: "file:/tmp", language: .zpl, calibration: .init(darkness: 40)),
            message: "printer 'z': darkness must be from -30 to 30, not 40"),
        Bad(profile: .init(name: "z", transport: "file:/tmp", language: .zpl, calibration: .init(xOffsetMM: 25)),
            message: "printer 'z': calibration offsets must be within ±20 mm (x) and ±15 mm (y)"),
        Bad(profile: .init(name: "z", transport: "cups:zebra", language: .zpl, answersHostStatus: true),
            message: "printer 'z': answersHostStatus needs a socket: transport"),
    ]

    @Test("bad profiles are refused with the field and what is allowed", arguments: bad)
    func refused(_ bad: Bad) {
        #expect(throws: PrintError(code: .invalidInput, message: bad.message)) { try bad.profile.validate() }
    }

    @Test("transports parse; profiles round-trip as JSON with defaults")
    func parse() throws {
        #expect(try Endpoint(parsing: "cups:zebra@127.0.0.1:631") == .cups(queue: "zebra", server: "127.0.0.1:631"))
        #expect(try Endpoint(parsing: "socket:printer-3.local:9100") == .socket(host: "printer-3.local", port: 9100))
        #expect(try Endpoint(parsing: "ipp://localhost:8631/ipp/print") == .ipp(uri: "ipp://localhost:8631/ipp/print"))
        #expect(try Endpoint(parsing: "file:./var/labels") == .file(directory: "./var/labels"))
        let p = try JSONDecoder().decode(PrinterProfile.self, from: Data(#"{"name":"zebra-1","transport":"socket:10.0.0.5:9100","language":"zpl"}"#.utf8))
        #expect(p.dpi == 203 && p.calibration == .init() && p.stations.isEmpty && !p.answersHostStatus)
        try p.validate()
    }

    @Test("unknown printers are named with the ones that exist")
    func unknown() throws {
        let desk = try makeDesk()
        #expect(throws: PrintError(code: .notFound, message: "no printer 'zebra-9' (add one with `labeld printers add`)")) { try desk.store.profile("zebra-9") }
        try desk.addPrinter("zebra-1", "file:/tmp/x")
        #expect(throws: PrintError(code: .notFound, message: "no printer 'zebra-9' (printers: zebra-1)")) { try desk.store.profile("zebra-9") }
    }

    @Test("~HS answers: paper out, paused, head open, ribbon out")
    func hostStatus() {
        func answer(_ paper: String, _ pause: String, _ head: String, _ ribbon: String = "0") -> [UInt8] {
            Array("\u{2}030,\(paper),\(pause),1218,000,0,0,0,000,0,0,0\u{3}\r\n\u{2}001,0,\(head),\(ribbon),0,2,6,0,00000000,1,000\u{3}\r\n\u{2}1234,0\u{3}\r\n".utf8)
        }
        #expect(SocketTransport.parseHostStatus(answer("0", "0", "0")).ready)
        let out = SocketTransport.parseHostStatus(answer("1", "0", "0"))
        #expect(!out.ready && out.notReadyReason == "용지 없음 (paper out)")
        #expect(SocketTransport.parseHostStatus(answer("0", "1", "1")).notReadyReason == "일시정지 (paused), 헤드/커버 열림 (head open)")
        #expect(SocketTransport.parseHostStatus(answer("0", "0", "0", "1")).notReadyReason == "리본 없음 (ribbon out)")
    }
}

@Suite("ZPL stream tags and calibration")
struct ZPLStreamTests {
    @Test("each label's first format gets its tag; every format the calibration")
    func tags() {
        let stream = Array("^XA^FO0,0^GFA,1,1,1,:Z64:eJwDAAABAAE=:0A1B^XZ^XA^FDpage2^XZ^XA^FDb^XZ".utf8)
        let (out, starts) = ZPLStream.tag(stream, starts: [0, stream.count - 10], sources: ["shipment:1", "shipment:2"],
                                          calibration: .init(xOffsetMM: 1, yOffsetMM: -0.5, darkness: 4, speed: 3), dpi: 203)
        let text = String(decoding: out, as: UTF8.self)
        // ^JZN on every format: the printer does not reprint on its own after paper-out (labeld resends).
        #expect(text == "^XA^FXlabeld shipment:1 1/2^FS^LS-8^LT-4^MD4^PR3^JZN^FO0,0^GFA,1,1,1,:Z64:eJwDAAABAAE=:0A1B^XZ^XA^LS-8^LT-4^MD4^PR3^JZN^FDpage2^XZ"
                + "^XA^FXlabeld shipment:2 2/2^FS^LS-8^LT-4^MD4^PR3^JZN^FDb^XZ")
        #expect(starts.count == 2 && String(decoding: out[starts[1]...], as: UTF8.self).hasPrefix("^XA^FXlabeld shipment:2"))
        // A profile that lets the printer reprint says so.
        let (own, _) = ZPLStream.tag(Array("^XA^FDa^XZ".utf8), starts: [0], sources: ["s"], calibration: .init(reprintAfterError: true), dpi: 203)
        #expect(String(decoding: own, as: UTF8.self) == "^XA^FXlabeld s 1/1^FS^JZY^FDa^XZ")
    }
}

@Suite("Spool: file and socket printers, idempotency, reprint", .serialized)
struct SpoolTests {
    @Test("a scan prints once: repeats (same key, or the same shipment after its batch) return the first job")
    func idempotent() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .pdf)
        let ids = try seed(desk, manyOrders(3))
        let first = try desk.printShipment(ids["20261128000001"]!, printer: "office", idempotencyKey: "scan-1", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(!first.repeated && first.job.state == .completed)
        let again = try desk.printShipment(ids["20261128000001"]!, printer: "office", idempotencyKey: "scan-1", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(again.repeated && again.job.id == first.job.id)
        let otherKey = try desk.printShipment(ids["20261128000001"]!, printer: "office", idempotencyKey: "scan-2", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(otherKey.repeated && otherKey.job.id == first.job.id)
        // The batch takes the two not printed yet; scanning one of them afterwards prints nothing new.
        let batch = try desk.printBatch(PrintSelection(), printer: "office", actor: "operator:kim", fallbackDirectory: dir).submissions
        #expect(batch.count == 1 && batch[0].job.labelCount == 2)
        let scan = try desk.printShipment(ids["20261128000003"]!, printer: "office", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(scan.repeated && scan.job.id == batch[0].job.id)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["job-\(first.job.id).pdf", "job-\(batch[0].job.id).pdf"])
        // What the file printer wrote is the stored document, byte for byte, and a real PDF.
        let written = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/job-\(batch[0].job.id).pdf"))
        #expect([UInt8](written) == (try desk.store.document(jobId: batch[0].job.id)))
        let info = try runTool("pdfinfo", ["\(dir)/job-\(batch[0].job.id).pdf"])
        #expect(info.stdout.split(separator: "\n").contains { $0.hasPrefix("Pages:") && $0.hasSuffix(" 2") })
    }

    @Test("every accepted job is in the database before the call returns, with its data snapshot and stage timings")
    func persisted() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .zpl)
        let ids = try seed(desk, manyOrders(1))
        let s = try desk.printShipment(ids["20261128000001"]!, printer: "office", actor: "station:pack-1", fallbackDirectory: dir)
        // A second connection (another process would do the same) sees the job and its label.
        let other = try Stores.open(desk.fulfillment.writer.location)
        let row = try other.read { db in try SQLRow.fetchOne(db, sql: "SELECT state, labelCount, templateName FROM printJob WHERE id = ?", arguments: [s.job.id]) }
        let state: String? = row?["state"], count: Int? = row?["labelCount"], template: String? = row?["templateName"]
        #expect(state == "completed" && count == 1 && template == "waybills/generic-4x6")
        let labels = try desk.store.labels(jobId: s.job.id)
        #expect(labels.count == 1 && labels[0].source == "shipment:\(ids["20261128000001"]!)")
        #expect(labels[0].data["receiver"]?["name"]?.text == "수령인1" && labels[0].data["sender"]?["name"]?.text == "리빙플러스")
        #expect(s.job.timings.keys.sorted() == ["persist", "render", "send", "total"])
        #expect(try desk.fulfillment.shipmentDetail(ids["20261128000001"]!).status == "printed")
    }

    @Test("재출력 is byte-identical to the original except the marker, even after the template changed")
    func reprintIdentity() throws {
        let templates = temporaryDirectory("templates")
        try FileManager.default.removeItem(atPath: templates)
        try FileManager.default.copyItem(atPath: Project.templates, toPath: templates)
        let desk = try makeDesk(templates: templates)
        let dir = temporaryDirectory("files")
        try desk.addPrinter("zebra", "file:\(dir)", .zpl)
        let ids = try seed(desk, manyOrders(2))
        let original = try desk.printShipment(ids["20261128000001"]!, printer: "zebra", actor: "station:pack-1", fallbackDirectory: dir).job
        let originalBytes = try #require(try desk.store.document(jobId: original.id))

        // The seller edits the template afterwards (the sender line moves).
        let path = templates + "/waybills/generic-4x6.yaml"
        let edited = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "name: sender, x: 3mm", with: "name: sender, x: 5mm")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)

        let reprint = try desk.reprint(jobId: original.id, reason: "용지 걸림", actor: "operator:kim")
        #expect(reprint.state == .completed && reprint.reprintOf == original.id && reprint.reprintReason == "용지 걸림")
        #expect(reprint.templateRevision == original.templateRevision)
        let reprintBytes = try #require(try desk.store.document(jobId: reprint.id))
        #expect(reprintBytes != originalBytes)

        // Exactly the original with the marker: render the original revision and data with reprint on.
        let revision = try desk.store.templateRevision(name: original.templateName, revision: original.templateRevision)
        let template = try TemplateParser.parse(yaml: revision.source, file: "t.yaml")
        var record = try desk.store.labels(jobId: original.id)[0].data
        if case .object(var o) = record { o["reprint"] = .bool(true); record = .object(o) }
        let expected = try renderFiles(template, records: [record], format: .zpl, directory: temporaryDirectory("expect")).files[0]
        let expectedBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: expected)))
        let (tagged, _) = ZPLStream.tag(expectedBytes, starts: [0], sources: ["shipment:\(ids["20261128000001"]!)"], calibration: .init(), dpi: 203)
        #expect(reprintBytes == tagged)
        // And the marker is what differs: the 재출력 box is black in the reprint only.
        #expect(try ZPLImage.differingRows(originalBytes, reprintBytes).allSatisfy { $0 < 300 })

        // A new print of another shipment uses the edited template as a new revision.
        let fresh = try desk.printShipment(ids["20261128000002"]!, printer: "zebra", actor: "station:pack-1", fallbackDirectory: dir).job
        #expect(fresh.templateRevision == original.templateRevision + 1)
        let audit = try #require(try desk.fulfillment.auditLog().first { $0.action == "print.reprint" })
        #expect(audit.subject == "job \(original.id) → job \(reprint.id)" && audit.newValue == "용지 걸림" && audit.actor == "operator:kim")
        #expect(throws: PrintError(code: .invalidInput, message: "a reprint needs a reason (--reason)")) {
            try desk.reprint(jobId: original.id, reason: " ", actor: "operator:kim")
        }
    }

    @Test("socket printer: the ZPL arrives byte-identical; a printer switched off in label k resumes at label k (~HS confirms each label)")
    func socketResume() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(40, lines: 2))
        // First a whole batch to a healthy printer.
        let healthy = try lab.startSink(name: "healthy")
        try desk.addPrinter("zebra", "socket:127.0.0.1:\(healthy.port)")
        let one = try desk.printBatch(PrintSelection(limit: 10), printer: "zebra", actor: "operator:kim", fallbackDirectory: "/tmp").submissions[0].job
        #expect(one.state == .completed)
        let document = try #require(try desk.store.document(jobId: one.id))
        #expect(healthy.waitFor(bytes: document.count) && healthy.received() == document)

        // Then a printer that is off when the batch is queued, and switched off again in label 13 of 30.
        lab.stop(healthy.process)
        let job = try desk.printBatch(PrintSelection(), printer: "zebra", actor: "operator:kim", fallbackDirectory: "/tmp").submissions
        let jobId = job[0].job.id
        #expect(job[0].job.state == .held && job[0].job.labelsSent == 0)
        let labels = try desk.store.labels(jobId: jobId)
        #expect(labels.count == 30)
        let cut = labels[12].offset! + 100
        let reserved = PrintLab.reservePort()   // off until a sink listens on it
        defer { reserved.release() }
        let port = reserved.port
        try desk.addPrinter("zebra", "socket:127.0.0.1:\(port)", hostStatus: true)
        let flaky = try lab.startSink(name: "flaky", closeAfter: cut + 3, port: port)
        let first = try desk.spooler.process(jobId, goal: .accepted)
        #expect(first.state == .held && first.labelsSent == 12, "\(first)")
        try desk.spooler.drain(until: Date().addingTimeInterval(20))
        let state = try desk.store.job(jobId)
        #expect(state.state == .completed, "\(state)")
        let tags = flaky.completeLabelTags()
        #expect(tags == labels.indices.map { "\(labels[$0].source) \($0 + 1)/30" })
        #expect(flaky.connections().filter { !$0.isEmpty }.count == 2)
        _ = ids
    }

    @Test("~HS: paper out holds the job with the reason; when paper is back it prints once")
    func hostStatusHold() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let desk = try makeDesk(retry: RetryPolicy(baseSeconds: 0.1, maximumSeconds: 0.2))
        try seed(desk, manyOrders(3))
        let status = lab.directory + "/status"
        try "1,0,0".write(toFile: status, atomically: true, encoding: .utf8)
        let sink = try lab.startSink(name: "hs", statusFile: status)
        try desk.addPrinter("zebra", "socket:127.0.0.1:\(sink.port)", hostStatus: true)
        let job = try desk.printBatch(PrintSelection(), printer: "zebra", actor: "operator:kim", fallbackDirectory: "/tmp").submissions[0].job
        #expect(job.state == .held)
        #expect(job.reason == "printer at 127.0.0.1:\(sink.port): 용지 없음 (paper out)")
        #expect(try desk.store.profile("zebra").makeTransport().status().notReadyReason == "용지 없음 (paper out)")
        try desk.spooler.drain(until: Date().addingTimeInterval(0.5))
        #expect(try desk.store.job(job.id).state == .held)
        try "0,0,0".write(toFile: status, atomically: true, encoding: .utf8)
        try desk.spooler.drain(until: Date().addingTimeInterval(10))
        #expect(try desk.store.job(job.id).state == .completed)
        #expect(sink.completeLabelTags().count == 3)
        #expect(try desk.store.job(job.id).attempts == 0)
        // The printer's own count, before and after, recorded on the job: 3 sent, 3 counted.
        let count = try #require(try desk.store.job(job.id).printerCount)
        #expect(count.sent == 3 && count.counted == 3 && count.matches, "\(count)")
        #expect(try desk.store.job(job.id).jsonText.contains(#""printerCount":{"after":\#(count.after),"before":\#(count.before),"counted":3,"matches":true,"sent":3}"#))
    }

    @Test("an offline printer holds the job and retries with backoff; it goes out once when the printer is back")
    func offline() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let desk = try makeDesk(retry: RetryPolicy(baseSeconds: 0.1, maximumSeconds: 0.3))
        let ids = try seed(desk, manyOrders(1))
        let reserved = PrintLab.reservePort()   // off until a sink listens on it
        defer { reserved.release() }
        let port = reserved.port
        try desk.addPrinter("zebra", "socket:127.0.0.1:\(port)")
        let s = try desk.printShipment(ids["20261128000001"]!, printer: "zebra", actor: "station:pack-1", fallbackDirectory: "/tmp")
        #expect(s.job.state == .held && s.job.reason?.hasPrefix("printer at 127.0.0.1:\(port) is offline") == true)
        try desk.spooler.drain(until: Date().addingTimeInterval(0.8))
        #expect(try desk.store.job(s.job.id).attempts >= 3)
        let sink = try lab.startSink(name: "back", port: port)
        try desk.spooler.drain(until: Date().addingTimeInterval(10))
        #expect(try desk.store.job(s.job.id).state == .completed)
        #expect(sink.waitFor(bytes: try desk.store.document(jobId: s.job.id)!.count))
        #expect(sink.waitUntilClosed(), "the sender closed every connection: nothing more is coming")
        #expect(sink.completeLabelTags() == ["shipment:\(ids["20261128000001"]!) 1/1"])
    }

    @Test("cancel: a held job never prints, its shipment goes back to the queue; a completed one cannot be canceled")
    func cancel() throws {
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(1))
        let off = PrintLab.reservePort()   // a printer that is off
        defer { off.release() }
        try desk.addPrinter("zebra", "socket:127.0.0.1:\(off.port)")
        let s = try desk.printShipment(ids["20261128000001"]!, printer: "zebra", actor: "station:pack-1", fallbackDirectory: "/tmp")
        #expect(s.job.state == .held)
        #expect(try desk.fulfillment.shipmentDetail(ids["20261128000001"]!).status == "printed")
        #expect(try desk.cancel(jobId: s.job.id, actor: "operator:kim").state == .canceled)
        #expect(try desk.fulfillment.shipmentDetail(ids["20261128000001"]!).status == "open")
        try desk.spooler.drain(until: Date().addingTimeInterval(0.3))
        #expect(try desk.store.job(s.job.id).state == .canceled)
        #expect(throws: PrintError(code: .conflict, message: "the job is already canceled: nothing to cancel")) { try desk.cancel(jobId: s.job.id, actor: "operator:kim") }
        // The canceled job freed its key: printing again makes a new job.
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .pdf)
        let again = try desk.printShipment(ids["20261128000001"]!, printer: "office", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(!again.repeated && again.job.id != s.job.id && again.job.state == .completed)
    }

    @Test("product barcode labels: one per unit, the GTIN decodes")
    func barcodes() throws {
        let desk = try makeDesk()
        try seed(desk, [TestOrder(no: "1", orderedAt: nil, receiver: "가", postalCode: "03000", lines: [("유기농 현미 4kg", "RICE-4KG", 1)], waybill: "500000000001")])
        let dir = temporaryDirectory("files")
        try desk.addPrinter("labels", "file:\(dir)", .png)
        let s = try desk.printBarcodes(sku: "RICE-4KG", copies: 3, printer: "labels", template: nil, actor: "operator:kim", fallbackDirectory: dir)
        #expect(s.job.state == .completed && s.job.labelCount == 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["job-\(s.job.id)-1.png", "job-\(s.job.id)-2.png", "job-\(s.job.id)-3.png"])
        #expect(try Decoders.zbar("\(dir)/\(files[0])").contains { $0.text == "8801234567893" })
        #expect(throws: FulfillmentError(code: .notFound, message: "no product option with SKU 'NOPE'")) {
            try desk.printBarcodes(sku: "NOPE", copies: 1, printer: "labels", template: nil, actor: "operator:kim", fallbackDirectory: dir)
        }
    }
}

/// Rows of ZPL `^GFA` graphics, to see where two labels differ.
enum ZPLImage {
    static func differingRows(_ a: [UInt8], _ b: [UInt8]) throws -> [Int] {
        let x = try #require(ZPLEncoder.decodeGraphicField(a)), y = try #require(ZPLEncoder.decodeGraphicField(b))
        #expect(x.width == y.width && x.height == y.height)
        return (0..<x.height).filter { r in x.bytes[r * x.bytesPerRow ..< (r + 1) * x.bytesPerRow] != y.bytes[r * y.bytesPerRow ..< (r + 1) * y.bytesPerRow] }
    }
}

@Suite("초기화 with printing")
/// A burst of scans: acknowledged once durably queued, printed by the worker threads in order.
struct BurstTests {
    /// A job for `printer` that waits in the queue: its submitter drives it (no worker takes it for
    /// 10 s), or with `dueNow` the workers may take it at once.
    static func jobAhead(_ desk: PrintDesk, printer: String, source: String = "test:ahead", dueNow: Bool = false) throws -> Submission {
        try desk.store.submit(PrintRequest(kind: "barcode", title: "ahead", printer: printer, templateName: "waybills/generic-4x6",
                                           templateSource: try desk.templateSource("waybills/generic-4x6"),
                                           labels: [LabelInput(source: source, data: .object([:]))], actor: "test"),
                              profile: try desk.store.profile(printer), dueNow: dueNow)
    }

    @Test("scans behind a waiting job are acknowledged queued, each committed before the answer; the workers print them in arrival order")
    func queuedScans() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("pack-1", "file:\(dir)", .zpl)
        let ids = try seed(desk, manyOrders(24))
        let ahead = try Self.jobAhead(desk, printer: "pack-1")
        // 24 stations at once (their commits share syncs).
        let answers = Collected<Result<Submission, any Error>>()
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            answers.add(Result { try desk.printScan(String(format: "5%011d", i + 1), actor: "station:pack-\(i)", fallbackDirectory: dir,
                                                     goal: .acceptedUnlessQueued) })
        }
        let submissions = try answers.all.map { try $0.get() }
        #expect(submissions.count == 24 && Set(submissions.map(\.job.id)).count == 24)
        #expect(submissions.allSatisfy { $0.leftToWorker && !$0.repeated && $0.job.state == .queued && $0.job.timings.keys.sorted() == ["persist"] })
        // Committed before the answers: another connection sees every job and every shipment printed.
        let other = try Stores.open(desk.fulfillment.writer.location)
        let queued = try other.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM printJob WHERE state = 'queued' AND printer = 'pack-1'") }
        #expect(queued == 25)
        #expect(try ids.values.allSatisfy { try desk.fulfillment.shipmentDetail($0).status == "printed" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)

        // Two worker threads share the printer one at a time: the jobs print in the order they were queued.
        let seen = Collected<Int64>()
        let workers = SpoolWorkers(spooler: desk.spooler, onJob: { seen.add($0.id) })
        workers.start(count: 2, interval: 0.05)
        // The job ahead comes due when its submitter's grace is over; on a slow backend that may be
        // before the 24 are done, so it is left out of the order.
        let done = eventually(timeout: 30) {
            (try? desk.store.jobs(limit: 100, states: [.completed]).filter { $0.id != ahead.job.id }.count) == 24
        }
        workers.stop()
        #expect(done)
        let order = seen.all.filter { $0 != ahead.job.id }
        #expect(order == submissions.map(\.job.id).sorted(), "\(order)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 24)
    }

    @Test("while scans are being acknowledged a worker thread rests three times as long as each job took")
    func givesWayToAcknowledgments() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("pack-1", "file:\(dir)", .zpl)
        for i in 0..<5 { _ = try Self.jobAhead(desk, printer: "pack-1", source: "test:\(i)", dueNow: true) }
        // A flood of scans, as the intake notes it: a batch every 10 ms until the jobs are printed.
        let stopFlood = Collected<Bool>()
        Thread {
            while stopFlood.all.isEmpty { desk.spooler.acknowledging.note(); Thread.sleep(forTimeInterval: 0.01) }
        }.start()
        defer { stopFlood.add(true) }
        let printed = Collected<(at: UInt64, total: Double)>()
        let workers = SpoolWorkers(spooler: desk.spooler, onJob: { printed.add((DispatchTime.now().uptimeNanoseconds, $0.timings["total"] ?? 0)) })
        workers.start(count: 1, interval: 0.05)
        let done = eventually(timeout: 30) { printed.all.count == 5 }
        workers.stop()
        #expect(done)
        let p = printed.all
        for i in p.indices.dropFirst() {
            // After job i-1 (which took at least its `total`) the thread rested 3× that, then drove job i.
            let gap = Double(p[i].at - p[i - 1].at) / 1e6
            #expect(gap >= min(3 * p[i - 1].total, 250), "job \(i): \(gap) ms after the one before, which took \(p[i - 1].total) ms")
        }
        // The rule itself: no rest once the scans stop; never more than a quarter of a second.
        #expect(SpoolWorkers.rest(afterWorking: 0.01, acknowledging: false) == 0)
        #expect(abs(SpoolWorkers.rest(afterWorking: 0.01, acknowledging: true) - 0.03) < 1e-9)
        #expect(SpoolWorkers.rest(afterWorking: 0.2, acknowledging: true) == 0.25)
        #expect(desk.spooler.acknowledging.within(1) && !desk.spooler.acknowledging.within(0))
        #expect(!Activity().within(3600))
    }

    @Test("a worker's round takes the oldest due jobs of each printer, at most a bound per printer, in id order")
    func boundedRound() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("pack-1", "file:\(dir)/1", .zpl)
        try desk.addPrinter("pack-2", "file:\(dir)/2", .zpl)
        func job(_ printer: String, _ i: Int, dueNow: Bool = true) throws -> Int64 {
            try Self.jobAhead(desk, printer: printer, source: "test:\(printer):\(i)", dueNow: dueNow).job.id
        }
        var one: [Int64] = [], two: [Int64] = []
        for i in 0..<5 {
            one.append(try job("pack-1", i))
            if i < 4 { two.append(try job("pack-2", i)) }
        }
        _ = try job("pack-2", 9, dueNow: false)   // its submitter drives it: not due for a worker yet
        let round = try desk.store.dueJobs(perPrinter: 3)
        #expect(round.map(\.id) == (one.prefix(3) + two.prefix(3)).sorted())
        #expect(round.allSatisfy { ($0.printer == "pack-1") == one.contains($0.id) })
        #expect(try desk.store.dueJobs().count == 9)
    }

    @Test("a scan with nothing waiting for its printer prints at once and answers with every stage")
    func idleScanPrintsInline() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("pack-1", "file:\(dir)", .zpl)
        try seed(desk, manyOrders(1))
        let s = try desk.printScan("500000000001", actor: "station:pack-1", fallbackDirectory: dir, goal: .acceptedUnlessQueued)
        #expect(!s.leftToWorker && s.job.state == .completed && s.job.timings.keys.sorted() == ["persist", "render", "send", "total"])
    }

    @Test("in a commit group, a caller whose transaction fails gets its own error; the others' jobs commit")
    func groupFailure() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("pack-1", "file:\(dir)", .zpl)
        let profile = try desk.store.profile("pack-1")
        let source = try desk.templateSource("waybills/generic-4x6")
        struct Refused: Error {}
        for round in 0..<5 {
            let answers = Collected<Result<Submission, any Error>>()
            DispatchQueue.concurrentPerform(iterations: 8) { i in
                let request = PrintRequest(kind: "barcode", title: "t", printer: "pack-1", templateName: "waybills/generic-4x6", templateSource: source,
                                           labels: [LabelInput(source: "test:\(round)-\(i)", data: .object([:]))], actor: "test")
                answers.add(Result { try desk.store.submit(request, profile: profile, dueNow: true) { _, _ in if i == 3 { throw Refused() } } })
            }
            let results = answers.all
            #expect(results.filter { if case .failure(let e) = $0 { return e is Refused } else { return false } }.count == 1)
            #expect(results.filter { if case .success = $0 { return true } else { return false } }.count == 7)
        }
        let sources = try desk.fulfillment.writer.read { db in try String.fetchAll(db, sql: "SELECT source FROM printLabel") }
        #expect(sources.count == 35 && !sources.contains { $0.hasSuffix("-3") })
    }
}

@Test("a job's JSON written directly is what JSONEncoder writes, with and without its optional fields")
func jobJSON() throws {
    var job = try JSONDecoder().decode(PrintJob.self, from: Data(#"""
        {"id":42,"kind":"waybill","title":"송장 \"7\" \\ 1/2","printer":"pack-1","language":"zpl","dpi":203,"templateName":"waybills/cj",
         "templateRevision":3,"state":"queued","attempts":0,"labelCount":1,"labelsSent":0,"actor":"station:pack-1",
         "createdAt":"2026-11-28T09:00:00.000Z","updatedAt":"2026-11-28T09:00:00.000Z","timings":{},"sources":["shipment:1"]}
        """#.utf8))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    func same(_ j: PrintJob) throws -> Bool {
        let a = try JSONSerialization.jsonObject(with: Data(j.jsonText.utf8)) as! NSDictionary
        let b = try JSONSerialization.jsonObject(with: try encoder.encode(j)) as! NSDictionary
        return a == b
    }
    #expect(try same(job))
    job.reason = "printer-stopped\n용지 없음"; job.remoteJobId = 7; job.idempotencyKey = "scan-1"; job.reprintOf = 41; job.reprintReason = "용지 걸림"
    job.state = .completed; job.timings = ["persist": 1.25, "render": 3, "send": 0.5]; job.sources = ["shipment:1", "shipment:2"]
    #expect(try same(job))
    #expect(job.jsonText.contains(#""title":"송장 \"7\" \\ 1/2""#))
}

struct ResetTests {
    @Test("reset deletes the print history and template revisions, keeps printer profiles; only the owner may")
    func reset() throws {
        let desk = try makeDesk()
        let dir = temporaryDirectory("files")
        try desk.addPrinter("office", "file:\(dir)", .pdf)
        let ids = try seed(desk, manyOrders(2))
        _ = try desk.printShipment(ids["20261128000001"]!, printer: "office", actor: "station:pack-1", fallbackDirectory: dir)
        #expect(throws: FulfillmentError.self) {
            try desk.reset(role: .operator, actor: "operator:kim", confirmation: FulfillmentStore.resetConfirmation, backupDirectory: dir + "/backups")
        }
        #expect(try desk.store.jobs().count == 1)
        let backup = try desk.reset(role: .owner, actor: "owner:lee", confirmation: FulfillmentStore.resetConfirmation, backupDirectory: dir + "/backups")
        #expect(FileManager.default.fileExists(atPath: backup))
        #expect(try desk.store.jobs().isEmpty && desk.store.revisions(name: "waybills/generic-4x6").isEmpty)
        #expect(try desk.store.profiles().map(\.name) == ["office"])
        // The backup still has the print history.
        let old = try SQLiteStore.open(path: backup)
        #expect(try old.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM printJob") } == 1)
    }
}

@Test("a prepared savepoint undoes only its own writes when its body throws, and leaves none open")
func preparedSavepoint() throws {
    struct Refused: Error {}
    let db = try SQLiteStore.inMemory()
    try db.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER)") }
    try db.write { db in
        try db.execute(sql: "INSERT INTO t VALUES (0)")
        for i in 1...20 {
            do {
                try db.inSavepoint {
                    try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [i])
                    if i % 2 == 0 { throw Refused() }
                }
            } catch is Refused {}
        }
    }
    // The transaction committed with the odd rows and the row before them; no savepoint is left open.
    #expect(try db.read { db in try Int.fetchAll(db, sql: "SELECT v FROM t ORDER BY v") } == [0] + Array(stride(from: 1, through: 19, by: 2)))
    #expect(throws: (any Error).self) { try db.write { db in try db.execute(sql: "RELEASE SAVEPOINT labeld") } }
}
