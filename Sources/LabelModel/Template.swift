/// A label template: a page and the elements drawn on it, parsed from a YAML file in `templates/`.
///
/// Coordinates are from the top-left corner of the page as the designer sees it (before `rotation`).
public struct Template: Sendable, Hashable {
    public var name: String
    /// The file it was read from (as given to the parser), for messages.
    public var file: String
    public var description: String?
    public var page: PageSpec
    public var elements: [Element]
    /// Copies of each label (`copies: "{{quantity}}"` prints one label per unit); nil is one.
    public var copies: TextTemplate?
    /// The carrier profile (from `templates/carriers.yaml`) whose waybill rules the data must follow;
    /// its fields are bound as `profile` (`{{profile.service_phone}}`).
    public var carrier: String?
    /// The data field holding the waybill number checked against the carrier profile.
    public var waybillField: [String] = ["waybill_no"]
    /// Labels laid out on sheets (A4 label stock, 폼텍): the page above is one label.
    public var sheet: SheetLayout?
    /// Text drawn smaller than this (pt) is warned about (`min_text_size`; 6 pt, what a 203 dpi
    /// head still prints legibly, unless the template says otherwise).
    public var minTextSize: Double = 6

    public init(name: String, file: String, description: String? = nil, page: PageSpec, elements: [Element], copies: TextTemplate? = nil) {
        self.name = name
        self.file = file
        self.description = description
        self.page = page
        self.elements = elements
        self.copies = copies
    }
}

/// The page: its size as designed, how it is turned for stock fed sideways, and the default dpi.
public struct PageSpec: Sendable, Hashable {
    public var width: Distance
    public var height: Distance
    /// Stock fed sideways: the design is turned clockwise by this angle on the printed medium, whose
    /// size is then `height × width` for 90 and 270.
    public var rotation: Rotation
    /// The dpi used when the caller names none (203 or 300 on thermal printers).
    public var dpi: Int

    public init(width: Distance, height: Distance, rotation: Rotation = .none, dpi: Int = 203) {
        self.width = width
        self.height = height
        self.rotation = rotation
        self.dpi = dpi
    }

    /// The printed medium's size (width, height) after rotation.
    public var mediaSize: (width: Distance, height: Distance) {
        rotation.swapsAxes ? (height, width) : (width, height)
    }
}

/// A quarter-turn rotation, clockwise.
public enum Rotation: Int, Sendable, Hashable, CaseIterable {
    case none = 0, quarter = 90, half = 180, threeQuarters = 270
    public var swapsAxes: Bool { self == .quarter || self == .threeQuarters }
}

/// A rectangle in template coordinates.
public struct Frame: Sendable, Hashable {
    public var x: Distance, y: Distance, width: Distance, height: Distance
    public init(x: Distance, y: Distance, width: Distance, height: Distance) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public func offset(by dx: Distance, _ dy: Distance) -> Frame {
        Frame(x: x + dx, y: y + dy, width: width, height: height)
    }
}

/// One thing drawn on the page.
public struct Element: Sendable, Hashable {
    public var name: String
    public var location: SourceLocation
    /// Drawn only when the condition holds.
    public var condition: Condition?
    /// Drawn again on continuation pages (when a product list overflows into `2/3` labels).
    public var onContinuation: Bool
    public var content: Content

    public init(name: String, location: SourceLocation, condition: Condition? = nil, onContinuation: Bool = false, content: Content) {
        self.name = name
        self.location = location
        self.condition = condition
        self.onContinuation = onContinuation
        self.content = content
    }

    public enum Content: Sendable, Hashable {
        case text(TextElement)
        case barcode(BarcodeElement)
        case box(BoxElement)
        case line(LineElement)
        case image(ImageElement)
        case rows(RepeatElement)
    }

    public var kind: String {
        switch content {
        case .text: return "text"
        case .barcode: return "barcode"
        case .box: return "box"
        case .line: return "line"
        case .image: return "image"
        case .rows: return "repeat"
        }
    }
}

public struct FontSpec: Sendable, Hashable {
    public var family: String
    public var bold: Bool
    /// Size in points.
    public var size: Double
    public init(family: String = "NanumGothic", bold: Bool = false, size: Double = 10) {
        self.family = family; self.bold = bold; self.size = size
    }
}

public enum HorizontalAlignment: String, Sendable, Hashable, CaseIterable { case left, center, right }
public enum VerticalAlignment: String, Sendable, Hashable, CaseIterable { case top, middle, bottom }

public struct TextElement: Sendable, Hashable {
    public var frame: Frame
    public var text: TextTemplate
    public var font: FontSpec
    public var align: HorizontalAlignment = .left
    public var valign: VerticalAlignment = .top
    /// Line height as a multiple of the font's natural line height.
    public var lineSpacing: Double = 1.0
    public var wrap: Bool = true
    public var maxLines: Int?
    /// End the last line with … when text is cut.
    public var ellipsis: Bool = true
    /// Shrink the font step by step down to this size (pt) until the text fits.
    public var minSize: Double?
    /// White text on a black box (the frame).
    public var inverted: Bool = false
    /// Inner padding of the frame.
    public var padding: Distance = .zero

    public init(frame: Frame, text: TextTemplate, font: FontSpec) {
        self.frame = frame; self.text = text; self.font = font
    }
}

/// The barcode symbologies labeld draws (through libzint).
public enum Symbology: String, Sendable, Hashable, CaseIterable {
    case code128, code128a, code128b, code128c
    case gs1_128 = "gs1-128"
    case ean13, ean8, upca, upce, itf14, code39, codabar
    case qr, datamatrix, pdf417, aztec

    public var isTwoDimensional: Bool {
        switch self {
        case .qr, .datamatrix, .pdf417, .aztec: return true
        default: return false
        }
    }
}

public struct BarcodeElement: Sendable, Hashable {
    public var symbology: Symbology
    public var data: TextTemplate
    public var x: Distance
    public var y: Distance
    /// When set, the symbol is centred (see `align`) in this width and the module width is the
    /// largest whole number of dots that fits, unless `xdim` fixes it.
    public var width: Distance?
    /// Bar height for linear symbols (without human-readable text); ignored by 2D symbols, which are square-ish.
    public var height: Distance
    /// Module width; rounded to whole printer dots, never below 1 dot.
    public var xdim: Distance?
    /// xdim given in dots (`xdim: 3dots`), kept exactly at every dpi.
    public var xdimDots: Int?
    public var align: HorizontalAlignment = .left
    public var humanReadable: Bool = true
    public var humanReadableFont: FontSpec = FontSpec(family: "NanumGothicCoding", bold: false, size: 8)
    public var quietZones: Bool = true
    public var rotation: Rotation = .none
    /// GS1 data (`[01]…` application identifiers) for datamatrix/qr/code128.
    public var gs1: Bool = false
    /// QR: L/M/Q/H. Aztec: percent. PDF417: 0–8.
    public var errorCorrection: String?
    /// QR version, DataMatrix size index, Aztec size; PDF417 columns.
    public var size: Int?

    public init(symbology: Symbology, data: TextTemplate, x: Distance, y: Distance, height: Distance) {
        self.symbology = symbology; self.data = data; self.x = x; self.y = y; self.height = height
    }
}

public struct BoxElement: Sendable, Hashable {
    public var frame: Frame
    public var thickness: Distance
    public var radius: Distance = .zero
    /// Filled with ink.
    public var filled: Bool = false
    public init(frame: Frame, thickness: Distance) { self.frame = frame; self.thickness = thickness }
}

public struct LineElement: Sendable, Hashable {
    public var x1: Distance, y1: Distance, x2: Distance, y2: Distance
    public var thickness: Distance
    public init(x1: Distance, y1: Distance, x2: Distance, y2: Distance, thickness: Distance) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2; self.thickness = thickness
    }
}

public struct ImageElement: Sendable, Hashable {
    public var frame: Frame
    /// A PNG path relative to the templates folder.
    public var file: String
    /// Grey level (0–255) below which a pixel prints, for 1-bit output.
    public var threshold: Int = 128
    public init(frame: Frame, file: String) { self.frame = frame; self.file = file }
}

/// A row layout repeated over a list in the data: the product list inside a waybill.
public struct RepeatElement: Sendable, Hashable {
    /// Path of the list in the data.
    public var items: [String]
    /// Name under which each row sees its item (default `item`); `index` is the 1-based row number.
    public var itemName: String = "item"
    public var x: Distance
    public var y: Distance
    public var rowHeight: Distance
    public var maxRows: Int
    public var overflow: Overflow
    /// Elements of one row, positioned relative to the row's top-left corner.
    public var elements: [Element]

    public enum Overflow: Sendable, Hashable {
        /// The last row is replaced by this text ("외 {{remaining}}건").
        case summary(TextElement)
        /// Extra pages carry the rest; elements marked `continuation: true` repeat on them.
        case continuation
    }

    public init(items: [String], x: Distance, y: Distance, rowHeight: Distance, maxRows: Int, overflow: Overflow, elements: [Element]) {
        self.items = items; self.x = x; self.y = y; self.rowHeight = rowHeight
        self.maxRows = maxRows; self.overflow = overflow; self.elements = elements
    }
}

/// `when:` — draw an element only if a field is present, equals a value, or compares to a number.
public struct Condition: Sendable, Hashable {
    public var path: [String]
    public var test: Test

    public enum Test: Sendable, Hashable {
        case present(Bool)
        case equals(DataValue)
        case notEquals(DataValue)
        case greaterThan(Double)
        case lessThan(Double)
    }

    public init(path: [String], test: Test) { self.path = path; self.test = test }

    /// Evaluates against a value (nil when the path is missing).
    public func holds(for value: DataValue?) -> Bool {
        switch test {
        case .present(let wanted): return (value?.isTruthy ?? false) == wanted
        case .equals(let v): return Self.same(value, v)
        case .notEquals(let v): return !Self.same(value, v)
        case .greaterThan(let n): return Self.number(value).map { $0 > n } ?? false
        case .lessThan(let n): return Self.number(value).map { $0 < n } ?? false
        }
    }

    static func number(_ value: DataValue?) -> Double? {
        switch value {
        case .number(let n): return n
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    static func same(_ a: DataValue?, _ b: DataValue) -> Bool {
        guard let a else { return b.isNull }
        if a == b { return true }
        // "3" equals 3, true equals "true": data from CSV exports arrives as strings.
        return a.text != nil && a.text == b.text
    }
}

/// Several labels on one sheet, gLabels-style: a grid of `columns × rows` cells, the first cell's
/// top-left at the origin, cells `pitch` apart.
public struct SheetLayout: Sendable, Hashable {
    public var width: Distance
    public var height: Distance
    public var columns: Int
    public var rows: Int
    public var originX: Distance
    public var originY: Distance
    public var pitchX: Distance
    public var pitchY: Distance

    public init(width: Distance, height: Distance, columns: Int, rows: Int, originX: Distance, originY: Distance, pitchX: Distance, pitchY: Distance) {
        self.width = width; self.height = height; self.columns = columns; self.rows = rows
        self.originX = originX; self.originY = originY; self.pitchX = pitchX; self.pitchY = pitchY
    }
}

extension Template {
    /// Where the element named `name` is defined (rows' elements included), for messages that
    /// point at the template text.
    public func location(ofElement name: String) -> SourceLocation? {
        func find(_ elements: [Element]) -> SourceLocation? {
            for e in elements {
                if e.name == name { return e.location }
                if case .rows(let r) = e.content, let l = find(r.elements) { return l }
            }
            return nil
        }
        return find(elements)
    }
}
