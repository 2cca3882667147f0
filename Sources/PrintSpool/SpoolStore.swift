public import Storage
public import Foundation
public import LabelModel
import LabeldSupport

/// The durable print queue, in the same SQLite database as the order core: printer profiles,
/// template revisions, jobs, each label's data snapshot and the rendered document. A request is
/// committed here before anyone is told it was accepted.
public struct SpoolStore: Sendable {
    public let writer: any SQLStore
    public let retry: RetryPolicy
    public let now: @Sendable () -> Date
    /// Durable commits of concurrent requests share one sync to disk.
    let commits = CommitGroup()
    /// Told, in the transaction that ends a job, which of its labels did not print.
    public let endings = JobEndings()
    /// The printers this node drives (several nodes on PostgreSQL); off on SQLite.
    public let leases: PrinterLeases
    /// Each job's printer, for its lease (a job never changes printer).
    let jobPrinters = KeyedCache<Int64, String>(limit: 4096)

    public init(writer: any SQLStore, retry: RetryPolicy = RetryPolicy(), now: @escaping @Sendable () -> Date = { Date() },
                leases: PrinterLeases? = nil) throws {
        self.writer = writer
        self.retry = retry
        self.now = now
        self.leases = leases ?? PrinterLeases.shared(location: writer.location, enabled: writer.dialect == .postgres)
        self.leases.writer = writer
        try writer.migrate(Self.migrator)
    }

    static var migrator: Migrations {
        var m = Migrations()
        m.registerMigration("spool-v1") { db in
            try db.execute(sql: """
                CREATE TABLE printerProfile (name TEXT PRIMARY KEY, json TEXT NOT NULL, updatedAt TEXT NOT NULL);
                CREATE TABLE templateRevision (name TEXT NOT NULL, revision INTEGER NOT NULL, source TEXT NOT NULL,
                    createdAt TEXT NOT NULL, PRIMARY KEY (name, revision));
                CREATE TABLE printJob (id INTEGER PRIMARY KEY, idempotencyKey TEXT UNIQUE, kind TEXT NOT NULL, title TEXT NOT NULL,
                    printer TEXT NOT NULL, language TEXT NOT NULL, dpi INTEGER NOT NULL,
                    templateName TEXT NOT NULL, templateRevision INTEGER NOT NULL, repeatLimits TEXT NOT NULL DEFAULT '{}',
                    state TEXT NOT NULL, reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, nextAttemptAt REAL NOT NULL DEFAULT 0,
                    remoteJobId INTEGER, labelCount INTEGER NOT NULL, labelsSent INTEGER NOT NULL DEFAULT 0,
                    hasDocument INTEGER NOT NULL DEFAULT 0, reprintOf INTEGER REFERENCES printJob(id), reprintReason TEXT,
                    actor TEXT NOT NULL, owner INTEGER, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL,
                    timings TEXT NOT NULL DEFAULT '{}', sources TEXT NOT NULL,
                    FOREIGN KEY (templateName, templateRevision) REFERENCES templateRevision(name, revision));
                CREATE INDEX printJob_state ON printJob(state, nextAttemptAt);
                CREATE TABLE printLabel (jobId INTEGER NOT NULL REFERENCES printJob(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
                    source TEXT NOT NULL, data TEXT NOT NULL, byteOffset INTEGER, PRIMARY KEY (jobId, seq));
                CREATE INDEX printLabel_source ON printLabel(source);
                CREATE TABLE printDocument (jobId INTEGER PRIMARY KEY REFERENCES printJob(id) ON DELETE CASCADE, bytes BLOB NOT NULL);
                """)
        }
        m.registerMigration("spool-v2") { db in
            // "Is anything waiting for this printer?" — asked by every scan (see `hasQueued`).
            try db.execute(sql: "CREATE INDEX printJob_printer_state ON printJob(printer, state)")
        }
        m.registerMigration("spool-v3") { db in
            // What a caller's own Idempotency-Key stood for: the same key with another request is refused.
            try db.execute(sql: "ALTER TABLE printJob ADD COLUMN requestHash TEXT")
        }
        m.registerMigration("spool-v4") { db in
            // Labels on their way to a socket printer (persisted before each write) and the printer's
            // label counter before they went out: what a broken stream or a restart resumes from.
            try db.execute(sql: """
                ALTER TABLE printJob ADD COLUMN labelsWritten INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE printJob ADD COLUMN counterCount INTEGER;
                ALTER TABLE printJob ADD COLUMN counterLabel INTEGER;
                """)
        }
        m.registerMigration("spool-v5") { db in
            // Barcode verification before send: the failures a job was held for (or sent with);
            // and each label's confirmation, a station scanning the printed barcode.
            try db.execute(sql: """
                ALTER TABLE printJob ADD COLUMN verification TEXT;
                ALTER TABLE printLabel ADD COLUMN confirmedAt TEXT;
                ALTER TABLE printLabel ADD COLUMN confirmedBy TEXT;
                ALTER TABLE printLabel ADD COLUMN scans INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE printJob ADD COLUMN printerCount TEXT;
                """)
        }
        m.registerMigration("spool-v6-leases") { db in
            // Several nodes on one database: each printer driven by one node under a fenced lease;
            // a job's owner is a process of a node.
            try db.execute(sql: """
                CREATE TABLE node (name TEXT PRIMARY KEY, startedAt REAL NOT NULL, heartbeatAt REAL NOT NULL);
                CREATE TABLE printerLease (printer TEXT PRIMARY KEY, owner TEXT NOT NULL, epoch INTEGER NOT NULL,
                    expiresAt REAL NOT NULL, acquiredAt REAL NOT NULL);
                ALTER TABLE printJob ADD COLUMN ownerNode TEXT;
                """)
        }
        return m
    }

    // Configured once, then only formats: ISO8601DateFormatter is thread-safe for that.
    nonisolated(unsafe) static let stampFormat: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
    /// Now, as stored in `createdAt` and `updatedAt`.
    public func stamp() -> String { Self.stampFormat.string(from: now()) }

    // MARK: Printers

    /// Adds or replaces a printer profile (validated first).
    public func save(_ profile: PrinterProfile) throws {
        try profile.validate()
        let json = String(decoding: try JSONEncoder.sorted.encode(profile), as: UTF8.self)
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO printerProfile (name, json, updatedAt) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET json = excluded.json, updatedAt = excluded.updatedAt
                """, arguments: [profile.name, json, stamp()])
        }
    }

    public func profiles() throws -> [PrinterProfile] {
        try writer.read { db in try profiles(db) }
    }

    public func profiles(_ db: any SQLDatabase) throws -> [PrinterProfile] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT json FROM printerProfile ORDER BY name")).map { json in
            try Self.decodedProfiles.value(for: json) { try JSONDecoder().decode(PrinterProfile.self, from: Data(json.utf8)) }
        }
    }

    public func profile(_ name: String) throws -> PrinterProfile {
        try writer.read { db in try profile(db, name) }
    }

    /// A printer profile as `db` sees it (for callers that read more in the same transaction).
    public func profile(_ db: any SQLDatabase, _ name: String) throws -> PrinterProfile {
        guard let json = try String.fetchOne(db.cachedStatement(sql: "SELECT json FROM printerProfile WHERE name = ?"), arguments: [name]) else {
            let known = (try? profiles(db).map(\.name)) ?? []
            throw PrintError(code: .notFound, message: "no printer '\(name)'" + (known.isEmpty ? " (add one with `labeld printers add`)" : " (printers: \(known.joined(separator: ", ")))"))
        }
        return try Self.decodedProfiles.value(for: json) { try JSONDecoder().decode(PrinterProfile.self, from: Data(json.utf8)) }
    }
    /// Decoded profiles by their stored text (every scan reads its printer's, or all of them).
    static let decodedProfiles = KeyedCache<String, PrinterProfile>(limit: 256)

    public func removeProfile(_ name: String) throws {
        _ = try profile(name)
        try writer.write { db in try db.execute(sql: "DELETE FROM printerProfile WHERE name = ?", arguments: [name]) }
    }

    // MARK: Template revisions

    /// The revision holding exactly `source` for `name`, if there is one.
    func existingRevision(_ db: any SQLDatabase, name: String, source: String) throws -> Int? {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT revision FROM templateRevision WHERE name = ? AND source = ? ORDER BY revision DESC LIMIT 1"), arguments: [name, source])
    }

    /// The revision holding exactly `source` for `name`, made (number = last + 1) when the text is new.
    public func revision(_ db: any SQLDatabase, name: String, source: String, at: String) throws -> Int {
        if let r = try existingRevision(db, name: name, source: source) { return r }
        let next = (try Int.fetchOne(db, sql: "SELECT MAX(revision) FROM templateRevision WHERE name = ?", arguments: [name]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO templateRevision (name, revision, source, createdAt) VALUES (?, ?, ?, ?)", arguments: [name, next, source, at])
        return next
    }

    /// Records `source` as a revision of `name` (or finds the one that holds it).
    @discardableResult
    public func recordRevision(name: String, source: String) throws -> Int {
        try writer.write { db in try revision(db, name: name, source: source, at: stamp()) }
    }

    public func templateRevision(name: String, revision: Int) throws -> TemplateRevision {
        guard let source = try writer.read({ db in
            try String.fetchOne(db, sql: "SELECT source FROM templateRevision WHERE name = ? AND revision = ?", arguments: [name, revision])
        }) else { throw PrintError(code: .notFound, message: "no revision \(revision) of template '\(name)'") }
        return TemplateRevision(name: name, revision: revision, source: source)
    }

    /// Revisions of a template, newest first.
    public func revisions(name: String) throws -> [(revision: Int, createdAt: String)] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT revision, createdAt FROM templateRevision WHERE name = ? ORDER BY revision DESC", arguments: [name]).map { ($0[0], $0[1]) }
        }
    }

    // MARK: Jobs

    /// Seconds a new job is left to the process that submitted it before a worker may take it.
    static let submitterGrace = 10.0

    /// The key of a request without one: label sources, kind and template revision.
    static func derivedKey(kind: String, sources: [String], template: String, revision: Int) -> String {
        let list = sources.joined(separator: ",")
        if list.utf8.count <= 160 { return "\(kind):\(list)@\(template)#\(revision)" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in list.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "\(kind):\(sources.count)x\(String(hash, radix: 16))@\(template)#\(revision)"
    }

    /// The idempotency key of a request: its own, or derived from (sources, kind, revision).
    static func key(_ request: PrintRequest, revision: Int) -> String {
        request.idempotencyKey ?? derivedKey(kind: request.kind, sources: request.labels.map(\.source), template: request.templateName, revision: revision)
    }

    /// The job a request repeats, if one stands (not failed or canceled): the same key (`holder`,
    /// from `keyHolder`), or — for a single label with `sameSourceKinds` — the same source printed
    /// at the same revision. A caller's own key that stood for another request (other labels, kind,
    /// template or printer) is refused: answering with that job would print nothing for this one.
    func standingJob(_ db: any SQLDatabase, _ request: PrintRequest, revision: Int, keyHolder holder: KeyHolder?) throws -> Int64? {
        if let holder, request.idempotencyKey != nil, let was = holder.requestHash, was != Self.requestHash(request) {
            throw PrintError(code: .keyReused, message: "this Idempotency-Key was used for another request (job \(holder.id)): use a new key for a new request")
        }
        if let holder, holder.standing { return holder.id }
        return try sameSourceJob(db, request, revision: revision)
    }

    /// The job holding a key: its id, whether it stands (not failed or canceled), and the hash of
    /// the request that gave the key (a caller's own key only).
    struct KeyHolder { var id: Int64; var standing: Bool; var requestHash: String? }

    func keyHolder(_ db: any SQLDatabase, _ key: String) throws -> KeyHolder? {
        try SQLRow.fetchOne(db.cachedStatement(sql: "SELECT id, state NOT IN ('failed','canceled'), requestHash FROM printJob WHERE idempotencyKey = ?"),
                         arguments: [key]).map { KeyHolder(id: $0[0], standing: $0[1], requestHash: $0[2]) }
    }

    /// What a request asks for, as a short hash: kind, printer, template and label sources.
    static func requestHash(_ request: PrintRequest) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ s: String) { for b in s.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }; hash = (hash ^ 0x1f) &* 0x100_0000_01b3 }
        add(request.kind); add(request.printer); add(request.templateName)
        for l in request.labels { add(l.source) }
        return String(hash, radix: 16)
    }

    /// For a single label with `sameSourceKinds`: the standing job that printed the same source at
    /// the same revision.
    func sameSourceJob(_ db: any SQLDatabase, _ request: PrintRequest, revision: Int) throws -> Int64? {
        guard !request.sameSourceKinds.isEmpty, request.labels.count == 1 else { return nil }
        // The kinds as one JSON list: one statement for any number of kinds (every scan asks this).
        return try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT j.id FROM printLabel l JOIN printJob j ON j.id = l.jobId
            WHERE l.source = ? AND j.kind IN (SELECT value FROM json_each(?))
              AND j.templateName = ? AND j.templateRevision = ? AND j.reprintOf IS NULL AND j.state NOT IN ('failed','canceled')
            ORDER BY j.id DESC LIMIT 1
            """), arguments: [request.labels[0].source, DataValue.array(request.sameSourceKinds.map { .string($0) }).jsonText,
                              request.templateName, revision])
    }

    /// The standing job a request repeats (see `standingJob`), as `db` sees it; nil when it prints.
    public func standing(_ db: any SQLDatabase, _ request: PrintRequest) throws -> PrintJob? {
        guard let revision = try existingRevision(db, name: request.templateName, source: request.templateSource),
              let id = try standingJob(db, request, revision: revision, keyHolder: keyHolder(db, Self.key(request, revision: revision))) else { return nil }
        return try job(db, id: id)
    }

    /// Persists a request (one transaction) and returns its job — or, for a key already used by a
    /// job that is not failed or canceled, that job (`repeated`). `alsoInTransaction` runs in the
    /// same transaction (the caller marks its shipments printed there). Nothing is sent here.
    /// `dueNow`: the job is left to the worker at once; otherwise its submitter drives it and a
    /// worker takes it only if that stalls for `submitterGrace`. `dueWhenQueuedAhead`: left to the
    /// worker when another job for the same printer waits in the queue (decided in the transaction;
    /// the answer's `leftToWorker` says which).
    /// `repeatChecked`: the caller has looked for a standing job (`standing`) in a read of its own.
    public func submit(_ request: PrintRequest, profile: PrinterProfile, dueNow: Bool = false, dueWhenQueuedAhead: Bool = false,
                       repeatChecked: Bool = false, alsoInTransaction: (@Sendable (any SQLDatabase, Int64) throws -> Void)? = nil) throws -> Submission {
        let at = stamp()
        // A repeat (the field's most common request after a retry) is answered from a read, without
        // waiting for the writer; the write transaction checks again, so a race cannot print twice.
        if !repeatChecked, let standing = try writer.read({ db in try standing(db, request) }) {
            return Submission(job: standing, repeated: true)
        }
        // The labels' JSON is written before the transaction: a batch's thousands of labels do not
        // hold the writer.
        let texts = request.labels.map(\.data.jsonText)
        return try durably { db in
            try self.enqueue(db, request, profile: profile, at: at, dueNow: dueNow, dueWhenQueuedAhead: dueWhenQueuedAhead,
                             labelTexts: texts, alsoInTransaction: alsoInTransaction)
        }
    }

    /// Repeat limits as stored (every scan's are the seller's settings: the same few values).
    static let encodedLimits = KeyedCache<[String: RepeatLimitSpec], String>(limit: 64)

    /// `submit`'s work inside a transaction the caller commits (with `durably`, before anyone is
    /// told the job was accepted): records the template revision, answers a standing job as a
    /// repeat, else inserts the job and its labels. `at`: the time stamp (`stamp()`);
    /// `labelTexts`: the labels' data as JSON, when written beforehand; `revision`: the template's
    /// revision, when the caller recorded it (`revision(_:name:source:at:)`) in this transaction.
    /// See `submit` for the rest.
    public func enqueue(_ db: any SQLDatabase, _ request: PrintRequest, profile: PrinterProfile, at: String, dueNow: Bool = false,
                        dueWhenQueuedAhead: Bool = false, labelTexts: [String]? = nil, revision known: Int? = nil,
                        alsoInTransaction: ((any SQLDatabase, Int64) throws -> Void)? = nil) throws -> Submission {
        guard !request.labels.isEmpty else { throw PrintError(code: .invalidInput, message: "nothing to print: no labels") }
        guard request.labels.count <= 100_000 else { throw PrintError(code: .invalidInput, message: "a job holds at most 100000 labels, not \(request.labels.count)") }
        let revision = try known ?? revision(db, name: request.templateName, source: request.templateSource, at: at)
        let key = Self.key(request, revision: revision)
        let holder = try keyHolder(db, key)
        if let standing = try standingJob(db, request, revision: revision, keyHolder: holder) {
            return Submission(job: try job(db, id: standing), repeated: true)
        }
        let leftToWorker = try dueNow || dueWhenQueuedAhead && hasQueued(db, printer: profile.name)
        let limits = try Self.encodedLimits.value(for: request.repeatLimits) {
            String(decoding: try JSONEncoder.sorted.encode(request.repeatLimits), as: UTF8.self)
        }
        let sources = DataValue.array(request.labels.map { .string($0.source) }).jsonText
        // A failed or canceled job frees its key: this request prints.
        if holder != nil {
            try db.cachedStatement(sql: "UPDATE printJob SET idempotencyKey = idempotencyKey || '#' || id WHERE idempotencyKey = ?").execute(arguments: [key])
        }
        let id = try Int64.fetchOne(db.cachedStatement(sql: """
            INSERT INTO printJob (idempotencyKey, kind, title, printer, language, dpi, templateName, templateRevision, repeatLimits,
                state, labelCount, actor, createdAt, updatedAt, sources, nextAttemptAt, requestHash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """), arguments: [key, request.kind, request.title, profile.name, profile.language.rawValue, profile.dpi, request.templateName, revision,
                             limits, request.labels.count, request.actor, at, at, sources,
                             now().timeIntervalSince1970 + (leftToWorker ? 0 : Self.submitterGrace),
                             request.idempotencyKey == nil ? nil : Self.requestHash(request)])!
        let insert = try db.cachedStatement(sql: "INSERT INTO printLabel (jobId, seq, source, data) VALUES (?, ?, ?, ?)")
        for (i, label) in request.labels.enumerated() {
            try insert.execute(arguments: [id, i + 1, label.source, labelTexts?[i] ?? label.data.jsonText])
        }
        try alsoInTransaction?(db, id)
        // The row as just inserted (what `job(db, id:)` would read back).
        let job = PrintJob(id: id, kind: request.kind, title: request.title, printer: profile.name, language: profile.language, dpi: profile.dpi,
                           templateName: request.templateName, templateRevision: revision, state: .queued, reason: nil, attempts: 0,
                           labelCount: request.labels.count, labelsSent: 0, remoteJobId: nil, idempotencyKey: key, reprintOf: nil,
                           reprintReason: nil, actor: request.actor, createdAt: at, updatedAt: at, timings: [:],
                           sources: request.labels.map(\.source))
        return Submission(job: job, repeated: false, leftToWorker: leftToWorker)
    }

    /// Committed with `synchronous = FULL`: on disk, not only in the OS cache, before it returns —
    /// the acknowledgment of a print request must survive a power loss too. Concurrent callers
    /// share one transaction and one sync (`CommitGroup`; when one throws, the group is rolled
    /// back and each body runs again alone, so one's error is its own — a body may run twice).
    public func durably<T>(_ body: @escaping (any SQLDatabase) throws -> T) throws -> T {
        try commits.run(writer, body)
    }

    /// Callers waiting for the next durable commit (tests watch a group form).
    var commitsWaiting: Int { commits.waiting }

    /// 재출력: a new job with the original's template revision and data, the 재출력 marker on
    /// (`reprint: true` in each record), and the reason. Never deduplicated.
    public func reprint(jobId: Int64, reason: String, actor: String, printer: PrinterProfile? = nil) throws -> PrintJob {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw PrintError(code: .invalidInput, message: "a reprint needs a reason (--reason)") }
        let original = try job(jobId)
        let profile = try printer ?? self.profile(original.printer)
        let at = stamp()
        return try durably { db in
            let rows = try SQLRow.fetchAll(db, sql: "SELECT seq, source, data FROM printLabel WHERE jobId = ? ORDER BY seq", arguments: [jobId])
            let id = try Int64.fetchOne(db, sql: """
                INSERT INTO printJob (kind, title, printer, language, dpi, templateName, templateRevision, repeatLimits,
                    state, labelCount, reprintOf, reprintReason, actor, createdAt, updatedAt, sources, nextAttemptAt)
                SELECT kind, '재출력 ' || title, ?, ?, ?, templateName, templateRevision, repeatLimits, 'queued', labelCount, id, ?, ?, ?, ?, sources, ?
                FROM printJob WHERE id = ? RETURNING id
                """, arguments: [profile.name, profile.language.rawValue, profile.dpi, trimmed, actor, at, at,
                                 now().timeIntervalSince1970 + Self.submitterGrace, jobId])!
            let insert = try db.cachedStatement(sql: "INSERT INTO printLabel (jobId, seq, source, data) VALUES (?, ?, ?, ?)")
            for row in rows {
                var data = try JSONDecoder().decode(DataValue.self, from: Data((row["data"] as String).utf8))
                if case .object(var o) = data { o["reprint"] = .bool(true); data = .object(o) }
                try insert.execute(arguments: [id, row["seq"] as Int, row["source"] as String, String(decoding: try JSONEncoder.sorted.encode(data), as: UTF8.self)])
            }
            return try job(db, id: id)
        }
    }

    public func job(_ id: Int64) throws -> PrintJob {
        try writer.read { db in try job(db, id: id) }
    }

    func job(_ db: any SQLDatabase, id: Int64) throws -> PrintJob {
        guard let r = try SQLRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM printJob WHERE id = ?"), arguments: [id]) else {
            throw PrintError(code: .notFound, message: "no print job \(id)")
        }
        return try PrintJob(row: r)
    }

    /// Jobs, newest first; optionally only some states or one printer.
    public func jobs(limit: Int = 50, states: [PrintJobState] = [], printer: String? = nil) throws -> [PrintJob] {
        try writer.read { db in
            var sql = "SELECT * FROM printJob WHERE 1 = 1"
            var args: [(any SQLValueConvertible)?] = []
            if !states.isEmpty { sql += " AND state IN (\(states.map { _ in "?" }.joined(separator: ",")))"; args += states.map(\.rawValue) }
            if let printer { sql += " AND printer = ?"; args.append(printer) }
            sql += " ORDER BY id DESC LIMIT ?"
            args.append(limit)
            return try SQLRow.fetchAll(db, sql: sql, arguments: SQLArguments(args)).map(PrintJob.init(row:))
        }
    }

    /// The jobs that printed (or print) a label of `source` (`shipment:12`), oldest first.
    public func jobs(source: String) throws -> [PrintJob] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM printJob WHERE id IN (SELECT jobId FROM printLabel WHERE source = ?) ORDER BY id",
                             arguments: [source]).map(PrintJob.init(row:))
        }
    }

    /// The labels of a job in print order: source, data snapshot, byte offset in the document.
    public func labels(jobId: Int64) throws -> [(source: String, data: DataValue, offset: Int?)] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT source, data, byteOffset FROM printLabel WHERE jobId = ? ORDER BY seq", arguments: [jobId]).map {
                ($0[0], try JSONDecoder().decode(DataValue.self, from: Data(($0[1] as String).utf8)), $0[2])
            }
        }
    }

    /// The rendered document of a job (nil before it is rendered).
    public func document(jobId: Int64) throws -> [UInt8]? {
        try writer.read { db in try Data.fetchOne(db, sql: "SELECT bytes FROM printDocument WHERE jobId = ?", arguments: [jobId]).map { [UInt8]($0) } }
    }

    func repeatLimits(jobId: Int64) throws -> [String: RepeatLimitSpec] {
        let json = try writer.read { db in try String.fetchOne(db, sql: "SELECT repeatLimits FROM printJob WHERE id = ?", arguments: [jobId]) } ?? "{}"
        return try JSONDecoder().decode([String: RepeatLimitSpec].self, from: Data(json.utf8))
    }

    // MARK: State (used by the spooler)

    func machine(_ job: PrintJob, hasDocument: Bool, labelsWritten: Int? = nil, counter: CounterReading? = nil) -> PrintJobMachine {
        PrintJobMachine(state: job.state, hasDocument: hasDocument, labelCount: job.labelCount, labelsSent: job.labelsSent,
                        labelsWritten: labelsWritten, counter: counter,
                        remoteJobId: job.remoteJobId, attempts: job.attempts, reason: job.reason, retry: retry)
    }

    func loadMachine(_ id: Int64) throws -> (PrintJob, PrintJobMachine) {
        try writer.read { db in try loadMachine(db, id) }
    }

    func loadMachine(_ db: any SQLDatabase, _ id: Int64) throws -> (PrintJob, PrintJobMachine) {
        let job = try job(db, id: id)
        let row = try SQLRow.fetchOne(db.cachedStatement(sql: "SELECT hasDocument, labelsWritten, counterCount, counterLabel FROM printJob WHERE id = ?"),
                                   arguments: [id])
        let counter: CounterReading? = (row?[2] as Int?).flatMap { c in (row?[3] as Int?).map { CounterReading(count: c, atLabel: $0) } }
        return (job, machine(job, hasDocument: row?[0] ?? false, labelsWritten: row?[1], counter: counter))
    }

    /// Persists the machine's state (one transaction); `retryAfter` sets when a held job is due.
    func persist(_ id: Int64, _ m: PrintJobMachine, retryAfter: Double? = nil, timings: [String: Double] = [:], release: Bool = false) throws {
        try prepareFence(id)
        try writer.write { db in try update(db, id, m, retryAfter: retryAfter, timings: timings, release: release, fenced: true) }
    }

    /// Writes the machine's state; a cancel that happened meanwhile (another request) is never undone.
    /// `fenced`: a write of the node driving the job (the spooler's), which holds only under the
    /// printer's lease; an operator's (release, cancel, confirm) is not.
    func update(_ db: any SQLDatabase, _ id: Int64, _ m: PrintJobMachine, retryAfter: Double? = nil, timings: [String: Double] = [:], release: Bool = false,
                fenced: Bool = false) throws {
        let due = retryAfter.map { now().timeIntervalSince1970 + $0 }
        // Several nodes: the write holds only while this node holds the printer under its epoch.
        var fence: (node: String, epoch: Int64)?
        if fenced && leases.isEnabled { fence = try leases.fence(printer: printer(ofJob: id, in: db)) }
        // A job that fails or is canceled now hands the labels it did not print back to their owner.
        var ending = false
        if m.state == .failed || m.state == .canceled, let before = try String.fetchOne(db, sql: "SELECT state FROM printJob WHERE id = ?", arguments: [id]) {
            ending = !(PrintJobState(rawValue: before)?.isFinal ?? true)
        }
        // An ended job keeps the reason it ended with (and what its ending added to it).
        try db.execute(sql: """
            UPDATE printJob SET state = ?1, reason = CASE WHEN state = ?1 AND state IN ('failed','canceled') THEN reason ELSE ?2 END,
                attempts = ?3, labelsSent = ?4, remoteJobId = ?5, labelCount = ?6, nextAttemptAt = COALESCE(?7, nextAttemptAt), updatedAt = ?8,
                labelsWritten = ?11, counterCount = ?12, counterLabel = ?13
            WHERE id = ?9 AND (state != 'canceled' OR ?10 = 'canceled')\(fence == nil ? "" : " AND " + PrinterLeases.fenceCondition(first: 14))
            """, arguments: [m.state.rawValue, m.reason, m.attempts, m.labelsSent, m.remoteJobId, m.labelCount, due, stamp(), id, m.state.rawValue,
                             m.labelsWritten, m.counter?.count, m.counter?.atLabel] + (fence.map { [$0.node, $0.epoch] } ?? []))
        if let fence, db.changesCount == 0 {
            // Not written: canceled meanwhile (kept), or the printer's lease is gone (this node stops).
            try checkFence(db, id, fence)
        }
        if release { try db.execute(sql: "UPDATE printJob SET owner = NULL WHERE id = ?", arguments: [id]) }
        if !timings.isEmpty { try mergeTimings(db, id, timings) }
        if ending { try endings.ended(db, try job(db, id: id), unprinted: m.labelsSent) }
    }

    /// Before a fenced write of job `id` (several nodes): its printer's lease renewed when due, in
    /// a transaction of its own; throws `LeaseLost` when another node holds it.
    func prepareFence(_ id: Int64) throws {
        guard leases.isEnabled else { return }
        let printer = try printer(ofJob: id)
        if try leases.ensure(printer) == nil { throw LeaseLost(printer: printer, node: leases.node) }
    }

    /// Job `id`'s printer, read once (a job never changes printer: a reprint is a job of its own);
    /// through `db` inside a transaction, else in a read of its own.
    func printer(ofJob id: Int64, in db: (any SQLDatabase)? = nil) throws -> String {
        try jobPrinters.value(for: id) {
            let sql = "SELECT printer FROM printJob WHERE id = ?"
            if let db { return try String.fetchOne(db.cachedStatement(sql: sql), arguments: [id]) ?? "" }
            return try writer.read { db in try String.fetchOne(db.cachedStatement(sql: sql), arguments: [id]) } ?? ""
        }
    }


    /// Throws `LeaseLost` unless this node holds job `id`'s printer under `fence`'s epoch.
    func checkFence(_ db: any SQLDatabase, _ id: Int64, _ fence: (node: String, epoch: Int64)?) throws {
        guard let fence else { return }
        let held = try Bool.fetchOne(db, sql: "SELECT 1 FROM printJob WHERE id = ? AND " + PrinterLeases.fenceCondition(),
                                     arguments: [id, fence.node, fence.epoch]) ?? false
        if !held { throw LeaseLost(printer: try printer(ofJob: id, in: db), node: fence.node) }
    }

    func mergeTimings(_ db: any SQLDatabase, _ id: Int64, _ timings: [String: Double]) throws {
        let old = try String.fetchOne(db, sql: "SELECT timings FROM printJob WHERE id = ?", arguments: [id]) ?? "{}"
        var t = (try? JSONDecoder().decode([String: Double].self, from: Data(old.utf8))) ?? [:]
        t.merge(timings) { $1 }
        try db.execute(sql: "UPDATE printJob SET timings = ? WHERE id = ?", arguments: [String(decoding: try JSONEncoder.sorted.encode(t), as: UTF8.self), id])
    }

    /// Records why verification held the job (or what was sent anyway); nil clears it.
    func setVerification(_ db: any SQLDatabase, _ id: Int64, _ notes: [VerificationNote]?) throws {
        let json = try notes.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try db.execute(sql: "UPDATE printJob SET verification = ? WHERE id = ?", arguments: [json, id])
    }

    /// Holds a job whose barcodes failed verification: not due again until released.
    func holdForVerification(_ id: Int64, _ m: PrintJobMachine, notes: [VerificationNote]) throws {
        try prepareFence(id)
        try writer.write { db in
            try update(db, id, m, fenced: true)
            try db.execute(sql: "UPDATE printJob SET nextAttemptAt = ? WHERE id = ?", arguments: [Self.neverDue, id])
            try db.execute(sql: "DELETE FROM printDocument WHERE jobId = ?", arguments: [id])
            try db.execute(sql: "UPDATE printJob SET hasDocument = 0 WHERE id = ?", arguments: [id])
            try setVerification(db, id, notes)
        }
    }

    // MARK: Label confirmation (a station scanning the printed barcode)

    /// Every label of `source` (`shipment:12`) in a job that sent it (or is sending it), oldest first.
    public func printedLabels(source: String) throws -> [PrintedLabel] {
        try writer.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT l.jobId, l.seq, l.confirmedAt, l.confirmedBy, j.state, j.labelsSent, j.labelsWritten, j.reprintOf, j.printer, j.updatedAt
                FROM printLabel l JOIN printJob j ON j.id = l.jobId WHERE l.source = ? ORDER BY l.jobId, l.seq
                """, arguments: [source]).map { r in
                let seq: Int = r[1], sent: Int = r[5], written: Int = r[6]
                let reprintOf: Int64? = r[7]
                return PrintedLabel(jobId: r[0], seq: seq, source: source, confirmedAt: r[2], confirmedBy: r[3],
                                    jobState: PrintJobState(rawValue: r[4]) ?? .queued, reached: seq <= sent,
                                    inDoubt: seq > sent && seq <= written, reprint: reprintOf != nil, printer: r[8], sentAt: r[9])
            }
        }
    }

    /// Marks a label confirmed (seen on the parcel) by `actor`; false when it already was.
    public func confirmLabel(jobId: Int64, seq: Int, actor: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE printLabel SET scans = scans + 1 WHERE jobId = ? AND seq = ?", arguments: [jobId, seq])
            try db.execute(sql: "UPDATE printLabel SET confirmedAt = ?, confirmedBy = ? WHERE jobId = ? AND seq = ? AND confirmedAt IS NULL",
                           arguments: [stamp(), actor, jobId, seq])
            return db.changesCount > 0
        }
    }

    /// Labels sent to a printer (their job sent or completed at least `olderThan` seconds ago)
    /// that no scan has confirmed, oldest first: labels that may never have come out.
    public func unconfirmedLabels(olderThan seconds: Double, limit: Int = 1000) throws -> [PrintedLabel] {
        let cutoff = Self.stampFormat.string(from: now().addingTimeInterval(-seconds))
        return try writer.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT l.jobId, l.seq, l.source, j.state, j.reprintOf, j.printer, j.updatedAt
                FROM printJob j JOIN printLabel l ON l.jobId = j.id
                WHERE j.state IN ('sent', 'completed') AND j.updatedAt <= ? AND l.confirmedAt IS NULL AND l.seq <= j.labelsSent
                  AND l.source LIKE 'shipment:%'
                ORDER BY j.id, l.seq LIMIT ?
                """, arguments: [cutoff, limit]).map { r in
                let reprintOf: Int64? = r[4]
                return PrintedLabel(jobId: r[0], seq: r[1], source: r[2], confirmedAt: nil, confirmedBy: nil,
                                    jobState: PrintJobState(rawValue: r[3]) ?? .completed, reached: true, inDoubt: false,
                                    reprint: reprintOf != nil, printer: r[5], sentAt: r[6])
            }
        }
    }

    /// How many waybill labels were sent and never confirmed (all ages): a metric.
    public func unconfirmedCount() throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM printJob j JOIN printLabel l ON l.jobId = j.id
                WHERE j.state IN ('sent', 'completed') AND l.confirmedAt IS NULL AND l.seq <= j.labelsSent AND l.source LIKE 'shipment:%'
                """) ?? 0
        }
    }

    /// The printer's own count of the job's labels (socket printers with a label counter).
    func recordPrinterCount(_ id: Int64, _ count: PrinterCount) throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(count), as: UTF8.self)
        try writer.write { db in try db.execute(sql: "UPDATE printJob SET printerCount = ? WHERE id = ?", arguments: [json, id]) }
    }

    /// Jobs changed at or after `stamp` (an `updatedAt`), among the newest `window` jobs, oldest
    /// change first: what a station's event stream pushes.
    public func changedJobs(since stamp: String, printers: [String]?, window: Int = 500) throws -> [PrintJob] {
        try writer.read { db in
            var sql = "SELECT * FROM printJob WHERE id > (SELECT COALESCE(MAX(id), 0) FROM printJob) - ? AND updatedAt >= ?"
            var args: [(any SQLValueConvertible)?] = [window, stamp]
            if let printers {
                sql += " AND printer IN (\(printers.map { _ in "?" }.joined(separator: ",")))"
                args += printers
            }
            sql += " ORDER BY updatedAt, id"
            return try SQLRow.fetchAll(db, sql: sql, arguments: SQLArguments(args)).map(PrintJob.init(row:))
        }
    }

    /// `nextAttemptAt` of a job only an operator's release makes due again.
    static let neverDue = 1e15

    /// Releases a held job: due now, at `revision` of its template when given (the fixed one).
    func release(_ id: Int64, templateRevision revision: Int?) throws {
        try writer.write { db in
            let (job, m) = try loadMachine(db, id)
            guard job.state == .held else {
                throw PrintError(code: .conflict, message: "job \(id) is \(job.state.rawValue), not held: there is nothing to release")
            }
            var machine = m
            _ = try machine.handle(.release)
            try update(db, id, machine)
            if let revision { try db.execute(sql: "UPDATE printJob SET templateRevision = ? WHERE id = ?", arguments: [revision, id]) }
            try db.execute(sql: "UPDATE printJob SET nextAttemptAt = 0, reason = ? WHERE id = ?",
                           arguments: [job.verification == nil ? job.reason : "released; rendering again", id])
        }
    }

    /// Stores the rendered document and where each label starts, with the machine's new state.
    func storeDocument(_ id: Int64, bytes: [UInt8], offsets: [Int], machine m: PrintJobMachine, renderMS: Double,
                       verification: [VerificationNote]? = nil) throws {
        try prepareFence(id)
        try writer.write { db in
            if leases.isEnabled { try checkFence(db, id, try leases.fence(printer: printer(ofJob: id, in: db))) }
            try setVerification(db, id, verification)
            try db.execute(sql: "INSERT INTO printDocument (jobId, bytes) VALUES (?, ?) ON CONFLICT (jobId) DO UPDATE SET bytes = excluded.bytes", arguments: [id, Data(bytes)])
            let update = try db.cachedStatement(sql: "UPDATE printLabel SET byteOffset = ? WHERE jobId = ? AND seq = ?")
            for (i, o) in offsets.enumerated() { try update.execute(arguments: [o, id, i + 1]) }
            try db.execute(sql: "UPDATE printJob SET hasDocument = 1, state = ?, labelCount = ?, labelsWritten = ?, updatedAt = ? WHERE id = ?",
                           arguments: [m.state.rawValue, m.labelCount, m.labelsWritten, stamp(), id])
            try mergeTimings(db, id, ["render": renderMS])
        }
    }

    /// Claims the job for this process (unless another live process works on it, or, with
    /// several nodes, this node does not hold its printer), loads it and applies the machine's
    /// `.run` step — one transaction. Nil when another process or node has it; `previousOwner`:
    /// the process (or node), now gone, that had it (a takeover).
    func claimAndRun(_ id: Int64) throws -> (PrintJob, PrintJobMachine, PrintJobMachine.Action, previousOwner: String?)? {
        let me = Int64(getpid())
        let node: String? = leases.isEnabled ? leases.node : nil
        // Several nodes: only a printer this node holds (taken now if no live node holds it).
        do { try prepareFence(id) } catch is LeaseLost { return nil }
        return try writer.write { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT owner, ownerNode, printer FROM printJob WHERE id = ?", arguments: [id]) else {
                throw PrintError(code: .notFound, message: "no print job \(id)")
            }
            let owner: Int64? = row[0], ownerNode: String? = row[1], printer: String = row[2]
            // Another node drives this printer: its job is its own.
            if node != nil, leases.epoch(for: printer) == nil { return nil }
            // A live process of this node has it. A process of another node that had it lost the
            // printer's lease, which this node now holds: it is taken over (confirmed first).
            let sameNode = ownerNode == node
            if let owner, owner != me, sameNode, kill(pid_t(owner), 0) == 0 { return nil }
            var (job, m) = try loadMachine(db, id)
            if job.state.isFinal { return (job, m, .none, nil) }
            let action = try m.handle(.run)
            try db.execute(sql: "UPDATE printJob SET owner = ?, ownerNode = ? WHERE id = ?", arguments: [me, node, id])
            try update(db, id, m, fenced: true)
            job.state = m.state
            let previous: String? = owner.map { sameNode ? "process \($0)" : "node \(ownerNode ?? "?") process \($0)" }
            return (job, m, action, owner == me && sameNode ? nil : previous)
        }
    }

    /// Persists the final state of this round with the stage timings, releases the job, returns it.
    func finish(_ id: Int64, _ m: PrintJobMachine, timings: [String: Double]) throws -> PrintJob {
        try prepareFence(id)
        return try writer.write { db in
            try update(db, id, m, timings: timings, release: true, fenced: true)
            return try job(db, id: id)
        }
    }

    /// Where each label of a job starts in its document (without decoding the labels' data).
    func offsets(jobId: Int64) throws -> [Int] {
        try writer.read { db in try Int.fetchAll(db, sql: "SELECT COALESCE(byteOffset, 0) FROM printLabel WHERE jobId = ? ORDER BY seq", arguments: [jobId]) }
    }

    func release(_ id: Int64) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE printJob SET owner = NULL WHERE id = ? AND owner = ? AND COALESCE(ownerNode, '') = ?",
                           arguments: [id, Int64(getpid()), leases.isEnabled ? leases.node : ""])
        }
    }

    /// Jobs a worker should take up now: new, due for retry, followed on a print server, or left
    /// mid-way by a process that is gone.
    public func dueJobs(perPrinter limit: Int = Self.roundSize) throws -> [(id: Int64, printer: String)] {
        let t = now().timeIntervalSince1970
        let me = Int64(getpid())
        return try writer.read { db in
            // At most `limit` per printer (a round; the next round takes the next ones): after a
            // burst the queue holds tens of thousands, and a thread whose printers are all busy
            // asks again every `interval`. So each step reads index entries in id order and stops
            // early: the printers by skipping through printJob_printer_state (a few entries per
            // printer, not one per waiting job), then each printer's oldest jobs one state at a
            // time (an IN over the states would sort all of the printer's waiting jobs first).
            var due: [(id: Int64, printer: String)] = []
            let printers = try String.fetchAll(db.cachedStatement(sql: """
                WITH RECURSIVE p(name) AS (
                    SELECT MIN(printer) FROM printJob
                    UNION ALL SELECT (SELECT MIN(printer) FROM printJob WHERE printer > p.name) FROM p WHERE p.name IS NOT NULL)
                SELECT name FROM p WHERE name IS NOT NULL
                """))
            let oldest = try db.cachedStatement(sql: """
                SELECT id, owner, nextAttemptAt, ownerNode FROM printJob WHERE printer = ? AND state = ?
                  AND (nextAttemptAt <= ? OR owner IS NOT NULL) ORDER BY id LIMIT ?
                """)
            let node: String? = leases.isEnabled ? leases.node : nil
            // With several nodes, only the printers this node holds.
            for printer in printers where leases.mayDrive(printer) {
                var candidates: [(id: Int64, owner: Int64?, nextAttemptAt: Double, node: String?)] = []
                for state in Self.waitingStates {
                    for row in try SQLRow.fetchAll(oldest, arguments: [printer, state, t, limit]) { candidates.append((row[0], row[1], row[2], row[3])) }
                }
                for c in candidates.sorted(by: { $0.id < $1.id }).prefix(limit) {
                    if c.owner != nil, c.node != node {
                        // Left by a node that lost this printer: take it now (it is confirmed first).
                        due.append((c.id, printer))
                    } else if let owner = c.owner, owner != me {
                        // Left mid-way by a process that is gone: take it now; a live one keeps it.
                        if kill(pid_t(owner), 0) != 0 { due.append((c.id, printer)) }
                    } else if c.nextAttemptAt <= t {
                        due.append((c.id, printer))
                    }
                }
            }
            return due.sorted { $0.id < $1.id }
        }
    }

    /// Another job of `printer`, not done with, whose labels are in doubt (`uncertain`, or held
    /// after a broken stream until the printer's counter says how far it printed): it goes first.
    public func inDoubt(printer: String, except id: Int64) throws -> PrintJob? {
        try writer.read { db in
            let other = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT id FROM printJob WHERE printer = ? AND state IN ('uncertain', 'held', 'sending') AND id != ?
                  AND (labelsWritten > labelsSent OR counterCount IS NOT NULL) ORDER BY id LIMIT 1
                """), arguments: [printer, id])
            return try other.map { try job(db, id: $0) }
        }
    }

    /// How many due jobs of one printer a worker's round takes at most (`dueJobs`).
    public static let roundSize = 500

    /// The states of a job not yet done with.
    static let waitingStates = ["queued", "held", "rendering", "sending", "sent"]
    /// `waitingStates` as an SQL list.
    static let waiting = "(" + waitingStates.map { "'\($0)'" }.joined(separator: ",") + ")"

    /// Whether a job for `printer` waits in the queue, not yet taken up by anyone.
    func hasQueued(_ db: any SQLDatabase, printer: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM printJob WHERE printer = ? AND state = 'queued' LIMIT 1"), arguments: [printer]) ?? false
    }

    /// When the next held job is due (nil when none waits).
    public func nextDue() throws -> Date? {
        try writer.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM printJob WHERE state IN \(Self.waiting)")
        }.map { Date(timeIntervalSince1970: $0) }
    }

    /// Counts by state (for metrics and `jobs list`).
    public func countsByState() throws -> [PrintJobState: Int] {
        try writer.read { db in
            var out: [PrintJobState: Int] = [:]
            for row in try SQLRow.fetchAll(db, sql: "SELECT state, COUNT(*) FROM printJob GROUP BY state") {
                if let s = PrintJobState(rawValue: row[0]) { out[s] = row[1] }
            }
            return out
        }
    }

    /// 초기화: deletes print history (jobs, labels, documents) and template revisions; keeps printers.
    public func reset(_ db: any SQLDatabase) throws {
        try db.execute(sql: "DELETE FROM printDocument; DELETE FROM printLabel; DELETE FROM printJob; DELETE FROM templateRevision;")
    }
}

extension PrintJob {
    init(row r: SQLRow) throws {
        id = r["id"]; kind = r["kind"]; title = r["title"]; printer = r["printer"]
        language = PrinterProfile.Language(rawValue: r["language"]) ?? .zpl
        dpi = r["dpi"]; templateName = r["templateName"]; templateRevision = r["templateRevision"]
        state = PrintJobState(rawValue: r["state"]) ?? .queued
        reason = r["reason"]; attempts = r["attempts"]; labelCount = r["labelCount"]; labelsSent = r["labelsSent"]
        let written: Int = r["labelsWritten"] ?? 0
        uncertainLabels = state == .uncertain && written > labelsSent ? LabelSpan(first: labelsSent + 1, last: written) : nil
        remoteJobId = r["remoteJobId"]; idempotencyKey = r["idempotencyKey"]; reprintOf = r["reprintOf"]; reprintReason = r["reprintReason"]
        actor = r["actor"]; createdAt = r["createdAt"]; updatedAt = r["updatedAt"]
        let t: String = r["timings"]
        timings = t == "{}" ? [:] : (try? JSONDecoder().decode([String: Double].self, from: Data(t.utf8))) ?? [:]
        sources = try JSONDecoder().decode([String].self, from: Data((r["sources"] as String).utf8))
        verification = (r["verification"] as String?).flatMap { try? JSONDecoder().decode([VerificationNote].self, from: Data($0.utf8)) }
        printerCount = (r["printerCount"] as String?).flatMap { try? JSONDecoder().decode(PrinterCount.self, from: Data($0.utf8)) }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

/// Group commit: callers that arrive while a durable commit is in progress are committed together
/// in the next one. The first to find no commit running leads: it takes everything pending, runs
/// the bodies one after another in one transaction, syncs once, wakes each caller of its group,
/// and hands the lead to the first caller that arrived meanwhile. Under a burst of scans this
/// turns a sync per request (~2 ms here) into a sync per group. Should a body throw, the group's
/// transaction is rolled back and each body runs again in a transaction of its own, so one
/// caller's error is its own (a savepoint per body would cost every scan).
/// Unchecked: a caller's body (not Sendable) runs on the leader's thread while the caller waits;
/// `pending` and `leading` are touched only under `lock`, an entry's fields as below.
final class CommitGroup: @unchecked Sendable {
    /// One caller. `done`, `error` and `lead` are written before `wake` is signaled and read after.
    private final class Entry: @unchecked Sendable {
        let body: (any SQLDatabase) throws -> Void
        var error: (any Error)?
        var done = false
        let wake = DispatchSemaphore(value: 0)
        init(_ body: @escaping (any SQLDatabase) throws -> Void) { self.body = body }
    }
    private let lock = NSLock()
    private var pending: [Entry] = []
    private var leading = false
    /// Callers waiting for the next group (tests watch a group form).
    var waiting: Int { lock.lock(); defer { lock.unlock() }; return pending.count }

    func run<T>(_ writer: any SQLStore, _ body: @escaping (any SQLDatabase) throws -> T) throws -> T {
        // Written by the leader inside this caller's entry, read after its `wake`: never at once.
        nonisolated(unsafe) var result: T?
        let entry = Entry { db in result = try body(db) }
        lock.lock()
        pending.append(entry)
        let lead = !leading
        leading = true
        lock.unlock()
        // A follower wakes when its group is committed, or when the lead is handed to it.
        if !lead { entry.wake.wait() }
        if !entry.done {
            lock.lock()
            let group = pending
            pending = []
            lock.unlock()
            commit(writer, group)
            for e in group where e !== entry { e.done = true; e.wake.signal() }
            lock.lock()
            if let next = pending.first { next.wake.signal() } else { leading = false }
            lock.unlock()
        }
        if let error = entry.error { throw error }
        return result!
    }

    /// Commits `group` durably (setting each entry's error, if any).
    private func commit(_ writer: any SQLStore, _ group: [Entry]) {
        let errors = writer.writeDurably(group.map { e in { db in try e.body(db) } })
        for (e, error) in zip(group, errors) { e.error = error }
    }
}
