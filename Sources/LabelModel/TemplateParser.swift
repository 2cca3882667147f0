import Foundation
internal import Yams

/// Reads templates from YAML. Every mistake is a ``LabelModelError`` with the file, line and column,
/// what was expected, and the element it belongs to.
public enum TemplateParser {
    /// Parses a template from YAML text; `file` names it in messages.
    public static func parse(yaml: String, file: String) throws(LabelModelError) -> Template {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw LabelModelError(code: .invalidTemplate, message: "the file is empty: expected a mapping with 'page' and 'elements'", location: SourceLocation(file: file, line: 1, column: 1))
            }
            root = node
        } catch let error as LabelModelError {
            throw error
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw LabelModelError(code: .syntax, message: "\(error)", location: SourceLocation(file: file, line: 1, column: 1))
        }
        var parser = Parser(file: file)
        return try parser.template(root)
    }

    /// Reads and parses a template file.
    public static func load(path: String, displayName: String? = nil) throws(LabelModelError) -> Template {
        let name = displayName ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabelModelError(code: .io, message: "cannot read template file '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LabelModelError(code: .syntax, message: "the file is not UTF-8 text", location: SourceLocation(file: name, line: 1, column: 1))
        }
        return try parse(yaml: text, file: name)
    }

    static func syntaxError(_ error: YamlError, file: String) -> LabelModelError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at \(context.mark.line):\(context.mark.column))" }
            return LabelModelError(code: .syntax, message: message, location: SourceLocation(file: file, line: mark.line, column: mark.column))
        case .reader(let problem, _, _, _):
            return LabelModelError(code: .syntax, message: "YAML: \(problem)", location: SourceLocation(file: file, line: 1, column: 1))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return LabelModelError(code: .syntax, message: "duplicate key(s) \(duplicates.joined(separator: ", ")) in one mapping", location: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
        default:
            return LabelModelError(code: .syntax, message: "YAML: \(error)", location: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}

private struct Parser {
    let file: String
    var dpi = 203
    var defaultFont = FontSpec()
    var names: [String: SourceLocation] = [:]
    var counter = 0

    init(file: String) { self.file = file }

    func loc(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func fail(_ node: Node, _ message: String, element: String? = nil, code: LabelModelError.Code = .invalidTemplate) -> LabelModelError {
        LabelModelError(code: code, message: message, location: loc(node), element: element)
    }

    // MARK: Mappings

    struct Map {
        let node: Node
        let pairs: [(key: String, keyNode: Node, value: Node)]
        subscript(key: String) -> Node? { pairs.first { $0.key == key }?.value }
        func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }
    }

    func map(_ node: Node, what: String, allowed: [String], element: String? = nil) throws(LabelModelError) -> Map {
        guard case .mapping(let mapping) = node else {
            throw fail(node, "expected \(what) as a mapping of keys to values", element: element)
        }
        var pairs: [(String, Node, Node)] = []
        for (k, v) in mapping {
            guard case .scalar(let s) = k else { throw fail(k, "expected a plain key in \(what)", element: element) }
            if !allowed.contains(s.string) {
                let hint = closest(s.string, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw fail(k, "unknown key '\(s.string)' in \(what)\(hint): expected one of \(allowed.joined(separator: ", "))", element: element)
            }
            pairs.append((s.string, k, v))
        }
        return Map(node: node, pairs: pairs)
    }

    func closest(_ word: String, in candidates: [String]) -> String? {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a), b = Array(b)
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var prev = row[0]; row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let tmp = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = tmp
                }
            }
            return row[b.count]
        }
        return candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    func required(_ m: Map, _ key: String, what: String, element: String?) throws(LabelModelError) -> Node {
        guard let v = m[key] else { throw fail(m.node, "missing '\(key)' in \(what)", element: element) }
        return v
    }

    // MARK: Scalars

    func string(_ node: Node, what: String, element: String?) throws(LabelModelError) -> String {
        guard case .scalar(let s) = node else { throw fail(node, "expected \(what) as text", element: element) }
        return s.string
    }

    /// A length as written, without the range checks of ``distance(_:what:element:)``.
    func anyDistance(_ node: Node, what: String, element: String?) throws(LabelModelError) -> (Distance, text: String) {
        let text = try string(node, what: what, element: element)
        guard let d = Distance.parse(text, dpi: dpi) else {
            throw fail(node, "\(what): expected a length with a unit (mm, cm, in, pt, dots), such as 12mm, got '\(text)'", element: element)
        }
        return (d, text)
    }

    /// A position or offset: from -``TemplateLimits/maximumLength`` to +``TemplateLimits/maximumLength``.
    func distance(_ node: Node, what: String, element: String?) throws(LabelModelError) -> Distance {
        let (d, text) = try anyDistance(node, what: what, element: element)
        let limit = TemplateLimits.maximumLength
        guard d.millimetres.isFinite, abs(d.millimetres) <= limit else {
            throw fail(node, "\(what): expected a length from -\(Int(limit))mm to \(Int(limit))mm, got '\(text)'", element: element)
        }
        return d
    }

    /// A size: from 0 to ``TemplateLimits/maximumLength``.
    func nonNegative(_ node: Node, what: String, element: String?) throws(LabelModelError) -> Distance {
        let (d, text) = try anyDistance(node, what: what, element: element)
        if d.millimetres < 0 { throw fail(node, "\(what) must not be negative, got '\(text)'", element: element) }
        let limit = TemplateLimits.maximumLength
        guard d.millimetres.isFinite, d.millimetres <= limit else {
            throw fail(node, "\(what): expected a length from 0 to \(Int(limit))mm, got '\(text)'", element: element)
        }
        return d
    }

    /// A finite number (`nan`, `inf` and numbers too large for a Double are refused).
    func number(_ node: Node, what: String, element: String?) throws(LabelModelError) -> Double {
        var text = try string(node, what: what, element: element)
        if text.hasSuffix("pt") { text.removeLast(2) }
        guard let n = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw fail(node, "\(what): expected a number, got '\(text)'", element: element)
        }
        guard n.isFinite else { throw fail(node, "\(what): expected a finite number, got '\(text)'", element: element) }
        return n
    }

    func integer(_ node: Node, what: String, element: String?, range: ClosedRange<Int>) throws(LabelModelError) -> Int {
        let text = try string(node, what: what, element: element)
        guard let n = Int(text), range.contains(n) else {
            throw fail(node, "\(what): expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'", element: element)
        }
        return n
    }

    func bool(_ node: Node, what: String, element: String?) throws(LabelModelError) -> Bool {
        let text = try string(node, what: what, element: element).lowercased()
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(node, "\(what): expected true or false, got '\(text)'", element: element)
        }
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: Node, _ type: E.Type, what: String, element: String?) throws(LabelModelError) -> E where E.RawValue == String {
        let text = try string(node, what: what, element: element)
        guard let value = E(rawValue: text) else {
            throw fail(node, "\(what): expected one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'", element: element)
        }
        return value
    }

    func rotation(_ node: Node, element: String?) throws(LabelModelError) -> Rotation {
        let text = try string(node, what: "rotation", element: element)
        guard let n = Int(text), let r = Rotation(rawValue: ((n % 360) + 360) % 360) else {
            throw fail(node, "rotation: expected 0, 90, 180 or 270, got '\(text)'", element: element)
        }
        return r
    }

    func textTemplate(_ node: Node, what: String, element: String?) throws(LabelModelError) -> TextTemplate {
        let text = try string(node, what: what, element: element)
        var location = loc(node)
        if case .scalar(let s) = node, s.style == .doubleQuoted || s.style == .singleQuoted { location.column += 1 }
        do {
            return try TextTemplate.parse(text, location: location)
        } catch {
            var e = error
            e.element = element
            throw e
        }
    }

    func path(_ node: Node, what: String, element: String?) throws(LabelModelError) -> [String] {
        var text = try string(node, what: what, element: element).trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("{{") && text.hasSuffix("}}") { text = String(text.dropFirst(2).dropLast(2)).trimmingCharacters(in: .whitespaces) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw fail(node, "\(what): expected a data path such as products or receiver.name, got '\(text)'", element: element)
        }
        return parts
    }

    // MARK: Template

    mutating func template(_ root: Node) throws(LabelModelError) -> Template {
        let m = try map(root, what: "the template", allowed: ["name", "description", "page", "defaults", "elements", "copies", "carrier", "waybill_field", "sheet", "min_text_size"])
        let pageNode = try required(m, "page", what: "the template", element: nil)
        let page = try self.page(pageNode)
        if let d = m["defaults"] {
            let dm = try map(d, what: "defaults", allowed: ["font"])
            if let f = dm["font"] { defaultFont = try font(f, base: defaultFont, element: nil) }
        }
        let name = try m["name"].map { n throws(LabelModelError) in try string(n, what: "name", element: nil) }
            ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let description = try m["description"].map { n throws(LabelModelError) in try string(n, what: "description", element: nil) }
        let elementsNode = try required(m, "elements", what: "the template", element: nil)
        let elements = try self.elements(elementsNode, inRow: false)
        let copies = try m["copies"].map { n throws(LabelModelError) in try textTemplate(n, what: "copies", element: nil) }
        var template = Template(name: name, file: file, description: description, page: page, elements: elements, copies: copies)
        if let c = m["carrier"] { template.carrier = try string(c, what: "carrier", element: nil) }
        if let w = m["waybill_field"] { template.waybillField = try path(w, what: "waybill_field", element: nil) }
        if let sheetNode = m["sheet"] { template.sheet = try sheet(sheetNode, label: page) }
        if let n = m["min_text_size"] {
            let size = try number(n, what: "min_text_size (pt)", element: nil)
            guard size > 0 && size <= 72 else { throw fail(n, "min_text_size must be more than 0 and at most 72 (pt)") }
            template.minTextSize = size
        }
        return template
    }

    mutating func page(_ node: Node) throws(LabelModelError) -> PageSpec {
        let m = try map(node, what: "page", allowed: ["width", "height", "rotation", "dpi"])
        if let d = m["dpi"] {
            dpi = try integer(d, what: "dpi", element: nil, range: 72...1200)
        }
        func side(_ key: String) throws(LabelModelError) -> Distance {
            let node = try required(m, key, what: "page", element: nil)
            let (d, text) = try anyDistance(node, what: "page \(key)", element: nil)
            let limit = TemplateLimits.maximumPageSide
            guard d.millimetres > 0, d.millimetres <= limit else {
                throw fail(node, "page \(key) must be more than 0 and at most \(Int(limit))mm, got '\(text)'")
            }
            return d
        }
        let width = try side("width"), height = try side("height")
        let rotation = try m["rotation"].map { n throws(LabelModelError) in try self.rotation(n, element: nil) } ?? .none
        return PageSpec(width: width, height: height, rotation: rotation, dpi: dpi)
    }

    func sheet(_ node: Node, label: PageSpec) throws(LabelModelError) -> SheetLayout {
        let m = try map(node, what: "sheet", allowed: ["width", "height", "columns", "rows", "origin_x", "origin_y", "pitch_x", "pitch_y"])
        func d(_ key: String) throws(LabelModelError) -> Distance {
            let node = try required(m, key, what: "sheet", element: nil)
            let size = try nonNegative(node, what: "sheet \(key)", element: nil)
            if (key == "width" || key == "height") && size.millimetres <= 0 {
                throw fail(node, "sheet \(key) must be more than 0 and at most \(Int(TemplateLimits.maximumPageSide))mm, got '\(try string(node, what: key, element: nil))'")
            }
            return size
        }
        let layout = SheetLayout(width: try d("width"), height: try d("height"),
                                 columns: try integer(try required(m, "columns", what: "sheet", element: nil), what: "columns", element: nil, range: 1...50),
                                 rows: try integer(try required(m, "rows", what: "sheet", element: nil), what: "rows", element: nil, range: 1...100),
                                 originX: try d("origin_x"), originY: try d("origin_y"), pitchX: try d("pitch_x"), pitchY: try d("pitch_y"))
        let right = layout.originX + layout.pitchX * Double(layout.columns - 1) + label.width
        let bottom = layout.originY + layout.pitchY * Double(layout.rows - 1) + label.height
        if right.millimetres > layout.width.millimetres + 0.05 || bottom.millimetres > layout.height.millimetres + 0.05 {
            throw fail(node, "sheet: \(layout.columns) × \(layout.rows) labels of \(label.width) × \(label.height) at this origin and pitch reach \(right) × \(bottom), past the \(layout.width) × \(layout.height) sheet")
        }
        if layout.pitchX < label.width || layout.pitchY < label.height {
            throw fail(node, "sheet: the pitch (\(layout.pitchX) × \(layout.pitchY)) is smaller than the label (\(label.width) × \(label.height))")
        }
        return layout
    }

    func font(_ node: Node, base: FontSpec, element: String?) throws(LabelModelError) -> FontSpec {
        let m = try map(node, what: "font", allowed: ["family", "weight", "size"], element: element)
        var f = base
        if let n = m["family"] {
            f.family = try string(n, what: "font family", element: element)
            if !["NanumGothic", "NanumGothicCoding"].contains(f.family) {
                throw fail(n, "font family '\(f.family)' is not in fonts/: expected NanumGothic or NanumGothicCoding", element: element)
            }
        }
        if let n = m["weight"] {
            switch try string(n, what: "font weight", element: element).lowercased() {
            case "bold", "700": f.bold = true
            case "regular", "normal", "400": f.bold = false
            case let other: throw fail(n, "font weight: expected regular or bold, got '\(other)'", element: element)
            }
        }
        if let n = m["size"] {
            f.size = try number(n, what: "font size (pt)", element: element)
            if !(f.size > 0 && f.size <= TemplateLimits.maximumFontSize) {
                throw fail(n, "font size must be more than 0 and at most \(Int(TemplateLimits.maximumFontSize)) pt", element: element)
            }
        }
        return f
    }

    mutating func elements(_ node: Node, inRow: Bool) throws(LabelModelError) -> [Element] {
        guard case .sequence(let seq) = node else {
            throw fail(node, "expected 'elements' as a list (each item starting with '- type: …')")
        }
        var result: [Element] = []
        for item in seq {
            result.append(try element(item, inRow: inRow))
        }
        return result
    }


    mutating func element(_ node: Node, inRow: Bool) throws(LabelModelError) -> Element {
        guard case .mapping(let mapping) = node else { throw fail(node, "expected an element as a mapping with 'type'") }
        let typeNode = mapping["type"]
        guard let typeNode else { throw fail(node, "element without 'type': expected type: text, barcode, box, line, image or repeat") }
        let type = try string(typeNode, what: "type", element: nil)
        counter += 1
        var name = "\(type)#\(counter)"
        if let n = mapping["name"] {
            name = try string(n, what: "name", element: nil)
            if let previous = names[name] {
                throw fail(n, "duplicate element name '\(name)' (first used at line \(previous.line))", element: name)
            }
            names[name] = loc(n)
        }
        let content: Element.Content
        // The keys of each type come from TemplateSchema (the designer's inspector reads the same).
        let allowed: [String]
        switch type {
        case "text":
            allowed = TemplateSchema.keyNames("text")
            content = .text(try textElement(try map(node, what: "text element", allowed: allowed, element: name), element: name))
        case "barcode":
            allowed = TemplateSchema.keyNames("barcode")
            content = .barcode(try barcodeElement(try map(node, what: "barcode element", allowed: allowed, element: name), element: name))
        case "box":
            allowed = TemplateSchema.keyNames("box")
            let m = try map(node, what: "box element", allowed: allowed, element: name)
            var box = BoxElement(frame: try frame(m, element: name), thickness: try m["thickness"].map { n throws(LabelModelError) in try nonNegative(n, what: "thickness", element: name) } ?? .mm(0.25))
            if let r = m["radius"] { box.radius = try nonNegative(r, what: "radius", element: name) }
            if let f = m["fill"] { box.filled = try bool(f, what: "fill", element: name) }
            content = .box(box)
        case "line":
            allowed = TemplateSchema.keyNames("line")
            let m = try map(node, what: "line element", allowed: allowed, element: name)
            func d(_ key: String) throws(LabelModelError) -> Distance { try distance(try required(m, key, what: "line element", element: name), what: key, element: name) }
            let x1 = try d("x"), y1 = try d("y")
            let x2 = try m["x2"].map { n throws(LabelModelError) in try distance(n, what: "x2", element: name) } ?? x1
            let y2 = try m["y2"].map { n throws(LabelModelError) in try distance(n, what: "y2", element: name) } ?? y1
            if !m.has("x2") && !m.has("y2") { throw fail(node, "line element needs an end point: x2 and/or y2", element: name) }
            content = .line(LineElement(x1: x1, y1: y1, x2: x2, y2: y2, thickness: try m["thickness"].map { n throws(LabelModelError) in try nonNegative(n, what: "thickness", element: name) } ?? .mm(0.25)))
        case "image":
            allowed = TemplateSchema.keyNames("image")
            let m = try map(node, what: "image element", allowed: allowed, element: name)
            var image = ImageElement(frame: try frame(m, element: name), file: try string(try required(m, "file", what: "image element", element: name), what: "file", element: name))
            if image.file.hasPrefix("/") || image.file.split(separator: "/").contains("..") {
                throw fail(m["file"]!, "image file must be a path inside the templates folder, got '\(image.file)'", element: name)
            }
            if let t = m["threshold"] { image.threshold = try integer(t, what: "threshold", element: name, range: 0...255) }
            content = .image(image)
        case "repeat":
            if inRow { throw fail(typeNode, "a repeat cannot be nested inside another repeat", element: name) }
            allowed = TemplateSchema.keyNames("repeat")
            content = .rows(try repeatElement(try map(node, what: "repeat element", allowed: allowed, element: name), element: name))
        default:
            throw fail(typeNode, "unknown element type '\(type)': expected text, barcode, box, line, image or repeat", element: nil)
        }
        var condition: Condition?
        if let w = mapping["when"] { condition = try self.condition(w, element: name) }
        var onContinuation = false
        if let c = mapping["continuation"] { onContinuation = try bool(c, what: "continuation", element: name) }
        return Element(name: name, location: loc(node), condition: condition, onContinuation: onContinuation, content: content)
    }

    func frame(_ m: Map, element: String) throws(LabelModelError) -> Frame {
        func d(_ key: String) throws(LabelModelError) -> Distance {
            let n = try required(m, key, what: "element", element: element)
            return key == "width" || key == "height" ? try nonNegative(n, what: key, element: element) : try distance(n, what: key, element: element)
        }
        return Frame(x: try d("x"), y: try d("y"), width: try d("width"), height: try d("height"))
    }

    func textElement(_ m: Map, element: String) throws(LabelModelError) -> TextElement {
        let textNode = try required(m, "text", what: "text element", element: element)
        var t = TextElement(frame: try frame(m, element: element),
                            text: try textTemplate(textNode, what: "text", element: element),
                            font: try m["font"].map { n throws(LabelModelError) in try font(n, base: defaultFont, element: element) } ?? defaultFont)
        if let n = m["align"] { t.align = try choice(n, HorizontalAlignment.self, what: "align", element: element) }
        if let n = m["valign"] { t.valign = try choice(n, VerticalAlignment.self, what: "valign", element: element) }
        if let n = m["line_spacing"] {
            t.lineSpacing = try number(n, what: "line_spacing", element: element)
            if !(0.5...4).contains(t.lineSpacing) { throw fail(n, "line_spacing: expected a multiple from 0.5 to 4", element: element) }
        }
        if let n = m["wrap"] { t.wrap = try bool(n, what: "wrap", element: element) }
        if let n = m["max_lines"] { t.maxLines = try integer(n, what: "max_lines", element: element, range: 1...200) }
        if let n = m["ellipsis"] { t.ellipsis = try bool(n, what: "ellipsis", element: element) }
        if let n = m["min_size"] {
            let size = try number(n, what: "min_size (pt)", element: element)
            if !(size > 0 && size <= t.font.size) { throw fail(n, "min_size must be more than 0 and at most the font size (\(t.font.size) pt)", element: element) }
            t.minSize = size
        }
        if let n = m["inverted"] { t.inverted = try bool(n, what: "inverted", element: element) }
        if let n = m["padding"] { t.padding = try nonNegative(n, what: "padding", element: element) }
        return t
    }

    func barcodeElement(_ m: Map, element: String) throws(LabelModelError) -> BarcodeElement {
        let symNode = try required(m, "symbology", what: "barcode element", element: element)
        let symbology = try choice(symNode, Symbology.self, what: "symbology", element: element)
        let data = try textTemplate(try required(m, "data", what: "barcode element", element: element), what: "data", element: element)
        let x = try distance(try required(m, "x", what: "barcode element", element: element), what: "x", element: element)
        let y = try distance(try required(m, "y", what: "barcode element", element: element), what: "y", element: element)
        let heightNode = m["height"]
        if heightNode == nil && !symbology.isTwoDimensional {
            throw fail(m.node, "missing 'height' in barcode element: linear symbols need a bar height such as 15mm", element: element)
        }
        let height = try heightNode.map { n throws(LabelModelError) in try nonNegative(n, what: "height", element: element) } ?? .zero
        var b = BarcodeElement(symbology: symbology, data: data, x: x, y: y, height: height)
        if let n = m["width"] { b.width = try nonNegative(n, what: "width", element: element) }
        if let n = m["xdim"] {
            let text = try string(n, what: "xdim", element: element)
            if text.hasSuffix("dots") || text.hasSuffix("dot") {
                guard let dots = Int(text.replacingOccurrences(of: "dots", with: "").replacingOccurrences(of: "dot", with: "").trimmingCharacters(in: .whitespaces)), dots >= 1, dots <= 40 else {
                    throw fail(n, "xdim in dots must be a whole number from 1 to 40, got '\(text)'", element: element)
                }
                b.xdimDots = dots
            } else {
                let (d, _) = try anyDistance(n, what: "xdim", element: element)
                if !(d.millimetres > 0 && d.millimetres <= 5) { throw fail(n, "xdim must be more than 0 and at most 5mm, got '\(text)'", element: element) }
                b.xdim = d
            }
        }
        if b.xdim == nil && b.xdimDots == nil && b.width == nil {
            throw fail(m.node, "barcode element needs 'xdim' (module width, e.g. 0.375mm or 3dots) or 'width' (the module width is then the largest whole number of dots that fits)", element: element)
        }
        if let n = m["align"] { b.align = try choice(n, HorizontalAlignment.self, what: "align", element: element) }
        if let n = m["human_readable"] { b.humanReadable = try bool(n, what: "human_readable", element: element) }
        if let n = m["font"] { b.humanReadableFont = try font(n, base: b.humanReadableFont, element: element) }
        if let n = m["quiet_zones"] { b.quietZones = try bool(n, what: "quiet_zones", element: element) }
        if let n = m["rotation"] { b.rotation = try rotation(n, element: element) }
        if let n = m["gs1"] {
            b.gs1 = try bool(n, what: "gs1", element: element)
            if b.gs1 && ![.code128, .gs1_128, .qr, .datamatrix].contains(symbology) {
                throw fail(n, "gs1 mode works with gs1-128, datamatrix and qr, not \(symbology.rawValue)", element: element)
            }
        }
        if let n = m["error_correction"] {
            let text = try string(n, what: "error_correction", element: element)
            switch symbology {
            case .qr where ["L", "M", "Q", "H"].contains(text.uppercased()): b.errorCorrection = text.uppercased()
            case .pdf417 where Int(text).map({ (0...8).contains($0) }) ?? false: b.errorCorrection = text
            case .aztec where Int(text).map({ (1...4).contains($0) }) ?? false: b.errorCorrection = text
            case .qr: throw fail(n, "error_correction for qr: expected L, M, Q or H, got '\(text)'", element: element)
            case .pdf417: throw fail(n, "error_correction for pdf417: expected a level from 0 to 8, got '\(text)'", element: element)
            case .aztec: throw fail(n, "error_correction for aztec: expected 1 (10%), 2 (23%), 3 (36%) or 4 (50%), got '\(text)'", element: element)
            default: throw fail(n, "error_correction applies to qr, pdf417 and aztec, not \(symbology.rawValue)", element: element)
            }
        }
        if let n = m["size"] {
            let range: ClosedRange<Int>
            switch symbology {
            case .qr: range = 1...40
            case .datamatrix: range = 1...48
            case .pdf417: range = 1...30
            case .aztec: range = 1...36
            default: throw fail(n, "size applies to qr (version), datamatrix (size index), pdf417 (columns) and aztec (layers), not \(symbology.rawValue)", element: element)
            }
            b.size = try integer(n, what: "size", element: element, range: range)
        }
        return b
    }

    mutating func repeatElement(_ m: Map, element: String) throws(LabelModelError) -> RepeatElement {
        func d(_ key: String) throws(LabelModelError) -> Distance {
            try distance(try required(m, key, what: "repeat element", element: element), what: key, element: element)
        }
        let items = try path(try required(m, "items", what: "repeat element", element: element), what: "items", element: element)
        let x = try d("x"), y = try d("y")
        let rowHeight = try nonNegative(try required(m, "row_height", what: "repeat element", element: element), what: "row_height", element: element)
        if rowHeight.millimetres <= 0 { throw fail(m["row_height"]!, "row_height must be more than 0", element: element) }
        let width = try m["width"].map { n throws(LabelModelError) in try nonNegative(n, what: "width", element: element) }
        let maxRows = try integer(try required(m, "max_rows", what: "repeat element", element: element), what: "max_rows", element: element, range: 1...500)
        let overflowNode = m["overflow"]
        let overflowKind = try overflowNode.map { n throws(LabelModelError) in try string(n, what: "overflow", element: element) } ?? "summary"
        let overflow: RepeatElement.Overflow
        switch overflowKind {
        case "summary":
            let summaryFrame = Frame(x: x, y: y, width: width ?? .mm(50), height: rowHeight)
            if let s = m["summary"] {
                if case .scalar = s {
                    overflow = .summary(TextElement(frame: summaryFrame, text: try textTemplate(s, what: "summary", element: element), font: defaultFont))
                } else {
                    let sm = try map(s, what: "summary", allowed: ["text", "font", "align"], element: element)
                    var t = TextElement(frame: summaryFrame, text: try textTemplate(try required(sm, "text", what: "summary", element: element), what: "summary text", element: element),
                                        font: try sm["font"].map { n throws(LabelModelError) in try font(n, base: defaultFont, element: element) } ?? defaultFont)
                    if let a = sm["align"] { t.align = try choice(a, HorizontalAlignment.self, what: "align", element: element) }
                    overflow = .summary(t)
                }
            } else {
                overflow = .summary(TextElement(frame: summaryFrame, text: try TextTemplate.parse("외 {{remaining}}건"), font: defaultFont))
            }
            if width == nil { throw fail(m.node, "repeat with overflow 'summary' needs a 'width' for the summary row", element: element) }
        case "continuation":
            if m.has("summary") { throw fail(m["summary"]!, "'summary' only applies with overflow: summary", element: element) }
            overflow = .continuation
        default:
            throw fail(overflowNode!, "overflow: expected summary or continuation, got '\(overflowKind)'", element: element)
        }
        let itemName = try m["as"].map { n throws(LabelModelError) in try string(n, what: "as", element: element) } ?? "item"
        let rowElements = try elements(try required(m, "elements", what: "repeat element", element: element), inRow: true)
        if rowElements.isEmpty { throw fail(m["elements"]!, "a repeat needs at least one element in its row", element: element) }
        var r = RepeatElement(items: items, x: x, y: y, rowHeight: rowHeight, maxRows: maxRows, overflow: overflow, elements: rowElements)
        r.itemName = itemName
        return r
    }

    func condition(_ node: Node, element: String) throws(LabelModelError) -> Condition {
        if case .scalar = node {
            var text = try string(node, what: "when", element: element).trimmingCharacters(in: .whitespaces)
            var wanted = true
            if text.hasPrefix("!") { wanted = false; text = String(text.dropFirst()).trimmingCharacters(in: .whitespaces) }
            let p = try path(Node.scalar(.init(text, .implicit, .plain, node.mark)), what: "when", element: element)
            return Condition(path: p, test: .present(wanted))
        }
        let m = try map(node, what: "when", allowed: ["field", "present", "equals", "not_equals", "greater_than", "less_than"], element: element)
        let p = try path(try required(m, "field", what: "when", element: element), what: "field", element: element)
        let tests = m.pairs.filter { $0.key != "field" }
        guard tests.count == 1, let t = tests.first else {
            throw fail(node, "when: expected 'field' and exactly one of present, equals, not_equals, greater_than, less_than", element: element)
        }
        switch t.key {
        case "present": return Condition(path: p, test: .present(try bool(t.value, what: "present", element: element)))
        case "equals": return Condition(path: p, test: .equals(scalarValue(t.value)))
        case "not_equals": return Condition(path: p, test: .notEquals(scalarValue(t.value)))
        case "greater_than": return Condition(path: p, test: .greaterThan(try number(t.value, what: "greater_than", element: element)))
        default: return Condition(path: p, test: .lessThan(try number(t.value, what: "less_than", element: element)))
        }
    }

    func scalarValue(_ node: Node) -> DataValue {
        guard case .scalar(let s) = node else { return .null }
        if s.style == .plain {
            if let b = node.bool { return .bool(b) }
            if let n = Double(s.string) { return .number(n) }
            if node.null != nil { return .null }
        }
        return .string(s.string)
    }
}
