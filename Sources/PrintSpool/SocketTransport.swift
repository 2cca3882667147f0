import Foundation
internal import CCUPS
#if canImport(Glibc)
import Glibc
#endif

/// A Zebra-compatible printer on a raw TCP port (9100): the ZPL stream is written label by label,
/// and what may not have printed after a broken connection is known, not guessed.
///
/// - With `answersHostStatus`, `~HS` is asked before the job (paper out, head open or paused hold
///   it) and after every label: the printer parses its input in order, so its answer proves the
///   label reached it. With `labelCounter` too, the printer's label counter (SGD
///   `odometer.total_label_count`) is read before the first label, once the printer has printed
///   everything it held, and again at the end and before any resume: how far a broken stream
///   (a printer switched off, labeld killed) printed is then exact, and only the rest is sent.
/// - Without `~HS` nothing confirms a label: at most `window` labels are written ahead of what the
///   printer's TCP stack acknowledged, progress counts acknowledged labels less a window for what
///   the printer may still hold, and after a broken connection the labels from there on are
///   `uncertain` (see ``PrintJobState``) until someone says how far it printed.
///
/// Each label's write is announced (`labelsWritten`) before it happens, so the spooler persists it
/// first: a restart knows which labels were on their way.
public struct SocketTransport: PrintTransport {
    public let host: String
    public let port: Int
    public let answersHostStatus: Bool
    public let labelCounter: Bool
    /// Labels written ahead of the printer's acknowledgement (plain sockets).
    public let window: Int
    /// Connect / status-read timeout; also how long a stream may make no progress.
    public var timeoutSeconds: Int = 5
    /// How long to wait for the printer to print what it holds before its counter is read.
    public var drainSeconds: Double = 60

    public init(host: String, port: Int, answersHostStatus: Bool, labelCounter: Bool = false, window: Int = 4) {
        self.host = host; self.port = port; self.answersHostStatus = answersHostStatus
        self.labelCounter = labelCounter && answersHostStatus; self.window = max(1, window)
    }

    public func status() -> PrinterStatus {
        do {
            let socket = try Socket(host: host, port: port, timeoutSeconds: timeoutSeconds)
            guard answersHostStatus else { return PrinterStatus(state: .idle) }
            return Self.parseHostStatus(try hostStatus(socket))
        } catch {
            return PrinterStatus(state: .offline, acceptingJobs: false, message: error.description)
        }
    }

    /// Asks `~HS` (unless it was just written) and reads the three status strings.
    func hostStatus(_ socket: Socket, ask: Bool = true) throws(PrintError) -> [UInt8] {
        if ask { try socket.write(Array("~HS".utf8)[...]) }
        return try socket.readUntil(timeoutSeconds: Double(timeoutSeconds), what: "~HS") { text in text.filter { $0 == 0x03 }.count >= 3 }
    }

    /// The three `~HS` strings split into their comma fields.
    static func fields(_ bytes: [UInt8]) -> [[String]] {
        bytes.split(separator: 0x02).map { part in
            String(decoding: part.prefix { $0 != 0x03 }, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }.filter { !$0.isEmpty && $0 != [""] }
    }

    /// Parses Zebra's `~HS` answer: string 1 field 2 paper out, field 3 paused; string 2 field 3 head up,
    /// field 4 ribbon out.
    public static func parseHostStatus(_ bytes: [UInt8]) -> PrinterStatus {
        let strings = fields(bytes)
        var reasons: [String] = []
        if strings.count > 0, strings[0].count > 2 {
            if strings[0][1] == "1" { reasons.append("media-empty-error") }
            if strings[0][2] == "1" { reasons.append("paused") }
        }
        if strings.count > 1, strings[1].count > 3 {
            if strings[1][2] == "1" { reasons.append("cover-open-error") }
            if strings[1][3] == "1" { reasons.append("marker-supply-empty-error") }
        }
        let status = PrinterStatus(state: .idle, reasons: reasons)
        return PrinterStatus(state: status.ready ? .idle : .stopped, reasons: reasons)
    }

    /// Labels the printer holds and has not printed yet, from `~HS`: formats in its receive buffer
    /// (string 1 field 5) and labels remaining in the batch (string 2 field 9); nil when unreadable.
    public static func parseUnprinted(_ bytes: [UInt8]) -> Int? {
        let strings = fields(bytes)
        guard strings.count > 1, strings[0].count > 4, strings[1].count > 8,
              let formats = Int(strings[0][4]), let remaining = Int(strings[1][8]) else { return nil }
        return formats + remaining
    }

    /// Parses an SGD `getvar` answer: the quoted value (`"1234"`).
    public static func parseCounter(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: "\"", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        return Int(parts[1].trimmingCharacters(in: .whitespaces))
    }

    /// Waits until the printer has printed everything it holds, then reads its label counter. Nil
    /// when it does not drain in `drainSeconds` or does not answer the variable.
    func idleCounter(_ socket: Socket) throws(PrintError) -> Int? {
        let deadline = Date().addingTimeInterval(drainSeconds)
        while true {
            let raw = try hostStatus(socket)
            let status = Self.parseHostStatus(raw)
            guard status.ready else { throw PrintError(code: .unavailable, message: "printer at \(host):\(port): \(status.notReadyReason)") }
            guard let unprinted = Self.parseUnprinted(raw) else { return nil }
            if unprinted == 0 { break }
            if Date() >= deadline { return nil }
            // Nothing to wait on but the printer itself: ask again shortly.
            usleep(100_000)
        }
        try socket.write(Array("\r\n! U1 getvar \"odometer.total_label_count\"\r\n".utf8)[...])
        let answer = try? socket.readUntil(timeoutSeconds: Double(timeoutSeconds), what: "the label counter") { text in
            text.filter { $0 == 0x22 }.count >= 2
        }
        return answer.flatMap(Self.parseCounter)
    }

    /// The label reached after `printed` physical labels from label `from`.
    static func label(after printed: Int, from: Int, physical: [Int]) -> Int {
        var left = printed, k = from
        while k < physical.count, left >= physical[k] { left -= physical[k]; k += 1 }
        return k
    }

    public func deliver(_ delivery: Delivery, event: (DeliveryEvent) throws -> Void) throws -> DeliveryResult {
        let socket = try Socket(host: host, port: port, timeoutSeconds: timeoutSeconds)
        var label = delivery.firstLabel
        let count = delivery.labelOffsets.count
        guard answersHostStatus else { return try deliverPlain(delivery, socket: socket, event: event) }

        let ready = Self.parseHostStatus(try hostStatus(socket))
        guard ready.ready else { throw PrintError(code: .unavailable, message: "printer at \(host):\(port): \(ready.notReadyReason)") }
        let physical = labelCounter ? delivery.physicalLabels : []
        var baseline: CounterReading?
        if labelCounter {
            if let now = try idleCounter(socket) {
                if let before = delivery.counter {
                    // An earlier stream of this job broke: the printer's count says how far it printed.
                    label = Self.label(after: max(0, now - before.count), from: before.atLabel, physical: physical)
                    try event(.printedThrough(label))
                }
                baseline = CounterReading(count: now, atLabel: label)
                try event(.counterRead(baseline!))
            } else if delivery.counter != nil || delivery.labelsWritten > delivery.firstLabel {
                throw PrintError(code: .unavailable, message: "printer at \(host):\(port) did not report its label counter; resuming waits until it does")
            }
        }
        while label < count {
            // Persisted before the write: a restart knows this label was on its way.
            try event(.labelsWritten(label + 1))
            // The label and the question in one write; the answer confirms the label.
            try socket.write(delivery.label(label) + Array("~HS".utf8))
            let status = Self.parseHostStatus(try hostStatus(socket, ask: false))
            label += 1
            try event(.labelsDelivered(label))
            guard status.ready else {
                throw PrintError(code: .unavailable, message: "printer at \(host):\(port): \(status.notReadyReason) (after label \(label))")
            }
        }
        if let baseline, let end = try idleCounter(socket) {
            // Parsed is not printed: a printer switched off with formats in its buffer loses them.
            let printed = Self.label(after: max(0, end - baseline.count), from: baseline.atLabel, physical: physical)
            if printed < count {
                try event(.printedThrough(printed))
                throw PrintError(code: .unavailable, message: "printer at \(host):\(port) printed \(printed) of \(count) labels; the rest goes out again")
            }
            let sent = physical.isEmpty ? count - baseline.atLabel : physical[baseline.atLabel..<count].reduce(0, +)
            try event(.counted(PrinterCount(before: baseline.count, after: end, sent: sent)))
        }
        try socket.finish()
        return .written
    }

    /// Without `~HS`: a bounded window of labels ahead of the printer's TCP acknowledgements.
    func deliverPlain(_ delivery: Delivery, socket: Socket, event: (DeliveryEvent) throws -> Void) throws -> DeliveryResult {
        let count = delivery.labelOffsets.count
        var label = delivery.firstLabel
        let start = delivery.labelOffsets.indices.contains(label) ? delivery.labelOffsets[label] : delivery.document.count
        var written = 0
        var confirmed = label
        // Labels (from `delivery.firstLabel`) whose every byte the printer acknowledged.
        func acknowledged() throws(PrintError) -> Int {
            let acked = written - socket.unacknowledged()
            var k = delivery.firstLabel
            while k < count, (k + 1 < count ? delivery.labelOffsets[k + 1] : delivery.document.count) - start <= acked { k += 1 }
            return k
        }
        func report(_ acked: Int) throws {
            // What the printer acknowledged may still sit in its buffer: a window of it stays unconfirmed.
            let sure = max(delivery.firstLabel, acked - window)
            if sure > confirmed { confirmed = sure; try event(.labelsDelivered(sure)) }
        }
        func waitFor(_ enough: () throws(PrintError) -> Bool, what: String) throws {
            var last = try acknowledged(), since = Date()
            while !(try enough()) {
                let now = try acknowledged()
                if now != last { last = now; since = Date(); try report(now) }
                if Date().timeIntervalSince(since) > Double(timeoutSeconds) {
                    throw PrintError(code: .unavailable, message: "printer at \(host):\(port) stopped taking data (\(what))")
                }
                // The kernel has no event for an acknowledgement: look again shortly.
                usleep(1_000)
            }
        }
        while label < count {
            let limit = label - window
            try waitFor({ () throws(PrintError) in try acknowledged() >= limit }, what: "label \(label + 1) waits for label \(limit)")
            try report(try acknowledged())
            try event(.labelsWritten(label + 1))
            let bytes = delivery.label(label)
            try socket.write(bytes)
            written += bytes.count
            label += 1
        }
        try socket.finish()
        try waitFor({ () throws(PrintError) in socket.unacknowledged() == 0 }, what: "the end of the job")
        return .written
    }

    public func remoteJob(_ id: Int) throws(PrintError) -> RemoteJob? { nil }
    public func cancelRemote(_ id: Int) throws(PrintError) {}
    public var announcesWrites: Bool { true }
}

/// A blocking TCP connection with timeouts, closed on deinit.
final class Socket {
    let fd: Int32
    let peer: String

    init(host: String, port: Int, timeoutSeconds: Int) throws(PrintError) {
        peer = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
            throw PrintError(code: .unavailable, message: "printer at \(peer): cannot resolve '\(host)'")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw PrintError(code: .io, message: "socket(): \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        // A small kernel buffer: bytes the printer has not taken stay few (the default grows to MBs).
        var buffer: Int32 = 64 * 1024
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw PrintError(code: .unavailable, message: "printer at \(peer) is offline", detail: reason)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func write(_ bytes: ArraySlice<UInt8>) throws(PrintError) {
        let failed: String? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress!.advanced(by: offset), raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return nil
        }
        if let failed { throw PrintError(code: .unavailable, message: "printer at \(peer) stopped taking data", detail: failed) }
    }

    /// Up to 4 KiB, nil on timeout, empty at end of stream.
    func read(timeoutMS: Int32) throws(PrintError) -> [UInt8]? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, timeoutMS)
        if r == 0 { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n < 0 { throw PrintError(code: .unavailable, message: "printer at \(peer): read failed", detail: String(cString: strerror(errno))) }
        return Array(buffer[..<n])
    }

    /// Bytes written that the peer has not acknowledged yet.
    func unacknowledged() -> Int { max(0, Int(ccups_socket_unacked(fd))) }

    /// Reads until `done` holds for what was read (or the timeout passes, or the peer closes).
    func readUntil(timeoutSeconds: Double, what: String, _ done: ([UInt8]) -> Bool) throws(PrintError) -> [UInt8] {
        var text: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !done(text) {
            guard Date() < deadline else { throw PrintError(code: .unavailable, message: "printer at \(peer) did not answer \(what)") }
            guard let chunk = try read(timeoutMS: 200) else { continue }
            if chunk.isEmpty { throw PrintError(code: .unavailable, message: "printer at \(peer) closed the connection during \(what)") }
            text += chunk
        }
        return text
    }

    /// Half-closes: the kernel delivers what is buffered, then FIN (printers keep the port open).
    func finish() throws(PrintError) {
        shutdown(fd, Int32(SHUT_WR))
    }
}
