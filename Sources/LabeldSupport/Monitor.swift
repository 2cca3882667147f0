public import Foundation

/// State shared by threads that also wait for it to change: a `Mutex` with a condition to wait
/// on (Synchronization's `Mutex` has none). Every access to the state is inside `withLock` or
/// `wait`, with the lock held; the state cannot escape the closures, since it is `inout`.
///
/// ```swift
/// let queue = Monitor<[Scan]>([])
/// queue.withLock { $0.append(scan) }; queue.signal()
/// let batch = queue.wait(until: deadline, for: { !$0.isEmpty }) { batch in defer { batch = [] }; return batch }
/// ```
/// Unchecked Sendable for the one reason `Mutex` is: the compiler cannot see that a lock guards
/// `state`; the lock is taken around every access (the class has no other path to it), and the
/// state itself must be Sendable, so nothing that is not can cross threads through it.
public final class Monitor<State: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    public init(_ state: State) { self.state = state }

    /// Runs `body` on the state with the lock held.
    public func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Wakes one waiting thread.
    public func signal() { condition.signal() }
    /// Wakes every waiting thread.
    public func broadcast() { condition.broadcast() }

    /// Waits until `ready` holds for the state (checked first, then after each wake-up) or
    /// `deadline` passes, then runs `body` on it with the lock held. `body`'s second argument says
    /// whether `ready` held (false: the deadline passed first).
    public func wait<T>(until deadline: Date, for ready: (State) -> Bool, then body: (inout State, Bool) throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        while !ready(state) {
            if !condition.wait(until: deadline) && !ready(state) { return try body(&state, false) }
        }
        return try body(&state, true)
    }

    /// Waits, without a deadline, until `ready` holds, then runs `body` on the state.
    public func wait<T>(for ready: (State) -> Bool, then body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        while !ready(state) { condition.wait() }
        return try body(&state)
    }
}
