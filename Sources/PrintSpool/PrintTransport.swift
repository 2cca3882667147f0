public import Foundation

/// A printer's state as its transport reports it.
public struct PrinterStatus: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable {
        case idle, processing, stopped, offline
    }
    public var state: State
    /// IPP `printer-state-reasons` (`media-empty`, `cover-open`, `paused`, …), or the same keywords
    /// read from a Zebra's `~HS` answer; empty when nothing is wrong.
    public var reasons: [String]
    public var acceptingJobs: Bool
    /// IPP `media-ready`/`media-default`, when the printer says.
    public var media: String?
    /// The printer's own words (`printer-state-message`, the socket error).
    public var message: String?

    public init(state: State, reasons: [String] = [], acceptingJobs: Bool = true, media: String? = nil, message: String? = nil) {
        self.state = state; self.reasons = reasons; self.acceptingJobs = acceptingJobs; self.media = media; self.message = message
    }

    /// Reasons that stop a label from coming out (IPP keywords, with or without -error/-warning).
    static let blocking = ["media-empty", "media-needed", "media-jam", "cover-open", "door-open", "paused", "offline", "marker-supply-empty", "shutdown",
                           "profile-invalid"]

    /// Whether a job sent now would print.
    public var ready: Bool {
        state != .stopped && state != .offline && acceptingJobs
            && !reasons.contains { r in Self.blocking.contains { r == $0 || r.hasPrefix($0 + "-") } && !r.hasSuffix("-report") && !r.hasSuffix("-warning") }
    }

    /// Why the printer is not ready, in words a packer can act on (Korean first).
    public var notReadyReason: String {
        var parts: [String] = []
        for r in reasons where Self.blocking.contains(where: { r == $0 || r.hasPrefix($0 + "-") }) && !r.hasSuffix("-warning") {
            switch r.replacingOccurrences(of: "-error", with: "") {
            case "media-empty", "media-needed": parts.append("용지 없음 (paper out)")
            case "cover-open", "door-open": parts.append("헤드/커버 열림 (head open)")
            case "paused": parts.append("일시정지 (paused)")
            case "media-jam": parts.append("용지 걸림 (paper jam)")
            case "marker-supply-empty": parts.append("리본 없음 (ribbon out)")
            case "profile-invalid": parts.append("프린터 설정 오류 (printer profile: \(message ?? "invalid"))")
            default: parts.append(r)
            }
        }
        if state == .offline { parts.append("연결 안 됨 (offline\(message.map { ": \($0)" } ?? ""))") }
        if state == .stopped && parts.isEmpty { parts.append("프린터 정지됨 (printer stopped)") }
        if !acceptingJobs { parts.append("작업을 받지 않음 (not accepting jobs)") }
        return parts.isEmpty ? "ready" : parts.joined(separator: ", ")
    }
}

/// One document on its way to a printer: the bytes, where each label starts (so a stream can
/// resume at label k) and the label to start from.
public struct Delivery: Sendable {
    public var jobId: Int64
    public var title: String
    public var language: PrinterProfile.Language
    public var document: [UInt8]
    /// Byte offset where each label starts, ascending; `document.count` ends the last.
    public var labelOffsets: [Int]
    /// The first label still to send (0 for a new job).
    public var firstLabel: Int
    /// Labels `firstLabel ..< labelsWritten` were written before (a broken stream, a restart) and
    /// may or may not have printed.
    public var labelsWritten: Int
    /// The printer's label counter as read before this job's labels went out, when it was.
    public var counter: CounterReading?
    /// The medium the document is laid out for (the printer profile's media, else the label's
    /// size, turned when the template turns it, or the sheet of a sheet template): an IPP job asks
    /// for it, so a driver queue does not print a label on Letter.
    public var media: PrinterProfile.Media?

    public init(jobId: Int64, title: String, language: PrinterProfile.Language, document: [UInt8], labelOffsets: [Int], firstLabel: Int = 0,
                labelsWritten: Int? = nil, counter: CounterReading? = nil, media: PrinterProfile.Media? = nil) {
        self.jobId = jobId; self.title = title; self.language = language; self.document = document
        self.labelOffsets = labelOffsets; self.firstLabel = firstLabel
        self.labelsWritten = max(firstLabel, labelsWritten ?? firstLabel); self.counter = counter; self.media = media
    }

    /// The bytes of label `k`.
    func label(_ k: Int) -> ArraySlice<UInt8> {
        document[labelOffsets[k]..<(k + 1 < labelOffsets.count ? labelOffsets[k + 1] : document.count)]
    }

    /// How many physical labels each label comes out as (ZPL: its formats times their `^PQ`
    /// copies): what a printer's label counter counts.
    public var physicalLabels: [Int] {
        labelOffsets.indices.map { k in
            let bytes = label(k)
            var n = 0, i = bytes.startIndex
            var copies = 1, formats: [Int] = []
            while i + 2 < bytes.endIndex {
                if bytes[i] == 0x5E, bytes[i + 1] == 0x58, bytes[i + 2] == 0x41 { formats.append(1); copies = 1 }  // ^XA
                if bytes[i] == 0x5E, bytes[i + 1] == 0x50, bytes[i + 2] == 0x51 {  // ^PQn
                    var j = i + 3, v = 0
                    while j < bytes.endIndex, bytes[j] >= 0x30, bytes[j] <= 0x39 { v = v * 10 + Int(bytes[j] - 0x30); j += 1 }
                    copies = max(1, v)
                    if !formats.isEmpty { formats[formats.count - 1] = copies }
                }
                i += 1
            }
            n = formats.reduce(0, +)
            return max(1, n)
        }
    }

    /// The bytes from label `k` on (the whole document for 0). Only ZPL streams resume mid-document.
    public func bytes(fromLabel k: Int) -> ArraySlice<UInt8> {
        guard k > 0, k < labelOffsets.count else { return document[...] }
        return document[labelOffsets[k]...]
    }
}

/// What a transport reports while it sends.
public enum DeliveryEvent: Sendable {
    /// A print server took the job under this id (persist it before the document goes out, so a
    /// restart can ask what became of it).
    case remoteJobCreated(Int)
    /// This many labels (counted from the document's start) are confirmed at the printer.
    case labelsDelivered(Int)
    /// This many labels are about to be written (the spooler persists it before the write).
    case labelsWritten(Int)
    /// The printer's label counter, read with nothing left to print, before label `atLabel`.
    case counterRead(CounterReading)
    /// The printer's counter says exactly how far an earlier, broken stream printed.
    case printedThrough(Int)
    /// The printer's label counter before and after this delivery, against what was sent.
    case counted(PrinterCount)
}

/// A printer's own count of a job's labels (Zebra SGD `odometer.total_label_count`, read with
/// nothing left to print before the first label and after the last): `counted` differing from
/// `sent` is a label the printer printed that labeld did not send (a reprint, a feed) or one lost.
public struct PrinterCount: Codable, Sendable, Hashable {
    public var before: Int
    public var after: Int
    /// Physical labels sent in this delivery (formats × `^PQ` copies).
    public var sent: Int
    public var counted: Int { after - before }
    public var matches: Bool { counted == sent }
    public init(before: Int, after: Int, sent: Int) { self.before = before; self.after = after; self.sent = sent }

    enum CodingKeys: String, CodingKey { case before, after, sent, counted, matches }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(before, forKey: .before); try c.encode(after, forKey: .after); try c.encode(sent, forKey: .sent)
        try c.encode(counted, forKey: .counted); try c.encode(matches, forKey: .matches)
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        before = try c.decode(Int.self, forKey: .before); after = try c.decode(Int.self, forKey: .after); sent = try c.decode(Int.self, forKey: .sent)
    }
}

/// How a delivery ended.
public enum DeliveryResult: Sendable, Hashable {
    /// Written to the device (socket, file): nothing further to follow.
    case written
    /// Handed to a print server or IPP printer, which now prints it under this id.
    case accepted(remoteJobId: Int)
}

/// A job as the print server sees it (IPP `job-state`).
public struct RemoteJob: Sendable, Hashable {
    public enum State: Int, Sendable {
        case pending = 3, held = 4, processing = 5, stopped = 6, canceled = 7, aborted = 8, completed = 9
        public var isFinal: Bool { self == .canceled || self == .aborted || self == .completed }
    }
    public var id: Int
    public var state: State
    public var reasons: [String]
    /// IPP `number-of-documents` (nil when the server does not say): 0 means the document never
    /// arrived whole.
    public var documents: Int?
    public var message: String?

    public init(id: Int, state: State, reasons: [String], documents: Int?, message: String? = nil) {
        self.id = id; self.state = state; self.reasons = reasons; self.documents = documents; self.message = message
    }
}

/// The seam between the spool and a printer: CUPS queues and IPP printers (``IPPTransport``), raw
/// port-9100 sockets (``SocketTransport``) and folders (``FileTransport``).
public protocol PrintTransport: Sendable {
    /// The printer's state now (never throws for an unreachable printer: that is `.offline`).
    func status() -> PrinterStatus
    /// Sends the delivery's document from its first label on, reporting progress through `event`
    /// (which may throw to stop). Throws ``PrintError`` with code `.unavailable` when the printer
    /// cannot take it now (the job is held and retried) or `.refused` when it never will.
    func deliver(_ delivery: Delivery, event: (DeliveryEvent) throws -> Void) throws -> DeliveryResult
    /// What became of a job the server accepted; nil for transports without server-side jobs or
    /// when the server no longer knows it.
    func remoteJob(_ id: Int) throws(PrintError) -> RemoteJob?
    /// Cancels a job the server accepted.
    func cancelRemote(_ id: Int) throws(PrintError)
    /// The transport announces each label's write (`labelsWritten`) before it happens.
    var announcesWrites: Bool { get }
}

extension PrintTransport {
    public var announcesWrites: Bool { false }
}

extension PrinterProfile {
    /// The printer's state now; a profile whose transport cannot be made says why (`profile-invalid`
    /// and the error), rather than passing for a printer that is switched off.
    public func currentStatus() -> PrinterStatus {
        do { return try makeTransport().status() } catch {
            return PrinterStatus(state: .stopped, reasons: ["profile-invalid"], acceptingJobs: false, message: error.description)
        }
    }

    /// The transport for this profile.
    public func makeTransport() throws(PrintError) -> any PrintTransport {
        switch try endpoint() {
        case .cups, .ipp: return try IPPTransport(endpoint: try endpoint(), printer: name)
        case .socket(let host, let port):
            return SocketTransport(host: host, port: port, answersHostStatus: answersHostStatus, labelCounter: readsLabelCounter, window: window)
        case .file(let dir): return FileTransport(directory: dir, printer: name, language: language)
        }
    }
}
