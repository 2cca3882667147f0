public import Foundation
import Glibc
import Storage
import Fulfillment
import LabeldSupport
public import PrintSpool

/// Where the stations' scans (`POST /v1/print` with a code) are acknowledged: one thread takes
/// every scan waiting and, in one transaction committed to disk once, finds each one's shipment and
/// waybill data, checks for a standing job and queues its job (each scan in its own savepoint, so
/// one scan's error is its own). Then every waiting request is answered at once.
///
/// One thread, because under a burst a reader, a transaction and a blocked thread per request cost
/// more than a scan's queries (docs/ARCHITECTURE.md, "The HTTP service"); scans are answered in
/// the order they came.
///
/// A scan the intake cannot finish alone — an order number without a shipment yet, or no printer
/// profile at all — goes the general way (`PrintDesk.printScan`); `print(_:)` takes either way.
/// The thread starts with the first scan and ends after `idleSeconds` without one.
public final class ScanIntake: Sendable {
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
        /// Committed (or a repeat of a standing job). `claim`: this request holds the printer and
        /// prints the job itself — pass both to `Spooler.settle`; `persisted` is milliseconds from
        /// the request to the commit.
        case submitted(Submission, claim: PrinterClaim?, persisted: Double)
        /// Not handled here: take `PrintDesk.printScan`.
        case elsewhere
    }

    /// Runs blocking work (rendering, sending, SQLite) off the caller's executor and returns its
    /// result: the HTTP service passes its thread pool.
    public typealias Offload = @Sendable (_ work: @escaping @Sendable () throws -> Submission) async throws -> Submission

    private struct Waiting: Sendable {
        let scan: Scan
        let arrived: DispatchTime
        let answer: CheckedContinuation<Outcome, any Error>
    }
    private struct Queue: Sendable {
        var waiting: [Waiting] = []
        var running = false
    }

    let desk: PrintDesk
    private let idleSeconds: Double
    private let queue = Monitor(Queue())

    public init(desk: PrintDesk, idleSeconds: Double = 5) {
        self.desk = desk
        self.idleSeconds = idleSeconds
    }

    /// A station's scan the whole way: a waybill or order number (`scan.code`), or a shipment
    /// chosen on screen (`shipmentId`), to a job that is committed and, when nothing is ahead of
    /// it for the printer, printed by this call (else left queued to the worker threads). A scan
    /// that repeats an `uncertain` job and names one of its labels in doubt confirms it.
    /// `fallbackDirectory`: where a first, automatic file printer writes (`resolvePrinter`).
    public func print(_ scan: Scan, shipmentId: Int64? = nil, fallbackDirectory: String, offload: Offload) async throws -> Submission {
        let desk = self.desk
        let outcome: Outcome = shipmentId == nil ? try await take(scan) : .elsewhere
        var submission: Submission
        switch outcome {
        case .submitted(let queued, let claim?, let persisted):
            // Nothing ahead for this printer: this request prints the label.
            submission = try await offload { try desk.spooler.settle(queued, claim: claim, persisted: persisted) }
        case .submitted(let queued, nil, let persisted):
            submission = try desk.spooler.settle(queued, claim: nil, persisted: persisted)
        case .elsewhere:
            submission = try await offload {
                if let shipmentId {
                    return try desk.printShipment(shipmentId, printer: scan.printer, idempotencyKey: scan.idempotencyKey, actor: scan.actor,
                                                  fallbackDirectory: fallbackDirectory, goal: .acceptedUnlessQueued)
                }
                return try desk.printScan(scan.code, printer: scan.printer, idempotencyKey: scan.idempotencyKey, actor: scan.actor,
                                          fallbackDirectory: fallbackDirectory, goal: .acceptedUnlessQueued)
            }
        }
        if shipmentId == nil, submission.repeated, submission.job.state == .uncertain {
            // The station scanned a label of a job in doubt: it came out.
            let repeated = submission
            submission = try await offload { try desk.confirmingScan(repeated, code: scan.code, actor: scan.actor) }
        }
        return submission
    }

    /// Queues `scan` durably (or finds it repeats a standing job); returns once it is committed.
    public func take(_ scan: Scan) async throws -> Outcome {
        try await withCheckedThrowingContinuation { answer in
            let start = queue.withLock { queue in
                queue.waiting.append(Waiting(scan: scan, arrived: .now(), answer: answer))
                defer { queue.running = true }
                return !queue.running
            }
            guard start else { return queue.signal() }
            Thread.detachNewThread { [self] in
                Thread.current.name = "scan-intake"   // what `top -H` shows
                // Every request of a burst waits on this thread: it goes before the request
                // threads when the process may raise a thread's priority (root or
                // CAP_SYS_NICE; otherwise it stays as it is).
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -5)   // on Linux: this thread
                while let batch = next() { acknowledge(batch) }
            }
        }
    }

    /// The scans waiting now; nil (and the thread ends) after `idleSeconds` without any.
    private func next() -> [Waiting]? {
        queue.wait(until: Date().addingTimeInterval(idleSeconds), for: { !$0.waiting.isEmpty }) { queue, arrived in
            guard arrived else {
                queue.running = false
                return nil
            }
            defer { queue.waiting = [] }
            return queue.waiting
        }
    }

    private func acknowledge(_ batch: [Waiting]) {
        let spooler = desk.spooler
        spooler.acknowledging.note()   // the worker threads give way meanwhile
        let store = desk.store
        var outcomes = [Result<(Submission, PrinterClaim?)?, any Error>](repeating: .success(nil), count: batch.count)
        do {
            let at = store.stamp()
            try store.durably { db in
                // The commit group runs this again alone when another caller's work in the same
                // group failed: start from nothing held (dropping a claim lets its printer go).
                outcomes = outcomes.map { _ in .success(nil) }
                let basis = try PrintDesk.ScanBasis(db, desk: self.desk)
                for (i, w) in batch.enumerated() {
                    do {
                        try db.inSavepoint {
                            outcomes[i] = .success(try self.queue(db, w.scan, at: at, basis: basis))
                        }
                    } catch let error as SQLError where error.isRetryable {
                        // PostgreSQL: the whole batch's transaction runs again, not this scan's answer.
                        throw error
                    } catch {
                        outcomes[i] = .failure(error)
                    }
                }
            }
        } catch {
            // The commit itself failed: nothing of the batch is queued.
            outcomes = []
            for w in batch { w.answer.resume(throwing: error) }
            return
        }
        let committed = DispatchTime.now()
        for (i, w) in batch.enumerated() {
            switch outcomes[i] {
            case .failure(let error): w.answer.resume(throwing: error)
            case .success(nil): w.answer.resume(returning: .elsewhere)
            case .success(let (submission, claim)?):
                let ms = Double(committed.uptimeNanoseconds - w.arrived.uptimeNanoseconds) / 1e6
                w.answer.resume(returning: .submitted(submission, claim: claim, persisted: ms))
            }
        }
    }

    /// One scan in the batch's transaction: nil when it is not the intake's to handle; else the
    /// submission and, when this request prints it, the printer it holds.
    private func queue(_ db: any SQLDatabase, _ scan: Scan, at: String, basis: PrintDesk.ScanBasis) throws -> (Submission, PrinterClaim?)? {
        guard let id = try FulfillmentStore.shipmentId(db, scanned: scan.code) else { return nil }
        let waybill = try desk.waybill(db, id, printer: scan.printer, idempotencyKey: scan.idempotencyKey, actor: scan.actor,
                                       lookForStanding: false, basis: basis, recordAsText: true)
        guard let profile = waybill.profile else { return nil }
        var request = waybill.request
        request.printer = profile.name
        let claim = desk.spooler.claimPrinter(profile.name)
        let revision = try basis.revision(db, name: request.templateName, source: request.templateSource, at: at)
        let submission = try desk.store.enqueue(db, request, profile: profile, at: at, dueNow: claim == nil, dueWhenQueuedAhead: true,
                                                labelTexts: waybill.recordText.map { [$0] }, revision: revision) { db, _ in
            try FulfillmentStore.markPrinted(db, shipmentIds: [id])
        }
        // Left to the workers (or a repeat): this request will not print it, so it lets the printer go.
        if submission.leftToWorker || submission.repeated {
            claim?.release()
            return (submission, nil)
        }
        return (submission, claim)
    }
}
