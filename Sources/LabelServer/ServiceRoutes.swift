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

/// Routes of the service itself: health, metrics, the OpenAPI document and the designer page.
struct ServiceRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk, config = service.configuration
        r.on(.get, "/healthz") { _, _ in
            let ok = try await service.blocking { try desk.fulfillment.writer.read { try Int.fetchOne($0, sql: "SELECT 1") } } == 1
            return ["status": ok ? "ok" : "degraded"]
        }
        r.on(.get, "/metrics") { _, _ in
            let text = try await service.blocking { () -> [UInt8] in
                let counts = try desk.store.countsByState()
                let now = Date(), maxAge = config.printerStatusSeconds
                let printers = try service.printerUp.value(for: "status", isCurrent: { now.timeIntervalSince($0.at) < maxAge }) {
                    (now, try desk.store.profiles().map { p in (p.name, p.currentStatus().ready) })
                }.printers
                return service.metrics.emit(counts: counts, printers: printers, unconfirmedLabels: try desk.store.unconfirmedCount(),
                                            leases: desk.store.leases)
            }
            return service.bytes(text, type: "text/plain; version=0.0.4; charset=utf-8")
        }
        r.on(.get, "/openapi.yaml") { _, _ in
            let data = try await service.blocking { try Data(contentsOf: URL(fileURLWithPath: config.webDirectory + "/openapi.yaml")) }
            return service.bytes([UInt8](data), type: "application/yaml; charset=utf-8")
        }
        for (path, file, type) in [("/", "designer/index.html", "text/html; charset=utf-8"), ("/designer.js", "designer/designer.js", "text/javascript; charset=utf-8"),
                                   ("/designer.css", "designer/designer.css", "text/css; charset=utf-8"),
                                   ("/editor.js", "designer/editor.js", "text/javascript; charset=utf-8"),
                                   ("/station", "station/index.html", "text/html; charset=utf-8"), ("/station.js", "station/station.js", "text/javascript; charset=utf-8"),
                                   ("/station.css", "station/station.css", "text/css; charset=utf-8")] {
            r.on(.get, path) { _, _ in
                let data = try await service.blocking { try Data(contentsOf: URL(fileURLWithPath: config.webDirectory + "/" + file)) }
                return service.bytes([UInt8](data), type: type, headers: [.cacheControl: "no-cache"])
            }
        }
    }
}
