import Hummingbird
import Foundation
import HTTPTypes
import Fulfillment
import CarrierLink
import Storage
import LabelModel
import NIOCore
import PrintSpool
import Printing
import Rendering
import LabeldSupport

/// Routes of shipments (송장): create, combine (합포), split, ship.
struct ShipmentRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk
        r.on(.get, "/v1/shipments") { _, context in
            _ = try context.operatorOrOwner("shipments")
            return try await service.blocking { try desk.fulfillment.shipments() }
        }
        r.on(.post, "/v1/shipments") { _, context in
            let caller = try context.operatorOrOwner("shipments")
            let made = try await service.blocking { try desk.fulfillment.createShipments(actor: caller.actor) }
            // 택배연동: the new shipments of a connected carrier are routed (and numbered) before the answer.
            let carriers = try service.carrierDesk()
            let routing = carriers.isConnected && made.created > 0 ? try await carriers.refine(actor: caller.actor) : nil
            return EditedResponse(status: .created, response: ShipmentsCreatedAnswer(count: made.created, heldBack: made.heldBack, refused: made.refused,
                                                                                     routing: routing))
        }
        r.on(.post, "/v1/shipments/refine") { request, context in
            let caller = try context.operatorOrOwner("shipments")
            let carriers = try service.carrierDesk()
            guard carriers.isConnected else {
                throw Problem(.unprocessableContent, code: "carrier.not_connected", "no carrier is connected: set carrierConnections first")
            }
            return try await carriers.refine(again: request.uri.queryParameters.get("all") == "true", actor: caller.actor)
        }
        r.on(.post, "/v1/shipments/book") { _, context in
            let caller = try context.operatorOrOwner("shipments")
            return try await service.carrierDesk().book(actor: caller.actor)
        }
        r.on(.get, "/v1/shipments/:id") { _, context in
            _ = try context.operatorOrOwner("shipments")
            let id = try service.int(context, "id")
            return try await service.blocking { try desk.fulfillment.shipmentDetail(id) }
        }
        r.on(.post, "/v1/shipments/combine") { request, context in
            let caller = try context.operatorOrOwner("합포")
            let b = try await request.decode(as: OrderIdsBody.self, context: context)
            return EditedResponse(status: .created, response: ["shipment": try await service.blocking { try desk.fulfillment.combine(orderIds: b.orderIds, actor: caller.actor) }])
        }
        r.on(.post, "/v1/shipments/split") { request, context in
            let caller = try context.operatorOrOwner("주문나누기")
            let b = try await request.decode(as: SplitBody.self, context: context)
            let q = try service.quantities(b.quantities)
            return EditedResponse(status: .created, response: ["order": try await service.blocking { try desk.fulfillment.split(orderId: b.orderId, quantities: q, actor: caller.actor) }])
        }
        r.on(.post, "/v1/shipments/:id/ship") { _, context in
            let caller = try context.operatorOrOwner("배송처리")
            let id = try service.int(context, "id")
            try await service.blocking { try desk.fulfillment.ship(shipmentId: id, actor: caller.actor) }
            return Message(message: "shipment \(id) shipped")
        }
    }
}
