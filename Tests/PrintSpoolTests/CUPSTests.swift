import Foundation
import Fulfillment
import LabelServer
import LabelTesting
import PrintSpool
import Testing

/// Printing through a real private cupsd (raw queues into TCP sinks) and a real ippeveprinter.
@Suite("CUPS and IPP printers", .serialized)
struct CUPSTests {
    @Test("cupsd raw queue: ZPL and PDF jobs arrive byte-identical; destinations list with state")
    func rawQueue() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let sink = try lab.startCUPSWithRawQueue("zebra")
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(12))
        try desk.addPrinter("zebra", "cups:zebra@\(lab.cupsServer)")

        let zpl = try desk.printBatch(PrintSelection(limit: 10), printer: "zebra", actor: "operator:kim", fallbackDirectory: "/tmp", goal: .finished(deadline: Date().addingTimeInterval(30))).submissions[0].job
        #expect(zpl.state == .completed, "\(zpl) \(lab.cupsLog)")
        #expect(zpl.remoteJobId != nil)
        let zplDocument = try #require(try desk.store.document(jobId: zpl.id))
        #expect(sink.waitFor(bytes: zplDocument.count))
        #expect(sink.connections().filter { !$0.isEmpty }.first == zplDocument)
        #expect(sink.completeLabelTags().count == 10)

        try desk.addPrinter("office", "cups:zebra@\(lab.cupsServer)", .pdf)
        let pdf = try desk.printShipment(ids["20261128000011"]!, printer: "office", actor: "station:pack-1", fallbackDirectory: "/tmp",
                                         goal: .finished(deadline: Date().addingTimeInterval(30))).job
        #expect(pdf.state == .completed)
        let pdfDocument = try #require(try desk.store.document(jobId: pdf.id))
        #expect(sink.waitFor(bytes: zplDocument.count + pdfDocument.count))
        #expect(sink.connections().filter { !$0.isEmpty }.last == pdfDocument)
        #expect(pdfDocument.starts(with: Array("%PDF-".utf8)))

        let destinations = try IPPTransport.destinations(server: lab.cupsServer)
        #expect(destinations.map(\.name) == ["zebra"])
        #expect(destinations[0].status.ready && destinations[0].status.acceptingJobs)
    }

    @Test("a stopped queue (cupsdisable) holds our job; after cupsenable it completes, nothing duplicated")
    func stoppedQueue() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let sink = try lab.startCUPSWithRawQueue("zebra")
        let desk = try makeDesk(retry: RetryPolicy(baseSeconds: 0.1, maximumSeconds: 0.3))
        try seed(desk, manyOrders(5))
        try desk.addPrinter("zebra", "cups:zebra@\(lab.cupsServer)")
        try lab.cups("cupsdisable", ["zebra"])
        let status = try desk.store.profile("zebra").makeTransport().status()
        #expect(status.state == .stopped && status.reasons.contains("paused") && status.notReadyReason == "일시정지 (paused)")

        let job = try desk.printBatch(PrintSelection(), printer: "zebra", actor: "operator:kim", fallbackDirectory: "/tmp",
                                      goal: .finished(deadline: Date().addingTimeInterval(1.5))).submissions[0].job
        #expect(job.state == .held, "\(job)")
        #expect(job.reason == "the print server holds the job: 일시정지 (paused)")
        #expect(sink.received().isEmpty)

        try lab.cups("cupsenable", ["zebra"])
        try desk.spooler.drain(until: Date().addingTimeInterval(20))
        #expect(try desk.store.job(job.id).state == .completed)
        let document = try #require(try desk.store.document(jobId: job.id))
        #expect(sink.waitFor(bytes: document.count))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(sink.received() == document)
        #expect(sink.completeLabelTags().count == 5)
    }

    @Test("a queue that rejects jobs (cupsreject) holds them with the IPP status; after cupsaccept they print once")
    func rejectingQueue() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let sink = try lab.startCUPSWithRawQueue("zebra")
        let desk = try makeDesk(retry: RetryPolicy(baseSeconds: 0.1, maximumSeconds: 0.3))
        let ids = try seed(desk, manyOrders(2))
        try desk.addPrinter("zebra", "cups:zebra@\(lab.cupsServer)")
        try lab.cups("cupsreject", ["zebra"])
        let s = try desk.printShipment(ids["20261128000001"]!, printer: "zebra", actor: "station:pack-1", fallbackDirectory: "/tmp")
        #expect(s.job.state == .held)
        #expect(s.job.reason?.contains("IPP status 0x0506") == true, "\(s.job.reason ?? "")")
        try lab.cups("cupsaccept", ["zebra"])
        try desk.spooler.drain(until: Date().addingTimeInterval(20))
        #expect(try desk.store.job(s.job.id).state == .completed)
        #expect(sink.waitFor(bytes: 1))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(sink.completeLabelTags() == ["shipment:\(ids["20261128000001"]!) 1/1"])

        // A queue the server does not have: the job fails, naming the printer.
        try desk.addPrinter("ghost", "cups:ghost@\(lab.cupsServer)")
        let ghost = try desk.printShipment(ids["20261128000002"]!, printer: "ghost", actor: "station:pack-1", fallbackDirectory: "/tmp")
        #expect(ghost.job.state == .failed)
        #expect(ghost.job.reason?.hasPrefix("printer 'ghost': the server has no such printer or job") == true, "\(ghost.job.reason ?? "")")
    }

    @Test("ippeveprinter (IPP Everywhere): PDF, PWG raster and ZPL documents arrive byte-identical")
    func ippEverywhere() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let printer = try lab.startIPPEverywhere()
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(3))
        var expected: [[UInt8]] = []
        for (i, language) in [PrinterProfile.Language.pdf, .pwgRaster, .zpl].enumerated() {
            try desk.addPrinter("ipp-\(language.rawValue)", printer.uri, language)
            let job = try desk.printShipment(ids[String(format: "20261128%06d", i + 1)]!, printer: "ipp-\(language.rawValue)", actor: "station:pack-1",
                                             fallbackDirectory: "/tmp", goal: .finished(deadline: Date().addingTimeInterval(30))).job
            #expect(job.state == .completed, "\(job)")
            expected.append(try #require(try desk.store.document(jobId: job.id)))
        }
        let status = try desk.store.profile("ipp-pdf").makeTransport().status()
        #expect(status.ready && status.state != .offline)
        var kept: [[UInt8]] = []
        #expect(try eventually {
            // ippeveprinter keeps each document (and the -c command's output, *.prn).
            kept = try FileManager.default.contentsOfDirectory(atPath: printer.documents).sorted().filter { !$0.hasSuffix(".prn") }
                .compactMap { FileManager.default.contents(atPath: printer.documents + "/" + $0).map { [UInt8]($0) } }
            return kept.count == 3
        })
        #expect(Set(kept) == Set(expected))
    }
}
