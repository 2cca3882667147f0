import Hummingbird
import Foundation
import HTTPTypes
import Fulfillment
import GRDB
import LabelModel
import NIOCore
import PrintSpool
import Printing
import Rendering
import LabeldSupport

/// Routes of print jobs: list, follow, cancel, confirm, reprint.
struct JobRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk
        r.on(.get, "/v1/jobs") { request, context in
            let caller = try context.caller()
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
            return Array(jobs.filter { caller.mayUse(printer: $0.printer) }.prefix(limit))
        }
        r.on(.get, "/v1/jobs/:id") { _, context in
            // Following a sent job asks its print server and writes: only after the caller may see it.
            try await onCallersJob(context) { _, job in job.state == .sent ? try desk.spooler.process(job.id) : job }
        }
        r.on(.post, "/v1/jobs/:id/cancel") { _, context in
            try await onCallersJob(context) { caller, job in try desk.cancel(jobId: job.id, actor: caller.actor) }
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
