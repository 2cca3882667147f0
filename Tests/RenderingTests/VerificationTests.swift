import Barcode
import Foundation
import LabelModel
import LabelTesting
@testable import Rendering
import Testing

/// Verification before send: every barcode is read back from the final raster by zxing-cpp and
/// checked (bars as encoded, quiet zones clear, module width, bar height, printable area).
@Suite("Barcode verification before send")
struct VerificationTests {
    func template(_ elements: String, page: String = "{width: 60mm, height: 30mm, dpi: 203}") throws -> Template {
        try TemplateParser.parse(yaml: "name: t\npage: \(page)\nelements:\n\(elements)", file: "t.yaml")
    }

    func verdicts(_ t: Template, data: DataValue = .object([:]), reduction: Int = 0) throws -> [BarcodeVerdict] {
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let composer = LabelComposer(template: t, carriers: Project.carriers, barWidthReduction: reduction)
        return try composer.compose(data).flatMap { renderer.verdicts(of: $0).verdicts }
    }

    static let code128 = "  - {type: barcode, name: code, symbology: code128, data: \"LD123456789\", x: 5mm, y: 5mm, height: 12mm, xdim: 2dots, human_readable: false}\n"

    @Test("a clean Code 128 passes every check and decodes to its payload")
    func cleanPasses() throws {
        let v = try verdicts(try template(Self.code128))
        #expect(v.count == 1)
        #expect(v[0].passed, "\(v[0].findings)")
        #expect(v[0].decoded == "LD123456789")
        #expect(v[0].xDimDots == 2)
    }

    /// Broken designs, each blocked with its exact reason.
    static let broken: [(name: String, elements: String, page: String?, check: VerificationCheck)] = [
        ("text over a Code 128", code128 + "  - {type: text, name: over, x: 12mm, y: 9mm, width: 30mm, height: 5mm, text: \"ACROSS THE BARS\", font: {size: 10}}\n",
         nil, .overprint),
        ("a box line through a quiet zone", code128 + "  - {type: box, name: frame, x: 6mm, y: 2mm, width: 50mm, height: 20mm, thickness: 0.3mm}\n",
         nil, .quietZone),
        ("a QR clipped by the page edge", "  - {type: barcode, name: qr, symbology: qr, data: \"https://example.com/p/123\", x: 52mm, y: 5mm, xdim: 4dots}\n",
         nil, .printableArea),
        ("an X-dimension below the minimum", "  - {type: barcode, name: code, symbology: code128, data: \"LD123456789\", x: 5mm, y: 5mm, height: 12mm, xdim: 1dots}\n",
         nil, .xDimension),
        ("a barcode whose rotation puts it off the medium",
         "  - {type: barcode, name: code, symbology: code128, data: \"LD123456789\", x: 40mm, y: 5mm, height: 12mm, xdim: 2dots, rotation: 90}\n",
         nil, .printableArea),
        ("bars cut to a sliver", "  - {type: barcode, name: code, symbology: code128, data: \"LD123456789\", x: 5mm, y: 5mm, height: 2mm, xdim: 2dots}\n",
         nil, .barHeight),
    ]

    @Test("broken designs are caught, each with its check", arguments: 0..<broken.count)
    func brokenDesigns(index: Int) throws {
        let c = Self.broken[index]
        let v = try verdicts(try template(c.elements, page: c.page ?? "{width: 60mm, height: 30mm, dpi: 203}"))
        let failed = v.flatMap(\.findings)
        #expect(failed.contains { $0.check == c.check }, "\(c.name): expected \(c.check.rawValue), got \(failed)")
        // The other checks hold where the design is otherwise sound (one reason, not a shower).
        if c.check == .overprint || c.check == .quietZone || c.check == .xDimension {
            #expect(!failed.contains { $0.check == .printableArea }, "\(c.name): \(failed)")
        }
    }

    @Test("every shipped template passes with its sample at 203 and 300 dpi, but the 300 dpi 40×20 label at 203", arguments: [203, 300])
    func shippedTemplatesPass(dpi: Int) throws {
        let renderer = try LabelRenderer(configuration: Project.configuration)
        var symbols = 0
        for (path, template, records) in try shippedWithSamples() {
            let composer = LabelComposer(template: template, dpi: dpi, carriers: Project.carriers)
            for (i, record) in records.enumerated() {
                for page in try composer.compose(record, index: i) {
                    for v in renderer.verdicts(of: page).verdicts {
                        symbols += 1
                        if path.hasSuffix("product-40x20.yaml") && dpi == 203 {
                            // 12 characters of Code 128 in 37 mm need 1-dot bars at 203 dpi: refused.
                            #expect(v.findings.map(\.check) == [.xDimension], "\(path): \(v.findings)")
                        } else {
                            #expect(v.passed, "\(path) '\(v.element)' at \(dpi) dpi: \(v.findings)")
                            #expect(v.decoded != nil)
                        }
                    }
                }
            }
        }
        #expect(symbols >= 25)
    }

    @Test("sabotage: bits flipped inside a symbol after drawing are caught — verification reads the final bits")
    func sabotage() throws {
        let renderer = try LabelRenderer(configuration: Project.configuration)
        renderer.verification = .standard
        let t = try template(Self.code128)
        let page = try LabelComposer(template: t).compose(.object([:]))[0]
        guard case .barcode(let b) = page.items[0] else { Issue.record("no barcode"); return }
        // Invert three columns in the middle of the bars, on every bar row: what a dead heater
        // element or a scratch does.
        let mid = b.x + b.symbol.width / 2
        renderer.rasterTap = { bitmap, _ in
            for x in mid..<(mid + 3) {
                for y in b.y..<(b.y + b.symbol.height) {
                    bitmap.bytes[y * bitmap.bytesPerRow + x >> 3] ^= 0x80 >> UInt8(x & 7)
                }
            }
        }
        let sink = MemorySink()
        let writer = renderer.documentWriter(format: .zpl, sink: sink)
        let warnings = try writer.add(page)
        let codes = Set(warnings.compactMap(\.code))
        #expect(codes.contains(VerificationCheck.overprint.rawValue), "\(warnings)")
        #expect(codes.contains(VerificationCheck.decode.rawValue) || codes.contains(VerificationCheck.content.rawValue), "\(warnings)")
        // The same page without sabotage passes.
        renderer.rasterTap = nil
        #expect(try renderer.documentWriter(format: .zpl, sink: MemorySink()).add(page).filter(\.isVerification).isEmpty)
    }

    @Test("print gain: a waybill's 2-dot Code 128 grown a dot by the head reads (ZXing, zbar) with barWidthReduction 1, not without")
    func printGain() throws {
        let t = try shippedTemplate("waybills/cj.yaml")
        let sample = try DataValue.records(from: Data(contentsOf: URL(fileURLWithPath: Project.templates + "/samples/cj.json")))[0]
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var reads: [Int: (zxing: Int, zbar: Int, total: Int)] = [:]
        for reduction in [0, 1] {
            let page = try LabelComposer(template: t, dpi: 203, carriers: Project.carriers, barWidthReduction: reduction).compose(sample)[0]
            let checked = renderer.verdicts(of: page, policy: VerificationPolicy(printGain: reduction))
            let findings = checked.verdicts.flatMap(\.findings)
            #expect(findings.isEmpty, "reduction \(reduction): \(findings)")
            let pageT = QuarterTransform.turning(page.rotation, width: page.width, height: page.height)
            var counts = (zxing: 0, zbar: 0, total: 0)
            for item in page.items {
                guard case .barcode(let b) = item, b.symbol.dotsPerModule == 2, !b.symbology.isTwoDimensional else { continue }
                let t = pageT.after(.translation(b.x, b.y)).after(.turning(b.rotation, width: b.symbol.width, height: b.symbol.height))
                let box = t.rect(0, 0, b.symbol.width, b.symbol.height)
                var crop = BarcodeVerifier.crop(checked.bitmap, x: box.x - 10, y: box.y - 10, width: box.width + 20, height: box.height + 20)
                // The head grows each bar by one dot across the bars (along x for upright symbols, y for turned ones).
                crop = Self.dilated(crop, alongX: !t.rotation.swapsAxes)
                let file = "\(dir)/\(reduction)-\(b.element).png"
                try Data(PNGEncoder.encode(crop, dpi: 203)).write(to: URL(fileURLWithPath: file))
                counts.total += 1
                if try Decoders.zxing(file).map(\.text).contains(b.encodedText) { counts.zxing += 1 }
                if try Decoders.zbar(file).map(\.text).contains(b.encodedText) { counts.zbar += 1 }
            }
            reads[reduction] = counts
        }
        let without = reads[0]!, with = reads[1]!
        #expect(with.total >= 1, "the CJ waybill has a 2-dot Code 128 (its bottom waybill number, 37 mm wide)")
        #expect(with.zxing == with.total && with.zbar == with.total, "with reduction every grown symbol reads: \(with)")
        #expect(without.zxing < without.total, "without reduction ZXing misses grown symbols: \(without)")
    }

    /// Every ink dot also inks its neighbour: a thermal head's print gain of one dot.
    static func dilated(_ b: Bitmap, alongX: Bool) -> Bitmap {
        var out = b
        for y in 0..<b.height {
            for x in 0..<b.width where b.isInk(x: x, y: y) {
                if alongX { if x + 1 < b.width { out.setInk(x: x + 1, y: y) } } else if y + 1 < b.height { out.setInk(x: x, y: y + 1) }
            }
        }
        return out
    }

    @Test("a repeated symbol is decoded once per batch (cached by its exact bits)")
    func cache() throws {
        let renderer = try LabelRenderer(configuration: Project.configuration)
        renderer.verification = .standard
        let page = try LabelComposer(template: try template(Self.code128)).compose(.object([:]))[0]
        let writer = renderer.documentWriter(format: .zpl, sink: MemorySink())
        for _ in 0..<5 { let w = try writer.add(page); #expect(w.filter(\.isVerification).isEmpty) }
        #expect(renderer.decodeCount == 1)
    }
}

/// Defects an independent check found in the shipped templates and outputs, each with a test that
/// failed before its fix.
@Suite("Defects found by an independent check")
struct IndependentCheckDefectTests {
    func sample(_ name: String) throws -> DataValue {
        try DataValue.records(from: Data(contentsOf: URL(fileURLWithPath: Project.templates + "/samples/\(name).json")))[0]
    }

    @Test("copies are the same in every format: product-50x30 × 3 is ZPL ^PQ3, 3 PWG pages, 3 PDF pages and 3 PNG files")
    func copiesByFormat() throws {
        let t = try shippedTemplate("barcodes/product-50x30.yaml")
        let record = try sample("product-50x30")
        #expect(record["quantity"] == .number(3))
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zpl = try renderFiles(t, records: [record], format: .zpl, directory: dir, name: "z").files
        #expect(try String(contentsOfFile: zpl[0], encoding: .utf8).contains("^PQ3"))
        let pwg = try renderFiles(t, records: [record], format: .pwg, directory: dir, name: "w").files
        let pwgBytes = try Data(contentsOf: URL(fileURLWithPath: pwg[0]))
        // Each PWG page header starts with "PwgRaster".
        #expect(String(decoding: pwgBytes, as: UTF8.self).components(separatedBy: "PwgRaster").count - 1 == 3)
        let pdf = try renderFiles(t, records: [record], format: .pdf, directory: dir, name: "p").files
        let info = try runTool("/usr/bin/pdfinfo", [pdf[0]]).stdout
        #expect(info.contains("Pages:           3"), "\(info)")
        let png = try renderFiles(t, records: [record], format: .png, directory: dir, name: "g").files
        #expect(png.count == 3)
        // Each PNG copy is the label, and reads as its EAN-13.
        for file in png { #expect(try Decoders.zbar(file).map(\.text) == ["8801234567893"]) }
        // Through the parallel batch renderer too (what the spool uses for batches).
        let batch = ParallelBatchRenderer(configuration: Project.configuration, template: t, dpi: nil, format: .pdf, workers: 2, carriers: Project.carriers)
        var records = [record, record][...]
        let sink = MemorySink()
        let result = try batch.run(next: { records.popFirst() }, sink: sink, title: "t")
        #expect(result.pages == 6)
        try Data(sink.bytes).write(to: URL(fileURLWithPath: dir + "/batch.pdf"))
        #expect(try runTool("/usr/bin/pdfinfo", [dir + "/batch.pdf"]).stdout.contains("Pages:           6"))
    }

    @Test("product-60x40's QR encodes the SKU when there is no url (it encoded the word 'sku'); a bare filter argument is refused")
    func qrDefaultsToSKU() throws {
        let t = try shippedTemplate("barcodes/product-60x40.yaml")
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let page = try LabelComposer(template: t, carriers: Project.carriers).compose(try sample("product-60x40"))[0]
        let qr = try #require(renderer.verdicts(of: page).verdicts.first { $0.symbology == .qr })
        #expect(qr.decoded == "RICE-BRN-4KG" && qr.passed, "\(qr)")
        do {
            _ = try TemplateParser.parse(yaml: "page: {width: 40mm, height: 20mm}\nelements:\n  - {type: text, name: t, x: 1mm, y: 1mm, width: 30mm, height: 5mm, text: \"{{url? | default:sku}}\"}\n", file: "t.yaml")
            Issue.record("a bare word argument was taken")
        } catch {
            #expect("\(error)".contains("filter 'default' argument sku is neither quoted text nor a field: write default:'sku' for the text, or default:@sku"), "\(error)")
        }
    }

    @Test("text drawn below the template's min_text_size (6 pt by default) is warned about; the shipped templates draw none")
    func minimumTextSize() throws {
        let renderer = try LabelRenderer(configuration: Project.configuration)
        func warnings(_ extra: String) throws -> [LabelWarning] {
            let t = try TemplateParser.parse(yaml: "page: {width: 40mm, height: 20mm}\n\(extra)elements:\n  - {type: text, name: tiny, x: 1mm, y: 1mm, width: 30mm, height: 5mm, text: \"보내는분\", font: {size: 5.8}}\n", file: "t.yaml")
            return try LabelComposer(template: t).compose(.object([:])).flatMap { renderer.bitmap(of: $0).warnings }
        }
        let small = try warnings("")
        #expect(small.map(\.code) == ["text.too-small"] && small[0].message.hasPrefix("text drawn at 5.8 pt, below the template's minimum of 6.0 pt"), "\(small)")
        #expect(try warnings("min_text_size: 5\n").isEmpty)
        for (path, template, records) in try shippedWithSamples() {
            for dpi in [203, 300] {
                for page in try LabelComposer(template: template, dpi: dpi, carriers: Project.carriers).compose(records[0]) {
                    let tooSmall = renderer.bitmap(of: page).warnings.filter { $0.code == "text.too-small" }
                    #expect(tooSmall.isEmpty, "\(path) at \(dpi): \(tooSmall)")
                }
            }
        }
    }

    @Test("continuation labels carry the frame, the receiver and the order number: a packer holding page 2 knows whose parcel it is",
          arguments: ["waybills/generic-4x6", "waybills/hanjin"])
    func continuationLabels(name: String) throws {
        let t = try shippedTemplate(name + ".yaml")
        let pages = try LabelComposer(template: t, carriers: Project.carriers).compose(try sample(String(name.split(separator: "/").last!)))
        #expect(pages.count == 2)
        let names = Set(pages[1].items.compactMap { item -> String? in
            switch item {
            case .box(let b): return b.element
            case .text(let t): return t.element
            default: return nil
            }
        })
        #expect(names.isSuperset(of: ["frame", "receiver"]), "\(names)")
        if name == "waybills/generic-4x6" { #expect(names.contains("order-number")) }
        let receiver = pages[1].items.compactMap { item -> String? in if case .text(let t) = item, t.element == "receiver" { return t.text } else { return nil } }
        #expect(receiver.first?.contains("*") == true, "the receiver masked as on page 1: \(receiver)")
    }
}
