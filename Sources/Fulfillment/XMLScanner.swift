/// A small XML reader for the parts of a workbook: start tags with their attributes, end tags and
/// text (entities and character references resolved, CDATA kept), over the part's bytes in one
/// pass. Comments, processing instructions and the declaration are passed over; a DTD is refused.
/// Foundation's XMLParser on Linux refused valid sheets of a few thousand Korean rows
/// (NSXMLParserErrorDomain 1 on XlsxWriter's output) and paid for a delegate call per event.
protocol XMLHandler: AnyObject {
    func start(_ element: String, _ attributes: XMLAttributes)
    func end(_ element: String)
    func text(_ text: String)
}

/// A start tag's attributes in document order, looked up by name. A list, not a dictionary: a sheet
/// cell has two or three, and hashing them was a twentieth of a large import.
struct XMLAttributes {
    var pairs: [(key: String, value: String)] = []
    subscript(name: String) -> String? { pairs.first { $0.key == name }?.value }
}

enum XMLScanner {
    struct Failure: Error { var offset: Int; var reason: String }

    static func scan(_ b: [UInt8], into handler: some XMLHandler) throws(Failure) {
        var i = 0
        let n = b.count
        var textStart = 0
        func flushText(_ end: Int) throws(Failure) {
            if end > textStart { handler.text(try decode(b, textStart, end)) }
        }
        while i < n {
            guard b[i] == UInt8(ascii: "<") else { i += 1; continue }
            try flushText(i)
            guard i + 1 < n else { throw Failure(offset: i, reason: "a '<' at the end") }
            switch b[i + 1] {
            case UInt8(ascii: "?"):
                guard let close = find(b, [0x3F, 0x3E], from: i + 2) else { throw Failure(offset: i, reason: "an unclosed <?") }
                i = close + 2
            case UInt8(ascii: "!"):
                if hasPrefix(b, at: i, "<!--") {
                    guard let close = find(b, Array("-->".utf8), from: i + 4) else { throw Failure(offset: i, reason: "an unclosed comment") }
                    i = close + 3
                } else if hasPrefix(b, at: i, "<![CDATA[") {
                    guard let close = find(b, Array("]]>".utf8), from: i + 9) else { throw Failure(offset: i, reason: "an unclosed CDATA section") }
                    handler.text(String(decoding: b[(i + 9)..<close], as: UTF8.self))
                    i = close + 3
                } else {
                    throw Failure(offset: i, reason: "a document type declaration (not in a workbook)")
                }
            case UInt8(ascii: "/"):
                var j = i + 2
                while j < n && b[j] != UInt8(ascii: ">") { j += 1 }
                guard j < n else { throw Failure(offset: i, reason: "an unclosed end tag") }
                handler.end(localName(b, i + 2, trimEnd(b, i + 2, j)))
                i = j + 1
            default:
                var j = i + 1
                while j < n && !isSpace(b[j]) && b[j] != UInt8(ascii: ">") && b[j] != UInt8(ascii: "/") { j += 1 }
                let name = localName(b, i + 1, j)
                var attributes = XMLAttributes()
                var selfClosing = false
                while true {
                    while j < n && isSpace(b[j]) { j += 1 }
                    guard j < n else { throw Failure(offset: i, reason: "an unclosed start tag") }
                    if b[j] == UInt8(ascii: ">") { j += 1; break }
                    if b[j] == UInt8(ascii: "/") {
                        guard j + 1 < n, b[j + 1] == UInt8(ascii: ">") else { throw Failure(offset: j, reason: "a '/' inside a tag") }
                        selfClosing = true; j += 2; break
                    }
                    let keyStart = j
                    while j < n && b[j] != UInt8(ascii: "=") && !isSpace(b[j]) && b[j] != UInt8(ascii: ">") { j += 1 }
                    let key = String(decoding: b[keyStart..<j], as: UTF8.self)
                    while j < n && isSpace(b[j]) { j += 1 }
                    guard j < n, b[j] == UInt8(ascii: "=") else { throw Failure(offset: j, reason: "attribute '\(key)' without a value") }
                    j += 1
                    while j < n && isSpace(b[j]) { j += 1 }
                    guard j < n, b[j] == 0x22 || b[j] == 0x27 else { throw Failure(offset: j, reason: "attribute '\(key)' without quotes") }
                    let quote = b[j]
                    let valueStart = j + 1
                    j = valueStart
                    while j < n && b[j] != quote { j += 1 }
                    guard j < n else { throw Failure(offset: valueStart, reason: "an unclosed attribute value") }
                    attributes.pairs.append((key, try decode(b, valueStart, j)))
                    j += 1
                }
                handler.start(name, attributes)
                if selfClosing { handler.end(name) }
                i = j
            }
            textStart = i
        }
        try flushText(n)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    static func trimEnd(_ b: [UInt8], _ start: Int, _ end: Int) -> Int {
        var e = end
        while e > start && isSpace(b[e - 1]) { e -= 1 }
        return e
    }

    /// The element name without its namespace prefix (`x:sheet` → `sheet`).
    static func localName(_ b: [UInt8], _ start: Int, _ end: Int) -> String {
        var s = start
        for k in start..<end where b[k] == UInt8(ascii: ":") { s = k + 1 }
        return String(decoding: b[s..<end], as: UTF8.self)
    }

    static func hasPrefix(_ b: [UInt8], at i: Int, _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return i + p.count <= b.count && Array(b[i..<(i + p.count)]) == p
    }

    static func find(_ b: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard needle.count > 0, b.count >= needle.count else { return nil }
        var i = from
        while i <= b.count - needle.count {
            if b[i] == needle[0] && Array(b[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// Text with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and `&#…;` resolved.
    static func decode(_ b: [UInt8], _ start: Int, _ end: Int) throws(Failure) -> String {
        guard b[start..<end].contains(UInt8(ascii: "&")) else { return String(decoding: b[start..<end], as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            guard b[i] == UInt8(ascii: "&") else { out.append(b[i]); i += 1; continue }
            var j = i + 1
            while j < end && b[j] != UInt8(ascii: ";") && j - i < 12 { j += 1 }
            guard j < end, b[j] == UInt8(ascii: ";") else { throw Failure(offset: i, reason: "an '&' that starts no entity") }
            let name = String(decoding: b[(i + 1)..<j], as: UTF8.self)
            switch name {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(0x22)
            case "apos": out.append(0x27)
            default:
                let code = name.hasPrefix("#x") ? UInt32(name.dropFirst(2), radix: 16) : name.hasPrefix("#") ? UInt32(name.dropFirst()) : nil
                guard let code, let scalar = Unicode.Scalar(code) else { throw Failure(offset: i, reason: "an unknown entity &\(name);") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            i = j + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
