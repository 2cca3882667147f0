import Foundation
internal import Yams
import LabeldSupport

/// Edits a template's YAML text where the parser found each element, changing only the bytes an
/// edit is about: a move rewrites the element's `x` and `y` scalars, and every other byte —
/// comments, key order, spacing, quoting — stays the author's. The designer's canvas and
/// inspector send their edits here; the YAML stays the source of truth.
public enum TemplateEditor {
    public enum Edit: Sendable {
        /// Sets keys of the element named `element` (a repeat's row elements too). Each value is
        /// the YAML text of the value: a length (`12.5mm`), a number, `true`, a choice, text (quoted
        /// as needed), or a flow mapping (`{family: NanumGothic, size: 9}`). An empty value removes the key.
        case set(element: String, values: [(key: String, value: String)])
        /// Removes the element (its lines; comments before the next element stay).
        case delete(element: String)
        /// Appends an element to the template's elements, written as a flow mapping on one line.
        case add(fields: [(key: String, value: String)])
    }

    /// The text after `edit`, checked by parsing it (a mistake throws the parser's error, with
    /// its line and column, and nothing is changed).
    public static func apply(_ edit: Edit, to source: String, file: String = "template.yaml") throws(LabelModelError) -> String {
        var doc = try Document(source, file: file)
        switch edit {
        case .set(let element, let values):
            // Each key on the text as the previous one left it.
            for (key, value) in values { try doc.set(key, to: value, in: try doc.element(named: element), element: element) }
        case .delete(let element):
            try doc.delete(try doc.element(named: element), element: element)
        case .add(let fields):
            try doc.append(fields)
        }
        _ = try TemplateParser.parse(yaml: doc.text, file: file)
        return doc.text
    }

    /// One element as the template text has it: the parser's name for it, its type, where it
    /// begins, the repeat it is a row element of, and each key's value as written.
    public struct ElementSource: Sendable, Hashable, Codable {
        public var name: String
        public var type: String
        public var line: Int
        public var column: Int
        public var parent: String?
        public var values: [String: String]
        /// The keys in the order written.
        public var keys: [String]
    }

    /// Every element of the template text (rows' elements too), in the parser's order.
    public static func elements(of source: String, file: String = "template.yaml") throws(LabelModelError) -> [ElementSource] {
        let doc = try Document(source, file: file)
        return doc.allElements().map { e in
            let raw = doc.rawValues(e.node)
            var values: [String: String] = [:]
            for (k, v) in raw { values[k] = v }
            return ElementSource(name: e.name, type: values["type"] ?? "", line: e.node.mark?.line ?? 1, column: e.node.mark?.column ?? 1,
                                 parent: e.parent, values: values, keys: raw.map(\.key))
        }
    }

    /// A value as YAML text: kept plain when YAML reads it back as the same string, else double-quoted.
    public static func scalar(_ value: String, quote: Bool = false) -> String {
        let plainSafe = !value.isEmpty && !quote
            && value.first.map { !" -?:,[]{}#&*!|>'\"%@`".contains($0) } ?? false
            && value.last != " "
            && !value.contains(": ") && !value.contains(" #") && !value.contains(where: { ",[]{}\"'\n\t".contains($0) })
            && !["true", "false", "yes", "no", "on", "off", "null", "~"].contains(value.lowercased())
        // A YAML double-quoted scalar takes JSON's escapes: the project's one escaper writes it.
        return plainSafe ? value : JSONString.quoted(value)
    }

    /// The template text as lines of Unicode scalars (libyaml's marks count characters).
    struct Document {
        var lines: [[Unicode.Scalar]]
        let file: String
        var root: Node

        init(_ source: String, file: String) throws(LabelModelError) {
            self.file = file
            lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
            root = try Self.compose(source, file: file)
        }

        static func compose(_ text: String, file: String) throws(LabelModelError) -> Node {
            do {
                guard let node = try Yams.compose(yaml: text) else {
                    throw LabelModelError(code: .syntax, message: "the template is empty", location: SourceLocation(file: file, line: 1, column: 1))
                }
                return node
            } catch let e as LabelModelError {
                throw e
            } catch let e as YamlError {
                throw TemplateParser.syntaxError(e, file: file)
            } catch {
                throw LabelModelError(code: .syntax, message: "\(error)", location: SourceLocation(file: file, line: 1, column: 1))
            }
        }

        var text: String {
            var s = String.UnicodeScalarView()
            for (i, line) in lines.enumerated() {
                if i > 0 { s.append("\n") }
                s.append(contentsOf: line)
            }
            return String(s)
        }

        mutating func reload() throws(LabelModelError) { root = try Self.compose(text, file: file) }

        func fail(_ message: String, at node: Node? = nil, element: String? = nil) -> LabelModelError {
            LabelModelError(code: .invalidTemplate, message: message,
                            location: SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1), element: element)
        }

        var elementsNode: Node? {
            guard case .mapping(let m) = root else { return nil }
            return m["elements"]
        }

        /// Every element in the parser's order (a repeat, then its rows' elements) with the name the
        /// parser gives it: its `name`, or `TYPE#N` for an unnamed one (N counting elements in that order).
        func allElements() -> [(name: String, node: Node, parent: String?)] {
            var out: [(String, Node, String?)] = []
            var counter = 0
            func walk(_ node: Node?, parent: String?) {
                guard case .sequence(let seq)? = node else { return }
                for item in seq {
                    guard case .mapping(let m) = item else { continue }
                    counter += 1
                    let name = m["name"]?.string ?? "\(m["type"]?.string ?? "element")#\(counter)"
                    out.append((name, item, parent))
                    walk(m["elements"], parent: name)
                }
            }
            walk(elementsNode, parent: nil)
            return out
        }

        /// The element's mapping node, searched in rows of repeats too.
        func element(named name: String) throws(LabelModelError) -> Node {
            guard let found = allElements().first(where: { $0.name == name }) else { throw fail("no element named '\(name)' in the template") }
            return found.node
        }

        /// The text of each key's value as written (a scalar without its quotes' meaning changed,
        /// a flow mapping whole); block collections as "…".
        func rawValues(_ node: Node) -> [(key: String, value: String)] {
            guard case .mapping(let m) = node else { return [] }
            return m.compactMap { pair in
                guard let key = pair.key.string else { return nil }
                if case .scalar(let s) = pair.value { return (key, s.string) }
                if case .mapping = pair.value, isFlow(pair.value) {
                    let a = position(pair.value), b = closing(from: a)
                    guard a.line == b.line else { return (key, "…") }
                    return (key, String(String.UnicodeScalarView(lines[a.line][a.column..<b.column])))
                }
                return (key, "…")
            }
        }

        // MARK: Positions

        /// A flow collection (`{…}` or `[…]`): told by the text at its mark.
        func isFlow(_ node: Node) -> Bool {
            let (l, c) = position(node)
            guard l < lines.count, c < lines[l].count else { return false }
            return lines[l][c] == "{" || lines[l][c] == "["
        }

        /// 0-based line and scalar offset of a node's mark.
        func position(_ node: Node) -> (line: Int, column: Int) {
            ((node.mark?.line ?? 1) - 1, (node.mark?.column ?? 1) - 1)
        }

        /// Where the value written at (line, column) ends (exclusive, same line unless a flow
        /// collection spans lines): quoted scalars to their closing quote, flow collections to
        /// their closing bracket, plain scalars to `,` `}` `]` (in a flow mapping), a comment or
        /// the line's end, trailing blanks left out.
        func end(ofValueAt start: (line: Int, column: Int), inFlow: Bool) -> (line: Int, column: Int) {
            let line = lines[start.line]
            guard start.column < line.count else { return start }
            let first = line[start.column]
            if first == "\"" || first == "'" {
                var i = start.column + 1
                while i < line.count {
                    if first == "\"" && line[i] == "\\" { i += 2; continue }
                    if line[i] == first {
                        if first == "'" && i + 1 < line.count && line[i + 1] == "'" { i += 2; continue }
                        return (start.line, i + 1)
                    }
                    i += 1
                }
                return (start.line, line.count)
            }
            if first == "{" || first == "[" { return closing(from: start) }
            var i = start.column
            while i < line.count {
                let c = line[i]
                if inFlow && (c == "," || c == "}" || c == "]") { break }
                if c == "#" && i > start.column && line[i - 1] == " " { break }
                i += 1
            }
            while i > start.column && line[i - 1] == " " { i -= 1 }
            return (start.line, i)
        }

        /// Just past the bracket closing the one at `start`, quotes respected.
        func closing(from start: (line: Int, column: Int)) -> (line: Int, column: Int) {
            var depth = 0
            var quote: Unicode.Scalar?
            var l = start.line, i = start.column
            while l < lines.count {
                let line = lines[l]
                while i < line.count {
                    let c = line[i]
                    if let q = quote {
                        if q == "\"" && c == "\\" { i += 2; continue }
                        if c == q { quote = nil }
                    } else if c == "\"" || c == "'" {
                        quote = c
                    } else if c == "{" || c == "[" {
                        depth += 1
                    } else if c == "}" || c == "]" {
                        depth -= 1
                        if depth == 0 { return (l, i + 1) }
                    } else if c == "#" && (i == 0 || line[i - 1] == " ") {
                        break
                    }
                    i += 1
                }
                l += 1; i = 0
            }
            return (lines.count - 1, lines[lines.count - 1].count)
        }

        mutating func replace(from a: (line: Int, column: Int), to b: (line: Int, column: Int), with text: String) {
            let head = Array(lines[a.line][..<a.column]), tail = Array(lines[b.line][b.column...])
            let middle = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
            var new = middle
            new[0] = head + new[0]
            new[new.count - 1] += tail
            lines.replaceSubrange(a.line...b.line, with: new)
        }

        // MARK: Edits

        mutating func set(_ key: String, to value: String, in node: Node, element: String) throws(LabelModelError) {
            guard case .mapping(let m) = node else { throw fail("element '\(element)' is not a mapping", at: node, element: element) }
            let flow = isFlow(node)
            let pair = m.first { $0.key.string == key }
            if value.isEmpty {
                if let pair { try remove(pair, from: node, element: element) }
                return
            }
            // Text keys (by the template model) are written as YAML strings: quoted when they need
            // it, or when the author had quoted them; other kinds (lengths, numbers, fonts) as given.
            var written = value
            let type = m["type"]?.string ?? ""
            let kind = TemplateSchema.types[type]?.first { $0.key == key }?.kind
            if [.text, .binding, .path].contains(kind), !value.hasPrefix("\""), !value.hasPrefix("'") {
                var quoted = false
                if case .scalar(let s)? = pair?.value, s.style == .doubleQuoted { quoted = true }
                written = TemplateEditor.scalar(value, quote: quoted)
            }
            if let existing = pair?.value {
                let start = position(existing)
                replace(from: start, to: end(ofValueAt: start, inFlow: flow), with: written)
            } else if flow {
                var close = closing(from: position(node))
                close.column -= 1  // the `}`
                var at = close
                while at.column > 0 && lines[at.line][at.column - 1] == " " { at.column -= 1 }
                let empty = at.column > 0 && lines[at.line][at.column - 1] == "{"
                replace(from: at, to: at, with: (empty ? "" : ", ") + "\(key): \(written)")
            } else {
                guard let first = m.first?.key else { throw fail("element '\(element)' has no keys", at: node, element: element) }
                let (line, column) = position(first)
                lines.insert(Array(String(repeating: " ", count: column).unicodeScalars) + Array("\(key): \(written)".unicodeScalars), at: line + 1)
            }
            try reload()
        }

        /// Removes `key: value` from a mapping: in a flow mapping with its comma, in a block one its line.
        mutating func remove(_ pair: (key: Node, value: Node), from node: Node, element: String) throws(LabelModelError) {
            guard case .mapping(let m) = node else { return }
            let k = position(pair.key)
            var e = end(ofValueAt: position(pair.value), inFlow: isFlow(node))
            if isFlow(node) {
                // With the comma after it, or else the one before it.
                let line = lines[e.line]
                var i = e.column
                while i < line.count && line[i] == " " { i += 1 }
                if i < line.count && line[i] == "," {
                    i += 1
                    while i < line.count && line[i] == " " { i += 1 }
                    e.column = i
                    replace(from: k, to: e, with: "")
                } else {
                    var b = k
                    let l = lines[b.line]
                    while b.column > 0 && l[b.column - 1] == " " { b.column -= 1 }
                    if b.column > 0 && l[b.column - 1] == "," { b.column -= 1 }
                    replace(from: b, to: e, with: "")
                }
            } else {
                guard k.line == e.line else { throw fail("key '\(pair.key.string ?? "")' of '\(element)' spans lines: edit it in the text", at: pair.key, element: element) }
                lines.remove(at: k.line)
            }
            try reload()
        }

        /// The lines an item of a block sequence takes: from its `- ` line to the last line
        /// indented deeper than its dash (blank lines and comments after it belong to the next).
        func itemLines(_ item: Node) -> ClosedRange<Int> {
            let start = position(item).line
            let dash = lines[start].prefix { $0 == " " }.count
            var last = start
            var l = start + 1
            while l < lines.count {
                let line = lines[l]
                let indent = line.prefix { $0 == " " }.count
                let blank = indent == line.count
                if !blank && indent <= dash { break }
                if !blank && !(line[indent] == "#") { last = l }
                l += 1
            }
            return start...last
        }

        mutating func delete(_ node: Node, element: String) throws(LabelModelError) {
            let (line, column) = position(node)
            let before = lines[line][..<column].filter { $0 != " " }
            guard before == ["-"] else { throw fail("element '\(element)' shares its line with others: delete it in the text", at: node, element: element) }
            lines.removeSubrange(itemLines(node))
            try reload()
        }

        mutating func append(_ fields: [(key: String, value: String)]) throws(LabelModelError) {
            let flow = "{" + fields.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
            guard let elements = elementsNode else { throw fail("the template has no 'elements'") }
            guard case .sequence(let seq) = elements else { throw fail("'elements' is not a list", at: elements) }
            if let last = seq.last {
                let range = itemLines(last)
                let dash = lines[range.lowerBound].prefix { $0 == " " }.count
                lines.insert(Array((String(repeating: " ", count: dash) + "- " + flow).unicodeScalars), at: range.upperBound + 1)
            } else {
                // `elements: []`: the list becomes a block with this one item.
                var start = position(elements)
                let end = closing(from: start)
                while start.column > 0 && lines[start.line][start.column - 1] == " " { start.column -= 1 }
                replace(from: start, to: end, with: "\n  - " + flow)
            }
            try reload()
        }
    }
}
