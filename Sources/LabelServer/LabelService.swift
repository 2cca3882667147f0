public import Hummingbird
public import Logging
import Foundation
import HTTPTypes
public import Fulfillment
public import CarrierLink
import LabelModel
import NIOCore
import NIOPosix
import PrintSpool
public import Printing
import Prometheus
import Rendering
import ServiceLifecycle
import UnixSignals
import Synchronization
public import LabeldSupport

/// The request context: Hummingbird's core storage plus the caller the bearer token names.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    /// Uploads are limited per route (`ServerConfiguration.maxJSONBytes`, `maxUploadBytes`).
    public var maxUploadSize: Int { 64 << 20 }
    /// The largest JSON body a route takes (set from the configuration by `JSONLimitMiddleware`).
    public var maxJSONBytes = 1 << 20
    /// `request.decode(as:context:)` reads JSON bodies up to `maxJSONBytes`, mistakes as problem+json.
    public var requestDecoder: LabeldJSON { LabeldJSON(limit: maxJSONBytes) }
    /// Answers are JSON with sorted keys.
    public var responseEncoder: LabeldJSON { LabeldJSON(limit: maxJSONBytes) }

    /// The caller, or 401.
    func caller() throws -> Principal {
        guard let principal else { throw Problem.unauthorized }
        return principal
    }

    /// The caller when owner or operator (부운영자), else 403.
    func operatorOrOwner(_ what: String) throws -> Principal {
        let p = try caller()
        guard p.role == .owner || p.role == .operator else { throw Problem.forbidden("\(what) is for the owner or an operator, not a \(p.role.rawValue) token") }
        return p
    }

    /// The caller when owner, else 403.
    func owner(_ what: String) throws -> Principal {
        let p = try caller()
        guard p.role == .owner else { throw Problem.forbidden("\(what) is for the owner (대표운영자) only, not a \(p.role.rawValue) token") }
        return p
    }
}

/// labeld's HTTP service: the JSON API under `/v1` for packing stations and the office, the
/// template designer page, `/openapi.yaml`, `/metrics` and `/healthz`.
public struct LabelService: Sendable {
    public let desk: PrintDesk
    public let tokens: TokenStore
    public let configuration: ServerConfiguration
    let pool: NIOThreadPool
    let metrics: ServerMetrics
    /// Acknowledges the stations' scans in batches (`POST /v1/print` with a code).
    let intake: ScanIntake
    /// Printers' readiness for `/metrics`, asked of the printers at most every
    /// `configuration.printerStatusSeconds`: an unauthenticated scrape must not open a connection
    /// to every printer.
    let printerUp = KeyedCache<String, (at: Date, printers: [(String, Bool)])>(limit: 1)
    /// Each printer's status as last asked, shared by every station's event stream: a printer is
    /// asked at most once per `StationRoutes.printerStatusSeconds` however many stations watch it.
    let printerStatus = KeyedCache<String, (at: Date, status: PrinterStatus)>(limit: 512)
    /// Set when the server begins to stop: long-lived answers (a station's event stream) end, so
    /// the server's graceful shutdown is not held up by a page left open.
    let stopping = StopSignal()
    let logger: Logger

    /// `logger`: where the spool and the order core tell what they did (holds, retries, takeovers).
    public init(configuration: ServerConfiguration, islands: IslandRegions = .empty, logger: Logger = .disabled) throws {
        self.configuration = configuration
        self.logger = logger
        desk = try PrintDesk.open(databasePath: configuration.databasePath, rendering: configuration.rendering, islands: islands, logger: logger)
        tokens = try TokenStore(fulfillment: desk.fulfillment, memorySeconds: configuration.tokenMemorySeconds, now: configuration.now)
        pool = NIOThreadPool(numberOfThreads: configuration.blockingThreads)
        pool.start()
        metrics = ServerMetrics()
        intake = ScanIntake(desk: desk)
    }

    /// Runs the application until SIGTERM or SIGINT. The stop is told to long-lived answers first
    /// (`stopping`: a station's event stream ends), then the server quiesces: Hummingbird's server
    /// waits for open requests, so a station page left open would otherwise hold the stop forever.
    public func run(_ app: some ApplicationProtocol, logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: [app, StopNotice(signal: stopping, logger: logger)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Runs blocking work (SQLite, rendering, CUPS) on the service's thread pool.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// The Hummingbird application: router, middleware, and the spool worker as a service.
    public func application(logger: Logger = Logger(label: "labeld"),
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = makeRouter().router
        return Application(router: router,
                           server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "labeld"),
                           services: [SpoolWorker(service: self, logger: logger), CarrierWorker(service: self, logger: logger)],
                           onServerRunning: onServerRunning, logger: logger)
    }

    /// The seller's carrier connections as they are set now (택배연동).
    public func carrierDesk() throws -> CarrierDesk {
        let store = desk.fulfillment
        return CarrierDesk(store: store, connectors: CarrierDesk.connectors(for: try store.settings(), store: store), logger: logger)
    }

    /// Every route as `METHOD /path/{param}` (what `/openapi.yaml` must document).
    public func routeList() -> [String] { makeRouter().routes }

    func makeRouter() -> (router: Router<AppContext>, routes: [String]) {
        let router = Router(context: AppContext.self)
        router.add(middleware: ProblemMiddleware(metrics: metrics))
        router.add(middleware: JSONLimitMiddleware(limit: configuration.maxJSONBytes))
        router.add(middleware: AuthMiddleware(tokens: tokens, pool: pool))
        var routes = RouteTable(router: router)
        addRoutes(&routes)
        return (router, routes.list)
    }
}

/// Records routes as it registers them, so the OpenAPI document can be checked against them.
struct RouteTable {
    let router: Router<AppContext>
    var list: [String] = []

    mutating func on<Output: ResponseGenerator>(_ method: HTTPRequest.Method, _ path: String,
                                                _ handler: @escaping @Sendable (Request, AppContext) async throws -> Output) {
        router.on(RouterPath(path), method: method, use: handler)
        let openAPI = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        list.append("\(method.rawValue) /\(openAPI)")
    }
}

/// Turns every error into `application/problem+json` (module errors keep their codes and messages).
struct ProblemMiddleware: RouterMiddleware {
    let metrics: ServerMetrics
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem.from(error)
            if problem.status.code >= 500 { context.logger.error("request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"]) }
            return try problem.response(from: request, context: context)
        }
    }
}

/// Reads `Authorization: Bearer …` on `/v1` routes; the routes decide what each role may do.
struct AuthMiddleware: RouterMiddleware {
    let tokens: TokenStore
    let pool: NIOThreadPool
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { throw Problem.unauthorized }
        let token = String(header.dropFirst(7)).trimmedOfWhitespace
        let store = tokens
        guard !token.isEmpty, token.count < 200 else { throw Problem.badToken }
        var found = store.recentPrincipal(token: token)
        if found == nil { found = try await pool.runIfActive({ try store.principal(token: token) }) }
        guard let principal = found else { throw Problem.badToken }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// The spool's worker threads (`SpoolWorkers`) as a service: they take up jobs scans left to them,
/// held retries, jobs a print server is printing and jobs left by a stopped labeld. On shutdown
/// each finishes the step in hand, so every job is left in a state a restart resumes from.
struct SpoolWorker: Service {
    let service: LabelService
    let logger: Logger
    func run() async throws {
        let logger = self.logger
        let metrics = service.metrics
        let workers = SpoolWorkers(spooler: service.desk.spooler, onJob: { metrics.record($0) }) { error in
            logger.warning("spool worker step failed", metadata: ["error": "\(error)"])
        }
        // Several nodes on PostgreSQL: the printers this node drives, under fenced leases.
        let spool = service.desk.store
        let keeper = LeaseKeeper(leases: spool.leases, writer: spool.writer)
        keeper.start(onRound: { round in
            for a in round.acquired {
                logger.notice("printer lease taken", metadata: ["printer": "\(a.printer)", "epoch": "\(a.epoch)", "from": "\(a.from ?? "-")"])
            }
            for p in round.lost { logger.warning("printer lease lost: another node drives it now", metadata: ["printer": "\(p)"]) }
            for p in round.released { logger.info("printer lease handed back (above this node's share)", metadata: ["printer": "\(p)"]) }
        }, onError: { error in logger.warning("printer leases not renewed", metadata: ["error": "\(error)"]) })
        let interval = service.configuration.workerInterval.components
        workers.start(count: service.configuration.spoolThreads,
                      interval: Double(interval.seconds) + Double(interval.attoseconds) / 1e18)
        try? await gracefulShutdown()
        try await service.blocking { workers.stop(); keeper.stop() }
        logger.info("spool worker stopped")
    }
}

/// 택배연동 in the background: at start and then every `carrierInterval`, the bookings printed
/// waybills owe a connected carrier go out (and cancels), and routings left pending are asked again.
/// The database holds what is due, so a kill between print and booking loses nothing.
struct CarrierWorker: Service {
    let service: LabelService
    let logger: Logger
    func run() async throws {
        repeat {
            do {
                let carriers = try service.carrierDesk()
                if carriers.isConnected {
                    let refined = try await carriers.refine(actor: "labeld:carriers")
                    if refined.total > 0 { logger.info("routings retried", metadata: ["summary": "\(refined.summary)"]) }
                    let booked = try await carriers.book(actor: "labeld:carriers")
                    if booked.booked + booked.canceled + booked.failed > 0 { logger.info("bookings sent", metadata: ["summary": "\(booked.summary)"]) }
                }
            } catch {
                logger.warning("carrier worker step failed", metadata: ["error": "\(error)"])
            }
            // The pause ends at once when the server stops.
            let interval = service.configuration.carrierInterval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } while !Task.isCancelled && !Task.isShuttingDownGracefully
    }
}

/// Prometheus metrics: render and spool latency histograms, jobs by state, printer up.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let render: DurationHistogram
    let spool: DurationHistogram

    init() {
        let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                   .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)]
        render = registry.makeDurationHistogram(name: "labeld_render_seconds", buckets: buckets, help: "Time to render a print job's document")
        spool = registry.makeDurationHistogram(name: "labeld_spool_seconds", buckets: buckets,
                                               help: "Time from a print request to the printer or print server having it")
    }

    func record(_ job: PrintJob) {
        if let r = job.timings["render"] { render.record(.nanoseconds(Int64(r * 1e6))) }
        if let t = job.timings["total"] { spool.record(.nanoseconds(Int64(t * 1e6))) }
    }

    /// The exposition text, with the job and printer gauges set from `counts` and `printers` first.
    func emit(counts: [PrintJobState: Int], printers: [(String, Bool)], unconfirmedLabels: Int = 0, leases: PrinterLeases? = nil) -> [UInt8] {
        if let leases, leases.isEnabled {
            let held = leases.heldPrinters
            registry.makeGauge(name: "labeld_node_printers", labels: [("node", leases.node)], help: "Printers this node drives under a lease")
                .set(Double(held.count) as Double)
            for (name, _) in printers {
                registry.makeGauge(name: "labeld_printer_lease_epoch", labels: [("printer", name), ("node", leases.node)],
                                   help: "The lease epoch this node holds the printer under (0: another node drives it)")
                    .set(Double(held[name] ?? 0) as Double)
            }
        }
        registry.makeGauge(name: "labeld_labels_unconfirmed", help: "Waybill labels sent to a printer that no confirmation scan has seen")
            .set(Double(unconfirmedLabels) as Double)
        for state in PrintJobState.allCases {
            registry.makeGauge(name: "labeld_jobs", labels: [("state", state.rawValue)], help: "Print jobs by state").set(Double(counts[state] ?? 0) as Double)
        }
        for (name, up) in printers {
            registry.makeGauge(name: "labeld_printer_up", labels: [("printer", name)], help: "1 when the printer is ready").set((up ? 1 : 0) as Double)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// A one-way flag: set once, read from any thread.
final class StopSignal: Sendable {
    private let flag = Mutex(false)
    func stop() { flag.withLock { $0 = true } }
    var isStopped: Bool { flag.withLock { $0 } }
}

/// Sets `signal` when graceful shutdown begins. Listed after the application, it is told first.
struct StopNotice: Service {
    let signal: StopSignal
    let logger: Logger
    func run() async throws {
        try? await gracefulShutdown()
        signal.stop()
        logger.info("stopping: open event streams end")
    }
}
