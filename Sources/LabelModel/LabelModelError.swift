/// An error in a template or in the data bound to it, with a stable `code`, a message that says
/// what was expected, and where: the template's file:line:column or the data's JSON path.
public struct LabelModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable, machine-readable kinds of error.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file is not valid YAML.
        public static let syntax = Code("template.syntax")
        /// A key, value or element does not fit the template format.
        public static let invalidTemplate = Code("template.invalid")
        /// A `{{ … }}` binding is malformed or names an unknown filter.
        public static let invalidBinding = Code("template.binding")
        /// The data lacks a field the template needs, or has the wrong type there.
        public static let data = Code("data.invalid")
        /// The data file is not JSON / JSON Lines.
        public static let dataSyntax = Code("data.syntax")
        /// A file could not be read.
        public static let io = Code("io")
    }

    public var code: Code
    /// What failed and what was expected, without the location.
    public var message: String
    /// The template location, when the error is in a template.
    public var location: SourceLocation?
    /// The JSON path (`$.receiver.name`), when the error is in the data.
    public var dataPath: String?
    /// The element the error belongs to, when known.
    public var element: String?

    public init(code: Code, message: String, location: SourceLocation? = nil, dataPath: String? = nil, element: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.dataPath = dataPath
        self.element = element
    }

    /// `file:line:col: message (element 'x')` or `$.path: message (element 'x')`.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        if let dataPath { text += "\(dataPath): " }
        text += message
        if let element { text += " (element '\(element)')" }
        return text
    }
}

/// A problem that does not stop rendering but should be seen: an element off the page, text
/// that still overflows after shrinking.
public struct LabelWarning: Sendable, Hashable, CustomStringConvertible {
    public var element: String
    public var message: String
    public var page: Int?

    public init(element: String, message: String, page: Int? = nil) {
        self.element = element
        self.message = message
        self.page = page
    }

    public var description: String {
        "warning: element '\(element)'\(page.map { " (page \($0))" } ?? ""): \(message)"
    }
}
