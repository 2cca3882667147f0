import Hummingbird
import Foundation
import HTTPTypes
import Fulfillment
import Storage
import LabelModel
import NIOCore
import PrintSpool
import Printing
import Rendering
import LabeldSupport

/// Routes of print jobs: list, follow, cancel, release, confirm, reprint.
struct JobRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk
        r.on(.post, "/v1/labels/confirm") { request, context in
            // A station scanned a printed waybill: the label is confirmed, not assumed.
            let caller = try context.caller()
            let b = try await request.decode(as: ConfirmLabelBody.self, context: context)
            let answer = try await service.blocking {
                try desk.confirmLabel(code: b.code, actor: caller.actor, mayUse: { caller.mayUse(printer: $0) })
            }
            if answer.status == .notPrinted { throw Problem(.conflict, code: "label.not-printed", answer.message) }
            return answer
        }
        r.on(.get, "/v1/jobs") { request, context in
            let caller = try context.caller()
            if request.uri.queryParameters.get("unconfirmed") == "true" {
                // Labels sent but never seen by a confirmation scan (`olderThan`: 10m, 30s, 2h; default 10m).
                let text = request.uri.queryParameters.get("olderThan").map { String($0) } ?? "10m"
                guard let seconds = Self.duration(text) else {
                    throw Problem(.badRequest, code: "request.parameter", "olderThan is a duration such as 30s, 10m or 2h")
                }
                let labels = try await service.blocking { try desk.store.unconfirmedLabels(olderThan: seconds) }
                return try labels.filter { caller.mayUse(printer: $0.printer) }.response(from: request, context: context)
            }
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }.map { max(1, min($0, 1000)) } ?? 50
            var states: [PrintJobState] = []
            if let s = request.uri.queryParameters.get("state") {
                guard let state = PrintJobState(rawValue: s) else {
                    throw Problem(.badRequest, code: "request.parameter", "state is one of \(PrintJobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                states = [state]
            }
            let printer = request.uri.queryParameters.get("printer").map { String($0) }
            if let printer { try service.checkPrinter(caller, printer) }
            let wanted = states
            let jobs = try await service.blocking { try desk.store.jobs(limit: caller.role == .station ? 1000 : limit, states: wanted, printer: printer) }
            return try Array(jobs.filter { caller.mayUse(printer: $0.printer) }.prefix(limit)).response(from: request, context: context)
        }
        r.on(.get, "/v1/jobs/:id") { _, context in
            // Following a sent job asks its print server and writes: only after the caller may see it.
            try await onCallersJob(context) { _, job in job.state == .sent ? try desk.spooler.process(job.id) : job }
        }
        r.on(.post, "/v1/jobs/:id/cancel") { _, context in
            try await onCallersJob(context) { caller, job in try desk.cancel(jobId: job.id, actor: caller.actor) }
        }
        r.on(.post, "/v1/jobs/:id/release") { _, context in
            // A job held by barcode verification is rendered again from the template as it is now.
            try await onCallersJob(context) { caller, job in try desk.release(jobId: job.id, actor: caller.actor) }
        }
        r.on(.post, "/v1/jobs/:id/confirm") { request, context in
            let b = try await request.decode(as: ConfirmBody.self, context: context)
            return try await onCallersJob(context) { caller, job in try desk.confirm(jobId: job.id, printed: b.printed, actor: caller.actor) }
        }
        r.on(.post, "/v1/jobs/:id/reprint") { request, context in
            let b = try await request.decode(as: ReprintBody.self, context: context)
            let job = try await onCallersJob(context) { caller, job in
                if let p = b.printer { try service.checkPrinter(caller, p) }
                return try desk.reprint(jobId: job.id, reason: b.reason, printer: b.printer, actor: caller.actor)
            }
            return EditedResponse(status: .created, response: job)
        }
    }

    /// Seconds in `30s`, `10m`, `2h` or a plain number of seconds.
    static func duration(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let last = text.last, let unit = units[last], let n = Double(text.dropLast()), n >= 0 { return n * unit }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// The job `:id` names, once the caller may use its printer (a station sees only its own
    /// printers' jobs), and what `act` makes of it, on the service's thread pool.
    func onCallersJob(_ context: AppContext, _ act: @escaping @Sendable (Principal, PrintJob) throws -> PrintJob) async throws -> PrintJob {
        let caller = try context.caller()
        let id = try service.int(context, "id")
        let desk = service.desk
        return try await service.blocking {
            let job = try desk.store.job(id)
            try service.checkPrinter(caller, job.printer)
            return try act(caller, job)
        }
    }
}

struct ConfirmLabelBody: Decodable, Sendable {
    /// The scanned barcode: a waybill number (or an order number).
    var code: String
}
