/// A stable error code, spelled `area.reason`: dotted, lower-case, words joined by `_`
/// (`print.not_found`, `template.invalid`, `shipment.not_printable`). The CLI prints it and
/// problem+json carries it as it is; scripts and tests match it. `Owner` is the error type the
/// code belongs to, so each module declares its own codes and they cannot be mixed up:
///
/// ```swift
/// public struct PrintError: LabeldError { public typealias Code = ErrorCode<PrintError> … }
/// extension ErrorCode where Owner == PrintError {
///     public static var notFound: Self { Self("print.not_found") }
/// }
/// ```
public struct ErrorCode<Owner>: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// What kind of failure an error is, for whoever turns it into an answer (an HTTP status, an
/// exit code): the modules say what happened, not how a front end reports it.
public enum Failure: Sendable, Hashable {
    /// The request or its data is wrong: fix it and ask again.
    case invalid
    /// What the request names does not exist.
    case notFound
    /// The request does not fit the thing's state now (cancel a completed job).
    case conflict
    /// The caller may not do this.
    case forbidden
    /// A printer or server cannot take it now; asking again later may work.
    case unavailable
    /// labeld itself failed (a file or the database).
    case `internal`
}

/// The shape every module's error has: a stable `code`, a `message` that says what failed and
/// how to fix it (its `description` adds what the module knows beside: a location, zint's text),
/// what kind of `failure` it is, and, for errors in a template, the line and column.
public protocol LabeldError: Error, Sendable, CustomStringConvertible {
    var code: ErrorCode<Self> { get }
    var message: String { get }
    var failure: Failure { get }
    /// The template line and column, when the error is in a template.
    var line: Int? { get }
    var column: Int? { get }
}

extension LabeldError {
    /// The code as text, for callers holding `any LabeldError`.
    public var codeText: String { code.rawValue }
    public var failure: Failure { .invalid }
    public var line: Int? { nil }
    public var column: Int? { nil }
}
