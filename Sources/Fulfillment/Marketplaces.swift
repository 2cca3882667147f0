import Foundation

/// The marketplaces whose order exports labeld reads as they are and whose bulk-dispatch (발송처리)
/// files it writes back. The column lists and their sources: docs/MARKETPLACES.md.
public enum Marketplaces {
    /// Every preset, in the order a header row is tried against them.
    public static let presets: [OrderLayout] = [smartstore, coupang, elevenst, esm, cafe24, labeld]

    /// The preset named `name` (`smartstore`, `coupang`, `11st`, `esm`, `cafe24`, `labeld`).
    public static func preset(_ name: String) throws(FulfillmentError) -> OrderLayout {
        guard let p = presets.first(where: { $0.name == name.lowercased() }) else {
            throw FulfillmentError(code: .mapping, message: "unknown preset '\(name)', expected one of \(names)")
        }
        return p
    }

    public static var names: String { presets.map(\.name).joined(separator: ", ") }

    /// labeld's own Korean headers (the default mapping).
    public static let labeld = OrderLayout(mapping: ColumnMapping(), name: "labeld", title: "labeld")

    /// 네이버 스마트스토어: 발주발송관리 download (password-protected, a notice row above the header;
    /// 배송지 in older files, 통합배송지 + 기본배송지/상세배송지 in newer ones), 엑셀 일괄발송 upload.
    public static let smartstore = OrderLayout(
        name: "smartstore", title: "네이버 스마트스토어",
        columns: [
            .lineId: ["상품주문번호"], .orderId: ["주문번호"], .orderedAt: ["주문일시"], .paidAt: ["결제일"],
            .receiverName: ["수취인명"], .receiverPhone: ["수취인연락처1"], .receiverPhone2: ["수취인연락처2"],
            .postalCode: ["우편번호"], .address: ["통합배송지", "배송지", "기본배송지"], .addressDetail: ["상세배송지"],
            .productName: ["상품명"], .option: ["옵션정보"], .quantity: ["수량"], .message: ["배송메세지", "배송메시지"],
            .itemCode: ["옵션관리코드", "판매자 상품코드"], .carrier: ["택배사"], .waybillNo: ["송장번호"],
        ],
        required: [.lineId, .orderId, .receiverName, .receiverPhone, .postalCode, .address, .productName, .quantity],
        signatures: [["상품주문번호", "주문번호", "수취인명"]],
        lineKey: [.lineId], orderKey: [.orderId],
        dispatch: DispatchLayout(
            sheet: "발송처리",
            columns: [("상품주문번호", .field(.lineId)), ("배송방법", .constant("택배,등기,소포")), ("택배사", .carrier), ("송장번호", .waybill)],
            carrierNames: ["cj": "CJ대한통운", "lotte": "롯데택배", "hanjin": "한진택배", "epost": "우체국택배", "logen": "로젠택배"]))

    /// 쿠팡 Wing: DeliveryList (sheet `Delivery`, header in row 1) in its generations — 39 columns,
    /// and the current 40 with 최초등록등록상품명/옵션명, 통관용수취인전화번호 and 배송유형. The same file
    /// goes back up with 택배사 and 운송장번호 filled.
    public static let coupang = OrderLayout(
        name: "coupang", title: "쿠팡",
        columns: [
            .bundleId: ["묶음배송번호"], .orderId: ["주문번호"], .channelOptionId: ["옵션ID"], .orderedAt: ["주문일"],
            .receiverName: ["수취인이름"], .receiverPhone: ["수취인전화번호"], .postalCode: ["우편번호"], .address: ["수취인 주소"],
            .productName: ["등록상품명", "노출상품명(옵션명)", "최초등록등록상품명/옵션명"], .option: ["등록옵션명", "최초등록옵션명"],
            .quantity: ["구매수(수량)", "구매수"], .message: ["배송메세지", "배송메시지"], .itemCode: ["업체상품코드"],
            .carrier: ["택배사"], .waybillNo: ["운송장번호"],
        ],
        required: [.bundleId, .orderId, .channelOptionId, .receiverName, .receiverPhone, .postalCode, .address, .productName, .quantity],
        signatures: [["묶음배송번호", "주문번호", "옵션ID", "수취인이름"]],
        lineKey: [.orderId, .channelOptionId], orderKey: [.bundleId, .orderId], keepsRow: true,
        dispatch: DispatchLayout(
            sheet: "Delivery", columns: [("택배사", .carrier), ("운송장번호", .waybill)], sourceRow: true,
            carrierNames: ["cj": "CJ 대한통운", "lotte": "롯데택배", "hanjin": "한진택배", "epost": "우체국", "logen": "로젠택배"]))

    /// 11번가 셀러오피스: 발송준비중 download (a notice row and the title 발송준비중내역 above the
    /// header), 발송처리 upload with the carrier as 11번가's five-digit code.
    public static let elevenst = OrderLayout(
        name: "11st", title: "11번가",
        columns: [
            .orderId: ["주문번호"], .bundleId: ["배송번호"], .channelOptionId: ["상품번호"], .orderedAt: ["주문일시"], .paidAt: ["결제일시"],
            .receiverName: ["수취인"], .receiverPhone: ["휴대폰번호", "핸드폰"], .receiverPhone2: ["전화번호"], .postalCode: ["우편번호"],
            .address: ["주소", "배송지주소"], .productName: ["상품명"], .option: ["옵션", "옵션/추가구성"], .quantity: ["수량"],
            .message: ["배송메시지", "배송시요구사항"], .itemCode: ["판매자상품코드"], .carrier: ["택배사"], .waybillNo: ["송장/등기번호", "송장번호"],
        ],
        required: [.orderId, .bundleId, .channelOptionId, .receiverName, .receiverPhone, .postalCode, .address, .productName, .quantity],
        signatures: [["주문번호", "배송번호", "수취인", "휴대폰번호"], ["주문번호", "배송번호", "수취인", "핸드폰"]],
        lineKey: [.orderId, .channelOptionId], orderKey: [.bundleId, .orderId],
        dispatch: DispatchLayout(
            sheet: "발송처리",
            columns: [("주문번호", .field(.orderId)), ("배송번호", .field(.bundleId)), ("배송방법", .constant("01")),
                      ("택배사코드", .carrier), ("송장/등기번호", .waybill), ("상품번호", .field(.channelOptionId))],
            carrierNames: ["cj": "00034", "lotte": "00012", "hanjin": "00011", "epost": "00007", "logen": "00002"]))

    /// G마켓·옥션 (ESM PLUS): 발송관리 download (header in row 1, first column 판매아이디 or, in older
    /// files, 아이디), 발송처리 upload naming the account.
    public static let esm = OrderLayout(
        name: "esm", title: "G마켓·옥션 (ESM)",
        columns: [
            .sellerAccount: ["판매아이디", "아이디"], .orderId: ["주문번호"], .bundleId: ["배송번호"],
            .orderedAt: ["주문일자(결제확인전)"], .paidAt: ["결제완료일"],
            .receiverName: ["수령인명"], .receiverPhone: ["수령인 휴대폰"], .receiverPhone2: ["수령인 전화번호"], .postalCode: ["우편번호"],
            .address: ["주소"], .productName: ["상품명"], .option: ["주문옵션", "옵션"], .quantity: ["수량"], .message: ["배송시 요구사항"],
            .itemCode: ["판매자 관리코드"], .carrier: ["택배사명(발송방법)", "택배사명"], .waybillNo: ["송장번호"],
        ],
        required: [.orderId, .receiverName, .receiverPhone, .postalCode, .address, .productName, .quantity],
        signatures: [["주문번호", "수령인명", "배송시 요구사항"]],
        lineKey: [.orderId], orderKey: [.bundleId, .orderId],
        dispatch: DispatchLayout(
            sheet: "Sheet1",
            columns: [("판매아이디", .field(.sellerAccount)), ("주문번호", .field(.orderId)), ("택배사", .carrier), ("운송장/등기번호", .waybill)],
            carrierNames: ["cj": "CJ택배", "lotte": "롯데택배", "hanjin": "한진택배", "epost": "우체국택배", "logen": "로젠택배"]))

    /// cafe24: 주문 엑셀 다운로드 (the shop's own download template, so columns are found by name),
    /// 송장번호 일괄 등록 by 주문번호 and 품목별 주문번호.
    public static let cafe24 = OrderLayout(
        name: "cafe24", title: "카페24",
        columns: [
            .orderId: ["주문번호"], .lineId: ["품목별 주문번호"], .orderedAt: ["주문일시"], .paidAt: ["결제일시(입금확인일)"],
            .receiverName: ["수령인"], .receiverPhone: ["수령인 휴대전화"], .receiverPhone2: ["수령인 전화번호", "수령인 일반전화"],
            .postalCode: ["수령인 우편번호"], .address: ["수령인 주소(전체)", "수령인 주소"], .addressDetail: ["수령인 상세 주소"],
            .productName: ["주문상품명", "주문상품명(기본)", "상품명(한국어 쇼핑몰)", "상품명"], .option: ["상품옵션", "상품옵션(기본)"],
            .quantity: ["수량"], .message: ["배송메시지"], .itemCode: ["상품품목코드", "자체 상품코드", "상품코드"],
            .carrier: ["배송업체"], .waybillNo: ["운송장번호", "송장번호"],
        ],
        required: [.orderId, .lineId, .receiverName, .receiverPhone, .postalCode, .address, .productName, .quantity],
        signatures: [["주문번호", "품목별 주문번호", "수령인"]],
        lineKey: [.lineId], orderKey: [.orderId],
        dispatch: DispatchLayout(
            sheet: "송장번호",
            columns: [("주문번호", .field(.orderId)), ("품목별 주문번호", .field(.lineId)), ("배송업체", .carrier), ("송장번호", .waybill)],
            carrierNames: ["cj": "CJ대한통운", "lotte": "롯데택배", "hanjin": "한진택배", "epost": "우체국택배", "logen": "로젠택배"]))
}
