import Foundation
import LabelModel
import LabelTesting
import Rendering
import Testing

/// Issue 15: nothing a template or a record holds may trap the renderer or make it allocate or
/// lay out without bound.
@Suite("Pages, elements and texts too large to draw are refused or cut, never a crash")
struct RenderLimitTests {
    static func page(_ width: Distance, _ height: Distance = .mm(30)) -> Template {
        Template(name: "big", file: "big.yaml", page: PageSpec(width: width, height: height, dpi: 203),
                 elements: [Element(name: "frame", location: SourceLocation(file: "big.yaml", line: 3, column: 5),
                                    content: .box(BoxElement(frame: Frame(x: .mm(1), y: .mm(1), width: .mm(10), height: .mm(10)), thickness: .mm(0.25))))])
    }

    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var width: Double
        var dpi: Int
        var expected: String
        var description: String { name }
    }

    static let suffix = "the renderer draws pages of 1 to 32767 dots a side and at most 100000000 dots in all; use a smaller page or a lower dpi"
    static let rows: [Row] = [
        Row(name: "1e20 mm", width: 1e20, dpi: 203, expected: "big.yaml: the page is 7.99212598425197e+20 × 240 dots at 203 dpi (1e+20 × 30.0 mm): \(suffix)"),
        Row(name: "nan", width: .nan, dpi: 203, expected: "big.yaml: the page is nan × 240 dots at 203 dpi (nan × 30.0 mm): \(suffix)"),
        Row(name: "inf", width: .infinity, dpi: 203, expected: "big.yaml: the page is inf × 240 dots at 203 dpi (inf × 30.0 mm): \(suffix)"),
        Row(name: "-5 mm", width: -5, dpi: 203, expected: "big.yaml: the page is -40 × 240 dots at 203 dpi (-5.0 × 30.0 mm): \(suffix)"),
        Row(name: "0 mm", width: 0, dpi: 203, expected: "big.yaml: the page is 0 × 240 dots at 203 dpi (0.0 × 30.0 mm): \(suffix)"),
        Row(name: "2000 mm at 1200 dpi", width: 2000, dpi: 1200, expected: "big.yaml: the page is 94488 × 1417 dots at 1200 dpi (2000.0 × 30.0 mm): \(suffix)"),
    ]

    @Test("a page that cannot be drawn is a render.too_large error", arguments: rows)
    func pageTooLarge(_ row: Row) {
        let composer = LabelComposer(template: Self.page(.mm(row.width)), dpi: row.dpi)
        do {
            _ = try composer.compose(.object([:]))
            Issue.record("\(row.name): no error")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.description == "record 1: \(row.expected)", "\(row.name)")
        }
    }

    @Test("a page within the side limit but over 100 million dots is refused; one within both renders")
    func pageArea() throws {
        // 2000 × 2000 mm is a valid template, but 15984 × 15984 dots at 203 dpi is 255 million.
        let square = LabelComposer(template: Self.page(.mm(2000), .mm(2000)))
        #expect(throws: RenderingError.self) { try square.compose(.object([:])) }
        let long = LabelComposer(template: Self.page(.mm(100), .mm(2000)))
        let pages = try long.compose(.object([:]))
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let bitmap = renderer.bitmap(of: pages[0]).bitmap
        #expect(bitmap.width == 799 && bitmap.height == 15984)
    }

    @Test("an element too large or too far out at the dpi is refused with its name and location")
    func elementTooLarge() throws {
        var template = Self.page(.mm(100), .mm(100))
        template.elements.append(Element(name: "huge", location: SourceLocation(file: "big.yaml", line: 4, column: 5),
                                         content: .box(BoxElement(frame: Frame(x: .zero, y: .zero, width: .mm(2000), height: .mm(10)), thickness: .mm(0.25)))))
        template.elements.append(Element(name: "far", location: SourceLocation(file: "big.yaml", line: 5, column: 5),
                                         content: .line(LineElement(x1: .mm(1e20), y1: .zero, x2: .mm(.nan), y2: .zero, thickness: .mm(0.25)))))
        do {
            _ = try LabelComposer(template: template, dpi: 600).compose(.object([:]))
            Issue.record("no error")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.element == "huge")
            #expect(error.location == SourceLocation(file: "big.yaml", line: 4, column: 5))
            #expect(error.description == "record 1: element 'huge' is larger or farther out than the renderer draws at 600 dpi (at most 32767 dots a side): make it smaller")
        }
        template.elements.remove(at: 1)
        #expect(throws: RenderingError.self) { try LabelComposer(template: template, dpi: 203).compose(.object([:])) }
    }

    @Test("a 100 000-character delivery message is cut to what its box can hold, with a warning, in well under a second")
    func hugeText() throws {
        let template = try shippedTemplate("waybills/generic-100x150.yaml")
        let sample = try DataValue.records(from: FileManager.default.contents(atPath: Project.templates + "/samples/generic-100x150.json")!)[0]
        guard case .object(var fields) = sample else { Issue.record("sample is not an object"); return }
        let message = String(String(repeating: "부재 시 문 앞에 놓아 주세요. ", count: 5_556).prefix(100_000))
        #expect(message.count == 100_000)
        fields["message"] = .string(message)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for format in [OutputFormat.png, .pdf] {
            let start = Date()
            let result = try renderFiles(template, records: [.object(fields)], format: format, directory: dir, name: "long-\(format)")
            let seconds = Date().timeIntervalSince(start)
            let cut = result.warnings.filter { $0.element == "message" }.map(\.message)
            let prefix = "text of 100000 characters is longer than its box can hold; only the first "
            #expect(cut.contains { $0.hasPrefix(prefix) && $0.hasSuffix(" are laid out ('\(message.prefix(40))')") }, "\(format): \(cut)")
            let laidOut = cut.first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count).prefix { $0.isNumber }) } ?? 0
            #expect(laidOut > 0 && laidOut <= 2000, "\(format): \(laidOut) characters laid out")
            #expect(cut.contains { $0.hasPrefix("text does not fit its box even at 6.0 pt; cut with …") }, "\(format): \(cut)")
            #expect(seconds < 2, "\(format): \(seconds) s")
        }
    }

    @Test("a ZPL graphic field whose sizes do not add up is not decoded (it used to trap)")
    func zplSizes() {
        #expect(ZPLEncoder.decodeGraphicField(Array("^XA^GFA,5,5,2,00112233FF^FS^XZ".utf8)) == nil)
        #expect(ZPLEncoder.decodeGraphicField(Array("^XA^GFA,4,4,9223372036854775807,00112233^FS^XZ".utf8)) == nil)
        #expect(ZPLEncoder.decodeGraphicField(Array("^XA^GFA,4,4,2,00FF0FF0^FS^XZ".utf8))?.bytes == [0x00, 0xFF, 0x0F, 0xF0])
    }

    @Test("the hard cap: a huge box lays out at most 2000 characters")
    func hardCap() throws {
        let template = try TemplateParser.parse(yaml: """
            page: {width: 100mm, height: 150mm}
            elements:
              - {type: text, name: body, x: 0, y: 0, width: 100mm, height: 150mm, text: "{{body}}", font: {size: 8}, min_size: 6}
            """, file: "cap.yaml")
        let pages = try LabelComposer(template: template).compose(.object(["body": .string(String(repeating: "가나다라 ", count: 20_000))]))
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let warnings = renderer.bitmap(of: pages[0]).warnings.map(\.message)
        #expect(warnings.contains("text of 100000 characters is longer than its box can hold; only the first 2000 are laid out ('가나다라 가나다라 가나다라 가나다라 가나다라 가나다라 가나다라 가나다라 ')"), "\(warnings)")
    }
}
