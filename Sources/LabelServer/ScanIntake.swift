public import Foundation
import Glibc
import GRDB
import Fulfillment
public import PrintSpool

/// Where the stations' scans (`POST /v1/print` with a code) are acknowledged: one thread takes
/// every scan waiting and, in one transaction committed to disk once, finds each one's shipment and
/// waybill data, checks for a standing job and queues its job (each scan in its own savepoint, so
/// one scan's error is its own). Then every waiting request is answered at once.
///
/// Why one thread and not a read transaction and a commit per request: under a burst from many
/// stations, the per-request parts — a reader checked out of the pool, a transaction of its own,
/// a blocking thread woken for it and put to sleep again on the commit — cost more than the scan's
/// queries themselves, and with dozens of threads the answers come back in no particular order.
/// Here the cost of a batch is paid once, and scans are answered in the order they came.
///
/// A scan the intake cannot finish alone — an order number without a shipment yet, or no printer
/// profile at all — is answered `.elsewhere`: the caller takes `PrintDesk.printScan`.
/// The thread starts with the first scan and ends after `idleSeconds` without one.
public final class ScanIntake: @unchecked Sendable {
    public struct Scan: Sendable {
        public var code: String
        public var printer: String?
        public var idempotencyKey: String?
        public var actor: String
        public init(code: String, printer: String?, idempotencyKey: String?, actor: String) {
            self.code = code; self.printer = printer; self.idempotencyKey = idempotencyKey; self.actor = actor
        }
    }

    /// A scan as the intake left it.
    public enum Outcome: Sendable {
        /// Committed (or a repeat of a standing job). `claimed`: this request holds the printer and
        /// prints the job itself — pass both to `Spooler.settle`; `persisted` is milliseconds from
        /// the request to the commit.
        case submitted(Submission, claimed: Bool, persisted: Double)
        /// Not handled here: take `PrintDesk.printScan`.
        case elsewhere
    }

    private struct Waiting {
        let scan: Scan
        let arrived: DispatchTime
        let answer: CheckedContinuation<Outcome, any Error>
    }

    let desk: PrintDesk
    private let idleSeconds: Double
    private let condition = NSCondition()
    private var waiting: [Waiting] = []
    private var running = false

    public init(desk: PrintDesk, idleSeconds: Double = 5) {
        self.desk = desk
        self.idleSeconds = idleSeconds
    }

    /// Queues `scan` durably (or finds it repeats a standing job); returns once it is committed.
    public func take(_ scan: Scan) async throws -> Outcome {
        try await withCheckedThrowingContinuation { answer in
            condition.lock()
            waiting.append(Waiting(scan: scan, arrived: .now(), answer: answer))
            if running {
                condition.signal()
            } else {
                running = true
                Thread.detachNewThread { [self] in
                    Thread.current.name = "scan-intake"   // what `top -H` shows
                    // Every request of a burst waits on this thread: it goes before the request
                    // threads when the process may raise a thread's priority (root or
                    // CAP_SYS_NICE; otherwise it stays as it is).
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -5)   // on Linux: this thread
                    run()
                }
            }
            condition.unlock()
        }
    }

    private func run() {
        while let batch = next() { acknowledge(batch) }
    }

    /// The scans waiting now; nil (and the thread ends) after `idleSeconds` without any.
    private func next() -> [Waiting]? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(idleSeconds)
        while waiting.isEmpty {
            if !condition.wait(until: deadline) && waiting.isEmpty {
                running = false
                return nil
            }
        }
        let batch = waiting
        waiting = []
        return batch
    }

    private func acknowledge(_ batch: [Waiting]) {
        let spooler = desk.spooler
        spooler.acknowledging.note()   // the worker threads give way meanwhile
        let store = desk.store
        var outcomes = [Result<(Submission, Bool)?, any Error>](repeating: .success(nil), count: batch.count)
        var claims: [String] = []
        do {
            let at = store.stamp()
            try store.durably { db in
                // The commit group runs this again alone when another caller's work in the same
                // group failed: start from nothing held.
                for printer in claims { spooler.releasePrinter(printer) }
                claims = []
                let basis = try PrintDesk.ScanBasis(db, desk: self.desk)
                for (i, w) in batch.enumerated() {
                    let claimsBefore = claims.count
                    do {
                        try db.inPreparedSavepoint {
                            outcomes[i] = .success(try self.queue(db, w.scan, at: at, basis: basis, claims: &claims))
                        }
                    } catch {
                        outcomes[i] = .failure(error)
                        while claims.count > claimsBefore { spooler.releasePrinter(claims.removeLast()) }
                    }
                }
            }
        } catch {
            // The commit itself failed: nothing of the batch is queued.
            for printer in claims { spooler.releasePrinter(printer) }
            for w in batch { w.answer.resume(throwing: error) }
            return
        }
        let committed = DispatchTime.now()
        for (i, w) in batch.enumerated() {
            switch outcomes[i] {
            case .failure(let error): w.answer.resume(throwing: error)
            case .success(nil): w.answer.resume(returning: .elsewhere)
            case .success(let (submission, claimed)?):
                let ms = Double(committed.uptimeNanoseconds - w.arrived.uptimeNanoseconds) / 1e6
                w.answer.resume(returning: .submitted(submission, claimed: claimed, persisted: ms))
            }
        }
    }

    /// One scan in the batch's transaction: nil when it is not the intake's to handle. A printer
    /// this scan claims is appended to `claims`.
    private func queue(_ db: Database, _ scan: Scan, at: String, basis: PrintDesk.ScanBasis, claims: inout [String]) throws -> (Submission, Bool)? {
        guard let id = try PrintDesk.shipmentId(db, scanned: scan.code) else { return nil }
        let waybill = try desk.waybill(db, id, printer: scan.printer, idempotencyKey: scan.idempotencyKey, actor: scan.actor,
                                       lookForStanding: false, basis: basis, recordAsText: true)
        guard let profile = waybill.profile else { return nil }
        var request = waybill.request
        request.printer = profile.name
        let claimed = desk.spooler.claimPrinter(profile.name)
        if claimed { claims.append(profile.name) }
        let revision = try basis.revision(db, name: request.templateName, source: request.templateSource, at: at)
        let submission = try desk.store.enqueue(db, request, profile: profile, at: at, dueNow: !claimed, dueWhenQueuedAhead: true,
                                                labelTexts: waybill.recordText.map { [$0] }, revision: revision) { db, _ in
            try FulfillmentStore.markPrinted(db, shipmentIds: [id])
        }
        // Left to the workers (or a repeat): this request will not print it, so it lets the printer go.
        if claimed && (submission.leftToWorker || submission.repeated) {
            desk.spooler.releasePrinter(claims.removeLast())
            return (submission, false)
        }
        return (submission, claimed)
    }
}
