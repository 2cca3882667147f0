import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Zebra-compatible printer on a raw TCP port (9100): the ZPL stream is written label by label.
///
/// With `answersHostStatus`, `~HS` is asked before the job (paper out, head open or paused hold it)
/// and after every label: the printer parses its input in order, so its answer proves the label
/// reached it — progress is counted from those answers, and a batch that breaks at label k resumes
/// at label k, exactly. Without it, progress is counted by completed writes; a printer switched off
/// with labels in its TCP buffer loses those (no raw-socket sender can see that), so use `~HS`
/// or a CUPS queue when that matters.
public struct SocketTransport: PrintTransport {
    public let host: String
    public let port: Int
    public let answersHostStatus: Bool
    /// Connect / status-read timeout.
    public var timeoutSeconds: Int = 5

    public init(host: String, port: Int, answersHostStatus: Bool) {
        self.host = host; self.port = port; self.answersHostStatus = answersHostStatus
    }

    public func status() -> PrinterStatus {
        do {
            let socket = try Socket(host: host, port: port, timeoutSeconds: timeoutSeconds)
            guard answersHostStatus else { return PrinterStatus(state: .idle) }
            return try hostStatus(socket)
        } catch {
            return PrinterStatus(state: .offline, acceptingJobs: false, message: error.description)
        }
    }

    /// Asks `~HS` and reads the three status strings.
    func hostStatus(_ socket: Socket, ask: Bool = true) throws(PrintError) -> PrinterStatus {
        if ask { try socket.write(Array("~HS".utf8)[...]) }
        var text: [UInt8] = []
        let deadline = Date().addingTimeInterval(Double(timeoutSeconds))
        while text.filter({ $0 == 0x03 }).count < 3 {
            guard Date() < deadline, let chunk = try socket.read(timeoutMS: 500) else {
                if Date() >= deadline { throw PrintError(code: .unavailable, message: "printer at \(host):\(port) did not answer ~HS") }
                continue
            }
            if chunk.isEmpty { throw PrintError(code: .unavailable, message: "printer at \(host):\(port) closed the connection during ~HS") }
            text += chunk
        }
        return Self.parseHostStatus(text)
    }

    /// Parses Zebra's `~HS` answer: string 1 field 2 paper out, field 3 paused; string 2 field 3 head up,
    /// field 4 ribbon out.
    public static func parseHostStatus(_ bytes: [UInt8]) -> PrinterStatus {
        let strings = bytes.split(separator: 0x02).map { part in
            String(decoding: part.prefix { $0 != 0x03 }, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }.filter { !$0.isEmpty && $0 != [""] }
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

    public func deliver(_ delivery: Delivery, event: (DeliveryEvent) throws -> Void) throws -> DeliveryResult {
        let socket = try Socket(host: host, port: port, timeoutSeconds: timeoutSeconds)
        if answersHostStatus {
            let status = try hostStatus(socket)
            guard status.ready else {
                throw PrintError(code: .unavailable, message: "printer at \(host):\(port): \(status.notReadyReason)")
            }
        }
        let offsets = delivery.labelOffsets + [delivery.document.count]
        var label = delivery.firstLabel
        while label < delivery.labelOffsets.count {
            if answersHostStatus {
                // The label and the question in one write; the answer confirms the label.
                try socket.write(delivery.document[offsets[label]..<offsets[label + 1]] + Array("~HS".utf8))
                let status = try hostStatus(socket, ask: false)
                label += 1
                try event(.labelsDelivered(label))
                guard status.ready else {
                    throw PrintError(code: .unavailable, message: "printer at \(host):\(port): \(status.notReadyReason) (after label \(label))")
                }
            } else {
                try socket.write(delivery.document[offsets[label]..<offsets[label + 1]])
                label += 1
                try event(.labelsDelivered(label))
            }
        }
        try socket.finish()
        return .written
    }

    public func remoteJob(_ id: Int) throws(PrintError) -> RemoteJob? { nil }
    public func cancelRemote(_ id: Int) throws(PrintError) {}
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

    /// Half-closes: the kernel delivers what is buffered, then FIN (printers keep the port open).
    func finish() throws(PrintError) {
        shutdown(fd, Int32(SHUT_WR))
    }
}
