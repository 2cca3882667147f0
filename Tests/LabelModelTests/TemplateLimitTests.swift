import LabelModel
import Testing

/// Issue 15: values that used to parse and then trap the renderer (a 10²⁰ mm page, nan font sizes)
/// are refused at parse time with file:line:column and the range expected.
@Suite("Template values out of range are refused when the template is parsed")
struct TemplateLimitTests {
    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var expected: String
        var code: LabelModelError.Code = .invalidTemplate
        var description: String { name }
    }

    static let header = "page: {width: 50mm, height: 30mm}\nelements:\n"

    static let rows: [Row] = [
        Row(name: "page width 1e20mm", yaml: "page: {width: 1e20mm, height: 30mm}\nelements: []\n",
            expected: "bad.yaml:1:15: page width must be more than 0 and at most 2000mm, got '1e20mm'"),
        Row(name: "page width of twenty digits", yaml: "page: {width: 99999999999999999999mm, height: 30mm}\nelements: []\n",
            expected: "bad.yaml:1:15: page width must be more than 0 and at most 2000mm, got '99999999999999999999mm'"),
        Row(name: "page width overflowing a Double (inf)", yaml: "page: {width: 1e400mm, height: 30mm}\nelements: []\n",
            expected: "bad.yaml:1:15: page width must be more than 0 and at most 2000mm, got '1e400mm'"),
        Row(name: "page width negative", yaml: "page: {width: -5mm, height: 30mm}\nelements: []\n",
            expected: "bad.yaml:1:15: page width must be more than 0 and at most 2000mm, got '-5mm'"),
        Row(name: "page height zero", yaml: "page: {width: 50mm, height: 0}\nelements: []\n",
            expected: "bad.yaml:1:29: page height must be more than 0 and at most 2000mm, got '0'"),
        Row(name: "page width nan", yaml: "page: {width: nanmm, height: 30mm}\nelements: []\n",
            expected: "bad.yaml:1:15: page width: expected a length with a unit (mm, cm, in, pt, dots), such as 12mm, got 'nanmm'"),
        Row(name: "sheet width 1e20mm", yaml: "page: {width: 50mm, height: 30mm}\nsheet: {width: 1e20mm, height: 297mm, columns: 1, rows: 1, origin_x: 0, origin_y: 0, pitch_x: 50mm, pitch_y: 30mm}\nelements: []\n",
            expected: "bad.yaml:2:16: sheet width: expected a length from 0 to 2000mm, got '1e20mm'"),
        Row(name: "sheet height zero", yaml: "page: {width: 50mm, height: 30mm}\nsheet: {width: 210mm, height: 0mm, columns: 1, rows: 1, origin_x: 0, origin_y: 0, pitch_x: 50mm, pitch_y: 30mm}\nelements: []\n",
            expected: "bad.yaml:2:31: sheet height must be more than 0 and at most 2000mm, got '0mm'"),
        Row(name: "element x 1e20mm", yaml: header + "  - {type: box, name: b, x: 1e20mm, y: 1mm, width: 2mm, height: 2mm}\n",
            expected: "bad.yaml:3:29: x: expected a length from -2000mm to 2000mm, got '1e20mm' (element 'b')"),
        Row(name: "element y -1e20mm", yaml: header + "  - {type: box, name: b, x: 1mm, y: -1e20mm, width: 2mm, height: 2mm}\n",
            expected: "bad.yaml:3:37: y: expected a length from -2000mm to 2000mm, got '-1e20mm' (element 'b')"),
        Row(name: "element x nan", yaml: header + "  - {type: box, name: b, x: nanmm, y: 1mm, width: 2mm, height: 2mm}\n",
            expected: "bad.yaml:3:29: x: expected a length with a unit (mm, cm, in, pt, dots), such as 12mm, got 'nanmm' (element 'b')"),
        Row(name: "element width negative", yaml: header + "  - {type: box, name: b, x: 1mm, y: 1mm, width: -5mm, height: 2mm}\n",
            expected: "bad.yaml:3:49: width must not be negative, got '-5mm' (element 'b')"),
        Row(name: "element height 1e400mm (inf)", yaml: header + "  - {type: box, name: b, x: 1mm, y: 1mm, width: 2mm, height: 1e400mm}\n",
            expected: "bad.yaml:3:62: height: expected a length from 0 to 2000mm, got '1e400mm' (element 'b')"),
        Row(name: "box thickness 1e300mm", yaml: header + "  - {type: box, name: b, x: 1mm, y: 1mm, width: 2mm, height: 2mm, thickness: 1e300mm}\n",
            expected: "bad.yaml:3:78: thickness: expected a length from 0 to 2000mm, got '1e300mm' (element 'b')"),
        Row(name: "line end 99999999999999999999mm", yaml: header + "  - {type: line, name: l, x: 1mm, y: 1mm, x2: 99999999999999999999mm}\n",
            expected: "bad.yaml:3:47: x2: expected a length from -2000mm to 2000mm, got '99999999999999999999mm' (element 'l')"),
        Row(name: "text padding 2001mm", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, padding: 2001mm}\n",
            expected: "bad.yaml:3:88: padding: expected a length from 0 to 2000mm, got '2001mm' (element 't')"),
        Row(name: "font size nan", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, font: {size: nan}}\n",
            expected: "bad.yaml:3:92: font size (pt): expected a finite number, got 'nan' (element 't')"),
        Row(name: "font size inf", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, font: {size: inf}}\n",
            expected: "bad.yaml:3:92: font size (pt): expected a finite number, got 'inf' (element 't')"),
        Row(name: "font size 1e300", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, font: {size: 1e300}}\n",
            expected: "bad.yaml:3:92: font size must be more than 0 and at most 400 pt (element 't')"),
        Row(name: "font size negative", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, font: {size: -5}}\n",
            expected: "bad.yaml:3:92: font size must be more than 0 and at most 400 pt (element 't')"),
        Row(name: "min_size nan", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, min_size: nan}\n",
            expected: "bad.yaml:3:89: min_size (pt): expected a finite number, got 'nan' (element 't')"),
        Row(name: "line_spacing inf", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, line_spacing: inf}\n",
            expected: "bad.yaml:3:93: line_spacing: expected a finite number, got 'inf' (element 't')"),
        Row(name: "line_spacing 1e300", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: hi, line_spacing: 1e300}\n",
            expected: "bad.yaml:3:93: line_spacing: expected a multiple from 0.5 to 4 (element 't')"),
        Row(name: "barcode xdim 1e20mm", yaml: header + "  - {type: barcode, name: c, symbology: code128, data: x, x: 1mm, y: 1mm, height: 5mm, xdim: 1e20mm}\n",
            expected: "bad.yaml:3:94: xdim must be more than 0 and at most 5mm, got '1e20mm' (element 'c')"),
        Row(name: "barcode height inf", yaml: header + "  - {type: barcode, name: c, symbology: code128, data: x, x: 1mm, y: 1mm, height: 1e400mm, xdim: 2dots}\n",
            expected: "bad.yaml:3:83: height: expected a length from 0 to 2000mm, got '1e400mm' (element 'c')"),
        Row(name: "repeat max_rows of twenty digits", yaml: header + "  - {type: repeat, name: r, items: products, x: 1mm, y: 1mm, width: 40mm, row_height: 3mm, max_rows: 99999999999999999999, elements: []}\n",
            expected: "bad.yaml:3:102: max_rows: expected a whole number from 1 to 500, got '99999999999999999999' (element 'r')"),
        Row(name: "repeat row_height 1e20mm", yaml: header + "  - {type: repeat, name: r, items: products, x: 1mm, y: 1mm, width: 40mm, row_height: 1e20mm, max_rows: 5, elements: []}\n",
            expected: "bad.yaml:3:87: row_height: expected a length from 0 to 2000mm, got '1e20mm' (element 'r')"),
        Row(name: "when greater_than nan", yaml: header + "  - {type: box, name: b, x: 1mm, y: 1mm, width: 2mm, height: 2mm, when: {field: n, greater_than: nan}}\n",
            expected: "bad.yaml:3:98: greater_than: expected a finite number, got 'nan' (element 'b')"),
        Row(name: "group size that overflows an Int", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: \"{{n | group:'4-9223372036854775807'}}\"}\n",
            expected: "bad.yaml:3:76: group pattern '4-9223372036854775807': expected sizes separated by one separator character, such as '4-4-4' or '2 3 2 2' (element 't')", code: .invalidBinding),
        Row(name: "number with a huge count of decimals", yaml: header + "  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: \"{{n | number:99999}}\"}\n",
            expected: "bad.yaml:3:76: number filter takes a count of decimals from 0 to 10, got '99999' (element 't')", code: .invalidBinding),
    ]

    @Test("out-of-range value", arguments: rows)
    func outOfRange(_ row: Row) {
        do {
            _ = try TemplateParser.parse(yaml: row.yaml, file: "bad.yaml")
            Issue.record("\(row.name): no error")
        } catch {
            #expect(error.description == row.expected, "\(row.name)")
            #expect(error.code == row.code)
        }
    }

    @Test("values at the limits parse; exponents are read as numbers")
    func atTheLimits() throws {
        let t = try TemplateParser.parse(yaml: """
            page: {width: 2000mm, height: 1e1mm}
            elements:
              - {type: box, name: b, x: -2000mm, y: 2000mm, width: 2000mm, height: 0, thickness: 2.5e-1mm}
              - {type: text, name: t, x: 0, y: 0, width: 10mm, height: 5mm, text: hi, font: {size: 400}, min_size: 0.5, line_spacing: 4}
            """, file: "ok.yaml")
        #expect(t.page.width == .mm(2000))
        #expect(t.page.height == .mm(10))
        guard case .box(let box) = t.elements[0].content else { Issue.record("not a box"); return }
        #expect(box.frame.x == .mm(-2000))
        #expect(box.thickness == .mm(0.25))
        #expect(Distance.parse("3em", dpi: 203) == nil, "an e without digits is not an exponent")
    }

    @Test("lengths in whole dots never trap, and millimetres are listed rounded to 0.01")
    func conversions() {
        #expect(Distance.mm(.nan).wholeDots(at: 203) == 0)
        #expect(Distance.mm(1e300).wholeDots(at: 203) == 2_147_483_647)
        #expect(Distance.mm(-.infinity).wholeDots(at: 1200) == -2_147_483_648)
        #expect(Distance.mm(100).wholeDots(at: 203) == 799)
        #expect(Distance.inches(6).millimetres != 152.4, "the float sum the template list used to show")
        #expect(Distance.inches(6).roundedMillimetres == 152.4)
        #expect(Distance.points(10).roundedMillimetres == 3.53)
    }
}
