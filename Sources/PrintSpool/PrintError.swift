public import Foundation
public import LabeldSupport

/// Everything that can go wrong in the print spool, with a stable `code` and a message that says
/// what failed and how to fix it. The IPP status or socket error rides in `detail`.
public struct PrintError: LabeldError, Hashable {
    public typealias Code = ErrorCode<PrintError>

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

    public var failure: Failure {
        switch code {
        case .notFound: .notFound
        case .conflict: .conflict
        case .unavailable: .unavailable
        case .io: .internal
        default: .invalid
        }
    }
}

extension ErrorCode where Owner == PrintError {
    /// A profile or request that is not valid (bad transport, unknown language, bad dpi …).
    public static var invalidInput: Self { Self("print.invalid_input") }
    /// No such printer profile, job or template revision.
    public static var notFound: Self { Self("print.not_found") }
    /// The printer cannot take the job now (offline, stopped, paper out, head open, paused):
    /// the job is held and retried.
    public static var unavailable: Self { Self("print.printer_unavailable") }
    /// The printer or server refused the job for good (wrong format, bad request).
    public static var refused: Self { Self("print.refused") }
    /// The job cannot make this move (cancel a completed job, reprint a job never printed).
    public static var conflict: Self { Self("print.conflict") }
    /// An Idempotency-Key given again with a different request.
    public static var keyReused: Self { Self("print.idempotency_key_reused") }
    /// Rendering the labels failed (template/data error): the job fails with this message.
    public static var render: Self { Self("print.render") }
    /// Reading or writing the spool's own files or database failed.
    public static var io: Self { Self("print.io") }
}
