public import Synchronization

/// Values kept by key for threads that share them: parsed templates by their text, decoded
/// settings, file texts by path with their stamp, tokens with an expiry. A value is made outside
/// the lock (two threads may both make it once; either result is right, so no caller waits on
/// another's work). The cache empties itself when it holds `limit` entries: what it serves is
/// small and cheap to make again, so it needs no eviction order.
///
/// ```swift
/// let parsed = KeyedCache<String, Template>(limit: 64)
/// let template = try parsed.value(for: source) { try TemplateParser.parse(yaml: source) }
/// ```
public final class KeyedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    /// How many entries it holds before it starts again from empty.
    public let limit: Int

    public init(limit: Int) {
        precondition(limit > 0, "a cache holds at least one entry")
        self.limit = limit
    }

    /// The value kept for `key` while `isCurrent` says it still holds; else `make`'s, kept.
    public func value(for key: Key, isCurrent: (Value) -> Bool = { _ in true }, make: () throws -> Value) rethrows -> Value {
        if let known = self[key], isCurrent(known) { return known }
        let made = try make()
        set(made, for: key)
        return made
    }

    /// The value kept for `key`, if any.
    public subscript(key: Key) -> Value? { entries.withLock { $0[key] } }

    /// Keeps `value` for `key`.
    public func set(_ value: Value, for key: Key) {
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }

    /// Forgets everything (after a change the keys cannot see, such as a revoked token).
    public func removeAll() { entries.withLock { $0.removeAll() } }
}
