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

/// Routes of printer profiles and their status.
struct PrinterRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk
        // Several nodes on one PostgreSQL: every node, its heartbeat and the printers it drives.
        r.on(.get, "/v1/nodes") { _, context in
            _ = try context.caller()
            let spool = desk.store
            return NodesAnswer(node: spool.leases.node, clustered: spool.leases.isEnabled, leaseSeconds: spool.leases.ttl,
                               nodes: try await service.blocking { try spool.nodes() })
        }
        r.on(.get, "/v1/printers") { _, context in
            let caller = try context.caller()
            let answers = try await service.blocking {
                try desk.store.profiles().filter { caller.mayUse(printer: $0.name) }.map { p in
                    PrinterAnswer(profile: p, status: p.currentStatus())
                }
            }
            return answers
        }
        r.on(.put, "/v1/printers/:name") { request, context in
            _ = try context.operatorOrOwner("printer profiles")
            var decoded = try await request.decode(as: PrinterProfile.self, context: context)
            decoded.name = context.parameters.get("name") ?? decoded.name
            if decoded.transport.hasPrefix("file:") { decoded.transport = "file:" + (try service.confinedFilePrinter(String(decoded.transport.dropFirst(5)))) }
            let profile = decoded
            try await service.blocking { try desk.store.save(profile) }
            return profile
        }
        r.on(.delete, "/v1/printers/:name") { _, context in
            _ = try context.operatorOrOwner("printer profiles")
            let name = context.parameters.get("name") ?? ""
            try await service.blocking { try desk.store.removeProfile(name) }
            return Message(message: "printer \(name) removed")
        }
    }
}
