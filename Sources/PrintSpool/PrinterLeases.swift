public import Foundation
public import Storage
import Glibc
import LabeldSupport

/// Which printers this node drives, when several labeld nodes share one PostgreSQL database.
///
/// Each printer is driven by one node at a time, under a fenced lease: a `printerLease` row with
/// an owner and an epoch. The owner renews it every `ttl / 3`; a node that stops renewing (dead,
/// frozen, cut off) loses it when it expires, and the next node to take it raises the epoch.
/// Every job-state write of the printer checks the epoch in the same statement
/// (`SpoolStore.update`), so a node that lost its lease can no longer write; before it sends
/// anything it also checks its own clock against the lease's end (renewal time + ttl − margin),
/// so a node resumed after a freeze sends nothing before it has renewed, which it then cannot.
///
/// On SQLite (one machine) there are no leases: `isEnabled` is false and every check passes;
/// processes are told apart by their PID, as before.
public final class PrinterLeases: @unchecked Sendable {
    /// This node's name in `node` and `printerLease` (LABELD_NODE, else host-pid).
    public let node: String
    /// How long a lease lasts without renewal (LABELD_LEASE_SECONDS, default 10).
    public let ttl: Double
    public let isEnabled: Bool
    /// Held leases are not used for sending in their last `margin` seconds.
    let margin: Double

    private struct Held { var epoch: Int64; var deadline: UInt64 }
    private let lock = NSLock()
    private var held: [String: Held] = [:]

    /// A serving node (`labeld serve`) counts in the shares; a command-line process only takes
    /// printers no node holds, for as long as it runs, and is not listed as a node.
    public var isServing = true

    public init(node: String? = nil, ttl: Double? = nil, enabled: Bool) {
        let env = ProcessInfo.processInfo.environment
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        self.node = node ?? env["LABELD_NODE"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(String(cString: host))-\(getpid())"
        self.ttl = max(1, ttl ?? env["LABELD_LEASE_SECONDS"].flatMap(Double.init) ?? 10)
        self.margin = min(1, self.ttl / 5)
        self.isEnabled = enabled
    }

    static func monotonic() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// The epoch this node holds `printer` under, while its lease is good by this node's clock;
    /// nil otherwise (always nil when leases are off: callers check `isEnabled` first).
    public func epoch(for printer: String) -> Int64? {
        lock.lock(); defer { lock.unlock() }
        guard let h = held[printer], Self.monotonic() < h.deadline else { return nil }
        return h.epoch
    }

    /// The database the leases are in (set by `SpoolStore`).
    nonisolated(unsafe) var writer: (any SQLStore)?

    /// The epoch this node holds `printer` under. When its clock says the lease is past half its
    /// time (or gone), the lease is renewed in the database if this node still holds it under
    /// the same epoch, or taken if it is free or expired; nil when another node holds it. So a
    /// node drives a printer no live node holds without waiting for its keeper's next round, and a
    /// node resumed after a freeze finds out before it writes or sends anything.
    public func ensure(_ printer: String) throws -> Int64? {
        guard isEnabled else { return nil }
        lock.lock()
        let h = held[printer]
        lock.unlock()
        let start = Self.monotonic()
        if let h, start + UInt64(ttl / 2 * 1e9) < h.deadline { return h.epoch }
        guard let writer else { return epoch(for: printer) }
        let epoch: Int64? = try writer.writeAside { db in
            let now = try db.databaseTime()
            if let h {
                try db.execute(sql: "UPDATE printerLease SET expiresAt = ? WHERE printer = ? AND owner = ? AND epoch = ?",
                               arguments: [now + ttl, printer, node, h.epoch])
                if db.changesCount == 1 { return h.epoch }
            }
            return try Int64.fetchOne(db, sql: Self.take, arguments: [printer, node, now + ttl, now, now])
        }
        if let epoch { record(printer, epoch: epoch, renewedFrom: start) } else { drop(printer) }
        return epoch
    }

    /// Takes a free or expired lease (owner, a new epoch); answers the epoch, or no row.
    static let take = """
        INSERT INTO printerLease (printer, owner, epoch, expiresAt, acquiredAt) VALUES (?, ?, 1, ?, ?)
        ON CONFLICT (printer) DO UPDATE SET owner = excluded.owner, epoch = printerLease.epoch + 1,
            expiresAt = excluded.expiresAt, acquiredAt = excluded.acquiredAt
        WHERE printerLease.expiresAt < ? OR printerLease.owner = excluded.owner
        RETURNING epoch
        """

    /// Whether this node may drive `printer` now (`ensure`; always on SQLite).
    public func mayDrive(_ printer: String) -> Bool { !isEnabled || ((try? ensure(printer)) ?? nil) != nil }

    /// The printers held now, with their epochs.
    public var heldPrinters: [String: Int64] {
        lock.lock(); defer { lock.unlock() }
        let now = Self.monotonic()
        return held.filter { $0.value.deadline > now }.mapValues(\.epoch)
    }

    private func record(_ printer: String, epoch: Int64, renewedFrom start: UInt64) {
        lock.lock(); defer { lock.unlock() }
        held[printer] = Held(epoch: epoch, deadline: start + UInt64((ttl - margin) * 1e9))
    }

    private func drop(_ printer: String) {
        lock.lock(); defer { lock.unlock() }
        held[printer] = nil
    }

    /// What one round of `tend` did.
    public struct Round: Sendable {
        public var renewed: [String] = []
        public var lost: [String] = []
        public var acquired: [(printer: String, epoch: Int64, from: String?)] = []
        public var released: [String] = []
    }

    /// One round: the node's heartbeat, its leases renewed (those it finds taken are dropped), and
    /// free or expired printers taken up to its fair share (printers ÷ live nodes, rounded up);
    /// above its share it lets one idle printer go (one it is not rendering or sending for).
    @discardableResult
    public func tend(_ writer: any SQLStore) throws -> Round {
        guard isEnabled else { return Round() }
        var round = Round()
        let start = Self.monotonic()
        let mine = heldPrinters
        try writer.writeAside { db in
            let now = try db.databaseTime()
            if isServing {
                try db.execute(sql: """
                    INSERT INTO node (name, startedAt, heartbeatAt) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET heartbeatAt = excluded.heartbeatAt
                    """, arguments: [node, now, now])
            }
            for (printer, epoch) in mine {
                try db.execute(sql: "UPDATE printerLease SET expiresAt = ? WHERE printer = ? AND owner = ? AND epoch = ?",
                               arguments: [now + ttl, printer, node, epoch])
                if db.changesCount == 1 { round.renewed.append(printer) } else { round.lost.append(printer) }
            }
            let printers = try String.fetchAll(db, sql: "SELECT name FROM printerProfile ORDER BY name")
            let live = max(1, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM node WHERE heartbeatAt > ?", arguments: [now - ttl]) ?? 1)
            let share = isServing ? (printers.count + live - 1) / live : printers.count
            var holding = round.renewed.count
            for printer in printers where holding < share && mine[printer] == nil {
                let before = try SQLRow.fetchOne(db, sql: "SELECT owner, expiresAt FROM printerLease WHERE printer = ?", arguments: [printer])
                if let before, (before["expiresAt"] as Double) >= now { continue }
                guard let epoch = try Int64.fetchOne(db, sql: Self.take, arguments: [printer, node, now + ttl, now, now]) else { continue }
                round.acquired.append((printer, epoch, before?["owner"]))
                holding += 1
            }
            // Above its share (another node joined): one idle printer goes back, expired at once.
            let busy = Set(try String.fetchAll(db, sql: "SELECT DISTINCT printer FROM printJob WHERE ownerNode = ? AND state IN ('rendering', 'sending')",
                                               arguments: [node]))
            if holding > share, let idle = round.renewed.sorted().last(where: { !busy.contains($0) }) {
                try db.execute(sql: "UPDATE printerLease SET expiresAt = 0 WHERE printer = ? AND owner = ? AND epoch = ?",
                               arguments: [idle, node, mine[idle]!])
                round.released.append(idle)
                round.renewed.removeAll { $0 == idle }
            }
        }
        for p in round.lost + round.released { drop(p) }
        for p in round.renewed { record(p, epoch: mine[p]!, renewedFrom: start) }
        for a in round.acquired { record(a.printer, epoch: a.epoch, renewedFrom: start) }
        return round
    }

    /// Lets every lease go (a node stopping cleanly: the others take its printers at once).
    public func releaseAll(_ writer: any SQLStore) {
        guard isEnabled else { return }
        let mine = heldPrinters
        lock.lock(); held = [:]; lock.unlock()
        try? writer.writeAside { db in
            for (printer, epoch) in mine {
                try db.execute(sql: "UPDATE printerLease SET expiresAt = 0 WHERE printer = ? AND owner = ? AND epoch = ?", arguments: [printer, node, epoch])
            }
            try db.execute(sql: "DELETE FROM node WHERE name = ?", arguments: [node])
        }
    }

    /// One instance per database and node name in a process: every store of this process on
    /// that database shares what it holds (two would take the lease from each other).
    static func shared(location: String, node: String? = nil, ttl: Double? = nil, enabled: Bool) -> PrinterLeases {
        registryLock.lock(); defer { registryLock.unlock() }
        let candidate = PrinterLeases(node: node, ttl: ttl, enabled: enabled)
        let key = location + "\u{0}" + candidate.node
        if let existing = registry[key] { return existing }
        registry[key] = candidate
        return candidate
    }
    nonisolated(unsafe) private static var registry: [String: PrinterLeases] = [:]
    private static let registryLock = NSLock()

    /// This node's name and the epoch it holds `printer` under, for a fenced write; nil when
    /// leases are off. Throws when this node's clock says the lease is over. No database work:
    /// it runs inside the write's transaction, whose snapshot would not see a renewal made
    /// meanwhile; `SpoolStore.prepareFence` renews before the transaction.
    func fence(printer: String) throws -> (node: String, epoch: Int64)? {
        guard isEnabled else { return nil }
        guard let epoch = epoch(for: printer) else { throw LeaseLost(printer: printer, node: node) }
        return (node, epoch)
    }

    /// The fence as a condition on a statement over printJob (owner and epoch as `?1`-style
    /// numbers `first` and `first + 1`, or plain `?`s).
    static func fenceCondition(first: Int? = nil) -> String {
        let (o, e) = first.map { ("?\($0)", "?\($0 + 1)") } ?? ("?", "?")
        return "EXISTS (SELECT 1 FROM printerLease WHERE printer = printJob.printer AND owner = \(o) AND epoch = \(e))"
    }
}

/// This node does not (or no longer) hold the printer's lease: it must not write the job's state
/// or send anything more.
public struct LeaseLost: Error, CustomStringConvertible {
    public var printer: String
    public var node: String
    public var description: String { "node \(node) does not hold printer \(printer)'s lease (another node drives it now)" }
}

/// The cluster as the database sees it (`labeld nodes`, `GET /v1/nodes`).
public struct NodeStatus: Sendable, Codable, Hashable {
    public struct Lease: Sendable, Codable, Hashable {
        public var printer: String
        public var epoch: Int64
        /// Seconds since this owner took the printer.
        public var heldFor: Double
        /// Seconds until it expires without renewal (negative: expired).
        public var expiresIn: Double
    }
    public var name: String
    /// Seconds since its last heartbeat.
    public var heartbeatAge: Double
    public var live: Bool
    public var printers: [Lease]
}

extension SpoolStore {
    /// Every node and the printers it holds, by the database's clock.
    public func nodes() throws -> [NodeStatus] {
        try writer.read { db in
            let now = try db.databaseTime()
            let leases = try SQLRow.fetchAll(db, sql: "SELECT printer, owner, epoch, expiresAt, acquiredAt FROM printerLease ORDER BY printer")
            return try SQLRow.fetchAll(db, sql: "SELECT name, heartbeatAt FROM node ORDER BY name").map { r in
                let name: String = r[0], beat: Double = r[1]
                return NodeStatus(name: name, heartbeatAge: now - beat, live: now - beat <= self.leases.ttl,
                                  printers: leases.filter { ($0[1] as String) == name && ($0[3] as Double) >= now }.map {
                                      .init(printer: $0[0], epoch: $0[2], heldFor: now - ($0[4] as Double), expiresIn: ($0[3] as Double) - now)
                                  })
            }
        }
    }
}

/// The thread that keeps this node's leases: a round (`PrinterLeases.tend`) every third of the
/// lease's time; on stop, every lease is let go so the other nodes take the printers at once.
public final class LeaseKeeper: Sendable {
    public let leases: PrinterLeases
    let writer: any SQLStore
    private let stopping = Monitor(false)
    private let finished = DispatchGroup()

    public init(leases: PrinterLeases, writer: any SQLStore) {
        self.leases = leases
        self.writer = writer
    }

    /// Takes the first leases before it returns (so a node prints at once), then tends them.
    public func start(onRound: @escaping @Sendable (PrinterLeases.Round) -> Void = { _ in },
                      onError: @escaping @Sendable (any Error) -> Void = { _ in }) {
        guard leases.isEnabled else { return }
        do { onRound(try leases.tend(writer)) } catch { onError(error) }
        finished.enter()
        let thread = Thread { [self] in
            Thread.current.name = "lease-keeper"
            while !stopping.wait(until: Date().addingTimeInterval(leases.ttl / 3), for: { $0 }, then: { state, _ in state }) {
                do { onRound(try leases.tend(writer)) } catch { onError(error) }
            }
            finished.leave()
        }
        thread.start()
    }

    /// Stops tending and lets every lease go.
    public func stop() {
        guard leases.isEnabled else { return }
        stopping.withLock { $0 = true }
        stopping.broadcast()
        finished.wait()
        leases.releaseAll(writer)
    }
}
