public import Hummingbird
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

// Request bodies.
struct PrintBody: Decodable { var code: String?; var shipmentId: Int64?; var printer: String? }
struct BatchBody: Decodable {
    var carrier: String?; var tag: String?; var island: Bool?; var from: String?; var to: String?
    var limit: Int?; var includePrinted: Bool?; var printer: String?; var dryRun: Bool?
}
struct BarcodesBody: Decodable { var sku: String; var copies: Int; var printer: String?; var template: String? }
struct ReprintBody: Decodable { var reason: String; var printer: String? }
/// `POST /v1/jobs/{id}/confirm`: labels 1…printed of an uncertain job came out.
struct ConfirmBody: Decodable { var printed: Int }
struct TemplateBody: Decodable { var source: String }
struct SettingBody: Decodable { var value: String }
struct OrderIdsBody: Decodable { var orderIds: [Int64] }
struct SplitBody: Decodable { var orderId: Int64; var quantities: [String: Int] }
struct QuantitiesBody: Decodable { var quantities: [String: Int] }
struct PickupBody: Decodable { var defective: Bool? }
struct ResetBody: Decodable { var confirmation: String }
struct TokenBody: Decodable { var name: String; var role: Role; var printers: [String]? }
struct StockBody: Decodable { var sku: String; var quantity: Int; var note: String? }

// Responses.
struct JobAnswer: ResponseEncodable { var job: PrintJob; var repeated: Bool }
struct PrinterAnswer: ResponseEncodable { var profile: PrinterProfile; var status: PrinterStatus }
/// `GET /v1/nodes`: the node answering, whether leases are on (PostgreSQL), and every node.
struct NodesAnswer: ResponseEncodable { var node: String; var clustered: Bool; var leaseSeconds: Double; var nodes: [NodeStatus] }
struct TemplateSummary: ResponseEncodable {
    var name: String; var description: String?; var carrier: String?; var widthMM: Double; var heightMM: Double; var dpi: Int
    /// The seller's saved template (it shadows the shipped one of the same name).
    var saved: Bool
}
struct TemplateAnswer: ResponseEncodable { var name: String; var source: String; var sample: DataValue?; var revisions: [Int] }
struct BatchPlanAnswer: ResponseEncodable { var template: String; var printer: String; var shipments: [ShipmentDetail] }
struct BatchOutlineAnswer: ResponseEncodable { var plans: [BatchPlanAnswer]; var refused: [PrintDesk.Refusal] }
struct BatchAnswer: ResponseEncodable { var jobs: [JobAnswer]; var refused: [PrintDesk.Refusal] }
struct ShipmentsCreatedAnswer: ResponseEncodable {
    var count: Int; var heldBack: [ShipmentCreation.Skipped]; var refused: [ShipmentCreation.Skipped]
    /// A connected carrier's routing of the new shipments.
    var routing: CarrierDesk.RefineReport?
}
struct Count: ResponseEncodable { var count: Int }
struct Message: ResponseEncodable { var message: String }

// What the modules return, answered as they are (JSON through the context's `LabeldJSON`).
extension PrintJob: ResponseEncodable {}
extension PrintedLabel: ResponseEncodable {}
extension LabelConfirmation: ResponseEncodable {}
extension PrinterProfile: ResponseEncodable {}
extension ShipmentDetail: ResponseEncodable {}
extension PrintDesk.OrderView: ResponseEncodable {}
extension ImportReport: ResponseEncodable {}
extension ProductSyncReport: ResponseEncodable {}
extension AllocationReport: ResponseEncodable {}
extension CarrierDesk.RefineReport: ResponseEncodable {}
extension CarrierDesk.BookingReport: ResponseEncodable {}

extension LabelService {
    func bytes(_ data: [UInt8], type: String, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: type]
        headers.append(contentsOf: extra)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func int(_ context: AppContext, _ name: String) throws -> Int64 {
        guard let text = context.parameters.get(name), let v = Int64(text), v > 0 else {
            throw Problem(.badRequest, code: "request.parameter", "'\(name)' must be a positive whole number")
        }
        return v
    }

    func quantities(_ q: [String: Int]) throws -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for (k, v) in q {
            guard let id = Int64(k), v > 0 else { throw Problem(.badRequest, code: "request.json", "quantities map order line ids to positive numbers") }
            out[id] = v
        }
        return out
    }

    /// The `Idempotency-Key` header (1–200 characters), scoped to the caller (one station's key
    /// never names another's job) and namespaced apart from keys labeld derives.
    func idempotencyKey(_ request: Request, _ caller: Principal) throws -> String? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard !key.isEmpty, key.count <= 200 else {
            throw Problem(.badRequest, code: "request.idempotency_key", "Idempotency-Key must be 1–200 characters")
        }
        return "http:\(caller.actor):" + key
    }

    /// A file printer's folder, as the API may set it: inside the configured `filePrinterDirectory`
    /// (a relative folder is taken inside it), never elsewhere — labeld creates and writes it.
    func confinedFilePrinter(_ folder: String) throws -> String {
        let root = URL(fileURLWithPath: configuration.filePrinterDirectory).standardizedFileURL.path
        let path = (folder.hasPrefix("/") ? URL(fileURLWithPath: folder) : URL(fileURLWithPath: root).appendingPathComponent(folder)).standardizedFileURL.path
        guard !folder.isEmpty, path == root || path.hasPrefix(root + "/") else {
            throw Problem(.unprocessableContent, code: "printer.file_outside_root",
                          "a file printer writes inside \(root) (filePrinterDirectory / LABELD_FILE_PRINTER_DIR): give a folder there, such as file:office, not '\(folder)'")
        }
        return path
    }

    /// A station may only see and use its own printers.
    func checkPrinter(_ principal: Principal, _ printer: String) throws {
        guard principal.mayUse(printer: printer) else {
            throw Problem.forbidden("station '\(principal.name)' may print to \(principal.printers.joined(separator: ", ")) only, not '\(printer)'")
        }
    }

    /// Every route, area by area; the table records them for the OpenAPI test.
    func addRoutes(_ r: inout RouteTable) {
        ServiceRoutes(service: self).addRoutes(to: &r)
        PrintRoutes(service: self).addRoutes(to: &r)
        JobRoutes(service: self).addRoutes(to: &r)
        PrinterRoutes(service: self).addRoutes(to: &r)
        TemplateRoutes(service: self).addRoutes(to: &r)
        OrderRoutes(service: self).addRoutes(to: &r)
        ShipmentRoutes(service: self).addRoutes(to: &r)
        SettingsRoutes(service: self).addRoutes(to: &r)
        TokenRoutes(service: self).addRoutes(to: &r)
        DesignerRoutes(service: self).addRoutes(to: &r)
        StationRoutes(service: self).addRoutes(to: &r)
    }

    func templateName(_ context: AppContext) throws -> String {
        let folder = context.parameters.get("folder") ?? "", name = context.parameters.get("name") ?? ""
        for part in [folder, name] where part.isEmpty || part.count > 64 || part.hasPrefix(".") || !part.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
            throw Problem(.badRequest, code: "request.template_name", "template names are FOLDER/NAME of letters, digits, '-', '_', '.' (such as waybills/cj)")
        }
        return folder + "/" + (name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name)
    }
}
