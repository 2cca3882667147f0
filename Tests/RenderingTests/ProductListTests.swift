import Foundation
import Fulfillment
import LabelModel
import LabelTesting
import Rendering
import Testing

/// The waybill's product box (송장 내 상품리스트) from the seller's settings to the printed lines.
@Suite("Product list inside the waybill")
struct ProductListTests {
    let lines: [WaybillLine] = [
        WaybillLine(productName: "수제 딸기잼 500g", quantity: 3, sku: "JAM-500", location: "B-02"),
        WaybillLine(productName: "[사은품] 샘플 파우치", quantity: 1, isGift: true),
        WaybillLine(productName: "핸드크림", quantity: 1, isGift: true),
        WaybillLine(productName: "텀블러", option: "블랙", quantity: 1, sku: "TMB-B", location: "A-01", setName: "캠핑 세트"),
        WaybillLine(productName: "접이식 의자", quantity: 1, sku: "CHR-1", location: "A-03", setName: "캠핑 세트"),
        WaybillLine(productName: "남성 데일리 러닝화", option: "사이즈:275", quantity: 2, sku: "SHOE-275", location: "A-02"),
    ]

    @Test("fields, ★N개★ emphasis from 2, sets on one line, gifts last, line order")
    func rows() {
        var settings = Settings.ProductList()
        var rows = WaybillProductList.rows(lines, settings: settings)
        // By default each line carries its shelf location (gifts without one print none).
        #expect(rows.map(\.name) == ["수제 딸기잼 500g (@B-02)", "캠핑 세트 (@A-01)", "남성 데일리 러닝화 (@A-02)", "[사은품] 샘플 파우치", "[사은품] 핸드크림"])
        #expect(rows.map(\.qty) == ["★3개★", "1", "★2개★", "1", "1"])
        #expect(rows[1].option == "텀블러 블랙 + 접이식 의자")
        settings.order = .location
        settings.fields = [.productName, .quantity, .location]
        settings.quantityEmphasis = "({n})"
        rows = WaybillProductList.rows(lines, settings: settings)
        #expect(rows.map(\.name) == ["캠핑 세트 (@A-01)", "남성 데일리 러닝화 (@A-02)", "수제 딸기잼 500g (@B-02)", "[사은품] 샘플 파우치", "[사은품] 핸드크림"])
        #expect(rows.map(\.qty) == ["1", "(2)", "(3)", "1", "1"])
        #expect(rows.allSatisfy { $0.option == nil })
        // Every {n}, at the start and the end; a gift already named 사은품 is not marked twice.
        settings.quantityEmphasis = "{n}×{n}개 {n}"
        rows = WaybillProductList.rows([WaybillLine(productName: "사은품 키링", quantity: 2, isGift: true), WaybillLine(productName: "잼", quantity: 12)], settings: settings)
        #expect(rows.map(\.name) == ["잼", "사은품 키링"] && rows.map(\.qty) == ["12×12개 12", "2×2개 2"])
    }

    func record(_ rows: [WaybillProductList.Row]) throws -> DataValue {
        var sample = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/cj.json")!)[0]
        let products = try JSONDecoder().decode(DataValue.self, from: JSONEncoder().encode(rows))
        if case .object(var o) = sample { o["products"] = products; sample = .object(o) }
        return sample
    }

    @Test("max lines and overflow mode from the settings: summary '외 N건' or continuation labels '2/3'")
    func limits() throws {
        let many = (1...14).map { WaybillLine(productName: "상품 \($0)", quantity: 1) }
        let rows = WaybillProductList.rows(many, settings: Settings.ProductList())
        let template = try shippedTemplate("waybills/cj.yaml")
        func texts(_ p: ComposedPage) -> [String] { p.items.compactMap { if case .text(let t) = $0 { return t.text } else { return nil } } }

        let summary = LabelComposer(template: template, carriers: Project.carriers, repeatLimits: ["products": .init(maxRows: 4, overflow: .summary)])
        let one = try summary.compose(try record(rows))
        #expect(one.count == 1 && texts(one[0]).contains("… 외 11건"))

        let continued = LabelComposer(template: template, carriers: Project.carriers, repeatLimits: ["products": .init(maxRows: 5, overflow: .continuation)])
        let pages = try continued.compose(try record(rows))
        #expect(pages.count == 3)
        #expect(texts(pages[2]).contains("출력매수 3/3") && texts(pages[2]).contains("상품 14 "))
        let renderer = try LabelRenderer(configuration: Project.configuration)
        for page in pages {
            #expect(renderer.bitmap(of: page).warnings.isEmpty)
            let codes = page.items.compactMap { item -> String? in if case .barcode(let b) = item { return b.encodedText } else { return nil } }
            #expect(codes.filter { $0 == "646249802726" }.count == 2, "both waybill barcodes on every label")
        }
    }
}
