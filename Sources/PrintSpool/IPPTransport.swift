internal import CCUPS
import Foundation

/// CUPS queues and IPP printers through libcups: Create-Job (its id is persisted before the
/// document goes out), Send-Document, Get-Job-Attributes, Get-Printer-Attributes, Cancel-Job.
/// A connection is made per call on the calling thread; no libcups state crosses threads.
public struct IPPTransport: PrintTransport {
    public let host: String
    public let port: Int
    /// The printer's URI (`ipp://host:port/printers/QUEUE` for CUPS).
    public let printerURI: String
    /// The HTTP resource requests go to (`/printers/QUEUE`, `/ipp/print`).
    public let resource: String
    public let printer: String
    /// How long to wait for the server (connect and each request).
    public var timeoutMS: Int32 = 10_000

    public init(endpoint: Endpoint, printer: String) throws(PrintError) {
        self.printer = printer
        switch endpoint {
        case .cups(let queue, let server):
            (host, port) = Self.address(of: server)
            resource = "/printers/\(queue)"
            printerURI = "ipp://\(host):\(port)\(resource)"
        case .ipp(let uri):
            guard let url = URL(string: uri), let h = url.host else {
                throw PrintError(code: .invalidInput, message: "printer '\(printer)': '\(uri)' is not an ipp:// URI")
            }
            host = h
            port = url.port ?? 631
            resource = url.path.isEmpty ? "/ipp/print" : url.path
            printerURI = uri
        default:
            throw PrintError(code: .invalidInput, message: "printer '\(printer)': \(endpoint) is not a CUPS or IPP transport")
        }
    }

    public func status() -> PrinterStatus {
        do {
            let connection = try IPPConnection(host: host, port: port, timeoutMS: timeoutMS, printer: printer)
            let response = try connection.request(IPP_OP_GET_PRINTER_ATTRIBUTES, resource: resource) { req in
                ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, printerURI)
                let names = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs", "printer-state-message", "media-ready", "media-default"]
                withCStrings(names) { ptrs in
                    _ = ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", Int32(names.count), nil, ptrs)
                }
            }
            defer { ippDelete(response) }
            return Self.printerStatus(response)
        } catch {
            return PrinterStatus(state: .offline, acceptingJobs: false, message: error.description)
        }
    }

    static func printerStatus(_ ipp: OpaquePointer?) -> PrinterStatus {
        let state: PrinterStatus.State
        switch ccups_integer(ipp, "printer-state", 3) {
        case 4: state = .processing
        case 5: state = .stopped
        default: state = .idle
        }
        let reasons = strings(ipp, "printer-state-reasons").filter { $0 != "none" }
        let media = ccups_string(ipp, "media-ready").map { String(cString: $0) } ?? ccups_string(ipp, "media-default").map { String(cString: $0) }
        let message = ccups_string(ipp, "printer-state-message").map { String(cString: $0) }
        return PrinterStatus(state: state, reasons: reasons, acceptingJobs: ccups_boolean(ipp, "printer-is-accepting-jobs", 1) != 0,
                             media: media, message: message?.isEmpty == false ? message : nil)
    }

    /// What a printer offers for a job: its media (`media-supported`; empty for a raw queue, which
    /// passes the bytes on untouched) and whether it takes `copies`.
    struct Offer: Sendable, Hashable {
        var media: [String]
        var copies: Bool
    }

    func offer(_ connection: IPPConnection) throws(PrintError) -> Offer {
        let response = try connection.request(IPP_OP_GET_PRINTER_ATTRIBUTES, resource: resource) { req in
            ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, printerURI)
            let names = ["media-supported", "copies-supported", "job-creation-attributes-supported"]
            withCStrings(names) { ptrs in
                _ = ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", Int32(names.count), nil, ptrs)
            }
        }
        defer { ippDelete(response) }
        let creation = Self.strings(response, "job-creation-attributes-supported")
        let copies = ippFindAttribute(response, "copies-supported", IPP_TAG_ZERO) != nil && (creation.isEmpty || creation.contains("copies"))
        return Offer(media: Self.strings(response, "media-supported"), copies: copies)
    }

    /// The PWG media keyword (`om_100x150mm_100x150mm`, `oe_4x6-label_4x6in`) among `supported` that
    /// holds a `size` label, within 2 mm, either way round; a custom size when the printer takes a
    /// range (`custom_min_…`/`custom_max_…`) that holds it; nil when none does.
    public static func mediaKeyword(for size: PrinterProfile.Media, supported: [String]) -> String? {
        func dimensions(_ keyword: String) -> (Double, Double)? {
            guard let last = keyword.split(separator: "_").last else { return nil }
            let unit: Double
            var text = Substring(last)
            if text.hasSuffix("mm") { unit = 1; text = text.dropLast(2) } else if text.hasSuffix("in") { unit = 25.4; text = text.dropLast(2) } else { return nil }
            let parts = text.split(separator: "x")
            guard parts.count == 2, let w = Double(parts[0]), let h = Double(parts[1]) else { return nil }
            return (w * unit, h * unit)
        }
        let (w, h) = (size.widthMM, size.heightMM)
        var best: (keyword: String, off: Double)?
        for keyword in supported where !keyword.hasPrefix("custom_") {
            guard let (kw, kh) = dimensions(keyword) else { continue }
            let off = min(max(abs(kw - w), abs(kh - h)), max(abs(kw - h), abs(kh - w)))
            if off <= 2, off < (best?.off ?? .infinity) { best = (keyword, off) }
        }
        if let best { return best.keyword }
        if let low = supported.first(where: { $0.hasPrefix("custom_min_") }).flatMap(dimensions),
           let high = supported.first(where: { $0.hasPrefix("custom_max_") }).flatMap(dimensions),
           (low.0...high.0).contains(w), (low.1...high.1).contains(h) {
            func mm(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v) }
            return "custom_\(mm(w))x\(mm(h))mm_\(mm(w))x\(mm(h))mm"
        }
        return nil
    }

    public func deliver(_ delivery: Delivery, event: (DeliveryEvent) throws -> Void) throws -> DeliveryResult {
        let connection = try IPPConnection(host: host, port: port, timeoutMS: timeoutMS, printer: printer)
        // A page description goes out on the label's medium, one copy (each label is a page of the
        // document already): a driver queue would otherwise print it on its default, Letter or A4.
        var media: String?
        var copies = false
        if delivery.language != .zpl, let size = delivery.media {
            let offer = try offer(connection)
            copies = offer.copies
            if !offer.media.isEmpty {
                guard let keyword = Self.mediaKeyword(for: size, supported: offer.media) else {
                    func mm(_ v: Double) -> String { String(format: "%g", (v * 10).rounded() / 10) }
                    throw PrintError(code: .refused, message: "printer '\(printer)' has no medium of \(mm(size.widthMM))×\(mm(size.heightMM)) mm "
                        + "(it offers \(offer.media.prefix(8).joined(separator: ", "))): add the label size to the queue or printer, or set the profile's media")
                }
                media = keyword
            }
        }
        let created = try connection.request(IPP_OP_CREATE_JOB, resource: resource) { req in
            ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, printerURI)
            ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, "labeld")
            ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nil, delivery.title)
            if let media { ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", nil, media) }
            if copies { ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 1) }
        }
        let remoteId = Int(ccups_integer(created, "job-id", 0))
        ippDelete(created)
        guard remoteId > 0 else { throw PrintError(code: .refused, message: "printer '\(printer)': the server did not return a job id") }
        try event(.remoteJobCreated(remoteId))

        let request = ippNewRequest(IPP_OP_SEND_DOCUMENT)
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, printerURI)
        ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", Int32(remoteId))
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, "labeld")
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nil, delivery.language.documentFormat)
        ippAddBoolean(request, IPP_TAG_OPERATION, "last-document", 1)
        defer { ippDelete(request) }
        let body = delivery.bytes(fromLabel: 0)
        var status = cupsSendRequest(connection.http, request, resource, ippLength(request) + body.count)
        if status == HTTP_STATUS_CONTINUE {
            status = body.withUnsafeBytes { raw -> http_status_t in
                var offset = 0
                while offset < raw.count {
                    let n = min(1 << 16, raw.count - offset)
                    let s = cupsWriteRequestData(connection.http, raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), n)
                    if s != HTTP_STATUS_CONTINUE { return s }
                    offset += n
                }
                return HTTP_STATUS_CONTINUE
            }
        }
        let response = cupsGetResponse(connection.http, resource)
        defer { ippDelete(response) }
        try Self.check(response, status: ccups_last_error(), what: "Send-Document", printer: printer)
        try event(.labelsDelivered(delivery.labelOffsets.count))
        return .accepted(remoteJobId: remoteId)
    }

    public func remoteJob(_ id: Int) throws(PrintError) -> RemoteJob? {
        let connection = try IPPConnection(host: host, port: port, timeoutMS: timeoutMS, printer: printer)
        let response: OpaquePointer?
        do {
            response = try connection.request(IPP_OP_GET_JOB_ATTRIBUTES, resource: resource) { req in
                ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, printerURI)
                ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", Int32(id))
                ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, "labeld")
            }
        } catch where error.detail?.contains("0x0406") == true || error.detail?.contains("not-found") == true {
            return nil
        }
        defer { ippDelete(response) }
        guard let state = RemoteJob.State(rawValue: Int(ccups_integer(response, "job-state", 0))) else { return nil }
        let docs = ccups_integer(response, "number-of-documents", -1)
        return RemoteJob(id: id, state: state, reasons: Self.strings(response, "job-state-reasons").filter { $0 != "none" },
                         documents: docs >= 0 ? Int(docs) : nil,
                         message: ccups_string(response, "job-printer-state-message").map { String(cString: $0) })
    }

    public func cancelRemote(_ id: Int) throws(PrintError) {
        let connection = try IPPConnection(host: host, port: port, timeoutMS: timeoutMS, printer: printer)
        do {
            let r = try connection.request(IPP_OP_CANCEL_JOB, resource: resource) { req in
                ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, printerURI)
                ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", Int32(id))
                ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, "labeld")
            }
            ippDelete(r)
        } catch where error.detail?.contains("0x0507") == true || error.detail?.contains("not-possible") == true {
            // Already finished: nothing to cancel.
        }
    }

    /// Destinations a CUPS server offers (CUPS-Get-Printers), with state, reasons and media.
    public static func destinations(server: String?) throws(PrintError) -> [(name: String, status: PrinterStatus)] {
        let (host, port) = address(of: server)
        let connection = try IPPConnection(host: host, port: port, timeoutMS: 5000)
        let response = try connection.request(IPP_OP_CUPS_GET_PRINTERS, resource: "/") { req in
            let names = ["printer-name", "printer-state", "printer-state-reasons", "printer-is-accepting-jobs", "printer-state-message", "media-ready", "media-default"]
            withCStrings(names) { ptrs in
                _ = ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", Int32(names.count), nil, ptrs)
            }
        }
        defer { ippDelete(response) }
        // The response holds one printer group per destination: split at each separator.
        var result: [(String, PrinterStatus)] = []
        var group = ippNew()
        var name: String?
        func flush() {
            if let n = name { result.append((n, printerStatus(group))) }
            ippDelete(group); group = ippNew(); name = nil
        }
        var attr = ippFirstAttribute(response)
        while let a = attr {
            if ippGetGroupTag(a) == IPP_TAG_PRINTER, let n = ippGetName(a) {
                let key = String(cString: n)
                if key == "printer-name" { name = ippGetString(a, 0, nil).map { String(cString: $0) } }
                ippCopyAttribute(group, a, 0)
            } else if ippGetName(a) == nil {
                flush()
            }
            attr = ippNextAttribute(response)
        }
        flush()
        ippDelete(group)
        return result
    }

    /// `HOST:PORT` of a CUPS server: the one given, else `CUPS_SERVER` (unless a socket path), else localhost:631.
    static func address(of server: String?) -> (host: String, port: Int) {
        let s = server ?? ProcessInfo.processInfo.environment["CUPS_SERVER"].flatMap { $0.hasPrefix("/") ? nil : $0 } ?? "localhost:631"
        let parts = s.split(separator: ":", maxSplits: 1)
        return (String(parts.first ?? "localhost"), parts.count > 1 ? Int(parts[1]) ?? 631 : 631)
    }

    static func strings(_ ipp: OpaquePointer?, _ name: String) -> [String] {
        guard let a = ippFindAttribute(ipp, name, IPP_TAG_ZERO) else { return [] }
        return (0..<ippGetCount(a)).compactMap { ippGetString(a, $0, nil).map { String(cString: $0) } }
    }

    static func check(_ response: OpaquePointer?, status: ipp_status_t, what: String, printer: String) throws(PrintError) {
        let code = response.map { ippGetStatusCode($0) } ?? status
        guard code.rawValue > IPP_STATUS_OK_EVENTS_COMPLETE.rawValue || response == nil else { return }
        let text = String(cString: ccups_last_error_string())
        let detail = "IPP status 0x\(String(code.rawValue, radix: 16, uppercase: false).leftPadded(4)) \(String(cString: ippErrorString(code)))\(text.isEmpty ? "" : ": \(text)")"
        switch code.rawValue {
        case 0x0406:
            throw PrintError(code: .notFound, message: "printer '\(printer)': the server has no such printer or job", detail: detail)
        case 0x040A, 0x040B:
            throw PrintError(code: .refused, message: "printer '\(printer)' does not take this document format", detail: detail)
        case 0x0502, 0x0506, 0x0507, 0x0500...0x0501, 0x0504, 0x0508...0x050F, 0x1000...:
            throw PrintError(code: .unavailable, message: "printer '\(printer)' cannot take jobs now (\(what))", detail: detail)
        default:
            throw PrintError(code: .refused, message: "printer '\(printer)' refused \(what)", detail: detail)
        }
    }
}

/// One HTTP connection to a print server, owned by the thread that made it.
final class IPPConnection {
    let http: OpaquePointer
    let host: String
    let port: Int

    init(host: String, port: Int, timeoutMS: Int32, printer: String? = nil) throws(PrintError) {
        guard let http = ccups_connect(host, Int32(port), timeoutMS) else {
            throw PrintError(code: .unavailable, message: "cannot reach the print server at \(host):\(port)",
                             detail: String(cString: strerror(errno)))
        }
        self.http = http
        self.host = host
        self.port = port
        self.printer = printer ?? "\(host):\(port)"
    }

    let printer: String

    deinit { httpClose(http) }

    /// Sends a request built by `build`; returns the response (caller deletes) or throws the IPP status.
    func request(_ op: ipp_op_t, resource: String, _ build: (OpaquePointer?) -> Void) throws(PrintError) -> OpaquePointer? {
        let req = ippNewRequest(op)
        build(req)
        let response = cupsDoRequest(http, req, resource)  // frees req
        let status = ccups_last_error()
        if response == nil {
            throw PrintError(code: .unavailable, message: "no answer from the print server at \(host):\(port)",
                             detail: String(cString: ccups_last_error_string()))
        }
        do { try IPPTransport.check(response, status: status, what: String(cString: ippOpString(op)), printer: printer) } catch {
            ippDelete(response)
            throw error
        }
        return response
    }
}

@available(*, unavailable)
extension IPPConnection: Sendable {}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let dup = strings.map { strdup($0) }
    defer { dup.forEach { free($0) } }
    let ptrs: [UnsafePointer<CChar>?] = dup.map { $0.map { UnsafePointer($0) } }
    return ptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
