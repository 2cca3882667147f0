public import LabelModel
import Barcode
public import LabeldSupport

/// Why a label could not be rendered: template or data mistakes (from LabelModel), barcode data a
/// symbology cannot encode (from Barcode, with zint's message), or output problems.
public struct RenderingError: LabeldError {
    public typealias Code = ErrorCode<RenderingError>

    public var code: Code
    public var message: String
    /// The template location, when known.
    public var location: SourceLocation?
    public var element: String?
    /// Index (0-based) of the record in a batch.
    public var record: Int?
    /// The underlying error's own code (`template.invalid`, `barcode.invalid_check_digit`, …).
    public var detailCode: String?

    public init(code: Code, message: String, location: SourceLocation? = nil, element: String? = nil, record: Int? = nil, detailCode: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.element = element
        self.record = record
        self.detailCode = detailCode
    }

    init(_ e: LabelModelError, record: Int? = nil) {
        self.init(code: e.code == .data || e.code == .dataSyntax ? .data : .template, message: e.description, location: e.location,
                  element: e.element, record: record, detailCode: e.code.rawValue)
    }

    init(_ e: BarcodeError, element: String, location: SourceLocation, record: Int? = nil) {
        self.init(code: .barcode, message: "\(e.description) (element '\(element)', \(location))", location: location,
                  element: element, record: record, detailCode: e.code.rawValue)
    }

    public var line: Int? { location?.line }
    public var column: Int? { location?.column }

    public var description: String {
        if let record { return "record \(record + 1): \(message)" }
        return message
    }
}

extension ErrorCode where Owner == RenderingError {
    public static var template: Self { Self("render.template") }
    public static var data: Self { Self("render.data") }
    public static var barcode: Self { Self("render.barcode") }
    public static var image: Self { Self("render.image") }
    public static var output: Self { Self("render.output") }
    public static var fonts: Self { Self("render.fonts") }
    /// A page or element larger than the renderer draws (see ``RenderLimits``).
    public static var tooLarge: Self { Self("render.too_large") }
}
