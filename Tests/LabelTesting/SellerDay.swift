/// The seller's day that the CLI and the HTTP end-to-end tests both run: the same catalog and the
/// same channel export, so the two stay one script.
public enum SellerDay {
    /// Two products with locations and prices (a product file, `labeld products import`).
    public static let products = #"""
        [{"code":"P1","name":"수면 양말","sku":"SOCK-GR","option":"색상:그레이","location":"A-03","price":12900},
         {"code":"P2","name":"수제 딸기잼 500g","sku":"JAM-500","location":"B-01","price":8900}]
        """#

    /// A channel's export: 스마트스토어's dotted times, 택배사 as the channel names it, a postal code
    /// Excel shortened, waybill numbers with hyphens. D-2 (08:00) was ordered before D-1 (14:30)
    /// though it comes later in the file: the one jar goes to D-2. D-4's mug is not in the catalog.
    public static let ordersCSV = """
        주문번호,주문일시,수령자명,수령자연락처,우편번호,주소,상품명,옵션,수량,배송메세지,택배사,송장번호
        D-1,2026-12-03 14:30:00,홍길동,010-1111-2222,4524,서울특별시 중구 세종대로 110,수제 딸기잼 500g,,1,,CJ대한통운,6000-0000-0019
        D-2,2026.12.03 08:00:00,김철수,010-3333-4444,06190,서울특별시 강남구 테헤란로 1,수제 딸기잼 500g,,1,문 앞에 놓아 주세요,CJ대한통운,600000000027
        D-3,2026.12.03 09:00:00,김철수,010-3333-4444,06190,서울특별시 강남구 테헤란로 1,수면 양말,색상:그레이,2,,CJ대한통운,
        D-4,2026.12.03 10:00:00,이영희,010-5555-6666,48058,부산광역시 해운대구 1,카탈로그에 없는 머그컵,,1,,CJ,600000000035
        """
}
