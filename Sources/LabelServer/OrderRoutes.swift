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

/// Routes of orders, products and stock (the order core).
struct OrderRoutes {
    let service: LabelService
    /// An .xlsx workbook's media type.
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk, config = service.configuration
        r.on(.post, "/v1/orders") { request, context in
            let caller = try context.operatorOrOwner("order import")
            let data = try await LabeldJSON.body(request, limit: config.maxUploadBytes)
            let q = request.uri.queryParameters
            let channel = q.get("channel").map { String($0) }
            let sheet = q.get("sheet").map { String($0) }
            let preset = q.get("preset").map { String($0) }
            // A header, not the query: a password must not land in access logs.
            let password = request.headers[HTTPField.Name("X-Workbook-Password")!]
            let type = request.headers[.contentType] ?? "application/json"
            let report = try await service.blocking { () -> ImportReport in
                let layout = try preset.map { try Marketplaces.preset($0) }
                if type.hasPrefix("text/csv") {
                    let (orders, report) = try FulfillmentStore.ordersFromCSV(data, source: "upload.csv", channel: channel, layout: layout)
                    return try desk.fulfillment.collect(orders, channel: channel, actor: caller.actor, report: report)
                }
                if type.hasPrefix(Self.xlsxType) {
                    let (orders, report) = try FulfillmentStore.ordersFromWorkbook(data, source: "upload.xlsx", sheet: sheet, password: password,
                                                                                    channel: channel, layout: layout)
                    return try desk.fulfillment.collect(orders, channel: channel, actor: caller.actor, report: report)
                }
                var orders: [OrderInput]
                do { orders = try JSONDecoder().decode([OrderInput].self, from: data) } catch let e as DecodingError {
                    throw Problem(.badRequest, code: "request.json", "expected an array of orders: \(Problem.describe(e))")
                }
                if let layout, layout.dispatch != nil { for i in orders.indices { orders[i].preset = layout.name } }
                return try desk.fulfillment.collect(orders, channel: channel, actor: caller.actor)
            }
            return EditedResponse(status: .created, response: report)
        }
        r.on(.get, "/v1/orders") { request, context in
            _ = try context.operatorOrOwner("orders")
            let q = request.uri.queryParameters
            let limit = q.get("limit").flatMap { Int($0) }.map { max(1, min($0, 10_000)) } ?? 500
            let orders = try await service.blocking {
                try desk.fulfillment.orders(delayedOnly: q.get("delayed") == "true", islandOnly: q.get("island") == "true",
                                           unmatchedOnly: q.get("unmatched") == "true", limit: limit)
            }
            return orders
        }
        // 발송처리: the marketplace's bulk-dispatch workbook. Lines written are recorded (as the CLI
        // does), so the next call has only new ones unless all=true.
        r.on(.get, "/v1/orders/dispatch") { request, context in
            let caller = try context.operatorOrOwner("dispatch files")
            let q = request.uri.queryParameters
            guard let preset = q.get("preset").map({ String($0) }) else {
                throw Problem(.badRequest, code: "request.parameter", "name the marketplace: ?preset=smartstore|coupang|11st|esm|cafe24")
            }
            let since = q.get("since").map { String($0) }
            let export = try await service.blocking {
                try desk.fulfillment.exportDispatch(preset: preset, since: since, all: q.get("all") == "true", actor: caller.actor)
            }
            var headers: HTTPFields = [.contentType: Self.xlsxType,
                                       .contentDisposition: "attachment; filename=\"dispatch-\(export.preset).xlsx\""]
            headers[HTTPField.Name("X-Dispatch-Lines")!] = String(export.lines)
            headers[HTTPField.Name("X-Dispatch-Waybills")!] = String(export.shipments)
            if !export.leftOut.isEmpty {
                // Header values are Latin-1 by convention: the notes are percent-encoded UTF-8.
                headers[HTTPField.Name("X-Dispatch-Left-Out")!] = export.leftOut.joined(separator: "\n")
                    .addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: export.workbook)))
        }
        r.on(.get, "/v1/orders/:id") { _, context in
            _ = try context.operatorOrOwner("orders")
            let id = try service.int(context, "id")
            return try await service.blocking { try desk.orderView(id) }
        }
        r.on(.post, "/v1/orders/allocate") { _, context in
            let caller = try context.operatorOrOwner("allocation")
            return try await service.blocking { try desk.fulfillment.allocate(actor: caller.actor) }
        }
        for action in ["hold", "release", "cancel"] {
            r.on(.post, "/v1/orders/:id/\(action)") { _, context in
                let caller = try context.operatorOrOwner("orders")
                let id = try service.int(context, "id")
                let message = try await service.blocking { () -> String in
                    switch action {
                    case "hold": try desk.fulfillment.hold(orderId: id, actor: caller.actor); return "order \(id): on hold"
                    case "release": try desk.fulfillment.release(orderId: id, actor: caller.actor); return "order \(id): released"
                    default: return try desk.fulfillment.cancel(orderId: id, actor: caller.actor)
                    }
                }
                return Message(message: message)
            }
        }
        r.on(.post, "/v1/orders/:id/exchange") { request, context in
            let caller = try context.operatorOrOwner("exchanges")
            let id = try service.int(context, "id")
            let q = try service.quantities(try await request.decode(as: QuantitiesBody.self, context: context).quantities)
            let r = try await service.blocking { try desk.fulfillment.exchange(orderId: id, quantities: q, actor: caller.actor) }
            return EditedResponse(status: .created, response: ["replacementOrder": r.replacement, "pickup": r.pickup ?? 0])
        }
        r.on(.post, "/v1/orders/:id/return") { request, context in
            let caller = try context.operatorOrOwner("returns")
            let id = try service.int(context, "id")
            let q = try service.quantities(try await request.decode(as: QuantitiesBody.self, context: context).quantities)
            let pickup = try await service.blocking { try desk.fulfillment.requestReturn(orderId: id, quantities: q, actor: caller.actor) }
            return EditedResponse(status: .created, response: ["pickup": pickup])
        }
        r.on(.post, "/v1/pickups/:id/complete") { request, context in
            let caller = try context.operatorOrOwner("pickups")
            let id = try service.int(context, "id")
            let b = try await request.decode(as: PickupBody.self, context: context)
            try await service.blocking { try desk.fulfillment.completePickup(id, defective: b.defective ?? false, actor: caller.actor) }
            return Message(message: "pickup \(id) completed")
        }
        r.on(.get, "/v1/products") { request, context in
            _ = try context.operatorOrOwner("products")
            let tag = request.uri.queryParameters.get("tag").map { String($0) }
            return try await service.blocking { try desk.fulfillment.optionStocks(tag: tag) }
        }
        r.on(.post, "/v1/products") { request, context in
            let caller = try context.operatorOrOwner("products")
            let data = try await LabeldJSON.body(request, limit: config.maxUploadBytes)
            let products: [ProductInput]
            do { products = try JSONDecoder().decode([ProductInput].self, from: data) } catch let e as DecodingError {
                throw Problem(.badRequest, code: "request.json", "expected an array of products: \(Problem.describe(e))")
            }
            return EditedResponse(status: .created, response: try await service.blocking { try desk.fulfillment.syncProducts(products, actor: caller.actor) })
        }
        r.on(.post, "/v1/stock/receive") { request, context in
            let caller = try context.operatorOrOwner("stock")
            let b = try await request.decode(as: StockBody.self, context: context)
            let onHand = try await service.blocking { try desk.fulfillment.receive(sku: b.sku, quantity: b.quantity, actor: caller.actor, note: b.note) }
            return ["sku": b.sku, "onHand": String(onHand)]
        }
        r.on(.post, "/v1/stock/adjust") { request, context in
            let caller = try context.operatorOrOwner("stock")
            let b = try await request.decode(as: StockBody.self, context: context)
            let onHand = try await service.blocking { try desk.fulfillment.adjust(sku: b.sku, by: b.quantity, actor: caller.actor, note: b.note) }
            return ["sku": b.sku, "onHand": String(onHand)]
        }
        r.on(.get, "/v1/market-stock") { _, context in
            _ = try context.operatorOrOwner("market stock")
            return try await service.blocking { try desk.fulfillment.marketStock() }
        }
    }
}
