public import Foundation
public import LabelModel
public import Rendering
public import Storage
public import Logging
import Synchronization
public import LabeldSupport

/// Drives jobs from the durable queue to the printer: renders (from the stored template revision
/// and data snapshot), sends through the printer's transport, follows the print server's job,
/// holds and retries when the printer is not ready. Each step's state is committed before the
/// next starts, so a restarted process takes every job up where it was.
public final class Spooler: Sendable {
    public let store: SpoolStore
    public let rendering: RendererConfiguration
    public let carriers: [String: CarrierProfile]
    /// The transport of a printer profile (tests may wrap one).
    let transportFor: @Sendable (PrinterProfile) throws(PrintError) -> any PrintTransport
    /// Renderers kept warm between jobs (making one loads the fonts: ~10 ms), and parsed template
    /// revisions: a scan renders on the calling thread with both at hand.
    /// Warm renderers (shared with previews).
    public let renderers: LabelRendererPool
    /// Parsed template revisions, by name and text.
    let templates = KeyedCache<String, Template>(limit: 64)
    let active = Claims<Int64>()
    /// Printers a thread of this process is printing a scan or a queued job to now: one at a time
    /// per printer, so its jobs go out in the order they came (see `Goal.acceptedUnlessQueued`).
    let printing = Claims<String>()
    /// Wakes the worker threads when a request leaves a job to them.
    let due = DueSignal()
    /// Counts cancels and confirmations, for jobs pausing between steps (`pause`).
    private let jobsChanged = Monitor<UInt64>(0)
    /// When stations' scans were last being acknowledged (the scan intake notes each batch): the
    /// worker threads give way meanwhile (see `SpoolWorkers`).
    public let acknowledging = Activity()
    /// Where holds, retries, failures, takeovers, cancels and confirmations are told (info).
    public let logger: Logger

    /// `logger`: the spool's log (by default none: the CLI prints what a command did itself).
    public init(store: SpoolStore, rendering: RendererConfiguration, logger: Logger = .disabled,
                transportFor: @escaping @Sendable (PrinterProfile) throws(PrintError) -> any PrintTransport = { p throws(PrintError) in try p.makeTransport() }) throws {
        self.store = store
        self.logger = logger
        self.rendering = rendering
        self.carriers = try rendering.carrierProfiles()
        self.transportFor = transportFor
        self.renderers = LabelRendererPool(configuration: rendering)
    }

    /// How far `process` drives a job before it returns.
    public enum Goal: Sendable {
        /// Until the printer or print server has it (sent / completed), or it is held or failed:
        /// what a packing station waits for.
        case accepted
        /// Until it is completed, failed or canceled, or the deadline passes (held jobs are retried).
        case finished(deadline: Date)
        /// As `accepted` when nothing is ahead for the same printer (no job for it queued, no
        /// thread of this process printing to it); otherwise the job is persisted and left, in
        /// arrival order, to the worker threads (`SpoolWorkers`), and the caller is answered at
        /// once with the job queued. A packing station's scan: at
        /// its usual pace it gets the printer's answer; in a burst no request waits behind the
        /// rendering of another's label, and no label jumps the queue.
        case acceptedUnlessQueued
    }

    /// Persists a request and drives it to `goal`. The returned job carries stage timings.
    /// `profile`: the printer's, when the caller has read it already; `repeatChecked`: the caller
    /// has looked for a standing job (`SpoolStore.standing`).
    public func submit(_ request: PrintRequest, profile known: PrinterProfile? = nil, goal: Goal = .accepted, repeatChecked: Bool = false,
                       alsoInTransaction: (@Sendable (any SQLDatabase, Int64) throws -> Void)? = nil) throws -> Submission {
        let start = DispatchTime.now()
        let profile = try known ?? store.profile(request.printer)
        guard case .acceptedUnlessQueued = goal else {
            var submission = try store.submit(request, profile: profile, repeatChecked: repeatChecked, alsoInTransaction: alsoInTransaction)
            if submission.repeated { return submission }
            submission.job = try process(submission.job.id, goal: goal, timings: ["persist": Self.ms(since: start)])
            return submission
        }
        // Inline only with nothing ahead for this printer: no other thread of this process
        // printing to it, and no job for it waiting in the queue (checked in the transaction).
        let claim = claimPrinter(profile.name)
        let submission = try store.submit(request, profile: profile, dueNow: claim == nil, dueWhenQueuedAhead: true, repeatChecked: repeatChecked,
                                          alsoInTransaction: alsoInTransaction)
        return try settle(submission, claim: claim, persisted: Self.ms(since: start))
    }

    /// `.acceptedUnlessQueued` for callers that queue in a transaction of their own
    /// (`SpoolStore.enqueue` with `dueNow: claim == nil, dueWhenQueuedAhead: true`): the printer,
    /// when no other thread of this process is printing to it. The caller holds it until `settle`
    /// (or drops it, when its transaction fails).
    public func claimPrinter(_ printer: String) -> PrinterClaim? {
        printing.claim(printer) ? PrinterClaim(printer: printer, from: printing) : nil
    }

    /// After the commit of a job queued under `.acceptedUnlessQueued`: prints it now when the
    /// caller holds the printer and the job was not left to the worker threads, else wakes them;
    /// lets the printer go. `persisted`: milliseconds from the request to the commit.
    public func settle(_ submission: Submission, claim: PrinterClaim?, persisted: Double) throws -> Submission {
        defer { claim?.release() }
        var submission = submission
        if submission.repeated { return submission }
        if submission.leftToWorker || claim == nil {
            due.signal()
            submission.job.timings = ["persist": persisted]
            return submission
        }
        submission.job = try process(submission.job.id, goal: .accepted, timings: ["persist": persisted])
        return submission
    }

    /// Drives one job toward `goal` (see ``Goal``); returns it as it then is. A job another live
    /// process is working on is returned as it is.
    @discardableResult
    public func process(_ id: Int64, goal: Goal = .accepted, timings: [String: Double] = [:]) throws -> PrintJob {
        try drive(id, goal: goal, timings: timings) ?? store.job(id)
    }

    /// `process`, or nil when another thread or process is driving the job.
    func drive(_ id: Int64, goal: Goal, timings: [String: Double] = [:], renderLane: BackgroundLane? = nil) throws -> PrintJob? {
        let start = DispatchTime.now()
        // One thread per job in this process (a request and the worker may both reach for it);
        // other processes are kept out by the owner PID in the database.
        guard active.claim(id) else { return nil }
        defer { active.release(id) }
        // Claim, load and take the first step in one transaction.
        guard let (claimed, first, firstAction, previousOwner) = try store.claimAndRun(id) else { return nil }
        if let previousOwner {
            logger.info("job taken over from a process that is gone", metadata: Self.about(claimed, ["owner.previous": "\(previousOwner)"]))
        }
        var released = false
        defer { if !released { try? store.release(id) } }
        var job = claimed, m = first, action = firstAction
        if job.state.isFinal { return nil }  // finished by another thread meanwhile
        var stageTimings = timings
        // This job itself resumes a broken stream: it goes before the printer's other jobs.
        let resumingDoubt = !m.inDoubt.isEmpty || m.counter != nil
        var rendered: (bytes: [UInt8], offsets: [Int])?
        var transport: (any PrintTransport)?
        func currentTransport() throws -> any PrintTransport {
            if let transport { return transport }
            let t = try transportFor(try store.profile(job.printer))
            transport = t
            return t
        }
        var polled = false
        // labelsWritten before the first label's write was announced with the document (see `.render`).
        var announcedFrom: Int?
        loop: while true {
            switch action {
            case .none:
                break loop

            case .render:
                let t0 = DispatchTime.now()
                do {
                    let rendering = job
                    let (bytes, offsets, notes) = try renderLane?.run { try self.render(rendering) } ?? render(job)
                    action = try m.handle(.rendered(labels: offsets.count))
                    if case .send(let from) = action, (try? currentTransport())?.announcesWrites == true {
                        // The first label's write announced in the document's commit: a scan costs no extra
                        // one. Withdrawn below when the transport never got to write it.
                        announcedFrom = m.labelsWritten
                        _ = try m.handle(.labelsWritten(from + 1))
                    }
                    stageTimings["render"] = Self.ms(since: t0)
                    try store.storeDocument(id, bytes: bytes, offsets: offsets, machine: m, renderMS: stageTimings["render"]!,
                                            verification: notes.isEmpty ? nil : notes)
                    if !notes.isEmpty {
                        logger.info("job sent with barcodes that failed verification (verify: warn)", metadata: Self.about(job, ["verify": "\(notes.map(\.description))"]))
                    }
                    rendered = (bytes, offsets)
                } catch let hold as VerificationHold {
                    action = try m.handle(.verificationFailed(hold.reason))
                    try store.holdForVerification(id, m, notes: hold.notes)
                    logger.info("job held: a barcode failed verification; nothing was sent", metadata: Self.about(job, ["verify": "\(hold.reason)"]))
                } catch {
                    action = try m.handle(.renderFailed("\(error)"))
                    try store.persist(id, m)
                    logger.info("job failed to render", metadata: Self.about(job, ["error": "\(error)"]))
                }

            case .send(let from):
                let t0 = DispatchTime.now()
                var wrote = false
                /// An error before the transport announced any write: the label announced ahead never went out.
                func withdraw() throws {
                    if !wrote, let before = announcedFrom { _ = try m.handle(.writeWithdrawn(before)) }
                    announcedFrom = nil
                }
                do {
                    let t = try currentTransport()
                    if rendered == nil {
                        guard let document = try store.document(jobId: id) else { throw PrintError(code: .io, message: "job \(id) has no document") }
                        rendered = (document, try store.offsets(jobId: id))
                    }
                    let (document, offsets) = rendered!
                    // Labels of another job in doubt on this printer come first: what is sent now
                    // would move its printer's label counter, or print ahead of labels not yet accounted for.
                    if !resumingDoubt, let other = try store.inDoubt(printer: job.printer, except: id) {
                        throw PrintError(code: .unavailable, message: "job \(other.id) on this printer is \(other.state.rawValue) with labels in doubt; it goes first")
                    }
                    // Several nodes: nothing goes out once this node's lease on the printer is over
                    // by its own clock (a node resumed after a freeze has not renewed it, and cannot).
                    if !store.leases.mayDrive(job.printer) { throw LeaseLost(printer: job.printer, node: store.leases.node) }
                    let delivery = Delivery(jobId: id, title: job.title, language: job.language, document: document, labelOffsets: offsets, firstLabel: from,
                                            labelsWritten: m.labelsWritten, counter: m.counter, media: job.language == .zpl ? nil : try media(job))
                    var lastCommit = DispatchTime.now()
                    let result = try t.deliver(delivery) { event in
                        switch event {
                        case .remoteJobCreated(let remote):
                            _ = try m.handle(.remoteJobCreated(remote))
                            try store.persist(id, m)
                        case .labelsDelivered(let n):
                            _ = try m.handle(.labelsDelivered(n))
                            // A commit per label would cap a stream at the disk's sync rate: every 20 ms
                            // (a socket stream commits with each label's `labelsWritten` anyway).
                            if Self.ms(since: lastCommit) >= 20 { try store.persist(id, m); lastCommit = DispatchTime.now() }
                        case .labelsWritten(let n):
                            wrote = true
                            // Before the write, always: a restart must know this label may be out.
                            let before = m.labelsWritten
                            _ = try m.handle(.labelsWritten(n))
                            if m.labelsWritten > before { try store.persist(id, m); lastCommit = DispatchTime.now() }
                            // Several nodes: the label goes out only while the lease holds by this node's clock,
                            // checked after the (fenced) commit, right before the transport writes it.
                            if !store.leases.mayDrive(job.printer) { throw LeaseLost(printer: job.printer, node: store.leases.node) }
                        case .counterRead(let reading):
                            _ = try m.handle(.counterRead(reading))
                            try store.persist(id, m)
                        case .printedThrough(let n):
                            _ = try m.handle(.printedThrough(n))
                            try store.persist(id, m)
                        case .counted(let count):
                            try store.recordPrinterCount(id, count)
                            if !count.matches {
                                logger.warning("the printer counted other than labeld sent", metadata: Self.about(job, [
                                    "counter.before": "\(count.before)", "counter.after": "\(count.after)", "labels.sent": "\(count.sent)"]))
                            }
                        }
                    }
                    if case .accepted = result { action = try m.handle(.delivered(remote: true)) } else { action = try m.handle(.delivered(remote: false)) }
                    stageTimings["send"] = Self.ms(since: t0)
                    if case .none = action {} else { try store.persist(id, m) }
                } catch let error as PrintError where error.code == .unavailable || error.code == .io {
                    try withdraw()
                    action = try m.handle(.printerUnavailable(error.description))
                    try store.persist(id, m)
                    logger.info("job \(m.state.rawValue): printer unavailable", metadata: Self.about(job, ["error": "\(error.description)"]))
                } catch let error as PrintError {
                    try withdraw()
                    action = try m.handle(.refused(error.description))
                    try store.persist(id, m)
                    logger.info("job \(m.state.rawValue): refused", metadata: Self.about(job, ["error": "\(error.description)"]))
                }
                announcedFrom = nil

            case .follow(let remote, let after):
                let seen = changesSeen()
                if goal.untilAccepted, polled || m.state == .sent && after > 0 {
                    try store.persist(id, m, retryAfter: after)
                    break loop
                }
                if case .finished(let deadline) = goal, Date().addingTimeInterval(after) > deadline {
                    try store.persist(id, m, retryAfter: after)
                    break loop
                }
                if after > 0 { pause(after, since: seen) }
                polled = true
                do {
                    let t = try currentTransport()
                    var job = try t.remoteJob(remote)
                    // A job waiting on a stopped or jammed printer is held: say why, in the printer's words.
                    if let j = job, j.state == .pending || j.state == .held || j.state == .processing {
                        let printer = t.status()
                        if !printer.ready {
                            job?.reasons.insert("printer-stopped", at: 0)
                            job?.message = printer.notReadyReason
                        }
                    }
                    action = try m.handle(.remote(job))
                    try store.persist(id, m)
                } catch let error as PrintError where error.code == .unavailable {
                    action = .follow(remoteJobId: remote, afterSeconds: store.retry.delay(afterAttempt: m.attempts + 1))
                }

            case .retry(let after):
                // Counted before the held state is stored: a cancel that sees it wakes the pause.
                let seen = changesSeen()
                try store.persist(id, m, retryAfter: after)
                logger.info("job held, retried later", metadata: Self.about(job, ["retry.after": "\(after)", "retry.attempt": "\(m.attempts)"]))
                guard case .finished(let deadline) = goal, Date().addingTimeInterval(after) < deadline else { break loop }
                pause(after, since: seen)
                (job, m) = try store.loadMachine(id)
                if job.state.isFinal { break loop }
                action = try m.handle(.run)
                try store.persist(id, m)

            case .cancelRemoteAndResend(let remote):
                // Resent only once the server says its job is gone: a cancel that did not take
                // and a resend would print the labels twice.
                do {
                    let t = try currentTransport()
                    try t.cancelRemote(remote)
                    let after = try t.remoteJob(remote)
                    if after == nil || after?.state == .canceled || after?.state == .aborted {
                        action = try m.handle(.remoteCanceled)
                    } else if after?.state == .completed || (after?.documents ?? 0) > 0 {
                        action = try m.handle(.remote(after))   // it had the document after all
                    } else {
                        throw PrintError(code: .unavailable, message: "the print server has not canceled its job \(remote) yet (\(after!.state)); asked again before anything is resent")
                    }
                } catch let error as PrintError {
                    action = try m.handle(.printerUnavailable("job \(remote) at the print server could not be canceled: \(error.description)"))
                    logger.info("job held: its print-server job is not known to be canceled, so nothing is resent",
                                metadata: Self.about(job, ["job.remote": "\(remote)", "error": "\(error.description)"]))
                }
                try store.persist(id, m)

            case .cancelRemote(let remote):
                try? currentTransport().cancelRemote(remote)
                try store.persist(id, m)
                break loop
            }
        }
        stageTimings["total"] = Self.ms(since: start) + (timings["persist"] ?? 0)
        released = true
        return try store.finish(id, m, timings: stageTimings)
    }

    /// Waits `seconds` before a job's next step (a poll of the print server, a retry), or less
    /// when a job of this process was canceled or confirmed since `seen` (`changesSeen()`, read
    /// before the state that a cancel would act on was stored): the step then sees it.
    func pause(_ seconds: Double, since seen: UInt64) {
        jobsChanged.wait(until: Date().addingTimeInterval(seconds), for: { $0 != seen }) { _, _ in }
    }

    /// How many cancels and confirmations this process has seen, for `pause`.
    func changesSeen() -> UInt64 { jobsChanged.withLock { $0 } }

    /// Tells pausing jobs (`pause`) that a job was canceled or confirmed.
    func noteJobChanged() {
        jobsChanged.withLock { $0 &+= 1 }
        jobsChanged.broadcast()
    }

    /// Says how far an `uncertain` job printed: labels 1…`printed` came out (the number of the
    /// last label out, seen by a person or a station's confirmation scan). The rest goes out, in
    /// order, next; with every label printed the job is completed.
    public func confirm(_ id: Int64, printed: Int) throws -> PrintJob {
        try store.writer.write { db in
            var (_, m) = try store.loadMachine(db, id)
            let action = try m.handle(.confirm(printed: printed))
            var after: Double?
            if case .retry(let a) = action { after = a }
            try store.update(db, id, m, retryAfter: after)
        }
        due.signal()
        noteJobChanged()
        let job = try store.job(id)
        logger.info("job confirmed", metadata: Self.about(job, ["labels.printed": "\(printed)"]))
        return job
    }

    /// Cancels a job: a queued or held job never prints; a job a print server holds is canceled there too.
    /// Releases a held job (one a barcode check held, after its template was fixed; or one held
    /// on a printer, to try now): rendered again at `templateRevision` when given, then sent.
    public func release(_ id: Int64, templateRevision: Int? = nil) throws -> PrintJob {
        try store.release(id, templateRevision: templateRevision)
        due.signal()
        noteJobChanged()
        let job = try store.job(id)
        logger.info("job released", metadata: Self.about(job, ["template.revision": "\(job.templateRevision)"]))
        return job
    }

    public func cancel(_ id: Int64) throws -> PrintJob {
        let (job, loaded) = try store.loadMachine(id)
        var m = loaded
        let action = try m.handle(.cancel)
        try store.persist(id, m, release: true)
        noteJobChanged()
        logger.info("job canceled", metadata: Self.about(job, [:]))
        if case .cancelRemote(let remote) = action {
            do { try transportFor(try store.profile(job.printer)).cancelRemote(remote) } catch {
                throw PrintError(code: .unavailable, message: "job \(id) is canceled here, but the print server could not be told", detail: "\(error)")
            }
        }
        return try store.job(id)
    }

    /// Takes up every job that is due (new, held and due for retry, followed, or left by a process
    /// that is gone) once, in id order; a job whose printer another thread of this process is
    /// printing to is left for a later round, so each printer's jobs go out in order. `each` sees
    /// every job this thread drove. Returns how many were due and how many this thread drove.
    /// `renderLane`: where the labels are rendered (a worker thread's low-priority lane).
    @discardableResult
    public func runDue(until stop: () -> Bool = { false }, renderLane: BackgroundLane? = nil,
                       each: (PrintJob) -> Void = { _ in }) throws -> (due: Int, driven: Int) {
        let due = try store.dueJobs()
        var driven = 0
        // A printer found busy stays skipped for the rest of this round: whoever holds it goes
        // through its jobs in order, and this thread must not slip a later one in between.
        var busy: Set<String> = []
        for job in due {
            if stop() { break }
            guard !busy.contains(job.printer), printing.claim(job.printer) else { busy.insert(job.printer); continue }
            defer { printing.release(job.printer) }
            if let done = try drive(job.id, goal: .accepted, renderLane: renderLane) { each(done); driven += 1 }
        }
        return (due.count, driven)
    }

    /// Runs due jobs until none is waiting or `deadline` passes (held jobs wait for their retry).
    public func drain(until deadline: Date) throws {
        while Date() < deadline {
            try runDue()
            guard let next = try store.nextDue() else { return }
            let wait = min(max(0.01, next.timeIntervalSinceNow), deadline.timeIntervalSinceNow)
            if wait <= 0 { continue }
            due.wait(upTo: min(wait, 0.5))
        }
    }

    // MARK: Rendering

    /// The job's template, parsed once per revision text.
    func template(_ job: PrintJob) throws -> Template {
        let revision = try store.templateRevision(name: job.templateName, revision: job.templateRevision)
        return try templates.value(for: job.templateName + "\n" + revision.source) {
            try TemplateParser.parse(yaml: revision.source, file: "templates/\(job.templateName).yaml")
        }
    }

    /// The medium a job's document is laid out for: the printer profile's media, else the sheet of
    /// a sheet template, else the label (turned when the template turns it).
    func media(_ job: PrintJob) throws -> PrinterProfile.Media? {
        if let m = try store.profile(job.printer).media { return m }
        let t = try template(job)
        if let sheet = t.sheet { return .init(widthMM: sheet.width.millimetres, heightMM: sheet.height.millimetres) }
        let (w, h) = (t.page.width.millimetres, t.page.height.millimetres)
        return t.page.rotation.swapsAxes ? .init(widthMM: h, heightMM: w) : .init(widthMM: w, heightMM: h)
    }

    /// Renders a job's labels from its template revision and data snapshot: the document and the
    /// byte offset where each label starts. ZPL labels carry `^FX labeld SOURCE SEQ/COUNT^FS` and
    /// the printer's calibration after each `^XA`.
    func render(_ job: PrintJob) throws -> ([UInt8], [Int], [VerificationNote]) {
        let template = try template(job)
        let profile = try? store.profile(job.printer)
        let mode = profile?.verifyMode ?? .block
        let reduction = profile?.barWidthReduction ?? 0
        let policy = mode == .off ? nil : VerificationPolicy(minXDimMils: profile?.minXDimMils ?? VerificationPolicy.standard.minXDimMils,
                                                             printGain: reduction)
        var failures: [LabelWarning] = []
        let labels = try store.labels(jobId: job.id)
        let limits = try store.repeatLimits(jobId: job.id).mapValues {
            LabelComposer.RepeatLimit(maxRows: $0.maxRows, overflow: $0.overflow == "continuation" ? .continuation : $0.overflow == "summary" ? .summary : nil)
        }
        let format: OutputFormat
        switch job.language {
        case .zpl: format = .zpl
        case .pdf: format = .pdf
        case .pwgRaster: format = .pwg
        case .png: format = .png
        }
        let sink = MemorySink()
        var pngPages: [MemorySink] = []
        var ends: [Int] = []
        func written() -> Int { format == .png ? pngPages.reduce(0) { $0 + $1.bytes.count } : sink.bytes.count }
        let pngSink: (Int) throws(RenderingError) -> any ByteSink = { _ in
            let page = MemorySink()
            pngPages.append(page)
            return page
        }
        if labels.count < 16 {
            // A scan: one label on this thread, with a warm renderer (same bytes as the batch path).
            let composer = LabelComposer(template: template, dpi: job.dpi, carriers: carriers, repeatLimits: limits, barWidthReduction: reduction)
            try renderers.with { renderer in
                renderer.verification = policy
                defer { renderer.verification = nil }
                let writer = renderer.documentWriter(format: format, sink: sink, title: job.title, pngSink: pngSink)
                for (i, label) in labels.enumerated() {
                    for page in try composer.compose(label.data, index: i) { failures += try writer.add(page).filter(\.isVerification) }
                    ends.append(written())
                }
                try writer.finish()
            }
        } else {
            let renderer = ParallelBatchRenderer(configuration: rendering, template: template, dpi: job.dpi, format: format,
                                                 carriers: carriers, repeatLimits: limits, verification: policy, barWidthReduction: reduction)
            var index = 0
            let result = try renderer.run(next: {
                guard index < labels.count else { return nil }
                defer { index += 1 }
                return labels[index].data
            }, sink: sink, title: job.title, pngSink: pngSink, recordWritten: { _ in ends.append(written()) })
            failures = result.warnings.filter(\.isVerification)
        }
        let notes = failures.map(VerificationNote.init(warning:))
        if mode == .block && !notes.isEmpty { throw VerificationHold(notes: notes) }
        var bytes = format == .png ? pngPages.flatMap(\.bytes) : sink.bytes
        var starts = [0] + ends.dropLast()
        if format == .zpl {
            let calibration = (try? store.profile(job.printer))?.calibration ?? PrinterProfile.Calibration()
            (bytes, starts) = ZPLStream.tag(bytes, starts: starts, sources: labels.map(\.source), calibration: calibration, dpi: job.dpi)
        }
        return (bytes, starts, notes)
    }

    /// A log line's metadata about `job`, with `more`.
    static func about(_ job: PrintJob, _ more: Logger.Metadata) -> Logger.Metadata {
        more.merging(["job.id": "\(job.id)", "printer.name": "\(job.printer)"]) { mine, _ in mine }
    }

    static func ms(since t: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e6 }
}

extension Spooler.Goal {
    var untilAccepted: Bool {
        switch self {
        case .accepted, .acceptedUnlessQueued: true
        case .finished: false
        }
    }
}

/// A wake-up for the worker threads: `signal` counts, `wait` returns at once if signaled since the last wait.
final class DueSignal: Sendable {
    private let signaled = Monitor(false)
    func signal() {
        signaled.withLock { $0 = true }
        signaled.broadcast()
    }
    /// Waits for a signal or `seconds`.
    func wait(upTo seconds: Double) {
        signaled.wait(until: Date().addingTimeInterval(seconds), for: { $0 }) { signaled, _ in signaled = false }
    }
}

/// When something last happened, for threads that give way to it.
public final class Activity: Sendable {
    private let last = Mutex<UInt64>(0)
    public init() {}
    /// It happens now.
    public func note() {
        let now = DispatchTime.now().uptimeNanoseconds
        last.withLock { $0 = now }
    }
    /// Whether it happened in the last `seconds`.
    public func within(_ seconds: Double) -> Bool {
        let at = last.withLock { $0 }
        return at > 0 && Double(DispatchTime.now().uptimeNanoseconds - at) < seconds * 1e9
    }
}

/// Things claimed by one thread at a time (jobs this process is driving; printers a request is
/// printing to inline).
final class Claims<Element: Hashable & Sendable>: Sendable {
    private let held = Mutex<Set<Element>>([])
    /// False when another thread holds it.
    func claim(_ e: Element) -> Bool { held.withLock { $0.insert(e).inserted } }
    func release(_ e: Element) { _ = held.withLock { $0.remove(e) } }
}

/// A printer one thread of this process prints a request to inline, until it lets go: its jobs
/// then go out in the order they came (see `Goal.acceptedUnlessQueued`). Taken only by
/// `Spooler.claimPrinter`; let go once, by `release()` or when the last reference is dropped (a
/// transaction that failed or is run again simply drops the claims it took).
public final class PrinterClaim: Sendable {
    public let printer: String
    private let claims: Claims<String>
    private let held = Mutex(true)

    fileprivate init(printer: String, from claims: Claims<String>) {
        self.printer = printer
        self.claims = claims
    }

    /// Lets the printer go (again: nothing).
    public func release() {
        if held.withLock({ held in defer { held = false }; return held }) { claims.release(printer) }
    }

    deinit { release() }
}

/// ZPL stream edits done after rendering.
public enum ZPLStream {
    /// Inserts, after every `^XA` (Z64 graphics never contain `^`), the printer's calibration and
    /// `^JZN` (no reprint of its own after paper-out: labeld resends what was not confirmed) and, on
    /// each label's first format, `^FX labeld SOURCE SEQ/COUNT^FS` — a comment a printer ignores and
    /// a log (or test) can count. Returns the new stream and label offsets.
    public static func tag(_ bytes: [UInt8], starts: [Int], sources: [String], calibration: PrinterProfile.Calibration, dpi: Int) -> ([UInt8], [Int]) {
        var header = ""
        if calibration.xOffsetMM != 0 { header += "^LS\(Int((-calibration.xOffsetMM * Double(dpi) / 25.4).rounded()))" }
        if calibration.yOffsetMM != 0 { header += "^LT\(max(-120, min(120, Int((calibration.yOffsetMM * Double(dpi) / 25.4).rounded()))))" }
        if let d = calibration.darkness { header += "^MD\(d)" }
        if let s = calibration.speed { header += "^PR\(s)" }
        // The printer's own reprint after an error would double what labeld resends (^JZ, default Y).
        header += calibration.reprintAfterError == true ? "^JZY" : "^JZN"
        let headerBytes = Array(header.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + starts.count * (40 + headerBytes.count))
        var newStarts: [Int] = []
        let ends = Array(starts.dropFirst()) + [bytes.count]
        for (i, start) in starts.enumerated() {
            newStarts.append(out.count)
            var first = true
            var p = start
            let end = ends[i]
            while p < end {
                // Copy up to and including the next ^XA.
                var q = p
                var found = -1
                while q + 2 < end {
                    if bytes[q] == 0x5E && bytes[q + 1] == 0x58 && bytes[q + 2] == 0x41 { found = q; break }
                    q += 1
                }
                if found < 0 { out += bytes[p..<end]; break }
                out += bytes[p..<(found + 3)]
                if first {
                    out += Array("^FXlabeld \(sources[i].replacingOccurrences(of: "^", with: " ")) \(i + 1)/\(starts.count)^FS".utf8)
                    first = false
                }
                out += headerBytes
                p = found + 3
            }
        }
        return (out, newStarts)
    }
}

/// A rendered job whose barcodes failed verification under `verify: block`: it is held, not sent.
struct VerificationHold: Error {
    var notes: [VerificationNote]
    var reason: String {
        let first = notes.prefix(3).map(\.description).joined(separator: "; ")
        return "held: \(notes.count) barcode check\(notes.count == 1 ? "" : "s") failed before send — \(first)"
            + (notes.count > 3 ? "; …" : "") + ". Fix the template, then release the job (labeld jobs release ID)"
    }
}

extension VerificationNote {
    /// From a renderer's `verify.*` warning (its record is the label, counted from 1 here).
    init(warning w: LabelWarning) {
        self.init(label: w.record.map { $0 + 1 }, element: w.element, check: w.code ?? "verify", message: w.message)
    }
}
