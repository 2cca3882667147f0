import ArgumentParser
import Foundation
import Fulfillment
import Hummingbird
import LabelServer
import Logging
import Rendering
import Storage

/// `labeld serve`: the HTTP service (the README's run command).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API, the template designer page, /metrics and /healthz.",
        discussion: """
            Settings, lowest to highest precedence: defaults, the config file (JSON; --config or \
            LABELD_CONFIG), environment variables, options. Keys / variables: host LABELD_HOST \
            (127.0.0.1), port LABELD_PORT (8080), database LABELD_DB (./var/labeld.sqlite), \
            filePrinterDirectory LABELD_FILE_PRINTER_DIR (./var/labels), backupDirectory \
            LABELD_BACKUP_DIR (./var/backups), maxJSONBytes LABELD_MAX_JSON_BYTES (1048576), \
            maxUploadBytes LABELD_MAX_UPLOAD_BYTES (33554432), blockingThreads LABELD_BLOCKING_THREADS (8), \
            spoolThreads LABELD_SPOOL_THREADS (2), idleTimeout LABELD_IDLE_TIMEOUT (60 s), logLevel LABELD_LOG_LEVEL (info), \
            node LABELD_NODE (host-pid) and leaseSeconds LABELD_LEASE_SECONDS (10): with several nodes on one PostgreSQL \
            database (database postgres://user@host:port/db), this node's name and how long a printer's lease lasts \
            without renewal.
            """)

    @Option(name: .long, help: "A JSON config file.") var config: String?
    @Option(name: .long) var host: String?
    @Option(name: .long) var port: Int?
    @Option(name: .long, help: "The database: a SQLite file, or postgres://user@host:port/db (several nodes).") var db: String?
    @Option(name: .long, help: "This node's name among several on one PostgreSQL database.") var node: String?

    struct FileConfig: Decodable {
        var host: String?, port: Int?, database: String?, filePrinterDirectory: String?, backupDirectory: String?
        var maxJSONBytes: Int?, maxUploadBytes: Int?, blockingThreads: Int?, spoolThreads: Int?, logLevel: String?
        var idleTimeout: Int?, node: String?, leaseSeconds: Double?
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var file = FileConfig()
        if let path = config ?? env["LABELD_CONFIG"] {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError(description: "cannot read config '\(path)'") }
            do { file = try JSONDecoder().decode(FileConfig.self, from: data) } catch { throw CLIError(description: "\(path): \(error)") }
        }
        // Read by the spool's printer leases (`PrinterLeases`).
        if let name = node ?? file.node { setenv("LABELD_NODE", name, 1) }
        if env["LABELD_LEASE_SECONDS"] == nil, let seconds = file.leaseSeconds { setenv("LABELD_LEASE_SECONDS", String(seconds), 1) }
        let home = RendererConfiguration.locateHome()
        var c = ServerConfiguration(rendering: .standard(), webDirectory: env["LABELD_WEB"] ?? home + "/web")
        c.host = host ?? env["LABELD_HOST"] ?? file.host ?? c.host
        c.port = port ?? env["LABELD_PORT"].flatMap { Int($0) } ?? file.port ?? c.port
        c.databasePath = db ?? env["LABELD_DB"] ?? file.database ?? c.databasePath
        c.filePrinterDirectory = env["LABELD_FILE_PRINTER_DIR"] ?? file.filePrinterDirectory ?? c.filePrinterDirectory
        c.backupDirectory = env["LABELD_BACKUP_DIR"] ?? file.backupDirectory ?? c.backupDirectory
        c.maxJSONBytes = env["LABELD_MAX_JSON_BYTES"].flatMap { Int($0) } ?? file.maxJSONBytes ?? c.maxJSONBytes
        c.maxUploadBytes = env["LABELD_MAX_UPLOAD_BYTES"].flatMap { Int($0) } ?? file.maxUploadBytes ?? c.maxUploadBytes
        c.blockingThreads = max(1, env["LABELD_BLOCKING_THREADS"].flatMap { Int($0) } ?? file.blockingThreads ?? c.blockingThreads)
        c.idleTimeoutSeconds = max(1, env["LABELD_IDLE_TIMEOUT"].flatMap { Int($0) } ?? file.idleTimeout ?? c.idleTimeoutSeconds)
        // The fonts are found before the server starts: without them no label could render.
        do { _ = try LabelRenderer(configuration: c.rendering) } catch {
            printError(errorLine(error))
            throw ExitCode(1)
        }
        c.spoolThreads = max(1, env["LABELD_SPOOL_THREADS"].flatMap { Int($0) } ?? file.spoolThreads ?? c.spoolThreads)
        let level = Logger.Level(rawValue: env["LABELD_LOG_LEVEL"] ?? file.logLevel ?? "info") ?? .info
        LoggingSystem.bootstrap { label in LazyMetadataLogHandler(label: label, level: level) }
        let islandsPath = env["LABELD_ISLANDS"] ?? home + "/data/island-postal-ranges.json"
        let islands = FileManager.default.fileExists(atPath: islandsPath) ? try IslandRegions.load(path: islandsPath) : .empty
        let logger = Logger(label: "labeld")
        let service = try LabelService(configuration: c, islands: islands, logger: logger)
        // First start: an owner token, so the designer page and the API can be used at once.
        if try service.tokens.list().isEmpty {
            let token = try service.tokens.create(name: "owner", role: .owner, printers: [], actor: "owner:first-start")
            let path = Stores.localDirectory(for: c.databasePath) + "/owner-token"
            FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
            logger.notice("first start: an owner token was made and written to \(path) (make more with `labeld tokens create`)")
        }
        let settings = c
        let app = service.application(logger: logger) { channel in
            let port = channel.localAddress?.port ?? settings.port
            logger.info("labeld serving", metadata: ["http.address": "http://\(settings.host):\(port)/", "db": "\(settings.databasePath)"])
            // One line on stdout for scripts and tests that start labeld on port 0.
            FileHandle.standardOutput.write(Data("labeld listening on http://\(settings.host):\(port)/\n".utf8))
        }
        try await service.run(app, logger: logger)
    }
}

struct Tokens: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "API tokens (shown once; stored hashed).", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a token: owner (everything), operator (부운영자: no reset, no tokens), station (print on its printers).",
            discussion: "Whoever can run labeld on the server's machine is its owner: the audit log records owner:cli.")
        @Option(name: .long, help: "The database file.") var db: String = "./var/labeld.sqlite"
        @Option(name: .long, help: "owner, operator or station.") var role: Role
        @Option(name: .long, help: "Who or what uses it (a station's name).") var name: String?
        @Option(name: .long, help: "A printer a station token may use (repeat).") var printer: [String] = []
        func run() throws {
            try reportingErrors {
                let store = try FulfillmentStore.open(path: db)
                print(try TokenStore(fulfillment: store).create(name: name ?? role.rawValue, role: role, printers: printer, actor: "owner:cli"))
            }
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var core: CoreOptions
        func run() throws {
            try reportingErrors {
                for t in try TokenStore(fulfillment: try core.store()).list() {
                    print("\(t.name)\t\(t.role)\t\(t.printers)\t\(t.createdAt)\(t.revoked ? "\trevoked" : "")")
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        @OptionGroup var core: CoreOptions
        @Argument var name: String
        func run() throws {
            try reportingErrors {
                guard core.role == .owner else { throw CLIError(description: "revoking tokens is for the owner (--role owner)") }
                print("revoked \(try TokenStore(fulfillment: try core.store()).revoke(name: name)) token(s)")
            }
        }
    }
}
