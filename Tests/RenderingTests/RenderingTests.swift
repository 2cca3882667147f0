import Barcode
import Foundation
import LabelModel
import LabelTesting
import Rendering
import Testing

/// Templates shipped in templates/ with their sample data in templates/samples/.
func shippedWithSamples() throws -> [(path: String, template: Template, records: [DataValue])] {
    let root = Project.templates
    let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
        .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("samples/") && $0 != "carriers.yaml" }.sorted()
    return try files.compactMap { rel in
        let template = try shippedTemplate(rel)
        guard let data = FileManager.default.contents(atPath: "\(root)/samples/\(template.name).json") else { return nil }
        return (rel, template, try DataValue.records(from: data))
    }
}

func fixture(_ name: String) throws -> Template {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    return try TemplateParser.load(path: url.path + "/Fixtures/" + name, displayName: name)
}

func pythonBits(_ kind: String, _ file: String) throws -> [String] {
    let r = try runTool("python3", [Project.root + "/Tests/tools/bits.py", kind, file])
    #expect(r.status == 0, "bits.py \(kind): \(r.stderr)")
    return r.stdout.split(separator: "\n").map(String.init)
}

func bitsLine(_ b: Bitmap) -> String {
    "\(b.width) \(b.height) " + b.bytes.map { String(format: "%02x", $0) }.joined()
}

func pdfInfo(_ file: String) throws -> (pages: Int, width: Double, height: Double) {
    let info = try runTool("pdfinfo", [file]).stdout
    let pages = Int(info.components(separatedBy: "\n").first { $0.hasPrefix("Pages:") }!.split(separator: " ").last!)!
    let size = info.components(separatedBy: "\n").first { $0.hasPrefix("Page size:") }!
    let numbers = size.split(separator: " ").compactMap { Double($0) }
    return (pages, numbers[0], numbers[1])
}

@Suite("Shipped templates render Korean text, exact page sizes and scannable barcodes")
struct ShippedTemplateTests {
    @Test("every shipped template with samples: no warnings, no unknown glyphs, Korean text in the PDF, page size to 0.1 mm", arguments: [203, 300])
    func shippedTemplates(dpi: Int) throws {
        let all = try shippedWithSamples()
        #expect(!all.isEmpty)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (path, template, records) in all {
            let pdf = try renderFiles(template, records: records, format: .pdf, dpi: dpi, directory: dir, name: template.name)
            #expect(pdf.warnings.isEmpty, "\(path): \(pdf.warnings)")
            #expect(pdf.unknownGlyphs == 0, "\(path): characters without glyphs")
            let png = try renderFiles(template, records: records, format: .png, dpi: dpi, directory: dir, name: template.name)
            #expect(png.unknownGlyphs == 0)
            let info = try pdfInfo(pdf.files[0])
            let media = template.page.mediaSize
            #expect(abs(info.width - media.width.points) < 0.1 * 72 / 25.4, "\(path): PDF width \(info.width) pt")
            #expect(abs(info.height - media.height.points) < 0.1 * 72 / 25.4, "\(path): PDF height \(info.height) pt")
            let text = try runTool("pdftotext", [pdf.files[0], "-"]).stdout.replacingOccurrences(of: "\n", with: " ")
            for needle in koreanStrings(in: records[0]) {
                #expect(text.contains(needle), "\(path): pdftotext lacks '\(needle)'")
            }
        }
    }

    /// Korean words of the sample's receiver/sender that must be found in the PDF's text.
    func koreanStrings(in record: DataValue) -> [String] {
        var found: [String] = []
        func walk(_ v: DataValue) {
            switch v {
            case .string(let s):
                for word in s.split(separator: " ") where word.unicodeScalars.contains(where: { (0xAC00...0xD7A3).contains($0.value) }) && word.count >= 3 {
                    found.append(String(word).trimmingCharacters(in: CharacterSet(charactersIn: ",()[]")))
                }
            case .object(let o): o.values.forEach(walk)
            case .array(let a): a.prefix(2).forEach(walk)
            default: break
            }
        }
        if let r = record["receiver"], let address = r["address"] { walk(address) }
        if let products = record["products"] { walk(products) }
        return Array(found.prefix(6))
    }

    @Test("the waybill's barcodes decode from the 1-bit PNG and from the PDF rasterised at the printer's dpi")
    func waybillBarcodes() throws {
        let template = try shippedTemplate("waybills/generic-100x150.yaml")
        let record = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/generic-100x150.json")!)[0]
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for dpi in [203, 300] {
            let png = try renderFiles(template, records: [record], format: .png, dpi: dpi, directory: dir, name: "w\(dpi)")
            let zx = try Decoders.zxing(png.files[0]).map(\.text).sorted()
            #expect(zx == ["20261128-0192432", "646249802726"], "\(dpi) dpi: \(zx)")
            #expect(try Decoders.zbar(png.files[0]).map(\.text).sorted() == ["20261128-0192432", "646249802726"])
            let pdf = try renderFiles(template, records: [record], format: .pdf, dpi: dpi, directory: dir, name: "w\(dpi)")
            // The PDF keeps the printer's dot grid: rasterised at twice the dpi every dot is 2×2 pixels.
            let r = try runTool("pdftoppm", ["-r", "\(2 * dpi)", "-mono", "-png", pdf.files[0], dir + "/pdf\(dpi)"])
            #expect(r.status == 0)
            let raster = try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix("pdf\(dpi)") }!
            #expect(try Decoders.zbar(dir + "/" + raster).map(\.text).sorted() == ["20261128-0192432", "646249802726"])
        }
    }
}

@Suite("Output formats")
struct OutputFormatTests {
    func sample() throws -> (Template, DataValue) {
        let template = try shippedTemplate("waybills/generic-100x150.yaml")
        let record = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/generic-100x150.json")!)[0]
        return (template, record)
    }

    @Test("ZPL ^GF Z64 decodes (base64, CRC, zlib in Python) to the same bits as the PNG, at 203 and 300 dpi", arguments: [203, 300])
    func zplMatchesPNG(dpi: Int) throws {
        let (template, record) = try sample()
        var second = record
        if case .object(var o) = second { o["island"] = .bool(true); o["waybill_no"] = .string("646249802733"); second = .object(o) }
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zpl = try renderFiles(template, records: [record, second], format: .zpl, dpi: dpi, directory: dir)
        let png = try renderFiles(template, records: [record, second], format: .png, dpi: dpi, directory: dir)
        let zplPages = try pythonBits("zpl", zpl.files[0])
        #expect(zplPages.count == 2, "one ZPL format per label")
        let pngPages = try png.files.flatMap { try pythonBits("png", $0) }
        #expect(zplPages == pngPages, "ZPL and PNG pages are bit for bit the same (\(zplPages.map(\.count)) vs \(pngPages.map(\.count)) hex digits)")
        // Our own reader agrees too, and the page is the template's size in dots.
        let text = try String(contentsOfFile: zpl.files[0], encoding: .ascii)
        #expect(text.hasPrefix("^XA\n^PW\(template.page.width.wholeDots(at: dpi))\n^LL\(template.page.height.wholeDots(at: dpi))\n"))
        #expect(text.components(separatedBy: "^PQ1\n^XZ").count == 3)
        let ours = ZPLEncoder.decodeGraphicField(Array(text.utf8))!
        #expect(bitsLine(ours).split(separator: " ")[2] == zplPages[0].split(separator: " ")[2], "labeld's own ^GF reader agrees")
    }

    @Test("PWG raster pages expand to the PNG's bits")
    func pwgMatchesPNG() throws {
        let (template, record) = try sample()
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pwg = try renderFiles(template, records: [record, record], format: .pwg, directory: dir)
        let png = try renderFiles(template, records: [record], format: .png, directory: dir)
        let pages = try pythonBits("pwg", pwg.files[0])
        #expect(pages.count == 2)
        #expect(pages[0] == (try pythonBits("png", png.files[0]))[0])
    }

    @Test("ZPL copies come from the template's copies binding (^PQ)")
    func copies() throws {
        let template = try TemplateParser.parse(yaml: """
            page: {width: 40mm, height: 20mm}
            copies: "{{quantity}}"
            elements:
              - {type: barcode, name: sku, symbology: code128, data: "{{sku}}", x: 2mm, y: 2mm, height: 10mm, xdim: 2dots}
            """, file: "copies.yaml")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zpl = try renderFiles(template, records: [.object(["sku": .string("SKU-1"), "quantity": .number(3)])], format: .zpl, directory: dir)
        #expect(try String(contentsOfFile: zpl.files[0], encoding: .ascii).contains("^PQ3\n^XZ"))
        #expect(throws: RenderingError.self) {
            _ = try LabelComposer(template: template).compose(.object(["sku": .string("S"), "quantity": .string("three")]))
        }
    }

    @Test("a 300-label batch streams into one multi-page PDF")
    func batchPDF() throws {
        let (template, record) = try sample()
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pdf = try renderFiles(template, records: Array(repeating: record, count: 300), format: .pdf, directory: dir)
        #expect(try pdfInfo(pdf.files[0]).pages == 300)
        let fonts = try runTool("pdffonts", [pdf.files[0]]).stdout
        #expect(fonts.contains("NanumGothic"), "fonts embedded")
        #expect(!fonts.contains(" no "), "every font embedded:\n\(fonts)")
    }
}

@Suite("Layout features")
struct LayoutTests {
    static let record: DataValue = .object([
        "waybill_no": .string("646249802726"), "order_no": .string("ORD-20261128-7"), "island": .bool(true), "reprint": .bool(true), "count": .number(14),
        "lines": .array((1...14).map { .object(["name": .string("상품 \($0) 한글 이름"), "qty": .number(Double($0 % 3 + 1))]) }),
    ])

    @Test("continuation: 14 lines over 6-row pages make 3 labels, each with the waybill barcode and 'n/3'")
    func continuation() throws {
        let template = try fixture("features.yaml")
        let pages = try LabelComposer(template: template).compose(Self.record)
        #expect(pages.count == 3)
        for (i, page) in pages.enumerated() {
            let texts = page.items.compactMap { item -> String? in if case .text(let t) = item { return t.text } else { return nil } }
            #expect(texts.contains("\(i + 1)/3"))
            #expect(texts.contains("도서"), "the island marker repeats on continuation labels")
            #expect(texts.contains("재출력") == (i == 0), "elements without continuation: true stay on the first label")
            let barcodes = page.items.compactMap { item -> String? in if case .barcode(let b) = item { return b.encodedText } else { return nil } }
            #expect(barcodes.contains("646249802726"))
            let lines = texts.filter { $0.contains("상품") }
            #expect(lines.count == (i < 2 ? 6 : 2))
        }
        #expect((pages[2].items.compactMap { item -> String? in if case .text(let t) = item { return t.text } else { return nil } }).contains("13. 상품 13 한글 이름"))
    }

    @Test("rotated stock: the medium is turned, barcodes still decode, the PDF page is swapped")
    func rotation() throws {
        let template = try fixture("features.yaml")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let png = try renderFiles(template, records: [Self.record], format: .png, directory: dir)
        #expect(png.warnings.isEmpty, "\(png.warnings)")
        let header = try pythonBits("png", png.files[0])[0].split(separator: " ")
        #expect(header[0] == "\(template.page.height.wholeDots(at: 203))" && header[1] == "\(template.page.width.wholeDots(at: 203))")
        let read = try Decoders.zxing(png.files[0]).map(\.text)
        #expect(Set(read) == ["646249802726", "ORD-20261128-7"], "\(read)")
        let pdf = try renderFiles(template, records: [Self.record], format: .pdf, directory: dir)
        let info = try pdfInfo(pdf.files[0])
        #expect(info.pages == 3 && abs(info.width - 60 * 72 / 25.4) < 0.3 && abs(info.height - 100 * 72 / 25.4) < 0.3)
    }

    @Test("inverted box: black box with white text")
    func inverted() throws {
        let template = try TemplateParser.parse(yaml: """
            page: {width: 30mm, height: 10mm}
            elements:
              - {type: text, name: marker, x: 0mm, y: 0mm, width: 30mm, height: 10mm, text: "도서", font: {weight: bold, size: 16}, align: center, valign: middle, inverted: true}
            """, file: "inv.yaml")
        let page = try LabelComposer(template: template).compose(.object([:]))[0]
        let bitmap = try LabelRenderer(configuration: Project.configuration).bitmap(of: page).bitmap
        let total = bitmap.width * bitmap.height
        let ink = bitmap.inkCount
        #expect(ink > total * 7 / 10 && ink < total, "mostly black with white glyphs: \(ink)/\(total)")
        #expect(bitmap.isInk(x: 1, y: 1) && !bitmap.isInk(x: bitmap.width / 2, y: bitmap.height / 2) || ink < total)
    }

    @Test("shrink to fit avoids a warning; what still overflows is a warning naming the element")
    func fitting() throws {
        let long = String(repeating: "서울특별시 강남구 테헤란로 ", count: 6)
        let template = try TemplateParser.parse(yaml: """
            page: {width: 60mm, height: 30mm}
            elements:
              - {type: text, name: shrinks, x: 0mm, y: 0mm, width: 60mm, height: 10mm, text: "{{a}}", font: {size: 12}, min_size: 5}
              - {type: text, name: overflows, x: 0mm, y: 12mm, width: 60mm, height: 4mm, text: "{{a}}", font: {size: 12}, min_size: 10}
              - {type: box, name: off-page, x: 50mm, y: 20mm, width: 20mm, height: 5mm}
            """, file: "fit.yaml")
        let page = try LabelComposer(template: template).compose(.object(["a": .string(long)]))[0]
        let warnings = try LabelRenderer(configuration: Project.configuration).bitmap(of: page).warnings
        #expect(warnings.map(\.element).sorted() == ["off-page", "overflows"], "\(warnings)")
        #expect(warnings.first { $0.element == "off-page" }!.message == "runs off the page: past the right edge by 10.0mm")
        #expect(warnings.first { $0.element == "overflows" }!.message.hasPrefix("text does not fit its box even at 10.0 pt; cut with …"))
    }

    @Test("summary overflow: the last row says how many more")
    func summary() throws {
        let template = try shippedTemplate("waybills/generic-100x150.yaml")
        var record = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/generic-100x150.json")!)[0]
        if case .object(var o) = record {
            o["products"] = .array((1...27).map { .object(["name": .string("상품\($0)"), "qty": .number(1)]) })
            record = .object(o)
        }
        let page = try LabelComposer(template: template).compose(record)[0]
        let texts = page.items.compactMap { item -> String? in if case .text(let t) = item { return t.text } else { return nil } }
        #expect(texts.contains("… 외 8건"))
        #expect(texts.contains("상품19 ") && !texts.contains("상품20 "))
    }

    @Test("data errors name the record, element, JSON path and template line")
    func dataErrors() throws {
        let template = try shippedTemplate("waybills/generic-100x150.yaml")
        do {
            _ = try LabelComposer(template: template).compose(.object(["waybill_no": .string("1")]), index: 4)
            Issue.record("no error")
        } catch {
            #expect(error.description == "record 5: $.order_no: missing field 'order_no' needed by the template (add '| default:…' or write 'order_no?' if it may be absent) (element 'order-number')" || error.description.hasPrefix("record 5: $."), "\(error)")
            #expect(error.code == .data)
        }
        var record = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/generic-100x150.json")!)[0]
        if case .object(var o) = record { o["waybill_no"] = .string("64624980272A"); record = .object(o) }
        let bad = try TemplateParser.parse(yaml: """
            page: {width: 60mm, height: 30mm}
            elements:
              - {type: barcode, name: wb, symbology: code128c, data: "{{waybill_no}}", x: 1mm, y: 1mm, height: 10mm, xdim: 2dots}
            """, file: "c.yaml")
        do {
            _ = try LabelComposer(template: bad).compose(record)
            Issue.record("no error")
        } catch {
            #expect(error.code == .barcode)
            #expect(error.description == "record 1: code128c (code set C) takes an even number of digits, got '64624980272A' (12 characters) (element 'wb', c.yaml:3:5)")
        }
    }
}

@Suite("Batches")
struct BatchTests {
    /// Records with different product counts (continuation and summary both occur).
    func records(_ n: Int) throws -> [DataValue] {
        let base = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/generic-100x150.json")!)[0]
        return (0..<n).map { i in
            guard case .object(var o) = base else { return base }
            o["waybill_no"] = .string(String(646249802726 + i * 7))
            o["island"] = .bool(i % 3 == 0)
            o["products"] = .array((0..<(i % 25 + 1)).map { .object(["name": .string("상품 \($0)"), "qty": .number(Double($0 % 4 + 1))]) })
            return .object(o)
        }
    }

    @Test("worker threads give byte-identical output to one thread", arguments: [OutputFormat.pdf, .zpl, .pwg])
    func parallelIsIdentical(format: OutputFormat) throws {
        let template = try shippedTemplate("waybills/generic-100x150.yaml")
        let all = try records(40)
        var outputs: [[UInt8]] = []
        for workers in [1, 2, 3] {
            var rest = all[...]
            let sink = MemorySink()
            let result = try ParallelBatchRenderer(configuration: Project.configuration, template: template, dpi: 203, format: format, workers: workers)
                .run(next: { rest.popFirst() }, sink: sink, title: "batch")
            #expect(result.records == 40 && result.pages == 40)
            #expect(result.warnings.isEmpty, "\(result.warnings.prefix(3))")
            outputs.append(sink.bytes)
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2], "\(format): \(outputs.map(\.count))")
        // And the same as the single-threaded document writer.
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let sink = MemorySink()
        let writer = renderer.documentWriter(format: format, sink: sink, title: "batch")
        let composer = LabelComposer(template: template, dpi: 203)
        for (i, r) in all.enumerated() { for page in try composer.compose(r, index: i) { _ = try writer.add(page) } }
        try writer.finish()
        #expect(sink.bytes == outputs[0])
    }

    @Test("an error in record k is reported for record k, in order, whatever the threads")
    func errorsInOrder() throws {
        let template = try shippedTemplate("waybills/generic-100x150.yaml")
        var all = try records(30)
        all[17] = .object(["waybill_no": .string("1")])
        var rest = all[...]
        do {
            _ = try ParallelBatchRenderer(configuration: Project.configuration, template: template, dpi: 203, format: .zpl, workers: 3)
                .run(next: { rest.popFirst() }, sink: MemorySink(), title: "batch")
            Issue.record("no error")
        } catch let error as RenderingError {
            #expect(error.record == 17)
        }
    }
}

@Suite("Images")
struct ImageTests {
    @Test("a PNG from the templates folder is scaled and thresholded to 1 bit, in raster and in PDF")
    func image() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A 4 × 4 logo: left half black, right half light grey (above the threshold: no ink).
        var logo = Bitmap(width: 4, height: 4)
        for y in 0..<4 { for x in 0..<2 { logo.setInk(x: x, y: y) } }
        try Data(PNGEncoder.encode(logo, dpi: 203)).write(to: URL(fileURLWithPath: dir + "/logo.png"))
        let template = try TemplateParser.parse(yaml: """
            page: {width: 40dots, height: 20dots}
            elements:
              - {type: image, name: logo, x: 0dots, y: 0dots, width: 40dots, height: 20dots, file: logo.png, threshold: 128}
            """, file: "img.yaml")
        let configuration = RendererConfiguration(fontsDirectory: Project.fonts, templatesDirectory: dir)
        let renderer = try LabelRenderer(configuration: configuration)
        let page = try LabelComposer(template: template).compose(.object([:]))[0]
        let (bitmap, warnings) = renderer.bitmap(of: page)
        #expect(warnings.isEmpty)
        #expect(bitmap.isInk(x: 5, y: 10) && bitmap.isInk(x: 15, y: 2))
        #expect(!bitmap.isInk(x: 25, y: 10) && !bitmap.isInk(x: 35, y: 18))
        #expect(bitmap.isInk(x: 0, y: 0) && bitmap.isInk(x: 0, y: 19) && !bitmap.isInk(x: 39, y: 19), "edges keep their ink")
        #expect(abs(bitmap.inkCount - 20 * 20) <= 20, "half the area is ink: \(bitmap.inkCount)")

        let sink = try FileSink(path: dir + "/img.pdf")
        let writer = renderer.documentWriter(format: .pdf, sink: sink)
        _ = try writer.add(page)
        try writer.finish()
        try sink.close()
        let list = try runTool("pdfimages", ["-list", dir + "/img.pdf"]).stdout
        #expect(list.contains("smask") || list.contains("stencil"), "\(list)")

        let missing = try TemplateParser.parse(yaml: """
            page: {width: 40dots, height: 20dots}
            elements:
              - {type: image, name: logo, x: 0dots, y: 0dots, width: 40dots, height: 20dots, file: nope.png}
            """, file: "img.yaml")
        let w = renderer.bitmap(of: try LabelComposer(template: missing).compose(.object([:]))[0]).warnings
        #expect(w.map(\.message) == ["image 'nope.png' could not be read as PNG from \(dir)"])
    }
}

@Suite("Human-readable text of barcodes in raster outputs")
struct BarcodeTextPlacementTests {
    /// The barcode's digits were drawn in the symbol's own coordinates on raster pages (the PDF was
    /// right): a Code 128 given a height printed its text across the bars. Now every row of the
    /// bars' band is the same row (nothing but bars there), and the text is inked below them.
    @Test("a Code 128 and an EAN-13 given a height and width: their digits print under the bars, none over them", arguments: ["code128", "ean13"])
    func digitsUnderBars(symbology: String) throws {
        let data = symbology == "ean13" ? "880123456789" : "CJ-4W44-4g-12345"
        let template = try TemplateParser.parse(yaml: """
            name: hri
            page: {width: 80mm, height: 30mm, dpi: 203}
            elements:
              - {type: barcode, name: b, symbology: \(symbology), data: "\(data)", x: 5mm, y: 5mm, width: 70mm, height: 15mm, align: center,
                 font: {family: NanumGothicCoding, size: 8}}
            """, file: "hri.yaml")
        let dir = temporaryDirectory("hri")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (files, _, _) = try renderFiles(template, records: [.object([:])], format: .png, directory: dir)
        let line = try #require(try pythonBits("png", files[0]).first)
        let parts = line.split(separator: " ")
        let width = Int(parts[0])!, height = Int(parts[1])!, hex = Array(parts[2].utf8)
        let stride = (width + 7) / 8
        func row(_ y: Int) -> ArraySlice<UInt8> { hex[(y * stride * 2)..<((y + 1) * stride * 2)] }
        func inked(_ y: Int) -> Bool { row(y).contains { $0 != UInt8(ascii: "0") } }
        // The bars: the inked rows from the element's top; their band is one row repeated.
        let top = (0..<height).first(where: inked)!
        #expect(top >= 38 && top <= 42, "the bars start at y = 5 mm (40 dots), not \(top)")
        var bottom = top
        while bottom + 1 < height && row(bottom + 1) == row(top) { bottom += 1 }
        let barHeight = bottom - top + 1
        #expect(barHeight >= 118, "\(symbology): the bars run \(barHeight) dots undisturbed, not the 15 mm (120 dots) given; text over them cuts the band short")
        // Under the bars (and their guards), the digits.
        #expect(((bottom + 1)..<height).contains(where: inked), "\(symbology): no text under the bars")
        #expect(try Decoders.zbar(files[0]).map(\.text).contains(symbology == "ean13" ? "8801234567893" : data))
    }
}

@Suite("PDF rasterized by other programs at the printer's dpi")
struct PDFRasterTests {
    /// What a CUPS PDF queue does: Ghostscript or poppler turns the PDF into the printer's dots.
    /// With the page's scale written as 0.355 instead of 72/203 and bars exactly on dot edges, both
    /// widened bars by a dot and 2 of the waybills' barcodes stopped decoding.
    @Test("every waybill's PDF, rasterized at 203 dpi by Ghostscript and by poppler (-mono), decodes (zbar) to what labeld's own raster does")
    func rasterizedElsewhere() throws {
        var own = 0, ghostscript = 0, poppler = 0
        for (path, template, records) in try shippedWithSamples() where path.hasPrefix("waybills/") {
            let dir = temporaryDirectory("pdfraster")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let pngs = try renderFiles(template, records: records, format: .png, dpi: 203, directory: dir, name: "own").files
            let pdf = try renderFiles(template, records: records, format: .pdf, dpi: 203, directory: dir, name: "doc").files[0]
            #expect(try runTool("gs", ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pngmono", "-r203", "-sOutputFile=\(dir)/gs-%d.png", pdf]).status == 0)
            #expect(try runTool("pdftoppm", ["-png", "-mono", "-r", "203", pdf, dir + "/pp"]).status == 0)
            func decoded(_ prefix: String) throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".png") }.sorted()
                    .flatMap { try Decoders.zbar(dir + "/" + $0).map { "\($0.format):\($0.text)" } }.sorted()
            }
            let expected = try decoded("own"), gs = try decoded("gs-"), pp = try decoded("pp")
            #expect(!expected.isEmpty && pngs.count > 0)
            #expect(gs == expected, "\(path): Ghostscript's raster decodes \(gs), labeld's \(expected)")
            #expect(pp == expected, "\(path): poppler's raster decodes \(pp), labeld's \(expected)")
            own += expected.count; ghostscript += gs.count; poppler += pp.count
        }
        #expect(own >= 15 && ghostscript == own && poppler == own, "own \(own), Ghostscript \(ghostscript), poppler \(poppler)")
    }
}
