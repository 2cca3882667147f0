/// An error of the order and inventory core, with a stable `code` and a message that says what
/// failed and how to fix it.
public struct FulfillmentError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static let unknownSetting = Code("settings.unknown")
        public static let invalidSetting = Code("settings.invalid")
        public static let notFound = Code("not_found")
        public static let invalidInput = Code("input.invalid")
        public static let csv = Code("import.csv")
        public static let encoding = Code("import.encoding")
        public static let mapping = Code("import.mapping")
        public static let integratedOrdersOff = Code("orders.integrated_orders_off")
        public static let database = Code("database")
        /// A shipment whose waybill cannot print now (no waybill number, an order that cannot ship).
        public static let notPrintable = Code("shipment.not_printable")
        /// The acting role may not do this (초기화 by anyone but the owner).
        public static let forbidden = Code("auth.forbidden")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
