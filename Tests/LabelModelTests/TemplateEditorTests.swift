import Foundation
import LabelModel
import LabelTesting
import Testing

/// The designer's edits land in the author's YAML: only the bytes an edit is about change.
@Suite("Template editor: edits at the element's source location")
struct TemplateEditorTests {
    static let source = """
        # A small label. Comments stay where the author put them.
        name: small
        page: {width: 60mm, height: 40mm, dpi: 203}
        elements:
          - {type: box, name: frame, x: 1mm, y: 1mm, width: 58mm, height: 38mm}   # the frame
          - {type: text, name: title, x: 3mm,  y: 2mm, width: 40mm, height: 5mm, text: "{{name}}", font: {family: NanumGothic, size: 9}}
          # the barcode under the title
          - type: barcode
            name: code
            symbology: code128
            data: "{{sku}}"
            x: 3mm
            y: 10mm
            height: 12mm
            xdim: 2dots
          - {type: text, x: 3mm, y: 30mm, width: 20mm, height: 4mm, text: "unnamed"}

        """

    func lines(_ s: String) -> [String] { s.components(separatedBy: "\n") }

    /// Lines that differ, as (index, before, after); the line count must match.
    func changed(_ a: String, _ b: String) -> [(Int, String, String)] {
        let x = lines(a), y = lines(b)
        #expect(x.count == y.count)
        return zip(x, y).enumerated().compactMap { i, p in p.0 == p.1 ? nil : (i, p.0, p.1) }
    }

    @Test("a move changes only the element's x and y scalars: flow and block mappings, spacing and comments kept")
    func move() throws {
        let moved = try TemplateEditor.apply(.set(element: "title", values: [("x", "12.5mm"), ("y", "2.6mm")]), to: Self.source)
        let diff = changed(Self.source, moved)
        #expect(diff.count == 1)
        #expect(diff.first?.2 == #"  - {type: text, name: title, x: 12.5mm,  y: 2.6mm, width: 40mm, height: 5mm, text: "{{name}}", font: {family: NanumGothic, size: 9}}"#)
        let block = try TemplateEditor.apply(.set(element: "code", values: [("x", "4mm"), ("y", "11mm")]), to: Self.source)
        #expect(changed(Self.source, block).map(\.2) == ["    x: 4mm", "    y: 11mm"])
        let commented = try TemplateEditor.apply(.set(element: "frame", values: [("x", "2mm")]), to: Self.source)
        #expect(changed(Self.source, commented).first?.2 == "  - {type: box, name: frame, x: 2mm, y: 1mm, width: 58mm, height: 38mm}   # the frame")
    }

    @Test("keys added, replaced with a flow mapping, removed; quoting kept; an unnamed element by the parser's name")
    func keys() throws {
        var s = try TemplateEditor.apply(.set(element: "frame", values: [("radius", "1mm")]), to: Self.source)
        #expect(s.contains("height: 38mm, radius: 1mm}   # the frame"))
        s = try TemplateEditor.apply(.set(element: "title", values: [("font", "{family: NanumGothic, size: 11, weight: bold}")]), to: s)
        #expect(s.contains(#"text: "{{name}}", font: {family: NanumGothic, size: 11, weight: bold}}"#))
        s = try TemplateEditor.apply(.set(element: "code", values: [("data", "{{gtin}}"), ("human_readable", "false")]), to: s)
        #expect(s.contains(#"    data: "{{gtin}}""#) && s.contains("    symbology: code128\n    human_readable: false\n") == false)
        #expect(s.contains("    human_readable: false"))
        s = try TemplateEditor.apply(.set(element: "title", values: [("font", "")]), to: s)
        #expect(s.contains(#"x: 3mm,  y: 2mm, width: 40mm, height: 5mm, text: "{{name}}"}"#), "\(s)")
        let unnamed = try TemplateEditor.elements(of: Self.source).last
        #expect(unnamed?.name == "text#4" && unnamed?.values["text"] == "unnamed" && unnamed?.line == 16)
        s = try TemplateEditor.apply(.set(element: "text#4", values: [("y", "31mm")]), to: Self.source)
        #expect(changed(Self.source, s).map(\.2) == [#"  - {type: text, x: 3mm, y: 31mm, width: 20mm, height: 4mm, text: "unnamed"}"#])
        #expect(TemplateEditor.scalar("{{a}}") == #""{{a}}""# && TemplateEditor.scalar("12mm") == "12mm" && TemplateEditor.scalar("yes") == #""yes""#)
    }

    @Test("delete takes the element's lines (its comment-free tail), add appends one flow line")
    func deleteAndAdd() throws {
        let deleted = try TemplateEditor.apply(.delete(element: "code"), to: Self.source)
        #expect(!deleted.contains("symbology") && deleted.contains("  # the barcode under the title\n  - {type: text, x: 3mm"))
        #expect(lines(Self.source).count - lines(deleted).count == 8)
        let added = try TemplateEditor.apply(.add(fields: [("type", "barcode"), ("name", "qr"), ("symbology", "qr"), ("data", TemplateEditor.scalar("{{url}}")),
                                                            ("x", "40mm"), ("y", "10mm"), ("xdim", "3dots")]), to: Self.source)
        #expect(added.hasPrefix(Self.source.dropLast()))
        #expect(added.contains(#"  - {type: text, x: 3mm, y: 30mm, width: 20mm, height: 4mm, text: "unnamed"}"# + "\n" + #"  - {type: barcode, name: qr, symbology: qr, data: "{{url}}", x: 40mm, y: 10mm, xdim: 3dots}"#))
        let empty = try TemplateEditor.apply(.add(fields: [("type", "box"), ("name", "b"), ("x", "1mm"), ("y", "1mm"), ("width", "5mm"), ("height", "5mm")]),
                                             to: "page: {width: 40mm, height: 20mm}\nelements: []\n")
        #expect(empty == "page: {width: 40mm, height: 20mm}\nelements:\n  - {type: box, name: b, x: 1mm, y: 1mm, width: 5mm, height: 5mm}\n")
    }

    @Test("columns count characters: Korean text before the key on the same line is stepped over whole")
    func koreanBeforeTheKey() throws {
        let source = "page: {width: 60mm, height: 40mm}\nelements:\n  - {type: text, name: 보내는분, text: \"보내는분 {{sender.name}}\", x: 3mm, y: 2mm, width: 40mm, height: 5mm}\n"
        let moved = try TemplateEditor.apply(.set(element: "보내는분", values: [("x", "4.5mm"), ("y", "3mm")]), to: source)
        #expect(moved == source.replacingOccurrences(of: "x: 3mm, y: 2mm", with: "x: 4.5mm, y: 3mm"), "\(moved)")
    }

    @Test("a value the parser refuses throws its error at the line and column; the text is not changed")
    func refused() throws {
        do {
            _ = try TemplateEditor.apply(.set(element: "title", values: [("width", "wide")]), to: Self.source)
            Issue.record("a width of 'wide' was taken")
        } catch {
            #expect(error.location?.line == 6 && error.message.contains("width"), "\(error)")
        }
        #expect(throws: LabelModelError.self) { try TemplateEditor.apply(.set(element: "nothing", values: [("x", "1mm")]), to: Self.source) }
    }

    @Test("ten edits in a row keep every comment and every untouched byte of a shipped waybill")
    func tenEdits() throws {
        let original = try String(contentsOfFile: Project.templates + "/waybills/generic-4x6.yaml", encoding: .utf8)
        var s = original
        for i in 0..<10 {
            s = try TemplateEditor.apply(.set(element: i % 2 == 0 ? "carrier" : "products", values: [("x", "\(3 + i)mm")]), to: s)
        }
        let diff = changed(original, s)
        #expect(diff.count == 2, "\(diff)")
        #expect(lines(original).filter { $0.contains("#") } == lines(s).filter { $0.contains("#") })
        #expect(s.contains("name: carrier, x: 11mm, y: 3mm") && s.contains("    x: 12mm\n    y: 72.5mm"))
    }
}
