import Foundation

/// The seller's settings (재고운영설정), one record with defaults; see ../shared/domain/SETTINGS.md.
/// Every change is validated and written to the audit log (who, when, old → new).
public struct Settings: Codable, Sendable, Hashable {
    public enum ProductSync: String, Codable, Sendable, CaseIterable { case auto, manual }
    public enum AllocationBasis: String, Codable, Sendable, CaseIterable { case currentStock, unlimited }
    public enum GiftAllocation: String, Codable, Sendable, CaseIterable { case fullShipmentOnly, partialToo }
    public enum DuplicatePolicy: String, Codable, Sendable, CaseIterable { case skip, overwrite, addAsNew }
    public enum MatchKey: String, Codable, Sendable, CaseIterable { case itemCode, productName }
    public enum PriorityKey: String, Codable, Sendable, CaseIterable { case orderedAt, paidAt, singleLineFirst, fewestLinesFirst, channelRank, manualPriority }
    /// `routing`: the connected carrier's 분류코드 (CJ sub-terminals want a batch in that order).
    public enum PrintSortKey: String, Codable, Sendable, CaseIterable { case orderedAt, orderNo, firstProductName, sku, location, totalQuantity, lineCount, receiverName, postalCode, routing }
    public enum OverflowMode: String, Codable, Sendable, CaseIterable { case summary, continuation }
    /// Orders that cannot ship yet (미할당, 매칭 안 됨): held back from shipments and batches, or printed with a marker.
    public enum UnallocatedWaybills: String, Codable, Sendable, CaseIterable { case hold, mark }
    public enum ListField: String, Codable, Sendable, CaseIterable { case productName, option, quantity, sku, location, channelProductName }
    /// The order of the lines in the waybill's product box (gifts always last).
    public enum ListOrder: String, Codable, Sendable, CaseIterable { case asOrdered, productName, location, sku }

    /// 마켓전송기준: what is reported to sales channels per option.
    public enum MarketStockBasis: Codable, Sendable, Hashable, CustomStringConvertible {
        case available, current, fixed(Int), mall
        public var description: String {
            switch self {
            case .available: return "available"
            case .current: return "current"
            case .fixed(let n): return "fixed(\(n))"
            case .mall: return "mall"
            }
        }
        public static func parse(_ text: String) -> MarketStockBasis? {
            switch text {
            case "available": return .available
            case "current": return .current
            case "mall": return .mall
            default:
                for prefix in ["fixed(", "fixed:"] where text.hasPrefix(prefix) {
                    let digits = text.dropFirst(prefix.count).filter(\.isNumber)
                    if let n = Int(digits), n >= 0 { return .fixed(n) }
                }
                return nil
            }
        }
        public init(from decoder: any Decoder) throws {
            let s = try decoder.singleValueContainer().decode(String.self)
            guard let v = Self.parse(s) else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad marketStockBasis \(s)")) }
            self = v
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(description)
        }
    }

    public struct PrintSort: Codable, Sendable, Hashable {
        public var key: PrintSortKey
        public var descending: Bool
        public init(key: PrintSortKey, descending: Bool = false) { self.key = key; self.descending = descending }
    }

    /// 배송 차질 지역: a postal range, optionally for one carrier only.
    public struct DisruptionRange: Codable, Sendable, Hashable {
        public var carrier: String?
        public var from: String
        public var to: String
        public init(carrier: String? = nil, from: String, to: String) { self.carrier = carrier; self.from = from; self.to = to }
    }

    /// 송장양식: which template and printer a carrier's waybills use.
    public struct WaybillFormat: Codable, Sendable, Hashable {
        public var template: String
        public var printer: String?
        public init(template: String, printer: String? = nil) { self.template = template; self.printer = printer }
    }

    /// 송장 내 상품리스트.
    public struct ProductList: Codable, Sendable, Hashable {
        /// By default the catalog's name and option, the quantity and the shelf location (`@A-03`,
        /// when the product has one): what a packer needs to pick the parcel.
        public var fields: [ListField] = [.productName, .option, .quantity, .location]
        /// Quantity emphasis when ≥ 2; `{n}` is the quantity (`★{n}개★`).
        public var quantityEmphasis: String? = "★{n}개★"
        public var maxLines: Int = 20
        public var overflow: OverflowMode = .summary
        /// nil: as ordered.
        public var order: ListOrder?
        public init() {}
    }

    /// 취소/교환.
    public struct CancelExchange: Codable, Sendable, Hashable {
        public var holdBeforeShipping = true
        public var holdAfterShipping = true
        public var exchangeFee = 0
        public var noCombine = true
        public init() {}
    }

    public var productSync: ProductSync = .auto
    public var integratedOrders = true
    public var allocationBasis: AllocationBasis = .currentStock
    public var marketStockBasis: MarketStockBasis = .available
    public var importMallStock = false
    public var productUpdateExclusions: [String] = []
    public var optionTags: [String] = []
    public var stockMovementTypes: [String] = []
    public var showOverdueExpectedDate = true
    public var giftAllocation: GiftAllocation = .fullShipmentOnly
    public var duplicateOrderNumber: DuplicatePolicy = .skip
    public var islandMarking = true
    public var islandText = "도서"
    /// Postal codes inside the island ranges that are not islands (연륙도서, bridged).
    public var islandExceptions: [String] = []
    public var collectionExclusions: [String] = []
    public var orderMatching: [MatchKey] = [.itemCode, .productName]
    public var allocationPriority: [PriorityKey] = [.orderedAt]
    /// Sales channels in rank order, for the `channelRank` allocation priority (unlisted: last).
    public var channelRanks: [String]?
    public var deliveryDisruptionRegions: [DisruptionRange] = []
    public var waybillFormats: [String: WaybillFormat] = [:]
    public var waybillProductList = ProductList()
    public var printOrder: [PrintSort] = [PrintSort(key: .orderedAt)]
    public var splitNoCombine = true
    public var deliveryDelayDays = 3
    public var cancelExchange = CancelExchange()
    public var pickupRestock = true
    /// Stored only once set (databases from before it decode without it); read through `unallocated`.
    public var unallocatedWaybills: UnallocatedWaybills?
    /// What happens to orders that cannot ship yet: held back (default) or printed with a marker.
    public var unallocated: UnallocatedWaybills { unallocatedWaybills ?? .hold }
    /// 보내는 분: the sender printed on every waybill (the seller's shipping address).
    public var sender: Sender?
    /// 택배연동: the carriers labeld is connected to, by profile key (`cj`). Stored only once set.
    public var carrierConnections: [String: CarrierConnection]?

    /// A carrier connection's credentials, as the carrier gave them to the seller. `customerId`
    /// and `businessNumber` identify the seller to the carrier: never shown whole (`settings get`,
    /// the API and the audit log mask them).
    public struct CarrierConnection: Codable, Sendable, Hashable {
        /// CJ: 고객ID (CUST_ID).
        public var customerId: String
        /// 사업자등록번호 (10 digits).
        public var businessNumber: String
        /// CJ: 계약 품목/운임 구분 (the contract's codes the booking carries), when the contract names one.
        public var contractCode: String?
        /// The API's base address (CJ's production or development gateway, or a test stand-in).
        public var baseURL: String
        public init(customerId: String, businessNumber: String, contractCode: String? = nil, baseURL: String) {
            self.customerId = customerId; self.businessNumber = businessNumber; self.contractCode = contractCode; self.baseURL = baseURL
        }

        /// The same, with the identifying values masked for display (`3*****78`).
        public var masked: CarrierConnection {
            func mask(_ s: String) -> String {
                s.count <= 4 ? String(repeating: "*", count: s.count) : String(s.prefix(1)) + String(repeating: "*", count: s.count - 3) + String(s.suffix(2))
            }
            var m = self
            m.customerId = mask(customerId)
            m.businessNumber = mask(businessNumber)
            return m
        }
    }

    /// Carriers with a connection (택배연동), by profile key.
    public var connections: [String: CarrierConnection] { carrierConnections ?? [:] }

    /// The sender on the waybill.
    public struct Sender: Codable, Sendable, Hashable {
        public var name: String
        public var phone: String
        public var address: String
        /// 5 digits, when given.
        public var postalCode: String?
        public init(name: String, phone: String, address: String, postalCode: String? = nil) {
            self.name = name; self.phone = phone; self.address = address; self.postalCode = postalCode
        }
    }

    public init() {}

    /// Every key `get`/`set` understand, in the order of SETTINGS.md.
    public static let keys: [String] = [
        "productSync", "integratedOrders", "allocationBasis", "marketStockBasis", "importMallStock", "productUpdateExclusions",
        "optionTags", "stockMovementTypes", "showOverdueExpectedDate", "giftAllocation", "duplicateOrderNumber", "islandMarking",
        "islandText", "islandExceptions", "collectionExclusions", "orderMatching", "allocationPriority", "channelRanks", "deliveryDisruptionRegions",
        "waybillFormats", "waybillProductList", "printOrder", "splitNoCombine", "deliveryDelayDays", "cancelExchange", "pickupRestock",
        "unallocatedWaybills", "sender", "carrierConnections",
    ]

    /// A setting as text (lists comma-separated; structured values as JSON).
    public func value(of key: String) throws(FulfillmentError) -> String {
        func json<T: Encodable>(_ v: T) -> String {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? e.encode(v)) ?? Data(), as: UTF8.self)
        }
        switch key {
        case "productSync": return productSync.rawValue
        case "integratedOrders": return integratedOrders ? "on" : "off"
        case "allocationBasis": return allocationBasis.rawValue
        case "marketStockBasis": return marketStockBasis.description
        case "importMallStock": return importMallStock ? "on" : "off"
        case "productUpdateExclusions": return productUpdateExclusions.joined(separator: ",")
        case "optionTags": return optionTags.joined(separator: ",")
        case "stockMovementTypes": return stockMovementTypes.joined(separator: ",")
        case "showOverdueExpectedDate": return showOverdueExpectedDate ? "on" : "off"
        case "giftAllocation": return giftAllocation.rawValue
        case "duplicateOrderNumber": return duplicateOrderNumber.rawValue
        case "islandMarking": return islandMarking ? "on" : "off"
        case "islandText": return islandText
        case "islandExceptions": return islandExceptions.joined(separator: ",")
        case "collectionExclusions": return collectionExclusions.joined(separator: ",")
        case "orderMatching": return orderMatching.map(\.rawValue).joined(separator: ",")
        case "allocationPriority": return allocationPriority.map(\.rawValue).joined(separator: ",")
        case "channelRanks": return (channelRanks ?? []).joined(separator: ",")
        case "deliveryDisruptionRegions": return json(deliveryDisruptionRegions)
        case "waybillFormats": return json(waybillFormats)
        case "waybillProductList": return json(waybillProductList)
        case "printOrder": return printOrder.map { "\($0.key.rawValue):\($0.descending ? "desc" : "asc")" }.joined(separator: ",")
        case "splitNoCombine": return splitNoCombine ? "on" : "off"
        case "deliveryDelayDays": return String(deliveryDelayDays)
        case "cancelExchange": return json(cancelExchange)
        case "pickupRestock": return pickupRestock ? "on" : "off"
        case "unallocatedWaybills": return unallocated.rawValue
        case "sender": return json(sender)
        case "carrierConnections": return json(connections.mapValues(\.masked))
        default: throw Self.unknown(key)
        }
    }

    static func unknown(_ key: String) -> FulfillmentError {
        FulfillmentError(code: .unknownSetting, message: "unknown setting '\(key)': expected one of \(keys.joined(separator: ", "))")
    }

    /// Sets a setting from text, validating it; throws with what was expected.
    public mutating func set(_ key: String, to text: String) throws(FulfillmentError) {
        func invalid(_ expected: String) -> FulfillmentError {
            // Credentials are not echoed back (the message may reach a log).
            FulfillmentError(code: .invalidSetting, message: "\(key): expected \(expected)" + (key == "carrierConnections" ? "" : ", got '\(text)'"))
        }
        func bool() throws(FulfillmentError) -> Bool {
            switch text.lowercased() {
            case "on", "true", "yes", "1": return true
            case "off", "false", "no", "0": return false
            default: throw invalid("on or off")
            }
        }
        func choice<E: RawRepresentable & CaseIterable>(_ t: E.Type) throws(FulfillmentError) -> E where E.RawValue == String {
            guard let v = E(rawValue: text) else { throw invalid("one of \(E.allCases.map(\.rawValue).joined(separator: ", "))") }
            return v
        }
        func list() -> [String] { text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        func orderedList<E: RawRepresentable & CaseIterable & Hashable>(_ t: E.Type) throws(FulfillmentError) -> [E] where E.RawValue == String {
            var out: [E] = []
            for item in list() {
                guard let v = E(rawValue: item) else { throw invalid("a comma-separated list of \(E.allCases.map(\.rawValue).joined(separator: ", "))") }
                if out.contains(v) { throw invalid("each key once (\(item) is repeated)") }
                out.append(v)
            }
            if out.isEmpty { throw invalid("at least one of \(E.allCases.map(\.rawValue).joined(separator: ", "))") }
            return out
        }
        func json<T: Decodable>(_ t: T.Type, _ example: String) throws(FulfillmentError) -> T {
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch { throw invalid("JSON like \(example)") }
        }
        switch key {
        case "productSync": productSync = try choice(ProductSync.self)
        case "integratedOrders": integratedOrders = try bool()
        case "allocationBasis": allocationBasis = try choice(AllocationBasis.self)
        case "marketStockBasis":
            guard let v = MarketStockBasis.parse(text) else { throw invalid("available, current, fixed(N) or mall") }
            marketStockBasis = v
        case "importMallStock": importMallStock = try bool()
        case "productUpdateExclusions": productUpdateExclusions = list()
        case "optionTags": optionTags = list()
        case "stockMovementTypes":
            let types = list()
            if let clash = types.first(where: { MovementType.builtIn.contains($0) }) { throw invalid("custom type names (\(clash) is built in)") }
            stockMovementTypes = types
        case "showOverdueExpectedDate": showOverdueExpectedDate = try bool()
        case "giftAllocation": giftAllocation = try choice(GiftAllocation.self)
        case "duplicateOrderNumber": duplicateOrderNumber = try choice(DuplicatePolicy.self)
        case "islandMarking": islandMarking = try bool()
        case "islandText":
            guard !text.isEmpty, text.count <= 10 else { throw invalid("1 to 10 characters") }
            islandText = text
        case "islandExceptions":
            let codes = list()
            if let bad = codes.first(where: { $0.count != 5 || !$0.allSatisfy(\.isNumber) }) { throw invalid("5-digit postal codes (\(bad))") }
            islandExceptions = codes
        case "collectionExclusions": collectionExclusions = list()
        case "orderMatching": orderMatching = try orderedList(MatchKey.self)
        case "allocationPriority": allocationPriority = try orderedList(PriorityKey.self)
        case "channelRanks": channelRanks = list()
        case "deliveryDisruptionRegions":
            let ranges = try json([DisruptionRange].self, #"[{"carrier":"cj","from":"63000","to":"63644"}]"#)
            for r in ranges where r.from.count != 5 || r.to.count != 5 || r.from > r.to { throw invalid("ranges of 5-digit codes with from ≤ to") }
            deliveryDisruptionRegions = ranges
        case "sender":
            let v = try json(Sender.self, #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113","postalCode":"04782"}"#)
            if v.name.trimmingCharacters(in: .whitespaces).isEmpty || v.address.trimmingCharacters(in: .whitespaces).isEmpty {
                throw invalid("a sender with a name and an address")
            }
            if v.phone.filter(\.isNumber).count < 8 { throw invalid("a sender phone number of at least 8 digits") }
            if let p = v.postalCode, p.utf8.count != 5 || !p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                throw invalid("a sender postalCode of 5 digits (\(p))")
            }
            sender = v
        case "waybillFormats": waybillFormats = try json([String: WaybillFormat].self, #"{"cj":{"template":"waybills/cj","printer":"zebra-1"}}"#)
        case "waybillProductList":
            let v = try json(ProductList.self, #"{"fields":["productName","option","quantity"],"quantityEmphasis":"★{n}개★","maxLines":20,"overflow":"summary"}"#)
            if !(1...200).contains(v.maxLines) { throw invalid("maxLines from 1 to 200") }
            waybillProductList = v
        case "printOrder":
            var sorts: [PrintSort] = []
            for item in list() {
                let parts = item.split(separator: ":").map(String.init)
                guard let k = PrintSortKey(rawValue: parts[0]), parts.count <= 2, parts.count == 1 || ["asc", "desc"].contains(parts[1]) else {
                    throw invalid("keys with :asc or :desc from \(PrintSortKey.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sorts.append(PrintSort(key: k, descending: parts.count == 2 && parts[1] == "desc"))
            }
            if sorts.isEmpty { throw invalid("at least one sort key") }
            printOrder = sorts
        case "splitNoCombine": splitNoCombine = try bool()
        case "deliveryDelayDays":
            guard let n = Int(text), (0...365).contains(n) else { throw invalid("a whole number of days from 0 to 365") }
            deliveryDelayDays = n
        case "cancelExchange":
            let v = try json(CancelExchange.self, #"{"holdBeforeShipping":true,"holdAfterShipping":true,"exchangeFee":3000,"noCombine":true}"#)
            if v.exchangeFee < 0 { throw invalid("exchangeFee ≥ 0") }
            cancelExchange = v
        case "pickupRestock": pickupRestock = try bool()
        case "unallocatedWaybills": unallocatedWaybills = try choice(UnallocatedWaybills.self)
        case "carrierConnections":
            let v = try json([String: CarrierConnection].self, #"{"cj":{"customerId":"30123456","businessNumber":"1234567890","baseURL":"https://dxapi.cjlogistics.com:5052"}}"#)
            for (carrier, c) in v {
                guard carrier == "cj" else { throw invalid("connections for cj (the carriers labeld can connect to)") }
                guard !c.customerId.trimmingCharacters(in: .whitespaces).isEmpty else { throw invalid("a customerId for \(carrier)") }
                guard c.businessNumber.filter(\.isNumber).count == 10 else { throw invalid("a 10-digit businessNumber for \(carrier)") }
                guard let url = URL(string: c.baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                    throw invalid("an http(s) baseURL for \(carrier)")
                }
            }
            carrierConnections = v.isEmpty ? nil : v.mapValues { c in
                var c = c
                c.businessNumber = c.businessNumber.filter(\.isNumber)
                return c
            }
        default: throw Self.unknown(key)
        }
    }
}
