import Foundation
import Fulfillment
import LabelTesting
import Logging
import LabeldSupport
import Printing
import PrintSpool
import Testing

/// The printer claim, waits that wake on a change, and the spool's log.
@Suite("Spool: printer claims, pauses that wake, log lines")
struct ClaimAndLogTests {
    @Test("a printer has one holder; the claim lets go once, by release or when dropped")
    func printerClaim() throws {
        let spooler = try makeDesk().spooler
        var first = spooler.claimPrinter("zebra")
        #expect(first != nil)
        #expect(spooler.claimPrinter("zebra") == nil, "held by the first")
        #expect(spooler.claimPrinter("other") != nil, "printers are claimed apart")
        first?.release()
        let second = spooler.claimPrinter("zebra")
        #expect(second != nil)
        // Letting go again is nothing: the second holder keeps the printer.
        first?.release()
        #expect(spooler.claimPrinter("zebra") == nil)
        first = nil
        #expect(spooler.claimPrinter("zebra") == nil, "dropping a claim let go before lets nothing go")
        withExtendedLifetime(second) {}
        // Dropped without a release (a transaction that failed): the printer is free again.
        func claimAndDrop() { _ = spooler.claimPrinter("dropped") }
        claimAndDrop()
        #expect(spooler.claimPrinter("dropped") != nil)
    }

    @Test("a job waiting for its retry wakes when it is canceled, and the hold, the cancel and the shipment given back are logged")
    func cancelWakesAPause() throws {
        let capture = LogCapture()
        // A retry 30 s away: the caller must not wait for it once the job is canceled.
        let desk = try makeDesk(retry: RetryPolicy(baseSeconds: 30, maximumSeconds: 30), logger: capture.logger)
        let ids = try seed(desk, manyOrders(1))
        let shipment = ids["20261128000001"]!
        let off = PrintLab.reservePort()   // a printer that is off
        defer { off.release() }
        try desk.addPrinter("zebra", "socket:127.0.0.1:\(off.port)")
        let answer = Monitor<Result<Submission, any Error>?>(nil)
        let caller = Thread {
            let r = Result { try desk.printShipment(shipment, printer: "zebra", actor: "operator:kim", fallbackDirectory: "/tmp",
                                                    goal: .finished(deadline: Date().addingTimeInterval(120))) }
            answer.withLock { $0 = r }
            answer.broadcast()
        }
        let start = Date()
        caller.start()
        // The job is held (the printer is offline) and its caller pauses for the retry.
        let held = capture.wait(for: "job held, retried later", seconds: 20)
        #expect(held != nil)
        let jobId = try #require(held?.metadata["job.id"].map { "\($0)" }.flatMap { Int64($0) })
        #expect(held?.metadata["printer.name"] == "zebra" && held?.metadata["retry.after"] == "30.0")
        #expect(try desk.cancel(jobId: jobId, actor: "operator:kim").state == .canceled)
        let result = answer.wait(until: Date().addingTimeInterval(20), for: { $0 != nil }) { state, _ in state }
        #expect(Date().timeIntervalSince(start) < 20, "woken by the cancel, not by the 30 s retry")
        let job = try #require(try result?.get().job)
        #expect(job.id == jobId && job.state == .canceled)
        let messages = capture.lines.map(\.message)
        #expect(messages.contains("job canceled") && messages.contains("shipments back in the print queue"), "\(messages)")
        #expect(capture.lines.first { $0.message.hasPrefix("job held: printer unavailable") }?.metadata["job.id"] == "\(jobId)")
    }
}
