public import LabeldSupport
/// An error of the order and inventory core, with a stable `code` and a message that says what
/// failed and how to fix it.
public struct FulfillmentError: LabeldError, Hashable {
    public typealias Code = ErrorCode<FulfillmentError>

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public var failure: Failure {
        switch code {
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .database: .internal
        default: .invalid
        }
    }
}

extension ErrorCode where Owner == FulfillmentError {
    /// A workbook (.xlsx) that cannot be read: not one, damaged, encrypted, no such sheet.
    public static var spreadsheet: Self { Self("import.xlsx") }
    /// A password-protected workbook without its password, or with a wrong one.
    public static var workbookPassword: Self { Self("import.xlsx_password") }
    public static var unknownSetting: Self { Self("settings.unknown") }
    public static var invalidSetting: Self { Self("settings.invalid") }
    public static var notFound: Self { Self("core.not_found") }
    public static var invalidInput: Self { Self("input.invalid") }
    public static var csv: Self { Self("import.csv") }
    public static var encoding: Self { Self("import.encoding") }
    public static var mapping: Self { Self("import.mapping") }
    public static var integratedOrdersOff: Self { Self("orders.integrated_orders_off") }
    public static var database: Self { Self("core.database") }
    /// A shipment whose waybill cannot print now (no waybill number, an order that cannot ship).
    public static var notPrintable: Self { Self("shipment.not_printable") }
    /// The acting role may not do this (초기화 by anyone but the owner).
    public static var forbidden: Self { Self("auth.forbidden") }
}
