public import LabeldSupport
/// A barcode that cannot be made: data a symbology cannot encode, a wrong check digit, too long.
/// Keeps zint's numbered message (`Error 275: Invalid check digit '3', expecting '4'`).
public struct BarcodeError: LabeldError, Hashable {
    public typealias Code = ErrorCode<BarcodeError>

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

extension ErrorCode where Owner == BarcodeError {
    public static var invalidData: Self { Self("barcode.invalid_data") }
    public static var invalidCheckDigit: Self { Self("barcode.invalid_check_digit") }
    public static var tooLong: Self { Self("barcode.too_long") }
    public static var invalidOption: Self { Self("barcode.invalid_option") }
    public static var tooWide: Self { Self("barcode.too_wide") }
    public static var internalError: Self { Self("barcode.internal") }
}
