/// Text with `{{ path | filter:arg }}` bindings, parsed once when the template loads.
///
/// ```
/// "우) {{receiver.postal_code}}"
/// "{{receiver.phone | phone | mask:'-****'}}"
/// "{{message | default:'-'}}"
/// ```
/// A path that is missing in the data is an error unless a `default` filter follows it or the path
/// ends in `?` (optional: prints nothing).
public struct TextTemplate: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case literal(String)
        case binding(Binding)
    }

    public var parts: [Part]
    public var source: String

    public init(parts: [Part], source: String) {
        self.parts = parts
        self.source = source
    }

    /// A template with no bindings.
    public static func literal(_ text: String) -> TextTemplate { TextTemplate(parts: [.literal(text)], source: text) }

    /// True when the text needs no data.
    public var isConstant: Bool { parts.allSatisfy { if case .literal = $0 { return true } else { return false } } }

    /// Parses `text`; `location` is where the text starts in the template (for error columns).
    public static func parse(_ text: String, location: SourceLocation? = nil) throws(LabelModelError) -> TextTemplate {
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        func column(at i: String.Index) -> SourceLocation? {
            guard var loc = location else { return nil }
            loc.column += text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: i.samePosition(in: text.unicodeScalars) ?? text.unicodeScalars.startIndex)
            return loc
        }
        while index < text.endIndex {
            if text[index...].hasPrefix("{{") {
                guard let close = text.range(of: "}}", range: text.index(index, offsetBy: 2)..<text.endIndex) else {
                    throw LabelModelError(code: .invalidBinding, message: "unclosed '{{': expected '}}' to end the binding", location: column(at: index))
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                let inner = String(text[text.index(index, offsetBy: 2)..<close.lowerBound])
                parts.append(.binding(try Binding.parse(inner, location: column(at: index))))
                index = close.upperBound
            } else {
                literal.append(text[index])
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return TextTemplate(parts: parts, source: text)
    }
}

/// One `{{ path | filter | filter:arg }}`.
public struct Binding: Sendable, Hashable {
    /// The dotted path into the data (`receiver.name`).
    public var path: [String]
    /// `path?`: a missing value prints nothing instead of failing.
    public var optional: Bool
    public var filters: [FilterCall]
    public var location: SourceLocation?

    public var pathText: String { path.joined(separator: ".") }

    static func parse(_ inner: String, location: SourceLocation?) throws(LabelModelError) -> Binding {
        let pieces = splitOutsideQuotes(inner, separator: "|")
        var pathText = pieces[0].trimmingCharacters(in: .whitespaces)
        var optional = false
        if pathText.hasSuffix("?") { optional = true; pathText.removeLast() }
        guard !pathText.isEmpty else {
            throw LabelModelError(code: .invalidBinding, message: "empty binding '{{\(inner)}}': expected a data path such as {{receiver.name}}", location: location)
        }
        let path = pathText.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for key in path where key.isEmpty || key.contains(where: { $0 == " " || $0 == "{" || $0 == "}" }) {
            throw LabelModelError(code: .invalidBinding, message: "invalid data path '\(pathText)': expected names separated by dots, such as receiver.name", location: location)
        }
        var filters: [FilterCall] = []
        for piece in pieces.dropFirst() {
            filters.append(try FilterCall.parse(piece.trimmingCharacters(in: .whitespaces), location: location))
        }
        return Binding(path: path, optional: optional, filters: filters, location: location)
    }
}

func splitOutsideQuotes(_ text: String, separator: Character) -> [String] {
    var result: [String] = []
    var current = ""
    var quote: Character?
    for c in text {
        if let q = quote {
            current.append(c)
            if c == q { quote = nil }
        } else if c == "\"" || c == "'" {
            quote = c
            current.append(c)
        } else if c == separator {
            result.append(current)
            current = ""
        } else {
            current.append(c)
        }
    }
    result.append(current)
    return result
}

import Foundation
