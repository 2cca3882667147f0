public import Fulfillment
public import LabeldSupport

/// A carrier's API as labeld uses it (택배연동): route an address, issue a waybill number, book a
/// printed parcel for pickup, cancel a booking. One type per carrier (`CJConnector`); a carrier
/// without one keeps numbers from the order file or from ranges. docs/carriers/ says what 우체국,
/// 롯데, 한진 and 로젠 would each need.
public protocol CarrierConnector: Sendable {
    /// The carrier's profile key (`cj`).
    var carrier: String { get }
    /// The routing of a shipment's address: routed, delayed, or undeliverable (never `pending`:
    /// a carrier that cannot be asked throws `.unreachable`).
    func refine(_ shipment: ShipmentDetail) async throws(CarrierLinkError) -> CarrierRouting
    /// A new waybill number (채번).
    func issueWaybillNumber() async throws(CarrierLinkError) -> String
    /// Books (접수) a printed parcel; `booked` when the carrier had it already.
    func book(_ shipment: ShipmentDetail, sender: Settings.Sender, on day: String) async throws(CarrierLinkError) -> BookingOutcome
    /// Cancels a booking made on `day`.
    func cancel(_ shipment: ShipmentDetail, sender: Settings.Sender, bookedOn day: String) async throws(CarrierLinkError)
}

public enum BookingOutcome: Sendable, Equatable {
    case booked
    /// The carrier already had this booking (a retry after an answer that was lost).
    case alreadyBooked
}

/// What went wrong talking to a carrier, with a stable code.
public struct CarrierLinkError: LabeldError, Hashable {
    public typealias Code = ErrorCode<CarrierLinkError>
    public var code: Code
    public var message: String
    public init(code: Code, message: String) { self.code = code; self.message = message }
    public var description: String { message }
    public var failure: Failure {
        switch code {
        case .unreachable: .unavailable
        default: .invalid
        }
    }

    /// Worth another try: the carrier could not be reached, or answered with a server error.
    public var isTransient: Bool { code == .unreachable }
}

extension ErrorCode where Owner == CarrierLinkError {
    /// No answer in time, a dropped connection, an HTTP 5xx: try again later.
    public static var unreachable: Self { Self("carrier.unreachable") }
    /// The carrier refused the credentials (unknown customer id, a token it does not take).
    public static var credentials: Self { Self("carrier.credentials") }
    /// The carrier refused the request (a field it does not take); the message has its words.
    public static var refused: Self { Self("carrier.refused") }
    /// An answer that is not the documented shape.
    public static var protocolError: Self { Self("carrier.protocol") }
    /// No connection is configured for the carrier.
    public static var notConnected: Self { Self("carrier.not_connected") }
}
