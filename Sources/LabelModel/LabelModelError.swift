public import LabeldSupport
/// An error in a template or in the data bound to it, with a stable `code`, a message that says
/// what was expected, and where: the template's file:line:column or the data's JSON path.
public struct LabelModelError: LabeldError, Hashable {
    public typealias Code = ErrorCode<LabelModelError>

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
    public var line: Int? { location?.line }
    public var column: Int? { location?.column }

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
    /// A stable code for warnings a program acts on (`verify.decode`, `verify.quiet-zone`, …).
    public var code: String?
    /// The record (label) of a batch it is about, 0-based; shown as `record N:` before the element.
    public var record: Int?

    public init(element: String, message: String, page: Int? = nil, code: String? = nil, record: Int? = nil) {
        self.element = element
        self.message = message
        self.page = page
        self.code = code
        self.record = record
    }

    /// A barcode verification failure (its code starts with `verify.`).
    public var isVerification: Bool { code?.hasPrefix("verify.") == true }

    public var description: String {
        "warning: element '\(record.map { "record \($0 + 1): " } ?? "")\(element)'\(page.map { " (page \($0))" } ?? ""): \(code.map { "\($0): " } ?? "")\(message)"
    }
}

extension ErrorCode where Owner == LabelModelError {
    /// The file is not valid YAML.
    public static var syntax: Self { Self("template.syntax") }
    /// A key, value or element does not fit the template format.
    public static var invalidTemplate: Self { Self("template.invalid") }
    /// A `{{ … }}` binding is malformed or names an unknown filter.
    public static var invalidBinding: Self { Self("template.binding") }
    /// The data lacks a field the template needs, or has the wrong type there.
    public static var data: Self { Self("data.invalid") }
    /// The data file is not JSON / JSON Lines.
    public static var dataSyntax: Self { Self("data.syntax") }
    /// A file could not be read.
    public static var io: Self { Self("file.io") }
}
