import Foundation
import Fulfillment
import Printing
import LabelTesting
@testable import PrintSpool
import Testing

/// What a broken stream to a port-9100 printer leaves: labels confirmed, labels in doubt, and who
/// decides about the latter (the printer's counter, or a person).
@Suite("socket printers: labels in doubt after a broken stream")
struct SocketDeliveryTests {
    @Test("a stream broken with labels in doubt and no printer counter is uncertain, never held for a resend nor completed")
    func machineUncertain() throws {
        var m = PrintJobMachine(state: .sending, hasDocument: true, labelCount: 30, labelsSent: 10)
        _ = try m.handle(.labelsWritten(14))
        #expect(m.inDoubt == 10..<14)
        #expect(try m.handle(.printerUnavailable("printer at x stopped taking data")) == .none)
        #expect(m.state == .uncertain)
        #expect(m.reason?.hasPrefix("labels 11–14 of 30 may not have printed (printer at x stopped taking data)") == true, "\(m.reason ?? "")")
        // A worker taking it up leaves it alone; a confirmation out of the doubt is refused with the range.
        #expect(try m.handle(.run) == .none && m.state == .uncertain)
        #expect(throws: PrintError.self) { try m.handle(.confirm(printed: 9)) }
        #expect(throws: PrintError.self) { try m.handle(.confirm(printed: 15)) }
        // Labels 1…12 came out: the rest goes out from label 13, at once.
        #expect(try m.handle(.confirm(printed: 12)) == .retry(afterSeconds: 0))
        #expect(m.state == .held && m.labelsSent == 12 && m.inDoubt.isEmpty)
        #expect(try m.handle(.run) == .send(fromLabel: 12))
        // Confirming a job that is not uncertain is a conflict.
        #expect(throws: PrintError(code: .conflict, message: "the job is sending, not uncertain: there is nothing to confirm")) {
            try m.handle(.confirm(printed: 12))
        }
        // Every label out: completed.
        var all = PrintJobMachine(state: .uncertain, hasDocument: true, labelCount: 3, labelsSent: 1, labelsWritten: 3)
        #expect(try all.handle(.confirm(printed: 3)) == .none && all.state == .completed)
    }

    @Test("a restart finds labels in doubt: without a counter the job is uncertain; with one it resends, and the counter decides")
    func machineRestart() throws {
        var plain = PrintJobMachine(state: .sending, hasDocument: true, labelCount: 30, labelsSent: 7, labelsWritten: 8)
        #expect(try plain.handle(.run) == .none && plain.state == .uncertain)
        #expect(plain.reason?.hasPrefix("label 8 of 30 may not have printed (labeld stopped while sending them)") == true)

        var counted = PrintJobMachine(state: .sending, hasDocument: true, labelCount: 30, labelsSent: 7, labelsWritten: 8,
                                      counter: CounterReading(count: 500, atLabel: 0))
        #expect(try counted.handle(.run) == .send(fromLabel: 7))
        // The printer printed 8 since the baseline: label 8 did come out, so the stream goes on from label 9.
        _ = try counted.handle(.printedThrough(8))
        #expect(counted.labelsSent == 8 && counted.inDoubt.isEmpty && counted.counter == nil)
        // A connection error with the baseline kept is a hold (the counter will say), not uncertain.
        _ = try counted.handle(.counterRead(CounterReading(count: 508, atLabel: 8)))
        _ = try counted.handle(.labelsWritten(9))
        _ = try counted.handle(.printerUnavailable("printer off"))
        #expect(counted.state == .held)
    }

    @Test("physical labels per label: formats times ^PQ copies; the label a counter reaches")
    func physicalLabels() {
        let doc = Array("^XA^FXa^PQ1^XZ^XA^FXb^PQ2^XZ^XA^FXb2^PQ1^XZ^XA^FXc^XZ".utf8)
        let d = Delivery(jobId: 1, title: "t", language: .zpl, document: doc,
                         labelOffsets: [0, doc.firstRange(of: Array("^XA^FXb^".utf8))!.lowerBound, doc.firstRange(of: Array("^XA^FXc".utf8))!.lowerBound])
        #expect(d.physicalLabels == [1, 3, 1])
        #expect(SocketTransport.label(after: 0, from: 0, physical: [1, 3, 1]) == 0)
        #expect(SocketTransport.label(after: 3, from: 0, physical: [1, 3, 1]) == 1)  // label 2 only partly out
        #expect(SocketTransport.label(after: 4, from: 0, physical: [1, 3, 1]) == 2)
        #expect(SocketTransport.label(after: 9, from: 1, physical: [1, 3, 1]) == 3)
        #expect(SocketTransport.parseCounter(Array("\"1234\"\r\n".utf8)) == 1234)
        #expect(SocketTransport.parseUnprinted(Array("\u{02}030,0,0,1218,002,0,0,0,000,0,0,0\u{03}\r\n\u{02}001,0,0,0,0,2,6,0,00000001,1,000\u{03}\r\n\u{02}1234,0\u{03}\r\n".utf8)) == 3)
    }

    @Test("a plain socket printer switched off mid-batch: the job is uncertain with a few labels listed, every lost label among them; the station's scan of the last label out confirms it, the rest prints once; the printer's next job waits for it")
    func plainPowerOff() throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let desk = try makeDesk()
        let ids = try seed(desk, manyOrders(30, lines: 2))
        let reserved = PrintLab.reservePort()   // off until a sink listens on it
        defer { reserved.release() }
        let port = reserved.port
        try desk.addPrinter("zebra", "socket:127.0.0.1:\(port)")
        // Rendered while the printer is off, so the cut can be placed inside label 13.
        let jobId = try desk.printBatch(PrintSelection(), printer: "zebra", actor: "operator:kim", fallbackDirectory: "/tmp").submissions[0].job.id
        let labels = try desk.store.labels(jobId: jobId)
        let cut = labels[12].offset! + 100
        let sink = try lab.startSink(name: "plain", closeAfter: cut, port: port, receiveBuffer: 8192)
        let job = try desk.spooler.process(jobId, goal: .accepted)
        #expect(job.state == .uncertain, "\(job)")
        let span = try #require(job.uncertainLabels)
        let window = PrinterProfile(name: "z", transport: "socket:h:1", language: .zpl).window
        // The printer has labels 1…k whole (it was switched off in label 13); each of the rest is listed.
        let printed = sink.completeLabelTags()
        let k = printed.count
        #expect(printed == labels.prefix(k).indices.map { "\(labels[$0].source) \($0 + 1)/30" })
        #expect(k == 12)
        #expect(span.first <= k + 1 && span.last >= k + 1, "lost label \(k + 1) is not among the uncertain \(span)")
        #expect(span.last - span.first + 1 <= 2 * window + 1, "\(span)")
        #expect(job.reason?.contains("may not have printed") == true)
        print("plain socket cut in label 13 of 30: labels \(span.first)–\(span.last) uncertain, \(k) printed whole")
        // Nothing more goes out of it by itself, and it is never completed.
        try desk.spooler.drain(until: Date().addingTimeInterval(1))
        #expect(try desk.store.job(jobId).state == .uncertain)
        // Another job for the same printer waits for it (it would print ahead of labels not accounted for).
        let reprint = try desk.reprint(jobId: jobId, reason: "다시", actor: "operator:kim")
        #expect(reprint.state == .held && reprint.reason == "job \(jobId) on this printer is uncertain with labels in doubt; it goes first", "\(reprint)")
        // An operator's confirmation outside the doubt is refused with the range.
        #expect(throws: PrintError.self) { try desk.confirm(jobId: jobId, printed: span.first - 2, actor: "operator:kim") }
        // A scan of a label before the doubt is only a repeat: it proves nothing new.
        let early = try #require(ids.first { "shipment:\($0.value)" == labels[span.first - 2].source }?.key)
        let repeatScan = try desk.confirmingScan(try desk.printScan(early, actor: "station:pack-1", fallbackDirectory: "/tmp"), code: early, actor: "station:pack-1")
        #expect(repeatScan.repeated && repeatScan.job.state == .uncertain)
        // The packer scans the last label that came out (k): its confirmation scan; the rest prints, once.
        let last = try #require(ids.first { "shipment:\($0.value)" == labels[k - 1].source }?.key)
        let scanned = try desk.confirmingScan(try desk.printScan(last, actor: "station:pack-1", fallbackDirectory: "/tmp"), code: last, actor: "station:pack-1")
        #expect(scanned.repeated && scanned.job.id == jobId)
        let after = try desk.store.job(jobId)
        #expect(after.state == .completed, "\(after)")
        let once = labels.indices.map { "\(labels[$0].source) \($0 + 1)/30" }
        #expect(sink.completeLabelTags() == once)
        // Then the reprint that waited: after every label of the original, not among them.
        try desk.spooler.drain(until: Date().addingTimeInterval(10))
        #expect(try desk.store.job(reprint.id).state == .completed)
        #expect(sink.completeLabelTags() == once + once)
        let audit = try #require(try desk.fulfillment.auditLog().first { $0.action == "print.confirm" })
        #expect(audit.subject == "job \(jobId)" && audit.actor == "station:pack-1" && audit.newValue?.hasPrefix("printed through label \(k) of 30") == true, "\(audit)")
    }
}
