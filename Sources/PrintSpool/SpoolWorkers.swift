public import Foundation
import Glibc
import LabeldSupport

/// Threads that take due jobs from the queue: at once when a request leaves its job to them
/// (`Spooler.Goal.acceptedUnlessQueued`), and every `interval` for held retries, followed print
/// server jobs and jobs left by a process that is gone. A printer is driven by one thread at a
/// time. Each thread renders on a lane of its own at idle CPU priority but keeps normal priority
/// itself (it holds the database's writer); while scans are being acknowledged it rests three
/// times as long as each job took, so answering stations comes first. Why, and what it cost:
/// docs/ARCHITECTURE.md, "Printing".
public final class SpoolWorkers: Sendable {
    public let spooler: Spooler
    /// Set by `stop`; a resting thread waits on it, so it stops at once.
    private let stopping = Monitor(false)
    private let finished = DispatchGroup()
    private let onError: @Sendable (any Error) -> Void
    private let onJob: @Sendable (PrintJob) -> Void

    /// `onJob` sees every job a thread has driven, as it left it (metrics).
    public init(spooler: Spooler, onJob: @escaping @Sendable (PrintJob) -> Void = { _ in },
                onError: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.spooler = spooler
        self.onJob = onJob
        self.onError = onError
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    /// Starts `count` threads. `idle`: their rendering runs only when no other thread wants the
    /// CPU (`SCHED_IDLE`); otherwise at `niceness`.
    public func start(count: Int = 2, interval: Double = 0.25, idle: Bool = true, niceness: Int32 = 10) {
        for _ in 0..<max(1, count) {
            finished.enter()
            let thread = Thread { [self] in
                Thread.current.name = "spool-worker"   // what `top -H` shows
                let lane = BackgroundLane(idle: idle, niceness: niceness)
                defer { lane.stop() }
                while !isStopping {
                    var othersOnly = false, more = false
                    do {
                        var mark = DispatchTime.now()
                        let round = try spooler.runDue(until: { self.isStopping }, renderLane: lane) { job in
                            onJob(job)
                            giveWay(since: &mark)
                        }
                        // Everything due was another thread's printer: leave it to that thread
                        // rather than asking the database again at every new scan.
                        othersOnly = round.due > 0 && round.driven == 0
                        // A round takes at most `roundSize` jobs per printer: a full one may have left some.
                        more = round.driven >= SpoolStore.roundSize
                    } catch { onError(error) }
                    if isStopping { break }
                    // Everything due was another thread's printer: that thread goes through its
                    // jobs, so look again after `interval`, not at every job it finishes.
                    if othersOnly { rest(interval) } else if !more { spooler.due.wait(upTo: interval) }
                }
                finished.leave()
            }
            thread.start()
        }
    }

    /// A thread's share of its time for the queue while scans are being acknowledged.
    public static let shareWhileAcknowledging = 0.25

    /// How long a thread rests after `worked` seconds on a job: while scans are being
    /// acknowledged, enough to keep its share (at most a quarter of a second); otherwise not at all.
    public static func rest(afterWorking worked: Double, acknowledging: Bool) -> Double {
        acknowledging ? min(worked * (1 / shareWhileAcknowledging - 1), 0.25) : 0
    }

    /// Rests after a job (driven since `mark`) while scans are being acknowledged (in the last
    /// 100 ms); `mark` moves to now.
    private func giveWay(since mark: inout DispatchTime) {
        let worked = Double(DispatchTime.now().uptimeNanoseconds - mark.uptimeNanoseconds) / 1e9
        let rest = Self.rest(afterWorking: worked, acknowledging: spooler.acknowledging.within(0.1))
        if rest > 0 { self.rest(rest) }
        mark = .now()
    }

    /// Waits `seconds`, or less when asked to stop.
    private func rest(_ seconds: Double) {
        stopping.wait(until: Date().addingTimeInterval(seconds), for: { $0 }) { _, _ in }
    }

    /// Asks the threads to stop after the step they are in (a job's step reaches a persisted
    /// state first) and waits for them.
    public func stop() {
        stopping.withLock { $0 = true }
        stopping.broadcast()
        spooler.due.signal()
        finished.wait()
    }
}

/// A thread at low CPU priority that runs what a normal-priority thread hands it and waits for:
/// CPU-heavy work (rendering) without holding locks a request could need.
public final class BackgroundLane: Sendable {
    private struct State: Sendable {
        var work: (@Sendable () -> Void)?
        var stopping = false
    }
    private let state = Monitor(State())

    /// `idle`: `SCHED_IDLE` (runs only when no other thread wants the CPU); otherwise, or when
    /// that is refused, nice `niceness`.
    public init(idle: Bool = true, niceness: Int32 = 10) {
        Thread.detachNewThread { [self] in
            Thread.current.name = "spool-render"
            Self.lowerPriority(idle: idle, niceness: niceness)
            // The next work, or nil once stopped with nothing to do.
            while let next = state.wait(for: { $0.work != nil || $0.stopping }, then: { $0.work }) {
                next()
                state.withLock { $0.work = nil }
                state.broadcast()
            }
        }
    }

    /// Runs `body` on the lane and returns its result (one caller at a time).
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let result = Monitor<Result<T, any Error>?>(nil)
        state.withLock { $0.work = { let r = Result { try body() }; result.withLock { $0 = r } } }
        state.broadcast()
        state.wait(for: { $0.work == nil }) { _ in }
        return try result.withLock { $0 }!.get()
    }

    /// Ends the lane's thread (after the work it is doing).
    public func stop() {
        state.withLock { $0.stopping = true }
        state.broadcast()
    }

    /// Lowers the calling thread's CPU priority (on Linux both are per thread).
    static func lowerPriority(idle: Bool, niceness: Int32) {
        if idle {
            var param = sched_param()
            param.sched_priority = 0
            if pthread_setschedparam(pthread_self(), 5 /* SCHED_IDLE, not imported into Swift */, &param) == 0 { return }
        }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
    }
}
