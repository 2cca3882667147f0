import Hummingbird
import Foundation
import HTTPTypes
import Fulfillment
import LabelModel
import PrintSpool
import Printing
import Rendering
import LabeldSupport

/// Routes the designer page works with: edits applied to the template text where the parser
/// found the element, the template model's keys for the inspector, older revisions, a real
/// shipment's record for the field picker, and who the caller is.
struct DesignerRoutes {
    let service: LabelService

    func addRoutes(to r: inout RouteTable) {
        let desk = service.desk
        r.on(.get, "/v1/whoami") { _, context in
            let caller = try context.caller()
            return WhoAmI(name: caller.name, role: caller.role.rawValue, printers: caller.printers)
        }
        r.on(.post, "/v1/templates/edit") { request, context in
            _ = try context.operatorOrOwner("templates")
            let b = try await request.decode(as: EditBody.self, context: context)
            return try await service.blocking { try Self.edit(b) }
        }
        r.on(.get, "/v1/templates/schema") { _, context in
            _ = try context.operatorOrOwner("templates")
            return SchemaAnswer(types: TemplateSchema.types, elementTypes: TemplateSchema.elementTypes, filters: TemplateSchema.filters,
                                fonts: ["NanumGothic", "NanumGothicCoding"])
        }
        r.on(.get, "/v1/templates/:folder/:name/revisions/:revision") { _, context in
            _ = try context.operatorOrOwner("templates")
            let name = try service.templateName(context)
            let revision = try service.int(context, "revision")
            return try await service.blocking { () -> RevisionAnswer in
                let r = try desk.store.templateRevision(name: name, revision: Int(revision))
                let at = try desk.store.revisions(name: name).first { $0.revision == r.revision }?.createdAt
                return RevisionAnswer(name: r.name, revision: r.revision, source: r.source, createdAt: at)
            }
        }
        r.on(.get, "/v1/shipments/:id/label") { _, context in
            // The record a waybill of this shipment binds: the designer's field picker and preview
            // data, and what a packing station shows big beside the label it printed (its receiver
            // and product lines: what the printed label itself carries).
            let caller = try context.caller()
            let id = try service.int(context, "id")
            return try await service.blocking { () -> LabelRecord in
                // A station reads only what one of its printers printed (the label it has in hand).
                if caller.role == .station,
                   !(try desk.store.printedLabels(source: "shipment:\(id)").contains { caller.printers.contains($0.printer) }) {
                    throw Problem.forbidden("station '\(caller.name)' may read the records of labels its printers printed only")
                }
                let detail = try desk.fulfillment.shipmentDetail(id)
                guard detail.waybillNo != nil else {
                    throw Problem(.conflict, code: "shipment.no_waybill", "shipment \(id) has no waybill number yet: assign one (labeld shipments assign) to see its label's data")
                }
                let settings = try desk.fulfillment.settings()
                return LabelRecord(shipmentId: id, data: try desk.waybillRecord(detail, settings: settings, today: PrintDesk.today()))
            }
        }
    }

    /// Applies one edit and answers the new text with its elements; a refused edit is a 422 naming
    /// the line, the column, the element and the key.
    static func edit(_ b: EditBody) throws -> EditAnswer {
        let file = b.file ?? "template.yaml"
        let edit: TemplateEditor.Edit
        switch b.op {
        case "set":
            guard let element = b.element, let values = b.values, !values.isEmpty else {
                throw Problem(.badRequest, code: "request.json", "op 'set' takes 'element' and 'values' ([{key, value}])")
            }
            edit = .set(element: element, values: values.map { ($0.key, $0.value) })
        case "delete":
            guard let element = b.element else { throw Problem(.badRequest, code: "request.json", "op 'delete' takes 'element'") }
            edit = .delete(element: element)
        case "add":
            guard let fields = b.values, fields.contains(where: { $0.key == "type" }) else {
                throw Problem(.badRequest, code: "request.json", "op 'add' takes 'values' ([{key, value}]) with a 'type'")
            }
            edit = .add(fields: fields.map { ($0.key, $0.value) })
        default:
            throw Problem(.badRequest, code: "request.json", "op is set, delete or add")
        }
        // A Result rather than `catch let e as LabelModelError` around these typed throws: that
        // form crashed the Swift 6.3 compiler (an ownership error in SIL).
        let result: Result<EditAnswer, LabelModelError>
        do throws(LabelModelError) {
            let text = try TemplateEditor.apply(edit, to: b.source, file: file)
            result = .success(EditAnswer(source: text, elements: try TemplateEditor.elements(of: text, file: file)))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let answer): return answer
        case .failure(let e):
            var p = Problem(.unprocessableContent, code: e.codeText, e.description, line: e.line, column: e.column)
            p.element = e.element ?? b.element
            // The key the message is about, when the edit set it (the inspector shows it on that field).
            p.key = b.values?.map(\.key).first { key in e.message.hasPrefix(key) || e.message.contains("'\(key)'") || e.message.contains(" \(key)") }
                ?? (b.values?.count == 1 ? b.values?.first?.key : nil)
            throw p
        }
    }
}

struct EditBody: Decodable, Sendable {
    struct Pair: Decodable, Sendable { var key: String; var value: String }
    var source: String
    var file: String?
    /// `set`, `delete` or `add`.
    var op: String
    var element: String?
    var values: [Pair]?
}

struct EditAnswer: ResponseEncodable, Sendable {
    var source: String
    var elements: [TemplateEditor.ElementSource]
}

struct SchemaAnswer: ResponseEncodable, Sendable {
    var types: [String: [TemplateSchema.Key]]
    var elementTypes: [String]
    var filters: [String]
    var fonts: [String]
}

struct RevisionAnswer: ResponseEncodable, Sendable {
    var name: String
    var revision: Int
    var source: String
    var createdAt: String?
}

struct LabelRecord: ResponseEncodable, Sendable {
    var shipmentId: Int64
    var data: DataValue
}

struct WhoAmI: ResponseEncodable, Sendable {
    var name: String
    var role: String
    var printers: [String]
}
