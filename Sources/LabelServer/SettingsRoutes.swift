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

/// Routes of the seller's settings and 초기화.
struct SettingsRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk, config = service.configuration
        r.on(.get, "/v1/settings") { _, context in
            _ = try context.operatorOrOwner("settings")
            let settings = try await service.blocking { try desk.fulfillment.settings() }
            var out: [String: String] = [:]
            for key in Settings.keys { out[key] = try settings.value(of: key) }
            return out
        }
        r.on(.put, "/v1/settings/:key") { request, context in
            let key = context.parameters.get("key") ?? ""
            // Carrier credentials are the owner's to set.
            let caller = key == "carrierConnections" ? try context.owner("carrierConnections") : try context.operatorOrOwner("settings")
            let b = try await request.decode(as: SettingBody.self, context: context)
            let change = try await service.blocking { try desk.fulfillment.updateSetting(key, to: b.value, actor: caller.actor) }
            return ["key": key, "old": change.old, "new": change.new]
        }
        r.on(.post, "/v1/reset") { request, context in
            let caller = try context.owner("초기화 (reset)")
            let b = try await request.decode(as: ResetBody.self, context: context)
            let backup = try await service.blocking {
                try desk.reset(role: caller.role, actor: caller.actor, confirmation: b.confirmation, backupDirectory: config.backupDirectory)
            }
            return ["backup": backup]
        }
    }
}
