public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Real print servers for tests, all on loopback in a temp folder and stopped by PID: a private
/// `cupsd` (on a reserved port), `ippeveprinter` (with the private D-Bus it needs) and TCP sinks
/// standing in for port-9100 printers (Tests/tools/sink.py).
public final class PrintLab: @unchecked Sendable {
    public let directory: String
    public private(set) var cupsPort: Int = 0
    private var pids: [Int32] = []
    private let lock = NSLock()

    public init() {
        directory = temporaryDirectory("printlab")
        chmod(directory, 0o755)
    }

    deinit { stop() }

    /// A loopback port held bound but not listening (`SO_REUSEADDR`): a connection to it is refused,
    /// as by a printer that is off, and no other socket of this machine takes it meanwhile (no
    /// bind-close-reuse race). A server that sets `SO_REUSEADDR` too (sink.py, cupsd,
    /// ippeveprinter) can still listen on it: start it on `port`, then let the reservation go.
    public final class ReservedPort: @unchecked Sendable {   // Unchecked: `fd` is only closed, once, under `lock`.
        public let port: Int
        private var fd: Int32
        private let lock = NSLock()

        init() {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            port = Int(UInt16(bigEndian: addr.sin_port))
            self.fd = fd
        }

        /// Lets the port go (a server listens on it now, or the test is over).
        public func release() {
            lock.lock(); defer { lock.unlock() }
            if fd >= 0 { close(fd); fd = -1 }
        }

        deinit { release() }
    }

    /// A port reserved for this test (see `ReservedPort`).
    public static func reservePort() -> ReservedPort { ReservedPort() }

    /// Waits until something accepts connections on 127.0.0.1:port.
    public static func waitForPort(_ port: Int, host: String = "127.0.0.1", timeout: Double = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr(host)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
            close(fd)
            if ok { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw LabError("nothing listens on \(host):\(port) after \(timeout) s")
    }

    public struct LabError: Error, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Starts a process in the background, logging into `log`; remembers its PID.
    @discardableResult
    public func spawn(_ program: String, _ arguments: [String], log: String, environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        lock.lock(); pids.append(p.processIdentifier); lock.unlock()
        return p
    }

    /// Stops everything this lab started (SIGTERM, then SIGKILL), by PID.
    public func stop() {
        lock.lock(); let all = pids; pids = []; lock.unlock()
        for pid in all { kill(pid, SIGTERM) }
        for pid in all {
            var status: Int32 = 0
            for _ in 0..<50 {
                if waitpid(pid, &status, WNOHANG) != 0 { break }
                Thread.sleep(forTimeInterval: 0.02)
            }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
        }
    }

    public func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        lock.lock(); pids.removeAll { $0 == process.processIdentifier }; lock.unlock()
    }

    // MARK: cupsd

    /// Starts a private cupsd on 127.0.0.1 at a free port, knowing ZPL as a raw type.
    public func startCUPS() throws {
        let root = directory + "/cups"
        for d in ["", "/spool", "/spool/tmp", "/cache", "/state", "/log", "/ppd"] {
            try FileManager.default.createDirectory(atPath: root + d, withIntermediateDirectories: true)
        }
        chmod(root, 0o755)
        for d in ["/spool", "/spool/tmp", "/cache", "/state"] {
            chmod(root + d, 0o770)
            if let lp = getgrnam("lp") { chown(root + d, 0, lp.pointee.gr_gid) }
        }
        let reserved = Self.reservePort()
        defer { reserved.release() }
        cupsPort = reserved.port
        try """
            ServerRoot \(root)
            RequestRoot \(root)/spool
            TempDir \(root)/spool/tmp
            CacheDir \(root)/cache
            StateDir \(root)/state
            AccessLog \(root)/log/access_log
            ErrorLog \(root)/log/error_log
            PageLog \(root)/log/page_log
            Printcap \(root)/printcap
            ServerBin /usr/lib/cups
            DataDir /usr/share/cups
            User lp
            Group lp
            SystemGroup root
            FileDevice Yes

            """.write(toFile: root + "/cups-files.conf", atomically: true, encoding: .utf8)
        try """
            Listen 127.0.0.1:\(cupsPort)
            Browsing No
            DefaultAuthType None
            LogLevel info
            PreserveJobFiles No
            MaxJobs 0
            <Location />
            Order allow,deny
            Allow 127.0.0.1
            </Location>
            <Location /admin>
            Order allow,deny
            Allow 127.0.0.1
            </Location>
            <Policy default>
            <Limit All>
            Order deny,allow
            </Limit>
            </Policy>

            """.write(toFile: root + "/cupsd.conf", atomically: true, encoding: .utf8)
        try "application/vnd.zebra-zpl zpl string(0,\"^XA\") string(0,\"~\")\n".write(toFile: root + "/local.types", atomically: true, encoding: .utf8)
        try spawn("/usr/sbin/cupsd", ["-f", "-c", root + "/cupsd.conf", "-s", root + "/cups-files.conf"], log: root + "/log/cupsd.out")
        try Self.waitForPort(cupsPort)
    }

    public var cupsServer: String { "127.0.0.1:\(cupsPort)" }

    /// Runs a CUPS client tool (`lpadmin`, `cupsdisable`, …) against the private cupsd.
    @discardableResult
    public func cups(_ tool: String, _ arguments: [String]) throws -> ToolResult {
        let r = try runTool(tool, ["-h", cupsServer] + arguments, environment: ["CUPS_SERVER": cupsServer])
        guard r.status == 0 else { throw LabError("\(tool) \(arguments.joined(separator: " ")): \(r.stderr)") }
        return r
    }

    /// A raw queue sending each job to `device` (such as `socket://127.0.0.1:PORT`).
    public func addRawQueue(_ name: String, device: String) throws {
        try cups("lpadmin", ["-p", name, "-E", "-v", device, "-m", "raw"])
    }

    /// A driver queue for a PDF label printer (Tests/tools/label-printer.ppd: 4×6 in, 100×150 mm and
    /// 50×30 mm labels, Letter by default) sending the filtered PDF to `device`.
    public func addLabelDriverQueue(_ name: String, device: String) throws {
        try cups("lpadmin", ["-p", name, "-E", "-v", device, "-P", Project.root + "/Tests/tools/label-printer.ppd"])
    }

    /// A private cupsd with one raw queue feeding a new TCP sink (a port-9100 printer): the usual setup.
    public func startCUPSWithRawQueue(_ queue: String) throws -> Sink {
        try startCUPS()
        let sink = try startSink(name: queue)
        try addRawQueue(queue, device: "socket://127.0.0.1:\(sink.port)")
        return sink
    }

    /// cupsd's error log (for failure messages).
    public var cupsLog: String { (try? String(contentsOfFile: directory + "/cups/log/error_log", encoding: .utf8)) ?? "" }

    // MARK: Sinks

    /// A TCP sink standing in for a port-9100 printer.
    public final class Sink: @unchecked Sendable {
        public let port: Int
        public let directory: String
        public let process: Process
        init(port: Int, directory: String, process: Process) { self.port = port; self.directory = directory; self.process = process }

        /// Every connection's bytes, in connection order.
        public func connections() -> [[UInt8]] {
            var out: [[UInt8]] = []
            var n = 1
            while let d = FileManager.default.contents(atPath: "\(directory)/conn-\(n).bin") { out.append([UInt8](d)); n += 1 }
            return out
        }

        /// All bytes received, connections in order.
        public func received() -> [UInt8] { connections().flatMap { $0 } }

        /// Waits until at least `count` bytes arrived (in all connections).
        public func waitFor(bytes count: Int, timeout: Double = 20) -> Bool {
            eventually(timeout: timeout) { received().count >= count }
        }

        /// Waits until at least `count` complete labels arrived (see `completeLabelTags`).
        public func waitFor(labels count: Int, timeout: Double = 20) -> Bool {
            eventually(timeout: timeout) { completeLabelTags().count >= count }
        }

        /// Waits until every connection the sink took has been closed by its sender (sink.py
        /// marks each `conn-N.closed`): what came is all that will come from them.
        public func waitUntilClosed(timeout: Double = 20) -> Bool {
            let fm = FileManager.default
            return eventually(timeout: timeout) {
                var n = 1
                while fm.fileExists(atPath: "\(directory)/conn-\(n).bin") {
                    if !fm.fileExists(atPath: "\(directory)/conn-\(n).closed") { return false }
                    n += 1
                }
                return true
            }
        }

        /// The `^FX labeld SOURCE SEQ/COUNT^FS` tags of complete labels (a format that reached `^XZ`).
        public func completeLabelTags() -> [String] {
            var tags: [String] = []
            for conn in connections() {
                let text = String(decoding: conn, as: UTF8.self)
                for format in text.components(separatedBy: "^XA").dropFirst() where format.contains("^XZ") {
                    if let r = format.range(of: "^FXlabeld "), let end = format.range(of: "^FS", range: r.upperBound..<format.endIndex) {
                        tags.append(String(format[r.upperBound..<end.lowerBound]))
                    }
                }
            }
            return tags
        }
    }

    /// Starts a sink; `statusFile` holds "paper_out,paused,head_open" for `~HS` answers.
    /// `receiveBuffer`: the sink's TCP receive buffer (a printer with a small input buffer).
    public func startSink(name: String, statusFile: String? = nil, closeAfter: Int? = nil, rate: Int? = nil, port: Int? = nil,
                          receiveBuffer: Int? = nil) throws -> Sink {
        let dir = directory + "/sink-" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Port 0: the sink binds one itself and prints it first thing (no port chosen here that
        // another process could take before the sink binds it).
        var args = [Project.root + "/Tests/tools/sink.py", "--dir", dir, "--port", String(port ?? 0)]
        if let statusFile { args += ["--status", statusFile] }
        if let closeAfter { args += ["--close-after", String(closeAfter)] }
        if let rate { args += ["--rate", String(rate)] }
        if let receiveBuffer { args += ["--rcvbuf", String(receiveBuffer)] }
        let p = try spawn("/usr/bin/python3", args, log: dir + ".log")
        let chosen = try port ?? Self.reportedPort(log: dir + ".log")
        try Self.waitForPort(chosen)
        return Sink(port: chosen, directory: dir, process: p)
    }

    /// The port a server started on port 0 printed as its log's first line.
    static func reportedPort(log: String, timeout: Double = 10) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, text.contains("\n"), let port = Int(line) { return port }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw LabError("no port reported in \(log) after \(timeout) s")
    }

    // MARK: ippeveprinter

    /// An IPP Everywhere printer simulation keeping every document it receives in the returned
    /// folder; jobs finish at once. Needs a private D-Bus system bus, started here.
    /// `media`: the PWG media keywords it offers (a label printer); nil keeps ippeveprinter's
    /// office set (Letter, Legal, A4, #10, DL).
    public func startIPPEverywhere(name: String = "labeld-test", formats: [String] = ["application/pdf", "image/pwg-raster", "application/vnd.zebra-zpl"],
                                   media: [String]? = nil) throws -> (uri: String, documents: String) {
        let bus = directory + "/dbus"
        try FileManager.default.createDirectory(atPath: bus, withIntermediateDirectories: true)
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig><type>system</type><listen>unix:path=\(bus)/socket</listen><auth>EXTERNAL</auth>
            <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/><allow user="*"/></policy>
            </busconfig>
            """.write(toFile: bus + "/system.conf", atomically: true, encoding: .utf8)
        try spawn("/usr/bin/dbus-daemon", ["--config-file=\(bus)/system.conf", "--nofork"], log: bus + "/log")
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: bus + "/socket") && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let docs = directory + "/ipp-" + name
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        let done = directory + "/ipp-done.sh"
        try "#!/bin/sh\nexit 0\n".write(toFile: done, atomically: true, encoding: .utf8)
        chmod(done, 0o755)
        let reserved = Self.reservePort()
        defer { reserved.release() }
        let port = reserved.port
        var offer = ["-f", formats.joined(separator: ",")]
        if let media {
            // An attributes file (ippeveprinter then takes the formats from it too: -a excludes -f).
            let conf = directory + "/ipp-\(name).conf"
            try """
                ATTR keyword media-supported \(media.joined(separator: ","))
                ATTR keyword media-default \(media[0])
                ATTR keyword media-ready \(media[0])
                ATTR mimeMediaType document-format-supported \(formats.joined(separator: ","))

                """.write(toFile: conf, atomically: true, encoding: .utf8)
            offer = ["-a", conf]
        }
        try spawn("/usr/sbin/ippeveprinter", ["-r", "off", "-n", "localhost", "-p", String(port), "-k", "-d", docs, "-c", done] + offer + [name],
                  log: docs + ".log", environment: ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=\(bus)/socket"])
        try Self.waitForPort(port)
        return ("ipp://localhost:\(port)/ipp/print", docs)
    }
}

// MARK: CJ대한통운 stand-in

extension PrintLab {
    /// Tests/tools/cj_standin.py on a loopback port: CJ's API as docs/carriers/cj-contract.json
    /// documents it, with faults set through `control`.
    public struct CJStandIn: Sendable {
        public let port: Int
        public let customerId: String
        public let businessNumber: String
        public var baseURL: String { "http://127.0.0.1:\(port)" }

        /// Sets faults (`{"latencyMs": 20}`, `{"drop": {"RegBook": 1}}` …; see the script).
        public func control(_ json: String) throws {
            let r = try runTool("curl", ["-sf", "-X", "POST", "--data-binary", json, baseURL + "/_control"])
            guard r.status == 0 else { throw LabError("cj stand-in control failed: \(r.stderr)") }
        }

        /// What it was asked and what it holds: calls by operation, bookings by waybill number, tokens issued.
        public func log() throws -> (calls: [String: Int], bookings: [String: [String: Any]], tokens: Int) {
            let r = try runTool("curl", ["-sf", baseURL + "/_log"])
            guard r.status == 0, let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
                throw LabError("cj stand-in log failed: \(r.stderr)")
            }
            return (object["calls"] as? [String: Int] ?? [:], object["bookings"] as? [String: [String: Any]] ?? [:], object["tokens"] as? Int ?? 0)
        }

        /// The `carrierConnections` setting that points labeld at it.
        public var connectionSetting: String {
            #"{"cj":{"customerId":"\#(customerId)","businessNumber":"\#(businessNumber)","baseURL":"\#(baseURL)"}}"#
        }
    }

    public func startCJStandIn(customerId: String = "30501859", businessNumber: String = "1158700619", latencyMs: Int = 0) throws -> CJStandIn {
        let log = directory + "/cj-standin-\(UUID().uuidString.prefix(8)).log"
        _ = try spawn("/usr/bin/python3", [Project.root + "/Tests/tools/cj_standin.py", "--contract", Project.root + "/docs/carriers/cj-contract.json",
                                           "--customer", customerId, "--business", businessNumber, "--latency-ms", String(latencyMs)], log: log)
        let port = try Self.reportedPort(log: log)
        try Self.waitForPort(port)
        return CJStandIn(port: port, customerId: customerId, businessNumber: businessNumber)
    }
}
