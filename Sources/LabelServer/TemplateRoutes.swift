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

/// Routes of templates and the designer's live preview.
struct TemplateRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk, config = service.configuration
        r.on(.get, "/v1/templates") { _, context in
            _ = try context.operatorOrOwner("templates")
            return try await service.blocking { try service.templateList() }
        }
        r.on(.get, "/v1/templates/:folder/:name") { _, context in
            _ = try context.operatorOrOwner("templates")
            let name = try service.templateName(context)
            let answer = try await service.blocking { () -> TemplateAnswer in
                let source = try desk.templateSource(name)
                let sampleFile = config.rendering.templatesDirectory + "/samples/" + (name.split(separator: "/").last.map { String($0) } ?? name) + ".json"
                let sample = FileManager.default.contents(atPath: sampleFile).flatMap { try? DataValue.records(from: $0).first }
                return TemplateAnswer(name: name, source: source, sample: sample, revisions: try desk.store.revisions(name: name).map(\.revision))
            }
            return answer
        }
        r.on(.put, "/v1/templates/:folder/:name") { request, context in
            let caller = try context.operatorOrOwner("templates")
            let name = try service.templateName(context)
            let b = try await request.decode(as: TemplateBody.self, context: context)
            let revision = try await service.blocking { try service.saveTemplate(name: name, source: b.source, actor: caller.actor) }
            return EditedResponse(status: .created, response: ["name": name, "revision": String(revision)])
        }
        r.on(.post, "/v1/preview") { request, context in
            _ = try context.operatorOrOwner("preview")
            let b = try await request.decode(as: PreviewBody.self, context: context)
            let preview = try await service.blocking { try service.preview(b) }
            return service.bytes(preview.bytes, type: preview.contentType, headers: [
                HTTPField.Name("X-Labeld-Warnings")!: String(preview.warnings.count),
                HTTPField.Name("X-Labeld-Warning-List")!: preview.warningListHeader,
                HTTPField.Name("X-Labeld-Verification")!: preview.verificationHeader,
                HTTPField.Name("X-Labeld-Verification-Failed")!: String(preview.verification.filter { !$0.passed }.count),
                HTTPField.Name("X-Labeld-Layout")!: preview.layoutHeader,
            ])
        }
    }
}
