import Foundation
import Storage
import Fulfillment
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelModel
import LabelServer
import LabelTesting
import NIOCore
import PrintSpool
import Printing
import Testing
import Yams

@Suite("HTTP API", .serialized)
struct APITests {
    @Test("POST /v1/orders takes an .xlsx export (made by openpyxl) with ?channel= and ?sheet=; a file that is no workbook is a 422")
    func workbookUpload() async throws {
        let f = try ServerFixture.make()
        let path = temporaryDirectory("xlsx") + "/orders.xlsx"
        let made = try runTool(Project.root + "/.build/pyfixtures/bin/python", [Project.root + "/Tests/tools/make_workbook.py", "openpyxl", path])
        #expect(made.status == 0, "\(made.stderr)")
        let book = try #require(FileManager.default.contents(atPath: path))
        let type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        try await f.service.application().test(.router) { client in
            func upload(_ uri: String, _ body: Data) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(f.operatorToken)", .contentType: type],
                                         body: ByteBuffer(bytes: body))
            }
            var r = try await upload("/v1/orders?channel=smartstore&sheet=%EB%B0%9C%EC%A3%BC%EB%B0%9C%EC%86%A1%EA%B4%80%EB%A6%AC", book)
            #expect(r.status == .created && r.object["collectedOrders"] as? Int == 3 && r.object["encoding"] as? String == "xlsx", "\(r.text)")
            let errors = r.object["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { $0["detail"] as? String } == ["발주발송관리!I7: column '수량': expected a whole number above 0, got '두개'"])
            // Password-protected (msoffcrypto-tool): the password rides in a header, never in the URL.
            let sealed = path + ".encrypted.xlsx"
            #expect(try runTool(Project.root + "/.build/pyfixtures/bin/msoffcrypto-tool", ["-e", "-p", "암호", path, sealed]).status == 0)
            let encrypted = try #require(FileManager.default.contents(atPath: sealed))
            r = try await client.execute(uri: "/v1/orders?channel=cafe24&sheet=%EB%B0%9C%EC%A3%BC%EB%B0%9C%EC%86%A1%EA%B4%80%EB%A6%AC", method: .post,
                                         headers: [.authorization: "Bearer \(f.operatorToken)", .contentType: type, HTTPField.Name("X-Workbook-Password")!: "암호"],
                                         body: ByteBuffer(bytes: encrypted))
            #expect(r.status == .created && r.object["collectedOrders"] as? Int == 3, "\(r.text)")
            r = try await upload("/v1/orders?channel=cafe24", encrypted)
            #expect(r.status == .unprocessableContent && r.object["code"] as? String == "import.xlsx_password", "\(r.text)")
            r = try await upload("/v1/orders?channel=smartstore", Data("주문번호,수령자명\n".utf8))
            #expect(r.status == .unprocessableContent && r.object["code"] as? String == "import.xlsx", "\(r.text)")
            // Without ?sheet= the first sheet is a cover page: neither labeld's headers nor a marketplace's.
            r = try await upload("/v1/orders", book)
            #expect(r.status == .unprocessableContent && r.object["code"] as? String == "import.mapping", "\(r.text)")
        }
    }

    @Test("POST /v1/orders tells an 11번가 export by its header row (or takes ?preset=); GET /v1/orders/dispatch answers the marketplace's workbook")
    func marketplaceUpload() async throws {
        let f = try ServerFixture.make()
        let dir = temporaryDirectory("xlsx")
        let book = try #require(FileManager.default.contents(atPath: try Workbooks.marketplace("11st", in: dir)))
        let type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        try await f.service.application().test(.router) { client in
            func upload(_ uri: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(f.operatorToken)", .contentType: type],
                                         body: ByteBuffer(bytes: book))
            }
            var r = try await upload("/v1/orders?preset=coupang")
            #expect(r.status == .unprocessableContent && r.object["code"] as? String == "import.mapping", "\(r.text)")
            r = try await upload("/v1/orders?preset=amazon")
            #expect(r.status == .unprocessableContent && (r.object["detail"] as? String)?.hasPrefix("unknown preset 'amazon'") == true, "\(r.text)")
            r = try await upload("/v1/orders")
            #expect(r.status == .created && r.object["collectedOrders"] as? Int == 3 && r.object["layout"] as? String == "11st"
                    && r.object["layoutDetected"] as? Bool == true, "\(r.text)")
            r = try await upload("/v1/orders?preset=11st")
            #expect(r.status == .created && r.object["collectedOrders"] as? Int == 0 && (r.object["duplicates"] as? [Any])?.count == 3, "\(r.text)")
            r = try await client.call(.get, "/v1/orders", token: f.operatorToken)
            #expect(r.array.map { $0["channel"] as? String } == ["11st", "11st", "11st"], "\(r.text)")

            // Nothing printed yet: the file has the header only. The route is not /v1/orders/:id.
            r = try await client.call(.get, "/v1/orders/dispatch?preset=11st", token: f.operatorToken)
            #expect(r.status == .ok && r.headers[.contentType] == type && r.headers[HTTPField.Name("X-Dispatch-Lines")!] == "0", "\(r.text)")
            #expect(r.headers[.contentDisposition] == "attachment; filename=\"dispatch-11st.xlsx\"")
            let path = dir + "/dispatch.xlsx"
            try Data(r.body.readableBytesView).write(to: URL(fileURLWithPath: path))
            #expect(try Workbooks.read(path).rows == [["주문번호", "배송번호", "배송방법", "택배사코드", "송장/등기번호", "상품번호"]])
            r = try await client.call(.get, "/v1/orders/dispatch", token: f.operatorToken)
            #expect(r.status == .badRequest && r.object["code"] as? String == "request.parameter", "\(r.text)")
            r = try await client.call(.get, "/v1/orders/dispatch?preset=labeld", token: f.operatorToken)
            #expect(r.status == .unprocessableContent && r.object["code"] as? String == "import.mapping", "\(r.text)")
            r = try await client.call(.get, "/v1/orders/dispatch?preset=11st&since=어제", token: f.operatorToken)
            #expect(r.status == .unprocessableContent && (r.object["detail"] as? String)?.hasPrefix("--since '어제'") == true, "\(r.text)")
            r = try await client.call(.get, "/v1/orders/dispatch?preset=11st", token: f.station)
            #expect(r.status == .forbidden, "\(r.text)")
        }
    }

    @Test("carrier credentials over HTTP: the owner sets them, GET /v1/settings shows them masked, a bad value's error does not echo them")
    func carrierCredentials() async throws {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            let value = #"{\"cj\":{\"customerId\":\"30501859\",\"businessNumber\":\"1158700619\",\"baseURL\":\"https://dxapi.cjlogistics.com:5052\"}}"#
            var r = try await client.call(.put, "/v1/settings/carrierConnections", token: f.owner, json: #"{"value":"\#(value)"}"#)
            #expect(r.status == .ok && !r.text.contains("30501859") && !r.text.contains("1158700619"), "\(r.text)")
            r = try await client.call(.get, "/v1/settings", token: f.operatorToken)
            #expect(r.object["carrierConnections"] as? String == #"{"cj":{"baseURL":"https://dxapi.cjlogistics.com:5052","businessNumber":"1*******19","customerId":"3*****59"}}"#,
                    "\(r.text)")
            let bad = #"{\"cj\":{\"customerId\":\"30501859\",\"businessNumber\":\"123\",\"baseURL\":\"https://x\"}}"#
            r = try await client.call(.put, "/v1/settings/carrierConnections", token: f.owner, json: #"{"value":"\#(bad)"}"#)
            #expect(r.status == .unprocessableContent && !r.text.contains("30501859"), "\(r.text)")
            r = try await client.call(.post, "/v1/shipments/refine", token: f.operatorToken)
            #expect(r.status == .ok, "connected: \(r.text)")
        }
    }

    @Test("401 without a token or with an unknown one, as problem+json with a stable code")
    func unauthorized() async throws {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            var r = try await client.call(.get, "/v1/jobs", token: nil)
            #expect(r.status == .unauthorized && r.headers[.contentType] == "application/problem+json")
            #expect(r.headers[.wwwAuthenticate] == #"Bearer realm="labeld""#)
            #expect(r.object["code"] as? String == "auth.missing" && r.object["status"] as? Int == 401)
            r = try await client.call(.get, "/v1/jobs", token: "lbd_nope")
            #expect(r.status == .unauthorized && r.object["code"] as? String == "auth.invalid")
            r = try await client.call(.get, "/healthz", token: nil)
            #expect(r.status == .ok && r.object["status"] as? String == "ok")
        }
    }

    /// Every route, with the role that may use it and one that may not.
    struct Boundary: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var allowed: String      // owner | operator | station
        var refused: String?     // a role that gets 403
        var description: String { "\(method) \(path) as \(allowed)" }
    }

    static let boundaries: [Boundary] = [
        Boundary(method: .post, path: "/v1/print", body: #"{"code":"600000000001"}"#, allowed: "station", refused: nil),
        Boundary(method: .post, path: "/v1/print/batch", body: #"{"dryRun":true}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/print/barcodes", body: #"{"sku":"NOPE","copies":1}"#, allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/jobs", allowed: "station", refused: nil),
        Boundary(method: .get, path: "/v1/printers", allowed: "station", refused: nil),
        Boundary(method: .put, path: "/v1/printers/office", body: #"{"name":"office","transport":"file:office","language":"pdf"}"#, allowed: "operator", refused: "station"),
        Boundary(method: .delete, path: "/v1/printers/office", allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/templates", allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/templates/waybills/generic-4x6", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/preview", body: #"{"template":"barcodes/product-50x30","data":{"name":"현미","sku":"R-1","gtin":"880123456789"}}"#, allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/orders", allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/orders/dispatch?preset=smartstore", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/orders/allocate", allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/products", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/products", body: #"[{"code":"P1","name":"현미 4kg","sku":"RICE-4","barcode":"8801234567893"}]"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/stock/receive", body: #"{"sku":"RICE-4","quantity":5}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/stock/adjust", body: #"{"sku":"RICE-4","quantity":-1}"#, allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/market-stock", allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/shipments", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/shipments/book", allowed: "operator", refused: "station"),
        Boundary(method: .put, path: "/v1/settings/carrierConnections", body: #"{"value":"{}"}"#, allowed: "owner", refused: "operator"),
        Boundary(method: .post, path: "/v1/shipments", allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/shipments/1", allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/settings", allowed: "operator", refused: "station"),
        Boundary(method: .put, path: "/v1/settings/printOrder", body: #"{"value":"orderedAt:desc"}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/reset", body: #"{"confirmation":"no"}"#, allowed: "owner", refused: "operator"),
        Boundary(method: .post, path: "/v1/reset", body: #"{"confirmation":"no"}"#, allowed: "owner", refused: "station"),
        Boundary(method: .post, path: "/v1/tokens", body: #"{"name":"pack-3","role":"station","printers":["pack-2"]}"#, allowed: "owner", refused: "operator"),
        Boundary(method: .post, path: "/v1/print/batch", body: #"{"printer":"pack-2"}"#, allowed: "operator", refused: "station"),
        Boundary(method: .get, path: "/v1/jobs/1", allowed: "operator", refused: nil),
        Boundary(method: .post, path: "/v1/jobs/1/cancel", allowed: "operator", refused: nil),
        Boundary(method: .post, path: "/v1/jobs/1/reprint", body: #"{"reason":"용지 걸림"}"#, allowed: "operator", refused: nil),
        Boundary(method: .put, path: "/v1/templates/barcodes/product-50x30", body: #"{"source":"name: x"}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/orders", body: "[]", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/orders/1/hold", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/orders/1/release", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/orders/2/cancel", allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/orders/1/exchange", body: #"{"quantities":{"1":1}}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/orders/1/return", body: #"{"quantities":{"1":1}}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/pickups/1/complete", body: #"{"defective":false}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/shipments/combine", body: #"{"orderIds":[1,2]}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/shipments/split", body: #"{"orderId":1,"quantities":{"1":1}}"#, allowed: "operator", refused: "station"),
        Boundary(method: .post, path: "/v1/shipments/1/ship", allowed: "operator", refused: "station"),
    ]

    @Test("role boundaries: each route answers its role and refuses the others with 403", arguments: boundaries)
    func roles(_ b: Boundary) async throws {
        let f = try ServerFixture.make()
        let token = ["owner": f.owner, "operator": f.operatorToken, "station": f.station]
        try await f.service.application().test(.router) { client in
            _ = try await client.call(.post, "/v1/orders", token: f.owner, json: ServerFixture.ordersJSON(2))
            _ = try await client.call(.post, "/v1/shipments", token: f.owner)
            if let refused = b.refused {
                let r = try await client.call(b.method, b.path, token: token[refused], json: b.body)
                #expect(r.status == .forbidden, "\(r.text)")
                #expect(r.object["code"] as? String == "auth.forbidden" && r.headers[.contentType] == "application/problem+json")
            }
            let r = try await client.call(b.method, b.path, token: token[b.allowed], json: b.body)
            #expect(r.status != .forbidden && r.status != .unauthorized && r.status.code < 500, "\(r.status) \(r.text)")
        }
    }

    @Test("stations print on their own printers only; a scan is idempotent; jobs of other printers are hidden")
    func stationPrint() async throws {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            var r = try await client.call(.post, "/v1/orders", token: f.operatorToken, json: ServerFixture.ordersJSON(3))
            #expect(r.status == .created && r.object["collectedOrders"] as? Int == 3, "\(r.text)")
            r = try await client.call(.post, "/v1/shipments", token: f.operatorToken)
            #expect(r.object["count"] as? Int == 3)

            r = try await client.call(.post, "/v1/print", token: f.station, json: #"{"code":"600000000001","printer":"pack-2"}"#)
            #expect(r.status == .forbidden && (r.object["detail"] as? String) == "station 'pack-1' may print to pack-1 only, not 'pack-2'")

            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "scan-77"]
            r = try await client.call(.post, "/v1/print", token: f.station, json: #"{"code":"6000-0000-0001"}"#, headers: key)
            #expect(r.status == .created, "\(r.text)")
            let job = r.object["job"] as? [String: Any] ?? [:]
            #expect(job["state"] as? String == "completed" && job["printer"] as? String == "pack-1" && r.object["repeated"] as? Bool == false)
            #expect(Set((job["timings"] as? [String: Double] ?? [:]).keys) == ["persist", "render", "send", "total"])
            r = try await client.call(.post, "/v1/print", token: f.station, json: #"{"code":"600000000001"}"#, headers: key)
            #expect(r.status == .ok && r.object["repeated"] as? Bool == true && (r.object["job"] as? [String: Any])?["id"] as? Int == job["id"] as? Int)
            #expect(try FileManager.default.contentsOfDirectory(atPath: f.directory + "/pack-1") == ["job-\(job["id"] as! Int).zpl"])

            // The operator prints order A000002 on pack-2; the station does not see that job.
            r = try await client.call(.post, "/v1/print", token: f.operatorToken, json: #"{"code":"A000002","printer":"pack-2"}"#)
            #expect(r.status == .created)
            let other = (r.object["job"] as? [String: Any])?["id"] as? Int ?? 0
            r = try await client.call(.get, "/v1/jobs", token: f.station)
            #expect(r.array.map { $0["printer"] as? String } == ["pack-1"])
            r = try await client.call(.get, "/v1/jobs/\(other)", token: f.station)
            #expect(r.status == .forbidden)
            r = try await client.call(.post, "/v1/jobs/\(other)/reprint", token: f.station, json: #"{"reason":"x"}"#)
            #expect(r.status == .forbidden)
            r = try await client.call(.get, "/v1/printers", token: f.station)
            #expect(r.array.map { ($0["profile"] as? [String: Any])?["name"] as? String } == ["pack-1"])

            // 재출력 by the station on its printer, with the reason.
            r = try await client.call(.post, "/v1/jobs/\(job["id"] as! Int)/reprint", token: f.station, json: #"{"reason":"용지 걸림"}"#)
            #expect(r.status == .created && r.object["reprintReason"] as? String == "용지 걸림" && r.object["reprintOf"] as? Int == job["id"] as? Int)
            r = try await client.call(.post, "/v1/jobs/\(job["id"] as! Int)/cancel", token: f.station)
            #expect(r.status == .conflict && r.object["code"] as? String == "print.conflict")
        }
    }

    @Test("confirmation scans over HTTP: a printed waybill is confirmed once (who, when); a second scan says so; a 재출력 counts, a double print is flagged; unknown and unprinted codes answer so; unconfirmed labels listed by age")
    func labelConfirmation() async throws {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            var r = try await client.call(.post, "/v1/orders", token: f.operatorToken, json: ServerFixture.ordersJSON(3))
            #expect(r.status == .created)
            r = try await client.call(.post, "/v1/shipments", token: f.operatorToken)
            r = try await client.call(.post, "/v1/print", token: f.station, json: #"{"code":"600000000001"}"#)
            #expect(r.status == .created, "\(r.text)")
            let job = (r.object["job"] as? [String: Any])?["id"] as? Int ?? 0
            let shipment = ((r.object["job"] as? [String: Any])?["sources"] as? [String])?.first?.split(separator: ":").last.map(String.init) ?? "0"

            // The station reads the record of the label it printed (its page shows it big), no other.
            r = try await client.call(.get, "/v1/shipments/\(shipment)/label", token: f.station)
            #expect(r.status == .ok && (r.object["data"] as? [String: Any])?["waybill_no"] as? String == "600000000001", "\(r.text)")
            r = try await client.call(.get, "/v1/shipments/3/label", token: f.station)
            #expect(r.status == .forbidden, "\(r.text)")
            r = try await client.call(.get, "/v1/shipments/3/label", token: f.operatorToken)
            #expect(r.status == .ok)

            // Sent, not yet seen: listed (olderThan 0s), and counted in /metrics.
            r = try await client.call(.get, "/v1/jobs?unconfirmed=true&olderThan=0s", token: f.station)
            #expect(r.status == .ok && r.array.map { $0["jobId"] as? Int } == [job], "\(r.text)")
            r = try await client.call(.get, "/v1/jobs?unconfirmed=true", token: f.station)
            #expect(r.status == .ok && r.array.isEmpty, "default olderThan=10m: a label sent just now is not overdue: \(r.text)")
            r = try await client.call(.get, "/metrics", token: nil)
            #expect(r.text.contains("labeld_labels_unconfirmed 1"), "\(r.text)")

            r = try await client.call(.post, "/v1/labels/confirm", token: f.station, json: #"{"code":"600000000001"}"#)
            #expect(r.status == .ok && r.object["status"] as? String == "confirmed" && r.object["printedCount"] as? Int == 1, "\(r.text)")
            let label = r.object["label"] as? [String: Any] ?? [:]
            #expect(label["jobId"] as? Int == job && label["seq"] as? Int == 1 && label["confirmedBy"] as? String == "station:pack-1"
                    && (label["confirmedAt"] as? String)?.isEmpty == false, "\(label)")
            r = try await client.call(.post, "/v1/labels/confirm", token: f.station, json: #"{"code":"6000-0000-0001"}"#)
            #expect(r.status == .ok && r.object["status"] as? String == "already-confirmed", "\(r.text)")
            r = try await client.call(.get, "/v1/jobs?unconfirmed=true&olderThan=0s", token: f.station)
            #expect(r.array.isEmpty, "\(r.text)")
            r = try await client.call(.get, "/v1/jobs?unconfirmed=true&olderThan=soon", token: f.station)
            #expect(r.status == .badRequest)

            // A 재출력: printed twice, on purpose — counted, not a double print.
            r = try await client.call(.post, "/v1/jobs/\(job)/reprint", token: f.station, json: #"{"reason":"용지 걸림"}"#)
            r = try await client.call(.post, "/v1/labels/confirm", token: f.station, json: #"{"code":"600000000001"}"#)
            #expect(r.object["status"] as? String == "confirmed" && r.object["printedCount"] as? Int == 2 && r.object["duplicate"] as? Bool == false, "\(r.text)")

            // Printed by two jobs that are no 재출력 of each other (labeld itself never does that: a
            // second scan is answered with the first job; here a second job is put in the spool
            // directly): a double print, said so.
            r = try await client.call(.post, "/v1/print", token: f.operatorToken, json: #"{"code":"600000000002","printer":"pack-1"}"#)
            let first = (r.object["job"] as? [String: Any])?["id"] as? Int ?? 0
            let desk = f.service.desk
            let original = try desk.store.job(Int64(first))
            let labels = try desk.store.labels(jobId: Int64(first)).map { LabelInput(source: $0.source, data: $0.data) }
            _ = try desk.spooler.submit(PrintRequest(kind: original.kind, title: original.title, printer: "pack-1", templateName: original.templateName,
                                                     templateSource: try desk.templateSource(original.templateName), labels: labels,
                                                     idempotencyKey: "outside", actor: "test"), goal: .finished(deadline: Date().addingTimeInterval(10)))
            r = try await client.call(.post, "/v1/labels/confirm", token: f.station, json: #"{"code":"600000000002"}"#)
            #expect(r.object["duplicate"] as? Bool == true && (r.object["message"] as? String)?.contains("double print") == true, "\(r.text)")

            // Never printed, and unknown.
            r = try await client.call(.post, "/v1/labels/confirm", token: f.station, json: #"{"code":"600000000003"}"#)
            #expect(r.status == .conflict && r.object["code"] as? String == "label.not-printed", "\(r.text)")
            r = try await client.call(.post, "/v1/labels/confirm", token: f.station, json: #"{"code":"999999999999"}"#)
            #expect(r.status == .notFound, "\(r.text)")
        }
    }

    @Test("preview: X-Labeld-Verification lists each barcode's result; a Code 128 under text fails verify.overprint at its line")
    func previewVerification() async throws {
        let f = try ServerFixture.make()
        let source = """
            name: v
            page: {width: 66mm, height: 30mm}
            elements:
              - {type: barcode, name: code, symbology: code128, data: "{{sku}}", x: 4mm, y: 8mm, height: 12mm, xdim: 2dots, human_readable: false}
              - {type: barcode, name: qr, symbology: qr, data: "{{sku}}", x: 52mm, y: 2mm, xdim: 3dots}
              - {type: text, name: sku-text, x: 10mm, y: 12mm, width: 30mm, height: 4mm, text: "{{sku}}", font: {size: 10}}

            """
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["source": source, "data": ["sku": "SOCK-GR-240"]] as [String: Any]), as: UTF8.self)
        try await f.service.application().test(.router) { client in
            let r = try await client.call(.post, "/v1/preview", token: f.operatorToken, json: body)
            #expect(r.status == .ok)
            let header = try #require(r.headers[HTTPField.Name("X-Labeld-Verification")!])
            let json = try #require(Data(base64Encoded: header))
            let list = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
            #expect(r.headers[HTTPField.Name("X-Labeld-Verification-Failed")!] == "1")
            let byName = Dictionary(uniqueKeysWithValues: list.map { ($0["element"] as? String ?? "", $0) })
            #expect(byName["qr"]?["passed"] as? Bool == true && byName["qr"]?["decoded"] as? String == "SOCK-GR-240", "\(list)")
            let code = try #require(byName["code"])
            #expect(code["passed"] as? Bool == false && code["line"] as? Int == 4 && code["column"] as? Int == 5, "\(code)")
            let checks = (code["checks"] as? [[String: Any]] ?? []).compactMap { $0["check"] as? String }
            #expect(checks.contains("verify.overprint"), "\(code)")
            #expect((code["box"] as? [Int])?.count == 4 && code["xDimDots"] as? Int == 2)
        }
    }

    @Test("GET /v1/jobs/{id}: a station refused another printer's job before labeld follows it at its print server (no I/O, no write)")
    func jobLookupChecksFirst() async throws {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            var r = try await client.call(.post, "/v1/orders", token: f.operatorToken, json: ServerFixture.ordersJSON(1))
            r = try await client.call(.post, "/v1/shipments", token: f.operatorToken)
            r = try await client.call(.post, "/v1/print", token: f.operatorToken, json: #"{"code":"A000001","printer":"pack-2"}"#)
            let id = (r.object["job"] as? [String: Any])?["id"] as? Int ?? 0
            // As if pack-2 were a print server that took the job and has not finished it.
            try f.service.desk.store.save(PrinterProfile(name: "pack-2", transport: "ipp://127.0.0.1:9/ipp/print", language: .zpl, stations: ["pack-2"]))
            try await f.service.desk.store.writer.write { db in
                try db.execute(sql: "UPDATE printJob SET state = 'sent', remoteJobId = 77, updatedAt = 'before' WHERE id = ?", arguments: [id])
            }
            r = try await client.call(.get, "/v1/jobs/\(id)", token: f.station)
            #expect(r.status == .forbidden)
            let after = try await f.service.desk.store.writer.read { db in try SQLRow.fetchOne(db, sql: "SELECT state, updatedAt, attempts FROM printJob WHERE id = ?", arguments: [id]) }
            #expect(after?["updatedAt"] as String? == "before" && after?["state"] as String? == "sent" && after?["attempts"] as Int? == 0, "\(String(describing: after))")
        }
    }

    @Test("a printer whose profile cannot make a transport says so, instead of passing for a printer switched off")
    func brokenProfileStatus() throws {
        let broken = PrinterProfile(name: "old", transport: "ipp:///ipp/print", language: .pdf)
        let status = broken.currentStatus()
        #expect(status.state == .stopped && status.reasons == ["profile-invalid"] && !status.ready)
        #expect(status.notReadyReason == "프린터 설정 오류 (printer profile: transport 'ipp:///ipp/print': not an ipp:// URI with a host (expected cups:QUEUE, socket:HOST:PORT, ipp:URI or file:DIR)), 작업을 받지 않음 (not accepting jobs)", "\(status.notReadyReason)")
        // A profile like that is no longer accepted in the first place.
        #expect(throws: PrintError.self) { try broken.validate() }
    }

    @Test("a scan while another job waits for its printer answers 202 with the job queued and its Location; the spool prints it")
    func queuedScan() async throws {
        let f = try ServerFixture.make()
        let desk = f.service.desk
        // A job for pack-1 another submitter is driving (the worker leaves it alone for 10 s).
        _ = try desk.store.submit(PrintRequest(kind: "barcode", title: "ahead", printer: "pack-1", templateName: "waybills/generic-4x6",
                                               templateSource: try desk.templateSource("waybills/generic-4x6"),
                                               labels: [LabelInput(source: "test:ahead", data: .object([:]))], actor: "test"),
                                  profile: try desk.store.profile("pack-1"))
        try await f.service.application().test(.router) { client in
            _ = try await client.call(.post, "/v1/orders", token: f.operatorToken, json: ServerFixture.ordersJSON(1))
            _ = try await client.call(.post, "/v1/shipments", token: f.operatorToken)
            var r = try await client.call(.post, "/v1/print", token: f.station, json: #"{"code":"600000000001"}"#)
            #expect(r.status == .accepted, "\(r.text)")
            let job = r.object["job"] as? [String: Any] ?? [:]
            let id = job["id"] as? Int ?? 0
            #expect(job["state"] as? String == "queued" && (job["timings"] as? [String: Double])?.keys.sorted() == ["persist"])
            #expect(r.headers[.location] == "/v1/jobs/\(id)")
            var state = ""
            for _ in 0..<200 where state != "completed" {
                try await Task.sleep(for: .milliseconds(50))
                r = try await client.call(.get, "/v1/jobs/\(id)", token: f.station)
                state = r.object["state"] as? String ?? ""
            }
            #expect(state == "completed", "\(r.text)")
            #expect(FileManager.default.fileExists(atPath: f.directory + "/pack-1/job-\(id).zpl"))
        }
    }

    @Test("a revoked token is refused at once here, and within 2 s when another process (the CLI) revoked it")
    func revokedTokens() async throws {
        let clock = TestClock()
        let f = try ServerFixture.make(clock: clock)
        let other = try f.service.tokens.create(name: "pack-9", role: .station, printers: ["pack-1"], actor: "owner:test")
        try await f.service.application().test(.router) { client in
            #expect(try await client.call(.get, "/v1/jobs", token: f.station).status == .ok)
            #expect(try await client.call(.get, "/v1/jobs", token: other).status == .ok)
            _ = try f.service.tokens.revoke(name: "pack-1")
            #expect(try await client.call(.get, "/v1/jobs", token: f.station).status == .unauthorized)
            // `labeld tokens revoke` works on its own store: the server's memory of the token lapses.
            #expect(try await client.call(.get, "/v1/jobs", token: other).status == .ok)
            _ = try TokenStore(fulfillment: f.service.desk.fulfillment).revoke(name: "pack-9")
            #expect(try await client.call(.get, "/v1/jobs", token: other).status == .ok, "remembered for 2 s")
            clock.advance(by: 2.1)
            #expect(try await client.call(.get, "/v1/jobs", token: other).status == .unauthorized)
        }
    }

    @Test("problem+json: 404, 400 with the field, 413 over the body limit, 422 with the template line and column")
    func problems() async throws {
        let f = try ServerFixture.make(maxJSONBytes: 4096)
        try await f.service.application().test(.router) { client in
            var r = try await client.call(.get, "/v1/jobs/999", token: f.owner)
            #expect(r.status == .notFound && r.object["code"] as? String == "print.not_found" && r.object["detail"] as? String == "no print job 999")
            r = try await client.call(.post, "/v1/print", token: f.owner, json: #"{"code": 5}"#)
            #expect(r.status == .badRequest && (r.object["detail"] as? String)?.contains(".code must be String") == true, "\(r.text)")
            r = try await client.call(.post, "/v1/print", token: f.owner, json: "{" + String(repeating: " ", count: 5000) + "}")
            #expect(r.status == .contentTooLarge && r.object["code"] as? String == "request.too_large", "\(r.status) \(r.text)")
            r = try await client.call(.post, "/v1/preview", token: f.owner, json: #"{"source":"name: x\npage: {width: 50mm, height: 30mm}\nelements:\n  - {type: text, x: 1mm, y: 1mm, width: 10mm, height: 5mm, txt: a}\n"}"#)
            #expect(r.status == .unprocessableContent, "\(r.text)")
            #expect(r.object["line"] as? Int == 4 && r.object["column"] as? Int != nil && (r.object["code"] as? String)?.hasPrefix("template.") == true, "\(r.text)")
            r = try await client.call(.get, "/v1/templates/..%2F..%2Fetc/passwd", token: f.owner)
            #expect(r.status == .badRequest || r.status == .notFound)
            r = try await client.call(.get, "/v1/templates/waybills/..", token: f.owner)
            #expect(r.status.code >= 400 && r.status.code < 500)
            r = try await client.call(.get, "/v1/jobs/abc", token: f.owner)
            #expect(r.status == .badRequest && r.object["code"] as? String == "request.parameter")
            r = try await client.call(.put, "/v1/settings/nope", token: f.owner, json: #"{"value":"1"}"#)
            #expect(r.status == .unprocessableContent && r.object["code"] as? String == "settings.unknown")
        }
    }

    @Test("templates: preview PNG at 203/300 dpi and PDF; save makes a revision; bad text is refused with its line")
    func templates() async throws {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            var r = try await client.call(.get, "/v1/templates", token: f.operatorToken)
            let names = r.array.compactMap { $0["name"] as? String }
            #expect(names.contains("waybills/cj") && names.contains("barcodes/product-50x30") && !names.contains { $0.hasPrefix("samples/") })
            r = try await client.call(.get, "/v1/templates/barcodes/product-50x30", token: f.operatorToken)
            let source = try #require(r.object["source"] as? String)
            let sample = try #require(r.object["sample"] as? [String: Any])
            let data = String(decoding: try JSONSerialization.data(withJSONObject: sample), as: UTF8.self)

            for dpi in [203, 300] {
                r = try await client.call(.post, "/v1/preview", token: f.operatorToken, json: #"{"template":"barcodes/product-50x30","dpi":\#(dpi),"data":\#(data)}"#)
                #expect(r.status == .ok && r.headers[.contentType] == "image/png")
                let png = temporaryDirectory("preview") + "/p.png"
                try Data(r.bytes).write(to: URL(fileURLWithPath: png))
                let width = Int(r.bytes[16]) << 24 | Int(r.bytes[17]) << 16 | Int(r.bytes[18]) << 8 | Int(r.bytes[19])
                #expect(width == Int((50 / 25.4 * Double(dpi)).rounded()), "dpi \(dpi): width \(width)")
                #expect(try Decoders.zbar(png).contains { $0.text == "8801234567893" })
            }
            r = try await client.call(.post, "/v1/preview", token: f.operatorToken, json: #"{"template":"barcodes/product-50x30","format":"pdf","data":\#(data)}"#)
            #expect(r.status == .ok && r.bytes.starts(with: Array("%PDF-".utf8)))

            let edited = source.replacingOccurrences(of: "name: product-50x30", with: "name: product-50x30\n# edited in the designer")
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["source": edited]), as: UTF8.self)
            r = try await client.call(.put, "/v1/templates/barcodes/product-50x30", token: f.operatorToken, json: body)
            #expect(r.status == .created && r.object["revision"] as? String == "1", "\(r.text)")
            #expect(try String(contentsOfFile: f.directory + "/var/templates/barcodes/product-50x30.yaml", encoding: .utf8) == edited)
            #expect(try String(contentsOfFile: f.directory + "/templates/barcodes/product-50x30.yaml", encoding: .utf8) == source, "the shipped file stays")
            r = try await client.call(.get, "/v1/templates", token: f.operatorToken)
            #expect(r.text.contains(#""name":"barcodes/product-50x30","saved":true"#), "\(r.text)")
            r = try await client.call(.put, "/v1/templates/barcodes/product-50x30", token: f.operatorToken, json: #"{"source":"page: [oops"}"#)
            #expect(r.status == .unprocessableContent && r.object["line"] as? Int == 2 && r.object["code"] as? String == "template.syntax", "\(r.text)")
            r = try await client.call(.get, "/v1/templates/barcodes/product-50x30", token: f.operatorToken)
            #expect(r.object["revisions"] as? [Int] == [1])
        }
    }

    @Test("preview warnings: X-Labeld-Warning-List names each element with its line and column in the template text, for PNG and PDF")
    func previewWarningList() async throws {
        let f = try ServerFixture.make()
        let source = """
            name: warn
            page: {width: 50mm, height: 30mm}
            elements:
              - {type: box, name: frame, x: 1mm, y: 1mm, width: 48mm, height: 28mm}
              - type: text
                name: address
                x: 2mm
                y: 2mm
                width: 20mm
                height: 4mm
                text: "{{address}}"
                wrap: false
                ellipsis: false
              - type: repeat
                name: rows
                items: items
                x: 2mm
                y: 10mm
                width: 40mm
                row_height: 4mm
                max_rows: 3
                overflow: continuation
                elements:
                  - {type: text, name: item-name, x: 0mm, y: 0mm, width: 10mm, height: 4mm, text: "{{item}}", wrap: false, ellipsis: false}
              - {type: box, name: stray, x: 45mm, y: 25mm, width: 10mm, height: 10mm}

            """
        let body = String(decoding: try JSONSerialization.data(withJSONObject: [
            "source": source, "data": ["address": "서울특별시 성동구 왕십리로 83-21", "items": ["가나다라마바사아자차카타파하", "a"]],
        ] as [String: Any]), as: UTF8.self)
        @Sendable func list(_ r: TestResponse) throws -> [[String: Any]] {
            let header = try #require(r.headers[HTTPField.Name("X-Labeld-Warning-List")!], "\(r.headers)")
            let json = try #require(Data(base64Encoded: header), "\(header)")
            return try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]], "\(String(decoding: json, as: UTF8.self))")
        }
        @Sendable func described(_ w: [String: Any]) -> String {
            "\(w["line"] as? Int ?? 0):\(w["column"] as? Int ?? 0) \(w["element"] as? String ?? "") p\(w["page"] as? Int ?? 0): \(w["message"] as? String ?? "")"
        }
        try await f.service.application().test(.router) { client in
            for format in ["png", "pdf"] {
                let r = try await client.call(.post, "/v1/preview", token: f.operatorToken,
                                              json: body.replacingOccurrences(of: #""source":"#, with: #""format":"\#(format)","source":"#))
                #expect(r.status == .ok && r.headers[.contentType] == (format == "png" ? "image/png" : "application/pdf"), "\(r.text)")
                let warnings = try list(r)
                #expect(r.headers[HTTPField.Name("X-Labeld-Warnings")!] == String(warnings.count))
                #expect(warnings.map(described).sorted() == [
                    "25:5 stray p1: runs off the page: past the right edge by 5.0mm, bottom edge by 5.0mm",
                    "24:9 item-name p1: text overflows its box ('가나다라마바사아자차카타파하')",
                    "5:5 address p1: text overflows its box ('서울특별시 성동구 왕십리로 83-21')",
                ].sorted(), "\(format): \(warnings)")
            }
            // No warnings: an empty list.
            let r = try await client.call(.post, "/v1/preview", token: f.operatorToken, json: #"{"template":"barcodes/product-50x30","data":{"name":"현미","sku":"R-1","gtin":"880123456789"}}"#)
            let none = try list(r)
            #expect(r.status == .ok && r.headers[HTTPField.Name("X-Labeld-Warnings")!] == "0" && none.isEmpty, "\(r.headers)")
        }
    }

    @Test("/openapi.yaml documents exactly the routes the server has")
    func openAPIInStep() async throws {
        let f = try ServerFixture.make()
        let text = try String(contentsOfFile: Project.root + "/web/openapi.yaml", encoding: .utf8)
        let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(doc["openapi"] as? String == "3.1.0")
        let paths = try #require(doc["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "put", "post", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let served = Set(f.service.routeList())
        #expect(served.subtracting(documented).isEmpty, "not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented, not served: \(documented.subtracting(served).sorted())")
        try await f.service.application().test(.router) { client in
            let r = try await client.call(.get, "/openapi.yaml", token: nil)
            #expect(r.status == .ok && r.text == text)
        }
    }

    @Test("/metrics: render and spool histograms, jobs by state, printer up")
    func metrics() async throws {
        let f = try ServerFixture.make()
        try await f.service.application().test(.router) { client in
            _ = try await client.call(.post, "/v1/orders", token: f.owner, json: ServerFixture.ordersJSON(1))
            _ = try await client.call(.post, "/v1/shipments", token: f.owner)
            _ = try await client.call(.post, "/v1/print", token: f.station, json: #"{"code":"A000001"}"#)
            let r = try await client.call(.get, "/metrics", token: nil)
            #expect(r.text.contains(#"labeld_jobs{state="completed"} 1"#), "\(r.text)")
            #expect(r.text.contains(#"labeld_printer_up{printer="pack-1"} 1"#))
            #expect(r.text.contains("labeld_render_seconds_count 1") && r.text.contains("labeld_spool_seconds_count 1"))
        }
    }
}
