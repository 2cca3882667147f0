public import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import Fulfillment

/// CJ대한통운's API for self-printing customers (CJLAPI, DeveloperGuide V3.9.4), as
/// docs/carriers/cj.md writes down: `POST {base}/{Operation}` with `{"DATA": {…}}`, answers
/// `{"RESULT_CD", "RESULT_DETAIL", "DATA"}`. A one-day token (`ReqOneDayToken`) rides in the
/// `CJ-Gateway-APIKey` header and in `DATA.TOKEN_NUM`; it is cached, renewed 30 minutes before it
/// expires, and renewed once at once when CJ refuses it (HTTP 401 / E401).
public actor CJConnector: CarrierConnector {
    public nonisolated let carrier = "cj"
    let connection: Settings.CarrierConnection
    let session: URLSession
    let now: @Sendable () -> Date
    private var token: (value: String, expires: Date)?
    private var renewing: Task<(value: String, expires: Date), any Error>?
    /// Where the token outlives this process (the database), if anywhere.
    let tokenStore: FulfillmentStore?
    /// Calls made, by operation (the tests and `/metrics` read it).
    public private(set) var calls: [String: Int] = [:]

    /// `timeout`: each call's limit (CJ answers in well under a second; a hung connection is not waited for).
    public init(connection: Settings.CarrierConnection, timeout: TimeInterval = 3, tokenStore: FulfillmentStore? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.connection = connection
        self.tokenStore = tokenStore
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.timeoutIntervalForResource = timeout
        config.httpMaximumConnectionsPerHost = 16
        session = URLSession(configuration: config)
        self.now = now
    }

    // MARK: Operations

    public func refine(_ shipment: ShipmentDetail) async throws(CarrierLinkError) -> CarrierRouting {
        let body = try await call("ReqAddrRfnSm", [
            "CLNTNUM": connection.customerId, "CLNTMGMCUSTCD": connection.customerId, "ADDRESS": String(shipment.address.prefix(100)),
        ])
        return try Self.routing(from: body)
    }

    public func issueWaybillNumber() async throws(CarrierLinkError) -> String {
        let body = try await call("ReqInvcNo", ["CLNTNUM": connection.customerId])
        guard Self.succeeded(body), let data = body["DATA"] as? [String: Any], let number = data["INVC_NO"] as? String, !number.isEmpty else {
            throw Self.refusal("ReqInvcNo", body)
        }
        return number
    }

    public func book(_ shipment: ShipmentDetail, sender: Settings.Sender, on day: String) async throws(CarrierLinkError) -> BookingOutcome {
        let body = try await call("RegBook", try Self.booking(shipment, sender: sender, day: day, customerId: connection.customerId,
                                                              contractCode: connection.contractCode, cancel: false))
        if Self.succeeded(body) { return .booked }
        // A unique-key violation: CJ took this booking before (its answer was lost).
        if (body["RESULT_DETAIL"] as? String)?.contains("ORA-00001") == true { return .alreadyBooked }
        throw Self.refusal("RegBook", body)
    }

    public func cancel(_ shipment: ShipmentDetail, sender: Settings.Sender, bookedOn day: String) async throws(CarrierLinkError) {
        let body = try await call("CnclBook", try Self.booking(shipment, sender: sender, day: day, customerId: connection.customerId,
                                                               contractCode: connection.contractCode, cancel: true))
        guard Self.succeeded(body) else { throw Self.refusal("CnclBook", body) }
    }

    // MARK: Token and transport

    /// The day token, from the cache or CJ.
    func currentToken(renew: Bool = false) async throws(CarrierLinkError) -> String {
        if !renew, token == nil, let stored = try? tokenStore?.carrierToken(carrier) { token = (stored.token, stored.expires) }
        if !renew, let token, token.expires.timeIntervalSince(now()) > 30 * 60 { return token.value }
        if renew {
            token = nil
            try? tokenStore?.saveCarrierToken(carrier, token: nil, expires: now())
        }
        if renewing == nil {
            let connection = self.connection, session = self.session
            renewing = Task { try await Self.requestToken(connection, session: session) }
            calls["ReqOneDayToken", default: 0] += 1
        }
        do {
            let fresh = try await renewing!.value
            token = fresh
            renewing = nil
            try? tokenStore?.saveCarrierToken(carrier, token: fresh.value, expires: fresh.expires)
            return fresh.value
        } catch {
            renewing = nil
            throw error as? CarrierLinkError ?? CarrierLinkError(code: .unreachable, message: "CJ대한통운: \(error)")
        }
    }

    static func requestToken(_ connection: Settings.CarrierConnection, session: URLSession) async throws(CarrierLinkError) -> (value: String, expires: Date) {
        let (status, body) = try await post(session, connection.baseURL, "ReqOneDayToken",
                                            ["DATA": ["CUST_ID": connection.customerId, "BIZ_REG_NUM": connection.businessNumber]], token: nil)
        guard status == 200, succeeded(body) else {
            if status >= 500 { throw CarrierLinkError(code: .unreachable, message: "CJ대한통운 ReqOneDayToken: HTTP \(status)") }
            throw CarrierLinkError(code: .credentials, message: "CJ대한통운 did not give a token for customer id \(connection.masked.customerId): "
                                   + "\(body["RESULT_CD"] as? String ?? "HTTP \(status)") \(body["RESULT_DETAIL"] as? String ?? "") (check carrierConnections)")
        }
        return try token(from: body)
    }

    /// One operation with the day token; a token CJ refuses is renewed and the call made once more.
    func call(_ operation: String, _ data: [String: Any]) async throws(CarrierLinkError) -> [String: Any] {
        for attempt in 0..<2 {
            let token = try await currentToken(renew: attempt > 0)
            var fields = data
            fields["TOKEN_NUM"] = token
            calls[operation, default: 0] += 1
            // Written and read here: only bytes cross to the session.
            let json = try Self.encode(["DATA": fields], operation)
            let (status, data) = try await Self.send(session, connection.baseURL, operation, json, token: token)
            let body = try Self.decode(status, data, operation)
            if status == 401 || (body["RESULT_CD"] as? String)?.hasPrefix("E401") == true { continue }
            if status >= 500 { throw CarrierLinkError(code: .unreachable, message: "CJ대한통운 \(operation): HTTP \(status)") }
            guard status == 200 else { throw CarrierLinkError(code: .refused, message: "CJ대한통운 \(operation): HTTP \(status) \(body["RESULT_DETAIL"] as? String ?? "")") }
            return body
        }
        throw CarrierLinkError(code: .credentials, message: "CJ대한통운 \(operation): the day token was refused twice (check carrierConnections)")
    }

    /// One POST; the answer parsed as a JSON object (empty when it is none, with a 401 or 5xx).
    static func post(_ session: URLSession, _ base: String, _ operation: String, _ body: [String: Any], token: String?) async throws(CarrierLinkError)
        -> (Int, [String: Any]) {
        let (status, data) = try await send(session, base, operation, try encode(body, operation), token: token)
        return (status, try decode(status, data, operation))
    }

    static func encode(_ body: [String: Any], _ operation: String) throws(CarrierLinkError) -> Data {
        do { return try JSONSerialization.data(withJSONObject: body) } catch {
            throw CarrierLinkError(code: .protocolError, message: "CJ대한통운 \(operation): the request cannot be written as JSON")
        }
    }

    static func decode(_ status: Int, _ data: Data, _ operation: String) throws(CarrierLinkError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            if status >= 500 || status == 401 { return [:] }
            throw CarrierLinkError(code: .protocolError, message: "CJ대한통운 \(operation): HTTP \(status), an answer that is not JSON")
        }
        return object
    }

    static func send(_ session: URLSession, _ base: String, _ operation: String, _ body: Data, token: String?) async throws(CarrierLinkError) -> (Int, Data) {
        guard let url = URL(string: base.hasSuffix("/") ? base + operation : base + "/" + operation) else {
            throw CarrierLinkError(code: .notConnected, message: "CJ대한통운: baseURL '\(base)' is not a URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let token { request.setValue(token, forHTTPHeaderField: "CJ-Gateway-APIKey") }
        request.httpBody = body
        let limit = session.configuration.timeoutIntervalForRequest
        do {
            let prepared = request
            let (data, response) = try await withDeadline(seconds: limit) { try await session.data(for: prepared) }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        } catch is DeadlinePassed {
            throw CarrierLinkError(code: .unreachable, message: "CJ대한통운 \(operation): no answer within \(limit) s")
        } catch {
            throw CarrierLinkError(code: .unreachable, message: "CJ대한통운 \(operation): no answer (\(error.localizedDescription))")
        }
    }

    // MARK: The documented shapes (tests decode the contract's examples with these)

    static func succeeded(_ body: [String: Any]) -> Bool { (body["RESULT_CD"] as? String)?.hasPrefix("S") == true }

    static func refusal(_ operation: String, _ body: [String: Any]) -> CarrierLinkError {
        CarrierLinkError(code: .refused, message: "CJ대한통운 \(operation) refused: \(body["RESULT_CD"] as? String ?? "?") \(body["RESULT_DETAIL"] as? String ?? "")")
    }

    /// `ReqOneDayToken`'s DATA: TOKEN_NUM and TOKEN_EXPRTN_DTM (yyyyMMddHHmmss, Korean time: one of
    /// the forms `OrderTime` reads).
    static func token(from body: [String: Any]) throws(CarrierLinkError) -> (value: String, expires: Date) {
        guard let data = body["DATA"] as? [String: Any], let value = data["TOKEN_NUM"] as? String, !value.isEmpty,
              let text = data["TOKEN_EXPRTN_DTM"] as? String, let expires = OrderTime.date(text) else {
            throw CarrierLinkError(code: .protocolError, message: "CJ대한통운 ReqOneDayToken: no TOKEN_NUM / TOKEN_EXPRTN_DTM in the answer")
        }
        return (value, expires)
    }

    /// The meaning of ReqAddrRfnSm's negative RESULT_CD values (DeveloperGuide p.11).
    static let refinementCodes: [String: String] = [
        "-20000": "입력 파라미터 코드값 오류", "-20001": "CJ대한통운에 등록되지 않은 고객 ID", "-20002": "입력 주소 분석 실패",
        "-20003": "집배권역 설정값 없음", "-20004": "집배권역 점소 폐점/사용중지", "-20005": "배송·집화 처리 사원 미설정",
        "-20006": "허브터미널 도착지 코드 추출 실패", "-20007": "서브터미널 분류주소 추출 실패", "-20008": "고객ID 계약 만료/없음",
        "-20009": "배송 불가 주소", "-20010": "배송지연 발생가능 지역",
    ]

    /// `ReqAddrRfnSm`'s answer as a routing: S → routed; -20010 → delayed (DATA still routes it);
    /// -20009 and the address failures → undeliverable; an unknown customer → a credentials error.
    static func routing(from body: [String: Any]) throws(CarrierLinkError) -> CarrierRouting {
        let code = body["RESULT_CD"] as? String ?? ""
        let detail = (body["RESULT_DETAIL"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        func routed(_ state: CarrierRouting.State) throws(CarrierLinkError) -> CarrierRouting {
            guard let d = body["DATA"] as? [String: Any], let sort = d["CLSFCD"] as? String, !sort.isEmpty else {
                throw CarrierLinkError(code: .protocolError, message: "CJ대한통운 ReqAddrRfnSm: \(code) without CLSFCD in DATA")
            }
            func text(_ key: String) -> String? { (d[key] as? String).flatMap { $0.isEmpty ? nil : $0 } }
            return CarrierRouting(carrier: "cj", state: state, sortCode: sort, subSortCode: text("SUBCLSFCD"), addressShort: text("CLSFADDR"),
                                  branch: text("CLLDLVBRANNM"), employeeNick: text("CLLDLVEMPNICKNM"), p2p: text("P2PCD"),
                                  detail: state == .delayed ? (refinementCodes[code] ?? detail) : nil)
        }
        if code.hasPrefix("S") { return try routed(.routed) }
        if code == "-20010" { return try routed(.delayed) }
        if code == "-20001" || code == "-20008" {
            throw CarrierLinkError(code: .credentials, message: "CJ대한통운 ReqAddrRfnSm: \(code) \(refinementCodes[code]!) (check carrierConnections)")
        }
        if code == "-20000" { throw CarrierLinkError(code: .refused, message: "CJ대한통운 ReqAddrRfnSm: \(code) \(refinementCodes[code]!)") }
        if let meaning = refinementCodes[code] {
            return CarrierRouting(carrier: "cj", state: .undeliverable, detail: "\(code) \(meaning)")
        }
        throw CarrierLinkError(code: .protocolError, message: "CJ대한통운 ReqAddrRfnSm: RESULT_CD '\(code)' \(detail ?? "")")
    }

    /// A phone number in CJ's three parts: 02 → two digits; 050X safe numbers → four; other 0XX →
    /// three; a national number (15XX…) → "000" first. The rest split as the middle and the last four.
    static func phoneParts(_ phone: String) -> [String] {
        let d = String(phone.filter(\.isASCII).filter(\.isNumber))
        guard d.count >= 7 else { return [d.isEmpty ? "000" : d, "0000", "0000"] }
        let head: Int
        if !d.hasPrefix("0") { head = 0 } else if d.hasPrefix("02") { head = 2 } else if d.hasPrefix("050") { head = 4 } else { head = 3 }
        let first = head == 0 ? "000" : String(d.prefix(head))
        let rest = d.dropFirst(head)
        return [first, String(rest.dropLast(4)), String(rest.suffix(4))]
    }

    /// `RegBook`'s DATA for a self-printed parcel (PRT_ST 02), or `CnclBook`'s (the same with REQ_DV_CD 02).
    static func booking(_ s: ShipmentDetail, sender: Settings.Sender, day: String, customerId: String, contractCode: String?,
                        cancel: Bool) throws(CarrierLinkError) -> [String: Any] {
        guard let waybill = s.waybillNo else { throw CarrierLinkError(code: .refused, message: "shipment \(s.id) has no waybill number to book") }
        let useNo = "LBD\(s.id)"
        let sendPhone = phoneParts(sender.phone), receivePhone = phoneParts(s.receiverPhone)
        var data: [String: Any] = [
            "CUST_ID": customerId, "RCPT_YMD": day, "CUST_USE_NO": useNo, "RCPT_DV": "01", "WORK_DV_CD": "01", "REQ_DV_CD": cancel ? "02" : "01",
            "MPCK_KEY": "\(day)_\(customerId)_\(useNo)", "MPCK_SEQ": "1", "CAL_DV_CD": contractCode ?? "01", "FRT_DV_CD": "03", "CNTR_ITEM_CD": "01",
            "BOX_TYPE_CD": "01", "BOX_QTY": "1", "CUST_MGMT_DLCM_CD": customerId,
            "SENDR_NM": sender.name, "SENDR_TEL_NO1": sendPhone[0], "SENDR_TEL_NO2": sendPhone[1], "SENDR_TEL_NO3": sendPhone[2],
            "SENDR_ZIP_NO": sender.postalCode ?? "000000", "SENDR_ADDR": sender.address, "SENDR_DETAIL_ADDR": "-",
            "RCVR_NM": s.receiverName, "RCVR_TEL_NO1": receivePhone[0], "RCVR_TEL_NO2": receivePhone[1], "RCVR_TEL_NO3": receivePhone[2],
            "RCVR_CELL_NO1": receivePhone[0], "RCVR_CELL_NO2": receivePhone[1], "RCVR_CELL_NO3": receivePhone[2],
            "RCVR_ZIP_NO": s.postalCode, "RCVR_ADDR": s.address, "RCVR_DETAIL_ADDR": "-",
            "INVC_NO": waybill, "PRT_ST": "02", "DLV_DV": "01", "COD_YN": "N",
            "REMARK_1": s.message ?? "", "ORI_ORD_NO": s.orderNumbers.joined(separator: ","),
            "ARRAY": s.lines.map { l in ["MPCK_SEQ": "1", "GDS_NM": String((l.catalogName ?? l.productName).prefix(100)), "GDS_QTY": String(l.quantity), "UNIT_CD": "1"] as [String: Any] },
        ]
        if (data["ARRAY"] as! [[String: Any]]).isEmpty { data["ARRAY"] = [["MPCK_SEQ": "1", "GDS_NM": "상품", "GDS_QTY": "1", "UNIT_CD": "1"]] }
        return data
    }
}

struct DeadlinePassed: Error {}

/// `operation`'s result, or `DeadlinePassed` after `seconds` — whichever comes first. URLSession's
/// own timeout on Linux fired seconds late on a loaded machine; this one cancels the request.
func withDeadline<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let first = FirstOnly()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let work = Task {
            do {
                let value = try await operation()
                if first.claim() { continuation.resume(returning: value) }
            } catch {
                if first.claim() { continuation.resume(throwing: error) }
            }
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            if first.claim() {
                work.cancel()
                continuation.resume(throwing: DeadlinePassed())
            }
        }
    }
}

/// True for the first caller of `claim` only.
final class FirstOnly: Sendable {
    private let taken = Mutex(false)
    func claim() -> Bool { taken.withLock { done in defer { done = true }; return !done } }
}
