public import Logging

extension Logger {
    /// A logger that drops everything: the default of a library type whose caller passed none.
    public static let disabled = Logger(label: "labeld.none") { _ in SwiftLogNoOpLogHandler() }
}
