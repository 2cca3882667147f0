import Foundation
import Fulfillment
import Printing
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
        #expect(sink.waitUntilClosed(), "the sender closed every connection: nothing more is coming")
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
        #expect(sink.waitFor(labels: 1))
        #expect(sink.waitUntilClosed(), "the sender closed every connection: nothing more is coming")
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
        let printer = try lab.startIPPEverywhere(media: ["oe_4x6-label_4x6in", "om_100x150mm_100x150mm", "om_50x30mm_50x30mm", "iso_a4_210x297mm"])
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(3))
        var expected: [[UInt8]] = []
        for (i, language) in [PrinterProfile.Language.pdf, .pwgRaster, .zpl].enumerated() {
            try desk.addPrinter("ipp-\(language.rawValue)", printer.uri, language)
            let job = try desk.printShipment(ids[String(format: "20261128%06d", i + 1)]!, printer: "ipp-\(language.rawValue)", actor: "station:pack-1",
                                             fallbackDirectory: "/tmp", goal: .finished(deadline: Date().addingTimeInterval(30))).job
            #expect(job.state == .completed, "\(job)")
            expected.append(try #require(try desk.store.document(jobId: job.id)))
            // The printer recorded the medium asked for (ipptool, not our IPP code, reads the job back):
            // the 4×6 label's own size for PDF and PWG, nothing for ZPL (the stream sets its size).
            let attributes = try runTool("/usr/bin/ipptool", ["-v", "-t", printer.uri + "/\(job.remoteJobId ?? 0)",
                                                              "/usr/share/cups/ipptool/get-job-attributes.test"]).stdout
            if language == .zpl {
                #expect(!attributes.contains("media (keyword)"), "\(attributes)")
            } else {
                #expect(attributes.contains("media (keyword) = oe_4x6-label_4x6in"), "\(attributes)")
            }
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

    @Test("a PDF label through a CUPS driver queue (default Letter) comes out on the label's size: labeld asks for its medium and one copy")
    func driverQueueMedia() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        try lab.startCUPS()
        let sink = try lab.startSink(name: "label")
        try lab.addLabelDriverQueue("label", device: "socket://127.0.0.1:\(sink.port)")
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(1))
        try desk.addPrinter("label", "cups:label@\(lab.cupsServer)", .pdf)
        let job = try desk.printShipment(ids["20261128000001"]!, printer: "label", actor: "station:pack-1", fallbackDirectory: "/tmp",
                                         goal: .finished(deadline: Date().addingTimeInterval(30))).job
        #expect(job.state == .completed, "\(job) \(lab.cupsLog.suffix(2000))")
        // What the queue's filters made of it, as the printer got it (poppler reads the page size).
        #expect(try eventually { sink.received().starts(with: Array("%PDF-".utf8)) && sink.received().suffix(1024).contains(Array("%%EOF".utf8)) })
        let out = lab.directory + "/printed.pdf"
        FileManager.default.createFile(atPath: out, contents: Data(sink.received()))
        let info = try runTool("/usr/bin/pdfinfo", [out]).stdout
        #expect(info.contains("Page size:       288 x 432 pts"), "\(info)")
        #expect(info.contains("Pages:           1"), "\(info)")
        let attributes = try runTool("/usr/bin/ipptool", ["-v", "-t", "ipp://\(lab.cupsServer)/jobs/\(job.remoteJobId ?? 0)",
                                                          "/usr/share/cups/ipptool/get-job-attributes.test"]).stdout
        #expect(attributes.contains("copies (integer) = 1"), "\(attributes)")
    }

    @Test("a label on a printer that has no medium of its size is refused with the sizes it offers, and its shipment goes back to the queue")
    func noMedium() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let printer = try lab.startIPPEverywhere(name: "office")  // Letter, Legal, A4, #10, DL
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(1))
        try desk.addPrinter("office", printer.uri, .pdf)
        let job = try desk.printShipment(ids["20261128000001"]!, printer: "office", actor: "station:pack-1", fallbackDirectory: "/tmp",
                                         goal: .finished(deadline: Date().addingTimeInterval(20))).job
        #expect(job.state == .failed)
        #expect(job.reason?.hasPrefix("printer 'office' has no medium of 101.6×152.4 mm (it offers na_letter_8.5x11in, na_legal_8.5x14in, iso_a4_210x297mm") == true, "\(job)")
        #expect(job.reason?.contains("1 waybill(s) back in the print queue") == true, "\(job)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: printer.documents).isEmpty)
    }

    @Test("PWG media keywords: the closest within 2 mm either way round, a custom size inside the printer's range, else none")
    func mediaKeywords() {
        let offered = ["na_letter_8.5x11in", "oe_4x6-label_4x6in", "om_100x150mm_100x150mm", "om_50x30mm_50x30mm"]
        #expect(IPPTransport.mediaKeyword(for: .init(widthMM: 100, heightMM: 150), supported: offered) == "om_100x150mm_100x150mm")
        #expect(IPPTransport.mediaKeyword(for: .init(widthMM: 101.6, heightMM: 152.4), supported: offered) == "oe_4x6-label_4x6in")
        #expect(IPPTransport.mediaKeyword(for: .init(widthMM: 30, heightMM: 50), supported: offered) == "om_50x30mm_50x30mm")
        #expect(IPPTransport.mediaKeyword(for: .init(widthMM: 100, heightMM: 100), supported: offered) == nil)
        let range = ["na_letter_8.5x11in", "custom_min_25.4x25.4mm", "custom_max_108x3000mm"]
        #expect(IPPTransport.mediaKeyword(for: .init(widthMM: 100, heightMM: 150), supported: range) == "custom_100x150mm_100x150mm")
        #expect(IPPTransport.mediaKeyword(for: .init(widthMM: 120, heightMM: 96), supported: range) == nil)
    }
}
