public import Foundation
public import Rendering

/// How `labeld serve` runs. Defaults suit `make run`; the executable fills it from a config file and
/// environment variables (see README).
public struct ServerConfiguration: Sendable {
    /// Address to listen on (`127.0.0.1`; `0.0.0.0` for a LAN of packing stations).
    public var host = "127.0.0.1"
    /// Port; 0 picks a free one (tests).
    public var port = 8080
    /// The SQLite database (orders, stock, print queue, tokens).
    public var databasePath = "./var/labeld.sqlite"
    /// Where the out-of-the-box file printer writes.
    public var filePrinterDirectory = "./var/labels"
    /// Where 초기화 backups go.
    public var backupDirectory = "./var/backups"
    /// Fonts and templates.
    public var rendering: RendererConfiguration
    /// An HTTP connection with no request for this long is closed (seconds).
    public var idleTimeoutSeconds = 60
    /// How long a token's principal is remembered between requests (seconds): a token revoked by
    /// another process (`labeld tokens revoke`) stops working within this time.
    public var tokenMemorySeconds = 2.0
    /// The server's clock (tests pass one they move).
    public var now: @Sendable () -> Date = { Date() }
    /// How long `/metrics` reuses the printers' status (seconds).
    public var printerStatusSeconds = 15.0
    /// Largest JSON body a route takes (bytes).
    public var maxJSONBytes = 1 << 20
    /// Largest CSV upload (bytes).
    public var maxUploadBytes = 32 << 20
    /// How often the spool worker looks for due jobs (held retries, followed jobs).
    public var workerInterval: Duration = .milliseconds(250)
    /// How often the carrier worker sends due bookings and retries pending routings (택배연동); it
    /// also runs once at start, so a booking left by a stopped labeld goes out.
    public var carrierInterval: Duration = .seconds(30)
    /// Threads for blocking work of requests (SQLite, inline printing, previews, CUPS calls). A
    /// burst of scans needs none of them while it is acknowledged (`ScanIntake`), and one per
    /// printer at a time for what prints inline.
    public var blockingThreads = 8
    /// Spool worker threads (render and send queued jobs, at a lower CPU priority).
    public var spoolThreads = 2
    /// Where the designer page's files are (`web/`).
    public var webDirectory: String

    public init(rendering: RendererConfiguration, webDirectory: String) {
        self.rendering = rendering
        self.webDirectory = webDirectory
    }
}
