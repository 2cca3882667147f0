import LabelModel
import Testing

@Suite("Template mistakes are reported with file, line, column and what was expected")
struct TemplateErrorTests {
    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var expected: String
        var description: String { name }
    }

    static let header = "page: {width: 50mm, height: 30mm}\nelements:\n"

    static let rows: [Row] = [
        Row(name: "YAML syntax", yaml: "page: {width: 50mm\nelements: []\n",
            expected: "bad.yaml:2:9: YAML syntax: did not find expected ',' or '}' (while parsing a flow mapping at 1:7)"),
        Row(name: "missing page", yaml: "elements: []\n",
            expected: "bad.yaml:1:1: missing 'page' in the template"),
        Row(name: "unknown top-level key", yaml: "pagee: {width: 50mm, height: 30mm}\nelements: []\n",
            expected: "bad.yaml:1:1: unknown key 'pagee' in the template (did you mean 'page'?): expected one of name, description, page, defaults, elements, copies, carrier, waybill_field, sheet, min_text_size"),
        Row(name: "length without unit", yaml: "page: {width: 50, height: 30mm}\nelements: []\n",
            expected: "bad.yaml:1:15: page width: expected a length with a unit (mm, cm, in, pt, dots), such as 12mm, got '50'"),
        Row(name: "bad rotation", yaml: "page: {width: 50mm, height: 30mm, rotation: 45}\nelements: []\n",
            expected: "bad.yaml:1:45: rotation: expected 0, 90, 180 or 270, got '45'"),
        Row(name: "unknown element type", yaml: header + "  - type: circle\n    x: 1mm\n",
            expected: "bad.yaml:3:11: unknown element type 'circle': expected text, barcode, box, line, image or repeat"),
        Row(name: "misspelt key in text", yaml: header + "  - type: text\n    name: title\n    x: 1mm\n    y: 1mm\n    width: 10mm\n    height: 5mm\n    text: hi\n    colour: red\n",
            expected: "bad.yaml:10:5: unknown key 'colour' in text element: expected one of type, name, when, continuation, x, y, width, height, text, font, align, valign, line_spacing, wrap, max_lines, ellipsis, min_size, inverted, padding (element 'title')"),
        Row(name: "unknown filter", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: \"{{receiver.name | upperr}}\"}\n",
            expected: "bad.yaml:3:76: unknown filter 'upperr': expected one of mask, phone, group, number, date, default, upper, lower, trim, truncate, prefix, suffix (element 't')"),
        Row(name: "unclosed binding", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: \"우) {{postal\"}\n",
            expected: "bad.yaml:3:79: unclosed '{{': expected '}}' to end the binding (element 't')"),
        Row(name: "bad mask pattern", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: \"{{phone | mask:'abc'}}\"}\n",
            expected: "bad.yaml:3:76: mask pattern 'abc': expected 'name', 'phone' or a pattern of '.' (keep) and '*' (mask), optionally starting with '-' to count from the right (element 't')"),
        Row(name: "unknown symbology", yaml: header + "  - {type: barcode, name: b, symbology: code129, data: x, x: 1mm, y: 1mm, height: 5mm, xdim: 2dots}\n",
            expected: "bad.yaml:3:41: symbology: expected one of code128, code128a, code128b, code128c, gs1-128, ean13, ean8, upca, upce, itf14, code39, codabar, qr, datamatrix, pdf417, aztec, got 'code129' (element 'b')"),
        Row(name: "linear barcode without height", yaml: header + "  - {type: barcode, name: b, symbology: code128, data: x, x: 1mm, y: 1mm, xdim: 2dots}\n",
            expected: "bad.yaml:3:5: missing 'height' in barcode element: linear symbols need a bar height such as 15mm (element 'b')"),
        Row(name: "barcode without xdim or width", yaml: header + "  - {type: barcode, name: b, symbology: code128, data: x, x: 1mm, y: 1mm, height: 5mm}\n",
            expected: "bad.yaml:3:5: barcode element needs 'xdim' (module width, e.g. 0.375mm or 3dots) or 'width' (the module width is then the largest whole number of dots that fits) (element 'b')"),
        Row(name: "qr error correction", yaml: header + "  - {type: barcode, name: q, symbology: qr, data: x, x: 1mm, y: 1mm, xdim: 2dots, error_correction: X}\n",
            expected: "bad.yaml:3:101: error_correction for qr: expected L, M, Q or H, got 'X' (element 'q')"),
        Row(name: "duplicate element name", yaml: header + "  - {type: box, name: a, x: 1mm, y: 1mm, width: 2mm, height: 2mm}\n  - {type: box, name: a, x: 1mm, y: 1mm, width: 2mm, height: 2mm}\n",
            expected: "bad.yaml:4:23: duplicate element name 'a' (first used at line 3) (element 'a')"),
        Row(name: "repeat overflow", yaml: header + "  - {type: repeat, name: r, items: products, x: 1mm, y: 1mm, width: 40mm, row_height: 3mm, max_rows: 5, overflow: spill, elements: []}\n",
            expected: "bad.yaml:3:115: overflow: expected summary or continuation, got 'spill' (element 'r')"),
        Row(name: "font not shipped", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, font: {family: Arial}}\n",
            expected: "bad.yaml:3:94: font family 'Arial' is not in fonts/: expected NanumGothic or NanumGothicCoding (element 't')"),
        Row(name: "min_size above size", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, font: {size: 8}, min_size: 9}\n",
            expected: "bad.yaml:3:106: min_size must be more than 0 and at most the font size (8.0 pt) (element 't')"),
        Row(name: "when without test", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, when: {field: island}}\n",
            expected: "bad.yaml:3:85: when: expected 'field' and exactly one of present, equals, not_equals, greater_than, less_than (element 't')"),
        Row(name: "image outside the templates folder", yaml: header + "  - {type: image, name: i, x: 1mm, y: 1mm, width: 10mm, height: 5mm, file: ../../etc/logo.png}\n",
            expected: "bad.yaml:3:76: image file must be a path inside the templates folder, got '../../etc/logo.png' (element 'i')"),
        Row(name: "nested repeat", yaml: header + "  - type: repeat\n    name: outer\n    items: a\n    x: 0mm\n    y: 0mm\n    width: 10mm\n    row_height: 2mm\n    max_rows: 2\n    elements:\n      - {type: repeat, name: inner, items: b, x: 0mm, y: 0mm, width: 5mm, row_height: 1mm, max_rows: 1, elements: []}\n",
            expected: "bad.yaml:12:16: a repeat cannot be nested inside another repeat (element 'inner')"),
    ]

    @Test("bad template", arguments: rows)
    func badTemplate(_ row: Row) {
        do {
            _ = try TemplateParser.parse(yaml: row.yaml, file: "bad.yaml")
            Issue.record("\(row.name): no error")
        } catch {
            #expect(error.description == row.expected, "\(row.name)")
            #expect(error.location?.file == "bad.yaml")
        }
    }

    @Test("a good template parses, with units converted")
    func goodTemplate() throws {
        let t = try TemplateParser.parse(yaml: """
            name: sample
            page: {width: 4in, height: 6in, rotation: 90, dpi: 300}
            elements:
              - {type: box, name: frame, x: 0.5mm, y: 12dots, width: 100mm, height: 72pt, thickness: 3dots}
            """, file: "ok.yaml")
        #expect(t.page.width == .inches(4))
        #expect(t.page.rotation == .quarter)
        #expect(t.page.mediaSize.width == .inches(6))
        guard case .box(let box) = t.elements[0].content else { Issue.record("not a box"); return }
        #expect(box.frame.y.wholeDots(at: 300) == 12)
        #expect(box.frame.height == .inches(1))
        #expect(box.thickness.wholeDots(at: 300) == 3)
        #expect(t.elements[0].location == SourceLocation(file: "ok.yaml", line: 4, column: 5))
    }
}
