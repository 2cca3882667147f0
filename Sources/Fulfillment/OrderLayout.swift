import LabeldSupport
import Foundation

/// A field of an order line that a column of a channel's export holds.
public enum OrderField: Int, CaseIterable, Sendable {
    /// The channel's own id of the line (스마트스토어 상품주문번호, cafe24 품목별 주문번호).
    case lineId
    /// The channel's order number (주문번호).
    case orderId
    /// Lines the channel already bundled into one parcel (쿠팡 묶음배송번호).
    case bundleId
    /// The channel's id of the ordered option or product (쿠팡 옵션ID, 11번가 상품번호): with the
    /// order id, a line key.
    case channelOptionId
    /// The seller account the order came in on (ESM 판매아이디): its dispatch file names it.
    case sellerAccount
    case orderedAt, paidAt
    case receiverName, receiverPhone, receiverPhone2, postalCode
    /// The whole address, or its first part when the export splits it (then `addressDetail` follows).
    case address, addressDetail
    case productName, option, quantity, message
    /// The seller's code for the option or product (품목코드, 옵션관리코드, 업체상품코드): matched to products.
    case itemCode
    case carrier, waybillNo, gift

    /// The field's name in mapping files and reports.
    public var name: String {
        switch self {
        case .lineId: "lineId"
        case .orderId: "orderNo"
        case .bundleId: "bundleId"
        case .channelOptionId: "channelOptionId"
        case .sellerAccount: "sellerAccount"
        case .orderedAt: "orderedAt"
        case .paidAt: "paidAt"
        case .receiverName: "receiverName"
        case .receiverPhone: "receiverPhone"
        case .receiverPhone2: "receiverPhone2"
        case .postalCode: "postalCode"
        case .address: "address"
        case .addressDetail: "addressDetail"
        case .productName: "productName"
        case .option: "option"
        case .quantity: "quantity"
        case .message: "message"
        case .itemCode: "itemCode"
        case .carrier: "carrier"
        case .waybillNo: "waybillNo"
        case .gift: "gift"
        }
    }

    /// What a report calls the field's value when it is missing.
    var what: String {
        switch self {
        case .orderId: "order number"
        case .lineId: "line id"
        case .receiverName: "receiver name"
        case .receiverPhone: "receiver phone"
        case .postalCode: "postal code"
        case .address: "address"
        case .productName: "product name"
        default: name
        }
    }
}

/// How the columns of a table (a CSV export or a workbook sheet) become orders: which header holds
/// which field, which fields make an order and a line key, and what of each row is kept for the
/// dispatch file. A marketplace preset is one; a mapping file makes another.
public struct OrderLayout: Sendable {
    /// `smartstore`, `coupang`, …, `labeld`, or `mapping` for a mapping file's.
    public var name: String
    /// What the seller calls it (`네이버 스마트스토어`).
    public var title: String
    /// For each field, the headers that may hold it, newest export generation first; compared
    /// without spaces (`수취인 주소` = `수취인주소`) and without a leading `*`.
    var columns: [OrderField: [String]]
    /// Fields without which a row is no order line.
    var required: [OrderField]
    /// Header sets that, all in one row, say the table is in this layout (one per export generation).
    var signatures: [[String]]
    /// The fields whose values, joined, identify a line to the channel (duplicates are told by it);
    /// empty: the channel has no line key, duplicates are told by the order number.
    var lineKey: [OrderField]
    /// An order is the lines sharing the first of these that is not empty (쿠팡: 묶음배송번호, then 주문번호).
    var orderKey: [OrderField]
    /// Whether each line keeps its whole source row for the dispatch file (쿠팡 takes its own file back).
    var keepsRow: Bool
    /// The bulk-dispatch file the channel takes back; nil: none (a mapping file's layout).
    public var dispatch: DispatchLayout?

    /// A header as compared: without spaces and without a leading `*` (upload forms mark required columns so).
    static func fold(_ header: String) -> String {
        var s = header.unicodeScalars.filter { !$0.properties.isWhitespace }
        while s.first == "*" { s.removeFirst() }
        return String(String.UnicodeScalarView(s))
    }

    /// The column index of each field in `header` (nil: no such column); `header` as folded.
    func resolve(_ header: [String]) -> [Int?] {
        var index: [String: Int] = [:]
        for (i, h) in header.enumerated() where index[h] == nil { index[h] = i }
        return OrderField.allCases.map { f in columns[f]?.lazy.compactMap { index[Self.fold($0)] }.first }
    }

    /// Whether `row` (folded) is this layout's header row.
    func isHeader(_ row: Set<String>) -> Bool {
        signatures.contains { $0.allSatisfy { row.contains(Self.fold($0)) } }
    }

    /// The layout of a mapping file's columns.
    public static func mapping(_ m: ColumnMapping) -> OrderLayout { OrderLayout(mapping: m, name: "mapping", title: "mapping file") }

    /// The layout of a column mapping (a mapping file or labeld's default Korean headers).
    init(mapping m: ColumnMapping, name: String, title: String) {
        self.name = name
        self.title = title
        columns = m.headers.mapValues { [$0] }
        required = [.orderId, .receiverName, .receiverPhone, .postalCode, .address, .productName, .quantity]
        signatures = [[m.headers[.orderId]!]]
        lineKey = []
        orderKey = [.orderId]
        keepsRow = false
        dispatch = nil
    }

    init(name: String, title: String, columns: [OrderField: [String]], required: [OrderField], signatures: [[String]],
         lineKey: [OrderField], orderKey: [OrderField], keepsRow: Bool = false, dispatch: DispatchLayout) {
        self.name = name; self.title = title; self.columns = columns; self.required = required; self.signatures = signatures
        self.lineKey = lineKey; self.orderKey = orderKey; self.keepsRow = keepsRow; self.dispatch = dispatch
    }
}

/// The file a marketplace's bulk dispatch (발송처리) upload takes: its sheet, its columns, and the
/// marketplace's own names for the carriers.
public struct DispatchLayout: Sendable {
    /// What a dispatch column holds.
    public enum Value: Sendable {
        /// The value the order file had in that field (the line key the marketplace sent us).
        case field(OrderField)
        /// The carrier in the marketplace's vocabulary.
        case carrier
        /// The printed waybill number.
        case waybill
        case constant(String)
    }
    public var sheet: String
    /// The columns, in order; with `sourceRow`, the columns replaced in the line's source row.
    public var columns: [(header: String, value: Value)]
    /// The file is the order export's own rows, with the carrier and waybill columns filled (쿠팡).
    public var sourceRow: Bool
    /// Profile key (`cj`, `lotte`, …) → the marketplace's name for the carrier.
    public var carrierNames: [String: String]

    public init(sheet: String, columns: [(header: String, value: Value)], sourceRow: Bool = false, carrierNames: [String: String]) {
        self.sheet = sheet; self.columns = columns; self.sourceRow = sourceRow; self.carrierNames = carrierNames
    }
}

/// What an imported line keeps of its source row for the dispatch file: the values of the fields a
/// dispatch file names, and, for a channel that takes its own file back, the whole row. `header`
/// and `row` share the parsed table's storage (one header for all lines), so keeping them costs
/// no copy.
public struct ChannelFields: Sendable, Hashable {
    /// `OrderField.name` → value.
    public var fields: [String: String]
    /// The source file's header and this line's row under it.
    public var header: [String]?
    public var row: [String]?
    public init(fields: [String: String], header: [String]? = nil, row: [String]? = nil) { self.fields = fields; self.header = header; self.row = row }
}

/// JSON text written directly for what an import stores per line (JSONEncoder costs ~10 µs a
/// line on Linux: a second per 100 000 lines); read back with JSONDecoder.
enum JSONText {
    static func array(_ values: [String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.write(v, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Keys sorted, so the same fields make the same text.
    static func object(_ values: [String: String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, key) in values.keys.sorted().enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.write(key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONString.write(values[key]!, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
