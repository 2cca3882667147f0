public import Foundation

/// Everything that can go wrong in the print spool, with a stable `code` and a message that says
/// what failed and how to fix it. The IPP status or socket error rides in `detail`.
public struct PrintError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, Codable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A profile or request that is not valid (bad transport, unknown language, bad dpi …).
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// No such printer profile, job or template revision.
        public static let notFound = Code(rawValue: "not-found")
        /// The printer cannot take the job now (offline, stopped, paper out, head open, paused):
        /// the job is held and retried.
        public static let unavailable = Code(rawValue: "printer-unavailable")
        /// The printer or server refused the job for good (wrong format, bad request).
        public static let refused = Code(rawValue: "refused")
        /// The job cannot make this move (cancel a completed job, reprint a job never printed).
        public static let conflict = Code(rawValue: "conflict")
        /// An Idempotency-Key given again with a different request.
        public static let keyReused = Code(rawValue: "idempotency-key-reused")
        /// Rendering the labels failed (template/data error): the job fails with this message.
        public static let render = Code(rawValue: "render")
        /// Reading or writing the spool's own files or database failed.
        public static let io = Code(rawValue: "io")
    }

    public var code: Code
    public var message: String
    /// The underlying detail: IPP status text, errno text.
    public var detail: String?

    public init(code: Code, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { detail.map { "\(message) (\($0))" } ?? message }
}
