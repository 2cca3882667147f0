public import Storage
import Synchronization

/// Who is told when a job fails or is canceled, and which of its labels did not print: the owner of
/// the labels' sources (the order core gives those shipments back to the print queue), inside the
/// transaction that ends the job, so the two can never disagree.
public final class JobEndings: Sendable {
    /// The job as it ended and the sources of its labels that did not print (in label order); what
    /// it returns, if anything, is added to the job's reason ("2 waybill(s) back in the print queue").
    public typealias Handler = @Sendable (_ db: any SQLDatabase, _ job: PrintJob, _ unprinted: [String]) throws -> String?

    private let handler = Mutex<Handler?>(nil)

    init() {}

    /// Sets the one handler (the print desk's).
    public func set(_ handler: @escaping Handler) { self.handler.withLock { $0 = handler } }

    /// `labelsSent`: the labels known to have reached the printer, from the first; the rest did not
    /// print, unless another standing job prints the same source.
    func ended(_ db: any SQLDatabase, _ job: PrintJob, unprinted labelsSent: Int) throws {
        guard let handler = handler.withLock({ $0 }) else { return }
        // A source another standing job (not a reprint) prints is not given back.
        let unprinted = try String.fetchAll(db, sql: """
            SELECT l.source FROM printLabel l WHERE l.jobId = ? AND l.seq > ? AND NOT EXISTS (
                SELECT 1 FROM printLabel o JOIN printJob j ON j.id = o.jobId
                WHERE o.source = l.source AND j.id != l.jobId AND j.reprintOf IS NULL AND j.state NOT IN ('failed','canceled'))
            ORDER BY l.seq
            """, arguments: [job.id, labelsSent])
        guard !unprinted.isEmpty, let note = try handler(db, job, unprinted) else { return }
        try db.execute(sql: "UPDATE printJob SET reason = COALESCE(reason || '; ', '') || ? WHERE id = ?", arguments: [note, job.id])
    }
}
