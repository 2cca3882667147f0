import Foundation
@testable import CarrierLink
@testable import Fulfillment
import LabelTesting
import Testing

/// The connector's reading of CJ's answers, on the same contract file the stand-in answers from
/// (docs/carriers/cj-contract.json), and its calls against the stand-in over real HTTP.
@Suite("CJ대한통운 connector")
struct CJConnectorTests {
    static var contract: [String: Any] {
        let data = FileManager.default.contents(atPath: Project.root + "/docs/carriers/cj-contract.json")!
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func answer(_ operation: String, _ name: String) -> [String: Any] {
        let ops = contract["operations"] as! [String: Any]
        let op = ops[operation] as! [String: Any]
        return (op["answers"] as! [String: Any])[name] as! [String: Any]
    }

    @Test("the contract's ReqAddrRfnSm answers: routed, delayed (지연지역), undeliverable (배송불가, an address not analysed), an unknown customer")
    func routingAnswers() throws {
        let ok = try CJConnector.routing(from: Self.answer("ReqAddrRfnSm", "ok"))
        #expect(ok == CarrierRouting(carrier: "cj", state: .routed, sortCode: "5D32", subSortCode: "1g", addressShort: "서소문 58-12 대한통운",
                                     branch: "중구소공", employeeNick: "G03-01", p2p: nil))
        #expect(ok.printBlock == nil)
        let delayed = try CJConnector.routing(from: Self.answer("ReqAddrRfnSm", "delayed"))
        #expect(delayed.state == .delayed && delayed.sortCode == "7J51" && delayed.detail == "배송지연 발생가능 지역" && delayed.printBlock == nil)
        let undeliverable = try CJConnector.routing(from: Self.answer("ReqAddrRfnSm", "undeliverable"))
        #expect(undeliverable.state == .undeliverable && undeliverable.printBlock == "CJ대한통운 does not deliver to this address (배송불가): -20009 배송 불가 주소")
        #expect(try CJConnector.routing(from: Self.answer("ReqAddrRfnSm", "addressNotAnalysed")).state == .undeliverable)
        #expect(throws: CarrierLinkError.self) { try CJConnector.routing(from: Self.answer("ReqAddrRfnSm", "unknownCustomer")) }
        do { _ = try CJConnector.routing(from: Self.answer("ReqAddrRfnSm", "unknownCustomer")) } catch { #expect(error.code == .credentials) }
    }

    @Test("the contract's token answer, its expiry in Korean time; RegBook's body has every field the contract requires, phones in CJ's three parts")
    func tokenAndBooking() throws {
        let token = try CJConnector.token(from: Self.answer("ReqOneDayToken", "ok"))
        #expect(token.value == "23c5c70e-97f8-4a46-9d4a-8b15b098429z")
        #expect(token.expires == Date(timeIntervalSince1970: 1_796_706_612))   // 2026-12-08 14:10:12 KST
        #expect(CJConnector.phoneParts("010-1234-5678") == ["010", "1234", "5678"])
        #expect(CJConnector.phoneParts("0221358870") == ["02", "2135", "8870"])
        #expect(CJConnector.phoneParts("0504-1234-0001") == ["0504", "1234", "0001"])
        #expect(CJConnector.phoneParts("1588-1255") == ["000", "1588", "1255"])

        let shipment = Self.shipment(7, "서울특별시 중구 세종대로 110", waybill: "650000000001")
        let sender = Settings.Sender(name: "리빙플러스", phone: "0221358870", address: "서울특별시 성동구 성수이로 113", postalCode: "04782")
        let body = try CJConnector.booking(shipment, sender: sender, day: "20261208", customerId: "30501859", contractCode: nil, cancel: false)
        let ops = Self.contract["operations"] as! [String: Any]
        let regBook = ops["RegBook"] as! [String: Any]
        let required = (regBook["requires"] as! [String]).filter { $0 != "TOKEN_NUM" }   // the connector adds the token per call
        let empty = required.filter { key in
            switch body[key] { case let s as String: s.isEmpty; case let a as [Any]: a.isEmpty; case nil: true; default: false }
        }
        #expect(empty.isEmpty, "RegBook fields missing or empty: \(empty)")
        #expect(body["INVC_NO"] as? String == "650000000001" && body["PRT_ST"] as? String == "02" && body["REQ_DV_CD"] as? String == "01")
        #expect(body["MPCK_KEY"] as? String == "20261208_30501859_LBD7")
        let cancel = try CJConnector.booking(shipment, sender: sender, day: "20261208", customerId: "30501859", contractCode: nil, cancel: true)
        #expect(cancel["REQ_DV_CD"] as? String == "02" && cancel["MPCK_KEY"] as? String == body["MPCK_KEY"] as? String)
    }

    static func connection(_ standIn: PrintLab.CJStandIn) -> Settings.CarrierConnection {
        Settings.CarrierConnection(customerId: standIn.customerId, businessNumber: standIn.businessNumber, baseURL: standIn.baseURL)
    }

    static func shipment(_ id: Int64, _ address: String, waybill: String? = nil) -> ShipmentDetail {
        ShipmentDetail(id: id, carrier: "cj", waybillNo: waybill, status: "open", orderNumbers: ["O-\(id)"], receiverName: "수령인",
                       receiverPhone: "01012345678", postalCode: "04524", address: address, message: nil, island: false, disruption: false,
                       combined: false, delayed: false,
                       lines: [.init(orderNo: "O-\(id)", productName: "수면 양말", option: nil, sku: nil, location: nil, quantity: 2, gift: false,
                                     matched: true, allocated: 2)],
                       orderedAt: nil, firstOrderId: id)
    }

    @Test("against the stand-in: one token for many calls, renewed when CJ refuses it; routing answers; numbers issued in turn")
    func overHTTP() async throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let cj = try lab.startCJStandIn()
        let connector = CJConnector(connection: Self.connection(cj))
        let routed = try await connector.refine(Self.shipment(1, "서울특별시 중구 세종대로 110"))
        #expect(routed.state == .routed && routed.sortCode?.isEmpty == false && routed.branch == "중구")
        #expect(try await connector.refine(Self.shipment(2, "제주특별자치도 제주시 연삼로 1")).state == .delayed)
        #expect(try await connector.refine(Self.shipment(3, "경상북도 울릉군 울릉읍 1")).state == .undeliverable)
        #expect(try await connector.issueWaybillNumber() == "650000000001")
        #expect(try await connector.issueWaybillNumber() == "650000000002")
        var log = try cj.log()
        #expect(log.tokens == 1 && log.calls["ReqAddrRfnSm"] == 3)
        // CJ stops taking the token: the connector renews it once and the call goes through.
        try cj.control(#"{"revokeTokens": true}"#)
        #expect(try await connector.refine(Self.shipment(4, "서울특별시 강남구 테헤란로 1")).state == .routed)
        log = try cj.log()
        #expect(log.tokens == 2 && log.calls["ReqAddrRfnSm"] == 5, "\(log.calls)")
        // Wrong credentials: a clear error, not a retry loop.
        let wrong = CJConnector(connection: Settings.CarrierConnection(customerId: "999", businessNumber: "1234567890", baseURL: cj.baseURL))
        await #expect(throws: CarrierLinkError.self) { try await wrong.refine(Self.shipment(5, "서울특별시 중구 1")) }
    }

    @Test("a call that hangs is given up after the timeout, a dropped connection is 'unreachable', and neither waits long")
    func faults() async throws {
        let lab = PrintLab()
        defer { lab.stop() }
        let cj = try lab.startCJStandIn()
        let connector = CJConnector(connection: Self.connection(cj), timeout: 1)
        _ = try await connector.issueWaybillNumber()   // the token first
        try cj.control(#"{"hang": {"ReqAddrRfnSm": 1}}"#)
        let start = Date()
        do {
            _ = try await connector.refine(Self.shipment(1, "서울특별시 중구 1"))
            Issue.record("a hung call answered")
        } catch {
            #expect(error.code == .unreachable && error.isTransient)
        }
        // The stand-in would answer after 10 s; the connector gives up after its 1 s per try (3 tries
        // with backoff: about 3.5 s, more on a loaded 2-core machine — never the server's 10 s).
        #expect(Date().timeIntervalSince(start) < 8, "gave up after the 1 s timeouts, not after the server's 10 s")
        try cj.control(#"{"drop": {"ReqAddrRfnSm": 1}}"#)
        do { _ = try await connector.refine(Self.shipment(1, "서울특별시 중구 1")); Issue.record("a dropped call answered") } catch {
            #expect(error.code == .unreachable)
        }
        #expect(try await connector.refine(Self.shipment(1, "서울특별시 중구 1")).state == .routed)
    }
}
