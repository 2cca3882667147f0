/// A print job's state. The IPP job states (pending → processing → completed, canceled,
/// aborted) with labeld's own steps spelled out: queued → rendering → sending → sent → completed,
/// or held (printer stopped, offline, paper out — retried), failed (with reason), canceled.
public enum PrintJobState: String, Codable, Sendable, CaseIterable {
    case queued, rendering, sending, sent, completed, held, failed, canceled

    /// No further step happens to a job in a final state.
    public var isFinal: Bool { self == .completed || self == .failed || self == .canceled }
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
    /// The print server's id for this job, persisted before the document goes out.
    public private(set) var remoteJobId: Int?
    public private(set) var attempts: Int
    public private(set) var reason: String?
    public let retry: RetryPolicy

    public init(state: PrintJobState = .queued, hasDocument: Bool = false, labelCount: Int = 0, labelsSent: Int = 0,
                remoteJobId: Int? = nil, attempts: Int = 0, reason: String? = nil, retry: RetryPolicy = RetryPolicy()) {
        self.state = state; self.hasDocument = hasDocument; self.labelCount = labelCount; self.labelsSent = labelsSent
        self.remoteJobId = remoteJobId; self.attempts = attempts; self.reason = reason; self.retry = retry
    }

    public enum Event: Sendable, Hashable {
        /// A worker takes the job up (new, due for retry, or found mid-way after a restart).
        case run
        case rendered(labels: Int)
        case renderFailed(String)
        case remoteJobCreated(Int)
        case labelsDelivered(Int)
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
        /// Cancel the server's job (it never got the whole document), then send again from the start.
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

        case (.run, _):
            if let id = remoteJobId {
                // A server job exists: find out whether it has the whole document before anything else.
                state = labelsSent >= labelCount && hasDocument ? .sent : .sending
                return .follow(remoteJobId: id, afterSeconds: 0)
            }
            if !hasDocument { state = .rendering; return .render }
            state = .sending
            return .send(fromLabel: labelsSent)

        case (.rendered(let n), .rendering):
            hasDocument = true
            labelCount = n
            labelsSent = min(labelsSent, n)
            state = .sending
            return .send(fromLabel: labelsSent)
        case (.renderFailed(let message), _):
            state = .failed
            reason = message
            return .none

        case (.remoteJobCreated(let id), .sending):
            remoteJobId = id
            return .none
        case (.labelsDelivered(let n), .sending):
            labelsSent = max(labelsSent, min(n, labelCount))
            return .none
        case (.delivered(let remote), .sending):
            labelsSent = labelCount
            attempts = 0
            reason = nil
            if remote, let id = remoteJobId {
                state = .sent
                return .follow(remoteJobId: id, afterSeconds: 0.05)
            }
            state = .completed
            return .none

        case (.printerUnavailable(let why), _):
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
            labelsSent = 0
            state = hasDocument ? .sending : .rendering
            return hasDocument ? .send(fromLabel: 0) : .render
        case (.remote(let job?), _):
            let whole = (job.documents ?? 0) > 0 || (labelsSent >= labelCount && hasDocument)
            switch job.state {
            case .completed:
                state = .completed
                labelsSent = labelCount
                reason = nil
                return .none
            case .canceled, .aborted:
                if whole {
                    state = .failed
                    reason = "the print server \(job.state == .canceled ? "canceled" : "aborted") the job" + (job.message.map { ": \($0)" } ?? "")
                    return .none
                }
                remoteJobId = nil
                labelsSent = 0
                state = .sending
                return .send(fromLabel: 0)
            case .pending, .held, .processing, .stopped:
                if !whole && job.documents == 0 {
                    // Our Send-Document never finished (labeld stopped mid-way): start over.
                    remoteJobId = nil
                    labelsSent = 0
                    state = .sending
                    return .cancelRemoteAndResend(remoteJobId: job.id)
                }
                labelsSent = labelCount
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
