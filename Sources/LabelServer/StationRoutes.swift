import Hummingbird
import Foundation
import HTTPTypes
import NIOCore
import Fulfillment
import LabelModel
import PrintSpool
import Printing
import LabeldSupport

/// The packing station's live feed: Server-Sent Events of its printers' jobs as their states
/// change (queued → sent → completed / held / failed …) and of its printers' status.
///
/// ```
/// GET /v1/events[?printer=P]   (Accept: text/event-stream)
/// event: job        data: {PrintJob}
/// event: printer    data: {"name": "pack-1", "ready": true, "state": "idle", "reason": ""}
/// ```
struct StationRoutes {
    let service: LabelService
    /// How often the stream looks for changed jobs, and for printer status.
    static let jobPoll: Duration = .milliseconds(100)
    static let printerEvery = 20
    static let printerStatusSeconds = 1.5

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk
        r.on(.get, "/v1/events") { request, context in
            let caller = try context.caller()
            var printers: [String]? = caller.role == .station ? caller.printers : nil
            if let p = request.uri.queryParameters.get("printer").map({ String($0) }) {
                try service.checkPrinter(caller, p)
                printers = [p]
            }
            let watched = printers
            let start = try await service.blocking { desk.store.stamp() }
            let body = ResponseBody { writer in
                var since = start
                var sent: [Int64: String] = [:]
                var tick = 0
                try await writer.write(ByteBuffer(string: "retry: 1000\n: labeld events\n\n"))
                // Until the station goes away or the server stops (a graceful shutdown ends the stream).
                while !Task.isCancelled && !service.stopping.isStopped {
                    if tick % Self.printerEvery == 0 {
                        let status = try await service.blocking { () -> [(String, PrinterStatus)] in
                            let now = Date()
                            return try desk.store.profiles().filter { watched?.contains($0.name) ?? true }.map { p in
                                let s = try service.printerStatus.value(for: p.name, isCurrent: { now.timeIntervalSince($0.at) < Self.printerStatusSeconds }) {
                                    (Date(), p.currentStatus())
                                }
                                return (p.name, s.status)
                            }
                        }
                        var text = ""
                        for (name, s) in status {
                            let reason = s.ready ? "" : s.notReadyReason
                            text += "event: printer\ndata: {\"name\":\(JSONString.quoted(name)),\"ready\":\(s.ready),\"state\":\"\(s.state.rawValue)\",\"reason\":\(JSONString.quoted(reason))}\n\n"
                        }
                        if tick > 0 && text.isEmpty { text = ": keep-alive\n\n" }
                        if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                    }
                    let from = since
                    let jobs = try await service.blocking { try desk.store.changedJobs(since: from, printers: watched) }
                    var text = ""
                    for job in jobs where sent[job.id] != job.updatedAt + job.state.rawValue {
                        sent[job.id] = job.updatedAt + job.state.rawValue
                        text += "event: job\ndata: \(job.jsonText)\n\n"
                        if job.updatedAt > since { since = job.updatedAt }
                    }
                    if sent.count > 2000 { sent = sent.filter { $0.value >= since } }
                    if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                    tick += 1
                    // A cancelled sleep (the server stopping) ends the stream cleanly: the answer is
                    // finished, so the connection closes instead of hanging open.
                    do { try await Task.sleep(for: Self.jobPoll) } catch { break }
                }
                // The end of the answer: without it the connection stays open and the server's
                // graceful stop waits on it forever.
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"], body: body)
        }
    }
}
