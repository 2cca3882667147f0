/// A barcode that cannot be made: data a symbology cannot encode, a wrong check digit, too long.
/// Keeps zint's numbered message (`Error 275: Invalid check digit '3', expecting '4'`).
public struct BarcodeError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static let invalidData = Code("barcode.invalid_data")
        public static let invalidCheckDigit = Code("barcode.invalid_check_digit")
        public static let tooLong = Code("barcode.too_long")
        public static let invalidOption = Code("barcode.invalid_option")
        public static let tooWide = Code("barcode.too_wide")
        public static let internalError = Code("barcode.internal")
    }

    public var code: Code
    public var message: String
    /// zint's own text, when zint refused the data.
    public var detail: String?

    public init(code: Code, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String {
        if let detail, !message.contains(detail) { return "\(message) (zint: \(detail))" }
        return message
    }
}
