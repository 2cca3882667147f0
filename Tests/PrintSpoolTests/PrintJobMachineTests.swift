import PrintSpool
import Testing

/// The job lifecycle as a pure state machine: events in, actions out, no I/O.
@Suite("Print job state machine")
struct PrintJobMachineTests {
    typealias E = PrintJobMachine.Event
    typealias A = PrintJobMachine.Action

    struct Step: CustomStringConvertible {
        var event: E
        var state: PrintJobState
        var action: A
        var description: String { "\(event) → \(state.rawValue)" }
    }

    /// Runs steps from a fresh machine with `labels` labels; checks each state and action.
    func run(_ steps: [Step], retry: RetryPolicy = RetryPolicy(baseSeconds: 1, maximumSeconds: 8)) throws -> PrintJobMachine {
        var m = PrintJobMachine(labelCount: 3, retry: retry)
        for (i, step) in steps.enumerated() {
            let action = try m.handle(step.event)
            #expect(m.state == step.state, "step \(i + 1): \(step)")
            #expect(action == step.action, "step \(i + 1): \(step)")
        }
        return m
    }

    @Test("socket/file: queued → rendering → sending → completed")
    func directDevice() throws {
        let m = try run([
            Step(event: .run, state: .rendering, action: .render),
            Step(event: .rendered(labels: 3), state: .sending, action: .send(fromLabel: 0)),
            Step(event: .labelsDelivered(2), state: .sending, action: .none),
            Step(event: .delivered(remote: false), state: .completed, action: .none),
        ])
        #expect(m.labelsSent == 3)
    }

    @Test("print server: the remote id is kept, sent → completed when the server says so")
    func printServer() throws {
        let m = try run([
            Step(event: .run, state: .rendering, action: .render),
            Step(event: .rendered(labels: 3), state: .sending, action: .send(fromLabel: 0)),
            Step(event: .remoteJobCreated(41), state: .sending, action: .none),
            Step(event: .delivered(remote: true), state: .sent, action: .follow(remoteJobId: 41, afterSeconds: 0.05)),
            Step(event: .remote(RemoteJob(id: 41, state: .processing, reasons: [], documents: 1)), state: .sent, action: .follow(remoteJobId: 41, afterSeconds: 0.1)),
            Step(event: .remote(RemoteJob(id: 41, state: .completed, reasons: [], documents: 1)), state: .completed, action: .none),
        ])
        #expect(m.remoteJobId == 41)
    }

    @Test("offline printer: held with backoff 1, 2, 4, 8, 8 s; a batch broken at label k resumes at k")
    func heldAndResumed() throws {
        let m = try run([
            Step(event: .run, state: .rendering, action: .render),
            Step(event: .rendered(labels: 3), state: .sending, action: .send(fromLabel: 0)),
            Step(event: .printerUnavailable("offline"), state: .held, action: .retry(afterSeconds: 1)),
            Step(event: .run, state: .sending, action: .send(fromLabel: 0)),
            Step(event: .printerUnavailable("offline"), state: .held, action: .retry(afterSeconds: 2)),
            Step(event: .run, state: .sending, action: .send(fromLabel: 0)),
            Step(event: .printerUnavailable("offline"), state: .held, action: .retry(afterSeconds: 4)),
            Step(event: .run, state: .sending, action: .send(fromLabel: 0)),
            Step(event: .printerUnavailable("offline"), state: .held, action: .retry(afterSeconds: 8)),
            Step(event: .run, state: .sending, action: .send(fromLabel: 0)),
            Step(event: .labelsDelivered(2), state: .sending, action: .none),
            Step(event: .printerUnavailable("connection reset"), state: .held, action: .retry(afterSeconds: 8)),
            Step(event: .run, state: .sending, action: .send(fromLabel: 2)),
            Step(event: .labelsDelivered(3), state: .sending, action: .none),
            Step(event: .delivered(remote: false), state: .completed, action: .none),
        ])
        #expect(m.attempts == 0 && m.reason == nil)
    }

    @Test("a stopped CUPS queue holds the job; it completes after re-enable")
    func stoppedQueue() throws {
        _ = try run([
            Step(event: .run, state: .rendering, action: .render),
            Step(event: .rendered(labels: 3), state: .sending, action: .send(fromLabel: 0)),
            Step(event: .remoteJobCreated(7), state: .sending, action: .none),
            Step(event: .delivered(remote: true), state: .sent, action: .follow(remoteJobId: 7, afterSeconds: 0.05)),
            Step(event: .remote(RemoteJob(id: 7, state: .pending, reasons: ["printer-stopped"], documents: 1)), state: .held,
                 action: .follow(remoteJobId: 7, afterSeconds: 1)),
            Step(event: .remote(RemoteJob(id: 7, state: .pending, reasons: ["printer-stopped"], documents: 1)), state: .held,
                 action: .follow(remoteJobId: 7, afterSeconds: 1)),
            Step(event: .remote(RemoteJob(id: 7, state: .completed, reasons: [], documents: 1)), state: .completed, action: .none),
        ])
    }

    @Test("restart after a crash mid-send: a server job without its document is canceled and sent again once")
    func crashMidSend() throws {
        var m = PrintJobMachine(state: .sending, hasDocument: true, labelCount: 1000, labelsSent: 0, remoteJobId: 12)
        #expect(try m.handle(.run) == .follow(remoteJobId: 12, afterSeconds: 0))
        #expect(try m.handle(.remote(RemoteJob(id: 12, state: .pending, reasons: [], documents: 0))) == .cancelRemoteAndResend(remoteJobId: 12))
        // Until the server confirms the cancel its job id stays: a cancel that failed is held and
        // asked about again, never followed by a resend.
        #expect(m.state == .sending && m.remoteJobId == 12)
        var failed = m
        #expect(try failed.handle(.printerUnavailable("job 12 at the print server could not be canceled")) == .retry(afterSeconds: 1))
        #expect(failed.state == .held && failed.remoteJobId == 12)
        #expect(try failed.handle(.run) == .follow(remoteJobId: 12, afterSeconds: 0))
        // Confirmed: sent again from the start, once.
        #expect(try m.handle(.remoteCanceled) == .send(fromLabel: 0))
        #expect(m.state == .sending && m.remoteJobId == nil && m.labelsSent == 0)

        // The document did arrive before the crash: nothing is sent again.
        var n = PrintJobMachine(state: .sending, hasDocument: true, labelCount: 1000, labelsSent: 0, remoteJobId: 13)
        _ = try n.handle(.run)
        #expect(try n.handle(.remote(RemoteJob(id: 13, state: .processing, reasons: [], documents: 1))) == .follow(remoteJobId: 13, afterSeconds: 0.1))
        #expect(n.state == .sent && n.labelsSent == 1000)

        // Crash while rendering: rendered again from the snapshot.
        var r = PrintJobMachine(state: .rendering, hasDocument: false, labelCount: 1000)
        #expect(try r.handle(.run) == .render)
    }

    @Test("the print server forgot or aborted the job")
    func remoteLostOrAborted() throws {
        var m = PrintJobMachine(state: .sent, hasDocument: true, labelCount: 3, labelsSent: 3, remoteJobId: 5)
        #expect(try m.handle(.remote(nil)) == .none)
        #expect(m.state == .completed)
        var a = PrintJobMachine(state: .sent, hasDocument: true, labelCount: 3, labelsSent: 3, remoteJobId: 6)
        _ = try a.handle(.remote(RemoteJob(id: 6, state: .aborted, reasons: ["job-canceled-by-user"], documents: 1, message: "device error")))
        #expect(a.state == .failed && a.reason == "the print server aborted the job: device error")
    }

    @Test("cancel: held and queued jobs never print; the server's job is canceled; final jobs refuse")
    func cancel() throws {
        var q = PrintJobMachine()
        #expect(try q.handle(.cancel) == .none)
        #expect(q.state == .canceled)
        #expect(try q.handle(.run) == .none)

        var s = PrintJobMachine(state: .held, hasDocument: true, labelCount: 1, labelsSent: 1, remoteJobId: 9)
        #expect(try s.handle(.cancel) == .cancelRemote(remoteJobId: 9))

        var done = PrintJobMachine(state: .completed, hasDocument: true, labelCount: 1, labelsSent: 1)
        #expect(throws: PrintError(code: .conflict, message: "the job is already completed: nothing to cancel")) { try done.handle(.cancel) }
    }

    @Test("refused and render failures fail with their reason")
    func failures() throws {
        var m = PrintJobMachine()
        _ = try m.handle(.run)
        _ = try m.handle(.renderFailed("templates/x.yaml:3:5: missing data 'waybill_no'"))
        #expect(m.state == .failed && m.reason == "templates/x.yaml:3:5: missing data 'waybill_no'")
        var r = PrintJobMachine(state: .sending, hasDocument: true, labelCount: 1)
        _ = try r.handle(.refused("does not take this document format"))
        #expect(r.state == .failed)
    }

    @Test("backoff doubles up to the maximum")
    func backoff() {
        let p = RetryPolicy(baseSeconds: 0.5, maximumSeconds: 30)
        #expect((1...8).map { p.delay(afterAttempt: $0) } == [0.5, 1, 2, 4, 8, 16, 30, 30])
    }
}
