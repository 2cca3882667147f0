import Barcode
import Foundation
import LabelModel
import LabelTesting
import Rendering
import Testing

@Suite("Carrier waybills and product labels")
struct CarrierTemplateTests {
    @Test("every barcode on every page of every shipped template decodes (ZXing and zbar) at 203 and 300 dpi", arguments: [203, 300])
    func everyBarcodeDecodes(dpi: Int) throws {
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var checked = 0
        for (path, template, records) in try shippedWithSamples() {
            let composer = LabelComposer(template: template, dpi: dpi, carriers: Project.carriers)
            for (i, record) in records.enumerated() {
                for page in try composer.compose(record, index: i) {
                    let barcodes = page.items.compactMap { item -> BarcodeItem? in if case .barcode(let b) = item { return b } else { return nil } }
                    let (bitmap, warnings) = renderer.bitmap(of: page)
                    #expect(warnings.isEmpty, "\(path) page \(page.pageNumber) at \(dpi): \(warnings)")
                    // zbar reads the whole page (it reports identical symbols once).
                    let file = "\(dir)/\(template.name)-\(page.pageNumber).png"
                    try Data(PNGEncoder.encode(bitmap, dpi: dpi)).write(to: URL(fileURLWithPath: file))
                    let zb = Set(try Decoders.zbar(file).map(\.text))
                    #expect(zb == Set(barcodes.map(\.encodedText)), "\(path) page \(page.pageNumber) at \(dpi) dpi: zbar read \(zb)")
                    // ZXing 1.4 asserts on pages holding two identical symbols, so each symbol is
                    // cut out of the page (with its surroundings) and read on its own.
                    for (n, b) in barcodes.enumerated() {
                        let crop = cut(bitmap, page: page, b, margin: 12)
                        let one = "\(dir)/\(template.name)-\(page.pageNumber)-\(n).png"
                        try Data(PNGEncoder.encode(crop, dpi: dpi)).write(to: URL(fileURLWithPath: one))
                        let zx = try Decoders.zxing(one).map(\.text)
                        #expect(zx == [b.encodedText], "\(path) page \(page.pageNumber) '\(b.element)' at \(dpi) dpi: ZXing read \(zx)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked >= 17, "every shipped template's barcodes were checked")
    }

    /// The part of the printed page under a barcode element (page rotation applied), plus a margin.
    func cut(_ bitmap: Bitmap, page: ComposedPage, _ b: BarcodeItem, margin: Int) -> Bitmap {
        let (w, h) = b.boundingSize
        let W = page.width, H = page.height
        var (x, y, cw, ch) = (b.x, b.y, w, h)
        switch page.rotation {
        case .none: break
        case .quarter: (x, y, cw, ch) = (H - b.y - h, b.x, h, w)
        case .half: (x, y) = (W - b.x - w, H - b.y - h)
        case .threeQuarters: (x, y, cw, ch) = (b.y, W - b.x - w, h, w)
        }
        let x0 = max(0, x - margin), y0 = max(0, y - margin)
        let x1 = min(bitmap.width, x + cw + margin), y1 = min(bitmap.height, y + ch + margin)
        var out = Bitmap(width: x1 - x0, height: y1 - y0)
        for yy in y0..<y1 { for xx in x0..<x1 where bitmap.isInk(x: xx, y: yy) { out.setInk(x: xx - x0, y: yy - y0) } }
        return out
    }

    @Test("continuation labels repeat the waybill number and barcode so every page scans")
    func continuationPagesScan() throws {
        let template = try shippedTemplate("waybills/hanjin.yaml")
        let record = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/hanjin.json")!)[0]
        let pages = try LabelComposer(template: template, carriers: Project.carriers).compose(record)
        #expect(pages.count == 2)
        for page in pages {
            let codes = page.items.compactMap { item -> String? in if case .barcode(let b) = item { return b.encodedText } else { return nil } }
            #expect(codes.contains("420123456789"))
            let texts = page.items.compactMap { item -> String? in if case .text(let t) = item { return t.text } else { return nil } }
            #expect(texts.contains("\(page.pageNumber)/2"))
        }
    }

    struct NumberCase: Sendable, CustomStringConvertible {
        var carrier: String
        var number: String
        var error: String?
        var description: String { "\(carrier) \(number)" }
    }

    @Test("waybill numbers against each carrier's rules", arguments: [
        NumberCase(carrier: "lotte", number: "312345678901", error: nil),
        NumberCase(carrier: "lotte", number: "312345678905", error: "롯데택배 waybill number '312345678905': check digit 5 breaks rule mod7-11 (first 11 digits mod 7 = 1)"),
        NumberCase(carrier: "lotte", number: "31234567890", error: "롯데택배 waybill number '31234567890': expected 12 digits, got 11"),
        NumberCase(carrier: "cj", number: "6462-4980-2726", error: nil),
        NumberCase(carrier: "cj", number: "64624980272A", error: "CJ대한통운 waybill number '64624980272A': digits only"),
        NumberCase(carrier: "epost", number: "6012345678901", error: nil),
        NumberCase(carrier: "epost", number: "601234567890", error: "우체국택배 waybill number '601234567890': expected 13 digits, got 12"),
        NumberCase(carrier: "logen", number: "30412345678", error: nil),
        NumberCase(carrier: "hanjin", number: "4201234567", error: nil),
        NumberCase(carrier: "hanjin", number: "420123456", error: "한진택배 waybill number '420123456': expected 10 or 11 or 12 digits, got 9"),
    ])
    func numbers(_ c: NumberCase) throws {
        let profile = try #require(Project.carriers[c.carrier])
        do {
            try profile.validate(c.number)
            #expect(c.error == nil, "\(c) passed")
        } catch {
            #expect(error.message == c.error)
        }
    }

    @Test("a waybill whose number breaks its carrier's rule is refused with the rule and the JSON path")
    func refusedWaybill() throws {
        let template = try shippedTemplate("waybills/lotte.yaml")
        var record = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/lotte.json")!)[0]
        if case .object(var o) = record { o["waybill_no"] = .string("312345678905"); record = .object(o) }
        do {
            _ = try LabelComposer(template: template, carriers: Project.carriers).compose(record)
            Issue.record("no error")
        } catch {
            #expect(error.description == "record 1: $.waybill_no: 롯데택배 waybill number '312345678905': check digit 5 breaks rule mod7-11 (first 11 digits mod 7 = 1)")
        }
    }

    @Test("turning on an unverified rule is data: CJ mod 7 from carriers.yaml")
    func profileFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "carriers:\n  cj:\n    name: CJ대한통운\n    digits: [12]\n    check: mod7-11\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let cj = try CarrierProfile.load(path: dir + "/c.yaml")["cj"]!
        #expect(throws: LabelModelError.self) { try cj.validate("646249802725") }
        try "carriers:\n  cj:\n    name: CJ대한통운\n    digitz: [12]\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try CarrierProfile.load(path: dir + "/bad.yaml", displayName: "bad.yaml")
            Issue.record("no error")
        } catch {
            #expect(error.description == "bad.yaml:4:5: unknown key 'digitz' in carrier 'cj': expected one of name, digits, group, check, service_phone, mask_name, mask_phone")
        }
    }
}
