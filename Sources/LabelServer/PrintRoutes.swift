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

/// Routes of printing: a station's scan, a batch (송장출력), product labels.
struct PrintRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk, config = service.configuration
        r.on(.post, "/v1/print") { request, context in
            let caller = try context.caller()
            let body = try await request.decode(as: PrintBody.self, context: context)
            let key = try service.idempotencyKey(request, caller)
            guard body.code != nil || body.shipmentId != nil else {
                throw Problem(.badRequest, code: "request.json", "give 'code' (a scanned waybill or order number) or 'shipmentId'")
            }
            var printer = body.printer
            if caller.role == .station {
                printer = printer ?? caller.printers.first
                try service.checkPrinter(caller, printer!)
            }
            let scan = ScanIntake.Scan(code: body.code ?? "", printer: printer, idempotencyKey: key, actor: caller.actor)
            let submission = try await service.intake.print(scan, shipmentId: body.shipmentId, fallbackDirectory: config.filePrinterDirectory) { work in
                try await service.blocking(work)
            }
            if !submission.repeated { service.metrics.record(submission.job) }
            // 202: durably queued behind other jobs for this printer; the worker prints it in turn.
            let status: HTTPResponse.Status = submission.repeated ? .ok : submission.job.state == .queued ? .accepted : .created
            // Written directly (`PrintJob.jsonText`): JSONEncoder was a tenth of a scan's CPU.
            let answer = #"{"job":"# + submission.job.jsonText + #","repeated":"# + (submission.repeated ? "true" : "false") + "}"
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .location: "/v1/jobs/\(submission.job.id)"],
                            body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        r.on(.post, "/v1/print/batch") { request, context in
            let caller = try context.operatorOrOwner("batch printing (송장출력)")
            let b = try await request.decode(as: BatchBody.self, context: context)
            let key = try service.idempotencyKey(request, caller)
            let selection = PrintSelection(carrier: b.carrier, tag: b.tag, island: b.island, from: b.from, to: b.to,
                                           includePrinted: b.includePrinted ?? false, limit: b.limit.map { max(1, min($0, 100_000)) })
            if b.dryRun == true {
                let outline = try await service.blocking { try desk.planBatch(selection, printer: b.printer, fallbackDirectory: config.filePrinterDirectory) }
                // A dry run answers the plan: 200, another shape than the jobs below.
                return try BatchOutlineAnswer(plans: outline.plans.map { BatchPlanAnswer(template: $0.template, printer: $0.printer, shipments: $0.shipments) },
                                              refused: outline.refused).response(from: request, context: context)
            }
            let result = try await service.blocking {
                try desk.printBatch(selection, printer: b.printer, actor: caller.actor, fallbackDirectory: config.filePrinterDirectory,
                                    idempotencyKey: key)
            }
            for s in result.submissions where !s.repeated { service.metrics.record(s.job) }
            return try EditedResponse(status: .created, response: BatchAnswer(jobs: result.submissions.map { JobAnswer(job: $0.job, repeated: $0.repeated) },
                                                                              refused: result.refused)).response(from: request, context: context)
        }
        r.on(.post, "/v1/print/barcodes") { request, context in
            let caller = try context.operatorOrOwner("product labels")
            let b = try await request.decode(as: BarcodesBody.self, context: context)
            let key = try service.idempotencyKey(request, caller)
            let s = try await service.blocking {
                try desk.printBarcodes(sku: b.sku, copies: b.copies, printer: b.printer, template: b.template, idempotencyKey: key,
                                       actor: caller.actor, fallbackDirectory: config.filePrinterDirectory)
            }
            return EditedResponse(status: s.repeated ? .ok : .created, response: JobAnswer(job: s.job, repeated: s.repeated))
        }
    }
}
