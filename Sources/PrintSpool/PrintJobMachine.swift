/// A print job's state. The IPP job states (pending → processing → completed, canceled,
/// aborted) with labeld's own steps spelled out: queued → rendering → sending → sent → completed,
/// or held (printer stopped, offline, paper out — retried), failed (with reason), canceled —
/// and `uncertain`: the connection broke (or labeld stopped) while labels were on their way to a
/// printer that cannot say which of them it printed. Nothing more of the job goes out (and its
/// printer takes no other job) until an operator or the station says how far it printed
/// (`confirm`); it is never `completed` with those labels unaccounted for.
public enum PrintJobState: String, Codable, Sendable, CaseIterable {
    case queued, rendering, sending, sent, completed, held, failed, canceled, uncertain

    /// No further step happens to a job in a final state.
    public var isFinal: Bool { self == .completed || self == .failed || self == .canceled }
}

/// A printer's label counter (Zebra SGD `odometer.total_label_count`) read before label
/// `atLabel` (0-based) of a job went out, with nothing else left to print in the printer.
public struct CounterReading: Sendable, Hashable, Codable {
    public var count: Int
    public var atLabel: Int
    public init(count: Int, atLabel: Int) { self.count = count; self.atLabel = atLabel }
}

/// How long a held job waits before the next try: `base · 2^(attempts-1)`, at most `maximum`.
public struct RetryPolicy: Sendable, Hashable {
    public var baseSeconds: Double
    public var maximumSeconds: Double
    public init(baseSeconds: Double = 1, maximumSeconds: Double = 60) {
        self.baseSeconds = baseSeconds; self.maximumSeconds = maximumSeconds
    }
    public func delay(afterAttempt attempts: Int) -> Double {
        min(maximumSeconds, baseSeconds * Double(1 << min(20, max(0, attempts - 1))))
    }
}

/// The pure state machine that drives one print job: it takes events (from the worker, the
/// transport, the print server, the user) and returns the next action. No I/O: the spooler does
/// the action and feeds back the outcome; every state it returns is persisted.
public struct PrintJobMachine: Sendable, Hashable {
    public private(set) var state: PrintJobState
    /// The rendered document is stored.
    public private(set) var hasDocument: Bool
    public private(set) var labelCount: Int
    /// Labels known to have reached the printer or print server, from the start of the document.
    public private(set) var labelsSent: Int
    /// Labels written to the printer (or about to be: this is persisted before each label's
    /// write), from the start of the document; labels `labelsSent ..< labelsWritten` are in doubt.
    public private(set) var labelsWritten: Int
    /// The printer's label counter as read before labels went out (socket printers that answer
    /// `~HS`): how a restart finds out exactly how far a broken stream printed.
    public private(set) var counter: CounterReading?
    /// The print server's id for this job, persisted before the document goes out.
    public private(set) var remoteJobId: Int?
    public private(set) var attempts: Int
    public private(set) var reason: String?
    public let retry: RetryPolicy

    public init(state: PrintJobState = .queued, hasDocument: Bool = false, labelCount: Int = 0, labelsSent: Int = 0,
                labelsWritten: Int? = nil, counter: CounterReading? = nil,
                remoteJobId: Int? = nil, attempts: Int = 0, reason: String? = nil, retry: RetryPolicy = RetryPolicy()) {
        self.state = state; self.hasDocument = hasDocument; self.labelCount = labelCount; self.labelsSent = labelsSent
        self.labelsWritten = max(labelsSent, labelsWritten ?? labelsSent); self.counter = counter
        self.remoteJobId = remoteJobId; self.attempts = attempts; self.reason = reason; self.retry = retry
    }

    /// Labels that may or may not have printed (0-based, from the document's start).
    public var inDoubt: Range<Int> { labelsSent..<max(labelsSent, labelsWritten) }

    /// Why a job is `uncertain`, in words an operator acts on.
    static func uncertainReason(_ doubt: Range<Int>, count: Int, why: String) -> String {
        let labels = doubt.count == 1 ? "label \(doubt.lowerBound + 1)" : "labels \(doubt.lowerBound + 1)–\(doubt.upperBound)"
        return "\(labels) of \(count) may not have printed (\(why)): look at the last label out and confirm how far it printed "
            + "(labeld jobs confirm ID --printed N, or the station's confirmation scan); the rest then goes out"
    }

    public enum Event: Sendable, Hashable {
        /// A worker takes the job up (new, due for retry, or found mid-way after a restart).
        case run
        case rendered(labels: Int)
        case renderFailed(String)
        /// A barcode failed verification on the rendered raster (printer profile `verify: block`):
        /// nothing is sent; the job waits for `release` (after the template is fixed).
        case verificationFailed(String)
        /// An operator releases a held job: it is rendered again (if it has no document) and sent.
        case release
        case remoteJobCreated(Int)
        /// This many labels (from the document's start) are confirmed at the printer.
        case labelsDelivered(Int)
        /// This many labels are written, or about to be (persisted before the write).
        case labelsWritten(Int)
        /// An announced write did not happen (the printer could not be reached): back to `n`.
        case writeWithdrawn(Int)
        /// The printer's label counter before the label `atLabel` went out.
        case counterRead(CounterReading)
        /// The printer's counter says how far a broken stream printed: labels before this one.
        case printedThrough(Int)
        /// The print server confirms our cancel of its job (canceled, aborted or forgotten).
        case remoteCanceled
        /// The operator (or a station's confirmation scan) says labels before this one printed.
        case confirm(printed: Int)
        /// The whole document went out: written to a device, or accepted by a print server.
        case delivered(remote: Bool)
        /// The printer cannot take the job now (offline, stopped, paper out …).
        case printerUnavailable(String)
        /// The printer or server refused the job for good.
        case refused(String)
        /// What the print server says of its job; nil when it no longer knows it.
        case remote(RemoteJob?)
        case cancel
    }

    public enum Action: Sendable, Hashable {
        case none
        case render
        /// Send the document from this label on.
        case send(fromLabel: Int)
        /// Ask the print server what became of its job (after `afterSeconds`).
        case follow(remoteJobId: Int, afterSeconds: Double)
        /// Try again after a delay.
        case retry(afterSeconds: Double)
        /// Cancel the server's job (it never got the whole document); once the server confirms it
        /// (`remoteCanceled`), send again from the start.
        case cancelRemoteAndResend(remoteJobId: Int)
        /// Cancel the server's job; the job is canceled.
        case cancelRemote(remoteJobId: Int)
    }

    /// Applies `event`; returns what the spooler must do next. Throws `.conflict` for a move the
    /// job cannot make (cancel a completed job).
    public mutating func handle(_ event: Event) throws(PrintError) -> Action {
        switch (event, state) {
        case (.cancel, let s) where s.isFinal:
            throw PrintError(code: .conflict, message: "the job is already \(s.rawValue): nothing to cancel")
        case (.cancel, _):
            state = .canceled
            reason = "canceled"
            if let id = remoteJobId { return .cancelRemote(remoteJobId: id) }
            return .none
        case (_, let s) where s.isFinal:
            return .none

        case (.run, .uncertain):
            return .none
        case (.run, _):
            if let id = remoteJobId {
                // A server job exists: find out whether it has the whole document before anything else.
                state = labelsSent >= labelCount && hasDocument ? .sent : .sending
                return .follow(remoteJobId: id, afterSeconds: 0)
            }
            if !hasDocument { state = .rendering; return .render }
            if !inDoubt.isEmpty && counter == nil {
                // Stopped mid-stream (a restart) with no printer counter to ask: only a person can tell.
                state = .uncertain
                reason = Self.uncertainReason(inDoubt, count: labelCount, why: "labeld stopped while sending them")
                return .none
            }
            state = .sending
            return .send(fromLabel: labelsSent)

        case (.rendered(let n), .rendering):
            hasDocument = true
            labelCount = n
            labelsSent = min(labelsSent, n)
            labelsWritten = min(max(labelsWritten, labelsSent), n)
            state = .sending
            return .send(fromLabel: labelsSent)
        case (.renderFailed(let message), _):
            state = .failed
            reason = message
            return .none
        case (.verificationFailed(let message), .rendering):
            state = .held
            hasDocument = false
            reason = message
            return .none
        case (.release, .held):
            attempts = 0
            return .retry(afterSeconds: 0)
        case (.release, let s):
            throw PrintError(code: .conflict, message: "the job is \(s.rawValue), not held: there is nothing to release")

        case (.remoteJobCreated(let id), .sending):
            remoteJobId = id
            return .none
        case (.labelsDelivered(let n), .sending):
            labelsSent = max(labelsSent, min(n, labelCount))
            labelsWritten = max(labelsWritten, labelsSent)
            return .none
        case (.labelsWritten(let n), .sending):
            labelsWritten = max(labelsWritten, min(n, labelCount), labelsSent)
            return .none
        case (.remoteCanceled, _):
            remoteJobId = nil
            labelsSent = 0; labelsWritten = 0
            state = hasDocument ? .sending : .rendering
            return hasDocument ? .send(fromLabel: 0) : .render
        case (.writeWithdrawn(let n), _):
            labelsWritten = max(labelsSent, min(labelsWritten, n))
            return .none
        case (.counterRead(let reading), .sending):
            counter = reading
            return .none
        case (.printedThrough(let n), .sending):
            // The printer's own count: exact, up or down from what the stream had confirmed.
            labelsSent = max(0, min(n, labelCount))
            labelsWritten = labelsSent
            counter = nil
            return .none
        case (.confirm(let n), .uncertain):
            guard inDoubt.contains(n) || n == inDoubt.upperBound else {
                throw PrintError(code: .invalidInput, message: "labels \(inDoubt.lowerBound + 1)–\(inDoubt.upperBound) are in doubt: "
                    + "--printed must be between \(inDoubt.lowerBound) and \(inDoubt.upperBound) (the number of the last label that came out)")
            }
            labelsSent = n
            labelsWritten = n
            counter = nil
            attempts = 0
            if n >= labelCount { state = .completed; reason = nil; return .none }
            state = .held
            reason = "confirmed through label \(n); the rest goes out"
            return .retry(afterSeconds: 0)
        case (.confirm, let s):
            throw PrintError(code: .conflict, message: "the job is \(s.rawValue), not uncertain: there is nothing to confirm")
        case (.delivered(let remote), .sending):
            labelsSent = labelCount
            labelsWritten = labelCount
            counter = nil
            attempts = 0
            reason = nil
            if remote, let id = remoteJobId {
                state = .sent
                return .follow(remoteJobId: id, afterSeconds: 0.05)
            }
            state = .completed
            return .none

        case (.printerUnavailable(let why), _):
            if !inDoubt.isEmpty && counter == nil && remoteJobId == nil {
                state = .uncertain
                reason = Self.uncertainReason(inDoubt, count: labelCount, why: why)
                return .none
            }
            state = .held
            attempts += 1
            reason = why
            return .retry(afterSeconds: retry.delay(afterAttempt: attempts))
        case (.refused(let why), _):
            state = .failed
            reason = why
            return .none

        case (.remote(nil), _):
            // The server forgot the job: printed if it had the whole document, otherwise send again.
            remoteJobId = nil
            if labelsSent >= labelCount && hasDocument { state = .completed; reason = nil; return .none }
            labelsSent = 0; labelsWritten = 0
            state = hasDocument ? .sending : .rendering
            return hasDocument ? .send(fromLabel: 0) : .render
        case (.remote(let job?), _):
            let whole = (job.documents ?? 0) > 0 || (labelsSent >= labelCount && hasDocument)
            switch job.state {
            case .completed:
                state = .completed
                labelsSent = labelCount; labelsWritten = labelCount
                reason = nil
                return .none
            case .canceled, .aborted:
                if whole {
                    state = .failed
                    reason = "the print server \(job.state == .canceled ? "canceled" : "aborted") the job" + (job.message.map { ": \($0)" } ?? "")
                    return .none
                }
                remoteJobId = nil
                labelsSent = 0; labelsWritten = 0
                state = .sending
                return .send(fromLabel: 0)
            case .pending, .held, .processing, .stopped:
                if !whole && job.documents == 0 {
                    // Our Send-Document never finished (labeld stopped mid-way): cancel that job and
                    // start over — once the server confirms the cancel (`remoteCanceled`); until
                    // then its id stays, so a cancel that did not take is asked about, not resent.
                    state = .sending
                    return .cancelRemoteAndResend(remoteJobId: job.id)
                }
                labelsSent = labelCount; labelsWritten = labelCount
                let stopped = job.state == .stopped || job.state == .held
                    || job.reasons.contains { $0.hasPrefix("printer-stopped") || $0 == "job-hold-until-specified" }
                if stopped {
                    if state != .held { attempts += 1 }
                    state = .held
                    reason = "the print server holds the job: " + (job.message ?? job.reasons.first { $0 != "none" } ?? "printer stopped")
                    return .follow(remoteJobId: job.id, afterSeconds: retry.delay(afterAttempt: attempts))
                }
                state = .sent
                reason = nil
                return .follow(remoteJobId: job.id, afterSeconds: 0.1)
            }

        default:
            throw PrintError(code: .conflict, message: "a \(state.rawValue) job cannot take '\(event)'")
        }
    }
}
