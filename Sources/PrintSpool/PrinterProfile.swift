public import Foundation

/// A printer as labeld sees it: where the bytes go, in which language, at which resolution, with
/// which calibration, and which packing stations use it.
///
/// ```json
/// {"name": "zebra-1", "transport": "socket:192.168.0.31:9100", "language": "zpl", "dpi": 203,
///  "media": {"widthMM": 100, "heightMM": 150}, "stations": ["pack-1", "pack-2"],
///  "calibration": {"xOffsetMM": 0.5, "yOffsetMM": -0.25, "darkness": 5, "speed": 4},
///  "answersHostStatus": true}
/// ```
public struct PrinterProfile: Codable, Sendable, Hashable {
    public var name: String
    /// `cups:QUEUE` (optionally `cups:QUEUE@HOST:PORT`), `socket:HOST:PORT` (port 9100),
    /// `ipp:URI` (an IPP Everywhere printer), `file:DIR`.
    public var transport: String
    public var language: Language
    public var dpi: Int
    public var media: Media?
    public var calibration: Calibration
    /// Packing stations that print here (a station token may only use these printers).
    public var stations: [String]
    /// The printer answers Zebra's `~HS` host status query (socket transport): checked before a batch.
    public var answersHostStatus: Bool
    /// Socket printers: how many labels may be on their way (written, not yet acknowledged) at
    /// once; after a broken connection at most about twice this many are in doubt. Default 4.
    public var sendWindow: Int?
    /// Socket printers that answer `~HS`: the printer also reports its label counter (Zebra SGD
    /// `odometer.total_label_count`), which makes resuming a broken stream exact. Default: as
    /// `answersHostStatus`; set false for a printer that does not know the variable.
    public var labelCounter: Bool?

    /// Barcode verification before send (default `block`): every barcode of every label is decoded
    /// from the final raster and checked (quiet zones, module width, bar height, printable area).
    /// `block` holds a job with a failure and sends none of it; `warn` sends and records; `off` skips.
    public var verify: VerifyMode?
    /// Print gain: every bar (and 2D module run) is drawn this many dots narrower, spaces wider,
    /// still on whole dots, for a head that grows bars (0–3, default 0).
    public var barWidthReduction: Int?
    /// The narrowest module verification accepts, in mils (default 5) — a carrier's minimum, say.
    public var minXDimMils: Double?

    public enum VerifyMode: String, Codable, Sendable, CaseIterable { case block, warn, off }

    /// `verify` with its default.
    public var verifyMode: VerifyMode { verify ?? .block }

    /// `sendWindow` with its default.
    public var window: Int { sendWindow ?? 4 }
    /// Whether the printer's label counter is read (`labelCounter` with its default).
    public var readsLabelCounter: Bool { answersHostStatus && (labelCounter ?? true) }

    public enum Language: String, Codable, Sendable, CaseIterable {
        case zpl, pdf, pwgRaster = "pwg-raster", png
        /// The IPP `document-format` labeld sends.
        public var documentFormat: String {
            switch self {
            case .zpl: return "application/vnd.zebra-zpl"
            case .pdf: return "application/pdf"
            case .pwgRaster: return "image/pwg-raster"
            case .png: return "image/png"
            }
        }
        public var fileExtension: String {
            switch self {
            case .zpl: return "zpl"
            case .pdf: return "pdf"
            case .pwgRaster: return "pwg"
            case .png: return "png"
            }
        }
    }

    public struct Media: Codable, Sendable, Hashable {
        public var widthMM: Double
        public var heightMM: Double
        public init(widthMM: Double, heightMM: Double) { self.widthMM = widthMM; self.heightMM = heightMM }
    }

    /// Fine-tuning for one physical printer. Offsets move the print on the label (ZPL `^LS`/`^LT`),
    /// darkness is ZPL `^MD` (-30…30, relative to the printer's setting), speed `^PR` (inches/s, 1…14).
    public struct Calibration: Codable, Sendable, Hashable {
        public var xOffsetMM: Double
        public var yOffsetMM: Double
        public var darkness: Int?
        public var speed: Int?
        /// ZPL `^JZ`: whether the printer itself reprints a label after paper-out or head-open. A
        /// Zebra does by default (Y), and labeld resends what was not confirmed, so together they
        /// print twice: labeld sends `^JZN` unless this is true.
        public var reprintAfterError: Bool?
        public init(xOffsetMM: Double = 0, yOffsetMM: Double = 0, darkness: Int? = nil, speed: Int? = nil, reprintAfterError: Bool? = nil) {
            self.xOffsetMM = xOffsetMM; self.yOffsetMM = yOffsetMM; self.darkness = darkness; self.speed = speed
            self.reprintAfterError = reprintAfterError
        }
        public var isNeutral: Bool { xOffsetMM == 0 && yOffsetMM == 0 && darkness == nil && speed == nil }
    }

    public init(name: String, transport: String, language: Language, dpi: Int = 203, media: Media? = nil,
                calibration: Calibration = Calibration(), stations: [String] = [], answersHostStatus: Bool = false,
                sendWindow: Int? = nil, labelCounter: Bool? = nil) {
        self.name = name; self.transport = transport; self.language = language; self.dpi = dpi; self.media = media
        self.calibration = calibration; self.stations = stations; self.answersHostStatus = answersHostStatus
        self.sendWindow = sendWindow; self.labelCounter = labelCounter
    }

    enum CodingKeys: String, CodingKey {
        case name, transport, language, dpi, media, calibration, stations, answersHostStatus, sendWindow, labelCounter
        case verify, barWidthReduction, minXDimMils
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        transport = try c.decode(String.self, forKey: .transport)
        language = try c.decode(Language.self, forKey: .language)
        dpi = try c.decodeIfPresent(Int.self, forKey: .dpi) ?? 203
        media = try c.decodeIfPresent(Media.self, forKey: .media)
        calibration = try c.decodeIfPresent(Calibration.self, forKey: .calibration) ?? Calibration()
        stations = try c.decodeIfPresent([String].self, forKey: .stations) ?? []
        answersHostStatus = try c.decodeIfPresent(Bool.self, forKey: .answersHostStatus) ?? false
        sendWindow = try c.decodeIfPresent(Int.self, forKey: .sendWindow)
        labelCounter = try c.decodeIfPresent(Bool.self, forKey: .labelCounter)
        verify = try c.decodeIfPresent(VerifyMode.self, forKey: .verify)
        barWidthReduction = try c.decodeIfPresent(Int.self, forKey: .barWidthReduction)
        minXDimMils = try c.decodeIfPresent(Double.self, forKey: .minXDimMils)
    }

    /// The transport, parsed and checked.
    public func endpoint() throws(PrintError) -> Endpoint { try Endpoint(parsing: transport) }

    /// Checks every field; throws a message naming the field and what is allowed.
    public func validate() throws(PrintError) {
        func bad(_ m: String) -> PrintError { PrintError(code: .invalidInput, message: "printer '\(name)': \(m)") }
        if name.isEmpty || name.count > 64 || name.contains(where: { !($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            throw bad("name must be 1–64 letters, digits, '-', '_' or '.'")
        }
        _ = try endpoint()
        if ![152, 203, 300, 600].contains(dpi) { throw bad("dpi must be 152, 203, 300 or 600, not \(dpi)") }
        if let m = media, !(10...1000).contains(m.widthMM) || !(10...2000).contains(m.heightMM) {
            throw bad("media must be 10–1000 mm wide and 10–2000 mm high")
        }
        if abs(calibration.xOffsetMM) > 20 || abs(calibration.yOffsetMM) > 15 {
            throw bad("calibration offsets must be within ±20 mm (x) and ±15 mm (y)")
        }
        if let d = calibration.darkness, !(-30...30).contains(d) { throw bad("darkness must be from -30 to 30, not \(d)") }
        if let s = calibration.speed, !(1...14).contains(s) { throw bad("speed must be from 1 to 14 inches/s, not \(s)") }
        if case .socket = try endpoint(), language != .zpl { throw bad("a socket: printer speaks ZPL (language zpl)") }
        if answersHostStatus, case .socket = try endpoint() {} else if answersHostStatus {
            throw bad("answersHostStatus needs a socket: transport")
        }
        if let w = sendWindow, !(1...64).contains(w) { throw bad("sendWindow must be from 1 to 64 labels, not \(w)") }
        if let r = barWidthReduction, !(0...3).contains(r) { throw bad("barWidthReduction must be from 0 to 3 dots, not \(r)") }
        if let m = minXDimMils, !(1...100).contains(m) { throw bad("minXDimMils must be from 1 to 100, not \(m)") }
        if labelCounter == true && !answersHostStatus { throw bad("labelCounter needs answersHostStatus (a printer that answers ~HS)") }
    }
}

/// Where a printer's bytes go.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// A CUPS queue; `server` is `HOST:PORT` or nil for the default server (`CUPS_SERVER`, localhost:631).
    case cups(queue: String, server: String?)
    /// A raw TCP port (Zebra-compatible 9100).
    case socket(host: String, port: Int)
    /// An IPP printer reached directly (`ipp://host:port/ipp/print`).
    case ipp(uri: String)
    /// A folder that receives one file per job.
    case file(directory: String)

    public init(parsing text: String) throws(PrintError) {
        func bad(_ m: String) -> PrintError {
            PrintError(code: .invalidInput, message: "transport '\(text)': \(m) (expected cups:QUEUE, socket:HOST:PORT, ipp:URI or file:DIR)")
        }
        guard let colon = text.firstIndex(of: ":") else { throw bad("no scheme") }
        let scheme = text[..<colon], rest = String(text[text.index(after: colon)...])
        switch scheme {
        case "cups":
            let parts = rest.split(separator: "@", maxSplits: 1).map(String.init)
            guard let queue = parts.first, !queue.isEmpty, !queue.contains("/") else { throw bad("missing queue name") }
            self = .cups(queue: queue, server: parts.count > 1 ? parts[1] : nil)
        case "socket":
            guard let c = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: c)...]), (1...65535).contains(port),
                  c > rest.startIndex else { throw bad("missing host or port") }
            self = .socket(host: String(rest[..<c]), port: port)
        case "ipp", "ipps":
            guard rest.hasPrefix("//"), let url = URL(string: text), url.host?.isEmpty == false else { throw bad("not an ipp:// URI with a host") }
            self = .ipp(uri: text)
        case "file":
            guard !rest.isEmpty else { throw bad("missing directory") }
            self = .file(directory: rest)
        default: throw bad("unknown scheme '\(scheme)'")
        }
    }

    public var description: String {
        switch self {
        case .cups(let q, let s): return "cups:\(q)" + (s.map { "@\($0)" } ?? "")
        case .socket(let h, let p): return "socket:\(h):\(p)"
        case .ipp(let u): return u
        case .file(let d): return "file:\(d)"
        }
    }
}
