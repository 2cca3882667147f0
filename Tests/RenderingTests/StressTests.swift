import Foundation
import LabelModel
import LabelTesting
import Rendering
import Testing

/// Hard data per waybill template: a 120-character road address, a 30-line product list with emoji
/// and Latin, optional fields missing. No overflow warnings, no unknown glyphs, continuation pages right.
@Suite("Waybill stress data")
struct StressTests {
    static let address = "경상북도 울릉군 울릉읍 도동길 100, 울릉 바다 펜션 2동 101호 (도동리, 바다가 보이는 집, 독도 전망대 가는 길 왼쪽 세 번째 골목 끝 파란 대문 집, 우편함 옆 창고, 택배 보관함 3번 칸에 넣어 주세요)"

    func stressed(_ record: DataValue) -> DataValue {
        guard case .object(var o) = record else { return record }
        if case .object(var r)? = o["receiver"] {
            r["address"] = .string(String(Self.address.prefix(120)))
            o["receiver"] = .object(r)
        }
        let names = ["Stainless Tumbler 500ml", "아동용 겨울 패딩 점퍼 🧥 Kids", "Organic Coffee Beans 1kg ☕ 스페셜 블렌드"]
        var lines: [DataValue] = []
        for i in 1...30 {
            let line: [String: DataValue] = ["name": .string(names[i % 3]), "qty": .number(Double(i % 4 + 1))]
            lines.append(.object(line))
        }
        o["products"] = .array(lines)
        o.removeValue(forKey: "message")
        return .object(o)
    }

    @Test("every waybill template with stress data", arguments: [203, 300])
    func stress(dpi: Int) throws {
        #expect(Self.address.count >= 120)
        for (path, template, records) in try shippedWithSamples() where path.hasPrefix("waybills/") {
            let renderer = try LabelRenderer(configuration: Project.configuration)
            let composer = LabelComposer(template: template, dpi: dpi, carriers: Project.carriers)
            let pages = try composer.compose(stressed(records[0]))
            var warnings: [LabelWarning] = []
            for page in pages { warnings += renderer.bitmap(of: page).warnings }
            #expect(warnings.isEmpty, "\(path) at \(dpi) dpi: \(warnings.map(\.description))")
            #expect(renderer.unknownGlyphCount == 0, "\(path): emoji and Latin have glyphs")
            // Continuation templates print every line over n/N labels; summary ones end with 외 N건.
            guard case .rows(let repeat_)? = template.elements.first(where: { $0.name == "products" })?.content else { continue }
            let texts = pages.flatMap { $0.items.compactMap { item -> String? in if case .text(let t) = item { return t.text } else { return nil } } }
            switch repeat_.overflow {
            case .continuation:
                #expect(pages.count == (30 + repeat_.maxRows - 1) / repeat_.maxRows, "\(path)")
                #expect(texts.filter { $0.contains("Tumbler") || $0.contains("Coffee") || $0.contains("패딩") }.count == 30, "\(path): all 30 lines printed")
            case .summary:
                #expect(pages.count == 1)
                #expect(texts.contains("… 외 \(30 - repeat_.maxRows + 1)건"), "\(path)")
            }
        }
    }
}
