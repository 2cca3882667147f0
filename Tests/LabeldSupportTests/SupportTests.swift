import Foundation
import LabeldSupport
import Testing

@Suite("Support: the one cache and the condition-guarded state")
struct SupportTests {
    @Test("KeyedCache: a value is made once per key while current, made again when not, and the cache starts over at its limit")
    func keyedCache() throws {
        let cache = KeyedCache<String, Int>(limit: 2)
        var made = 0
        func value(_ key: String, current: Bool = true) -> Int {
            cache.value(for: key, isCurrent: { _ in current }) { made += 1; return key.count * 10 + made }
        }
        #expect(value("a") == 11 && value("a") == 11 && made == 1)
        #expect(value("a", current: false) == 12 && cache["a"] == 12)
        #expect(value("bb") == 23 && cache["a"] == 12)
        // A third key at the limit: the cache starts from empty, so "a" is made again.
        #expect(value("ccc") == 34 && cache["a"] == nil && cache["bb"] == nil)
        // Setting a kept key never empties the cache.
        cache.set(1, for: "ccc")
        #expect(cache["ccc"] == 1)
        cache.removeAll()
        #expect(cache["ccc"] == nil)
        #expect(throws: CocoaError.self) { try cache.value(for: "x") { throw CocoaError(.fileNoSuchFile) } }
        #expect(cache["x"] == nil, "a failed make keeps nothing")
    }

    @Test("KeyedCache from many threads: every caller gets the one value for its key")
    func keyedCacheThreads() {
        let cache = KeyedCache<Int, String>(limit: 1000)
        let results = Monitor<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            let v = cache.value(for: i % 20) { "v\(i % 20)" }
            results.withLock { $0.append(v == "v\(i % 20)" ? "ok" : v) }
        }
        #expect(results.withLock { $0 } == Array(repeating: "ok", count: 400))
    }

    @Test("Monitor: a waiter wakes when the state it waits for is set, and at its deadline when it never is")
    func monitor() {
        let flag = Monitor(false)
        let woke = Monitor<Bool?>(nil)
        let waiter = Thread {
            let ready = flag.wait(until: Date().addingTimeInterval(30), for: { $0 }) { _, ready in ready }
            woke.withLock { $0 = ready }
            woke.broadcast()
        }
        waiter.start()
        flag.withLock { $0 = true }
        flag.broadcast()
        // Waits for the waiter's answer (far less than its 30 s deadline): it saw the flag.
        let answer = woke.wait(until: Date().addingTimeInterval(30), for: { $0 != nil }) { state, _ in state }
        #expect(answer == true)
        // Nobody sets it: the deadline passes and the body is told so.
        let never = Monitor(0)
        let start = Date()
        let ready = never.wait(until: start.addingTimeInterval(0.05), for: { $0 > 0 }) { _, ready in ready }
        #expect(!ready && Date().timeIntervalSince(start) >= 0.05)
    }

    @Test("trimmedOfWhitespace: a scanner's code as it is, padded ones trimmed")
    func trimming() {
        #expect("600000000001".trimmedOfWhitespace == "600000000001")
        #expect(" 6000-0000-0001\r\n".trimmedOfWhitespace == "6000-0000-0001")
        #expect("\t".trimmedOfWhitespace == "")
    }
}
