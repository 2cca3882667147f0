import Foundation
import Fulfillment
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelServer
import LabelTesting
import NIOCore
import PrintSpool
import Printing
import Rendering
import Testing

/// A labeld service on a temp database and a temp copy of templates/, with one token per role,
/// two file printers (the station may use pack-1 only) and orders with waybill numbers.
struct ServerFixture {
    let service: LabelService
    let directory: String
    let owner: String
    let operatorToken: String
    let station: String

    static func make(maxJSONBytes: Int = 1 << 20, clock: TestClock? = nil) throws -> ServerFixture {
        let dir = temporaryDirectory("server")
        try FileManager.default.copyItem(atPath: Project.templates, toPath: dir + "/templates")
        var config = ServerConfiguration(rendering: RendererConfiguration(fontsDirectory: Project.fonts, templatesDirectory: dir + "/templates"),
                                         webDirectory: Project.root + "/web")
        config.port = 0
        config.databasePath = dir + "/var/labeld.sqlite"
        config.filePrinterDirectory = dir + "/labels"
        config.backupDirectory = dir + "/backups"
        config.maxJSONBytes = maxJSONBytes
        config.workerInterval = .milliseconds(50)
        if let clock { config.now = { clock.now } }
        let service = try LabelService(configuration: config)
        let owner = try service.tokens.create(name: "kim", role: .owner, printers: [], actor: "owner:test")
        try service.desk.fulfillment.updateSetting("unallocatedWaybills", to: "mark", actor: "owner:test")
        let op = try service.tokens.create(name: "lee", role: .operator, printers: [], actor: "owner:test")
        let station = try service.tokens.create(name: "pack-1", role: .station, printers: ["pack-1"], actor: "owner:test")
        try service.desk.store.save(PrinterProfile(name: "pack-1", transport: "file:\(dir)/pack-1", language: .zpl, stations: ["pack-1"]))
        try service.desk.store.save(PrinterProfile(name: "pack-2", transport: "file:\(dir)/pack-2", language: .zpl, stations: ["pack-2"]))
        try service.desk.fulfillment.updateSetting("sender", to: #"{"name":"리빙플러스","phone":"0221358870","address":"서울특별시 성동구 성수이로 113"}"#, actor: "owner:test")
        return ServerFixture(service: service, directory: dir, owner: owner, operatorToken: op, station: station)
    }

    /// `count` orders (A000001 …) with waybill numbers 600000000001 …, as JSON for POST /v1/orders.
    static func ordersJSON(_ count: Int, from first: Int = 1) -> String {
        "[" + (first..<(first + count)).map { i in
            #"{"orderNo":"A\#(String(format: "%06d", i))","orderedAt":"2026-11-28T09:\#(String(format: "%02d", i % 60)):00+09:00","carrier":"generic","waybillNo":"\#(String(format: "6%011d", i))","receiver":{"name":"수령인\#(i)","phone":"01012345678","postalCode":"03195","address":"서울특별시 종로구 종로 \#(i)"},"lines":[{"productName":"상품 \#(i)","option":"구성:3개입","quantity":2}]}"#
        }.joined(separator: ",") + "]"
    }
}

extension TestClientProtocol {
    /// One request with an optional bearer token and JSON body.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String?, json: String? = nil, headers extra: HTTPFields = [:],
              contentType: String = "application/json") async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? [] }
    var bytes: [UInt8] { Array(body.readableBytesView) }
}
