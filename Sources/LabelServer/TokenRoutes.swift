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

/// Routes of API tokens (owner only).
struct TokenRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        r.on(.post, "/v1/tokens") { request, context in
            let caller = try context.owner("making tokens")
            let b = try await request.decode(as: TokenBody.self, context: context)
            let tokens = service.tokens
            let token = try await service.blocking { try tokens.create(name: b.name, role: b.role, printers: b.printers ?? [], actor: caller.actor) }
            return EditedResponse(status: .created, response: ["token": token, "name": b.name, "role": b.role.rawValue])
        }
    }
}
