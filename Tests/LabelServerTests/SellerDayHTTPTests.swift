import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LabelTesting
import Testing

/// The seller's day of Tests/labeldTests/SellerDayTests.swift, over HTTP only, against `labeld serve`
/// as built: an operator token for the office, a station token for the packing table, and a zebra
/// printer that is a raw queue of a private cupsd feeding a TCP sink. Each step checks what the
/// seller would see, and at the end what the printer got.
@Suite("A seller's day over HTTP", .serialized)
struct SellerDayHTTPTests {
    @Test("HTTP: import (CP949 CSV) → allocate → 합포 → shipments → batch on cupsd → scan → reprint → order detail → ship; the printer got each waybill once and the reprint once more")
    func sellersDayOverHTTP() throws {
        let server = try LiveServer()
        defer { server.lab.stop() }
        let sink = try server.lab.startCUPSWithRawQueue("zebra")
        let office = try server.token("operator", name: "kim")
        let station = try server.token("station", name: "pack-1", printers: ["zebra"])

        // Catalog and stock.
        var r = try server.call("POST", "/v1/products", token: office, json: SellerDay.products)
        #expect(r.status == 201, "\(r.text)")
        r = try server.call("POST", "/v1/stock/receive", token: office, json: #"{"sku":"SOCK-GR","quantity":3}"#)
        #expect(r.status == 200 && r.object["onHand"] as? String == "3", "\(r.text)")
        r = try server.call("POST", "/v1/stock/receive", token: office, json: #"{"sku":"JAM-500","quantity":1}"#)
        #expect(r.status == 200 && r.object["onHand"] as? String == "1", "\(r.text)")
        r = try server.call("GET", "/v1/products", token: office)
        let catalog = Dictionary(r.array.map { ($0["sku"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(catalog.count == 2 && catalog["SOCK-GR"]?["onHand"] as? Int == 3 && catalog["JAM-500"]?["onHand"] as? Int == 1, "\(r.text)")
        #expect(catalog["SOCK-GR"]?["location"] as? String == "A-03" && catalog["SOCK-GR"]?["option"] as? String == "색상:그레이", "\(r.text)")

        // The channel's export of the CLI day (스마트스토어's dotted times, 택배사 as the channel names
        // it, a postal code Excel shortened, hyphenated waybill numbers), saved as Korean Windows
        // Excel saves CSV: CP949. D-2 (08:00) was ordered before D-1 (14:30): the one jar goes to D-2.
        let csv = SellerDay.ordersCSV
        let iconv = try runTool("iconv", ["-f", "UTF-8", "-t", "CP949"], stdin: Data(csv.utf8))
        #expect(iconv.status == 0 && String(data: iconv.stdoutData, encoding: .utf8) == nil, "the upload is CP949, not UTF-8: \(iconv.stderr)")
        r = try server.send("POST", "/v1/orders?channel=smartstore", token: office, body: iconv.stdoutData, contentType: "text/csv")
        #expect(r.status == 201, "\(r.text)")
        #expect(r.object["collectedOrders"] as? Int == 4 && r.object["collectedLines"] as? Int == 4 && r.object["encoding"] as? String == "cp949", "\(r.text)")
        #expect((r.object["errors"] as? [Any])?.isEmpty == true && (r.object["duplicates"] as? [Any])?.isEmpty == true, "\(r.text)")

        // 재고할당: the answer counts orders by state, as a JSON object keyed by state.
        r = try server.call("POST", "/v1/orders/allocate", token: office)
        #expect(r.status == 200, "\(r.text)")
        let states = r.object["states"] as? [String: Any]
        #expect(states != nil, "states is an object of state → count: \(r.text)")
        #expect(states?["full"] as? Int == 2 && states?["notAllocatable"] as? Int == 2 && states?.count == 2, "\(r.text)")
        #expect(r.object["ordersConsidered"] as? Int == 4 && r.object["linesAllocated"] as? Int == 2, "\(r.text)")
        r = try server.call("GET", "/v1/orders", token: office)
        var byNo = Dictionary(r.array.map { ($0["orderNo"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byNo.count == 4, "\(r.text)")
        #expect(byNo["D-2"]?["state"] as? String == "full" && byNo["D-3"]?["state"] as? String == "full", "\(r.text)")
        #expect(byNo["D-1"]?["state"] as? String == "notAllocatable" && byNo["D-4"]?["state"] as? String == "notAllocatable", "\(r.text)")
        #expect(byNo["D-1"]?["postalCode"] as? String == "04524", "\(r.text)")
        let d2 = try #require(byNo["D-2"]?["id"] as? Int, "\(r.text)"), d3 = try #require(byNo["D-3"]?["id"] as? Int, "\(r.text)")

        // 합포: D-2 and D-3 go to the same receiver in one shipment; D-1 (short) and D-4 (no product) are held back.
        r = try server.call("POST", "/v1/shipments/combine", token: office, json: #"{"orderIds":[\#(d2),\#(d3)]}"#)
        #expect(r.status == 201, "\(r.text)")
        let shipment = try #require(r.object["shipment"] as? Int, "\(r.text)")
        r = try server.call("POST", "/v1/shipments", token: office)
        #expect(r.status == 201, "\(r.text)")
        #expect(r.object["count"] as? Int == 0 && (r.object["refused"] as? [Any])?.isEmpty == true, "\(r.text)")
        let heldBack = (r.object["heldBack"] as? [[String: Any]] ?? []).map { "\($0["orderNo"] as? String ?? "?"): \($0["reason"] as? String ?? "?")" }
        #expect(heldBack == [
            "D-1: order D-1: '수제 딸기잼 500g' is not allocated (0 of 1): receive stock and allocate, or split the order",
            "D-4: order D-4: '카탈로그에 없는 머그컵' matches no product option (add it to the catalog, then import or match again)",
        ], "\(r.text)")
        r = try server.call("GET", "/v1/shipments", token: office)
        #expect(r.array.count == 1, "only the combined shipment: \(r.text)")
        #expect(r.array.first?["id"] as? Int == shipment && r.array.first?["orderNumbers"] as? [String] == ["D-2", "D-3"], "\(r.text)")
        #expect(r.array.first?["carrier"] as? String == "cj" && r.array.first?["waybillNo"] as? String == "600000000027", "\(r.text)")

        // The sender, and the zebra: cupsd's raw queue in front of a port-9100 printer; the station may use it.
        r = try server.call("PUT", "/v1/settings/sender", token: office,
                               json: #"{"value":"{\"name\":\"리빙플러스\",\"phone\":\"0221358870\",\"address\":\"서울특별시 성동구 성수이로 113\",\"postalCode\":\"04782\"}"}"#)
        #expect(r.status == 200, "\(r.text)")
        r = try server.call("PUT", "/v1/printers/zebra", token: office,
                               json: #"{"name":"zebra","transport":"cups:zebra@\#(server.lab.cupsServer)","language":"zpl","stations":["pack-1"]}"#)
        #expect(r.status == 200, "\(r.text)")

        // 송장출력: the plan first (nothing printed), then the batch: one waybill for D-2 and D-3.
        r = try server.call("POST", "/v1/print/batch", token: office, json: #"{"dryRun":true}"#)
        #expect(r.status == 200, "\(r.text)")
        let plans = r.object["plans"] as? [[String: Any]] ?? []
        #expect(plans.count == 1 && plans.first?["template"] as? String == "waybills/generic-4x6" && plans.first?["printer"] as? String == "zebra", "\(r.text)")
        #expect((plans.first?["shipments"] as? [[String: Any]])?.map { $0["orderNumbers"] as? [String] ?? [] } == [["D-2", "D-3"]], "\(r.text)")
        #expect(sink.received().isEmpty, "a dry run prints nothing")
        r = try server.call("POST", "/v1/print/batch", token: office, json: "{}")
        #expect(r.status == 201, "\(r.text)")
        #expect((r.object["refused"] as? [Any])?.isEmpty == true, "\(r.text)")
        let batchJobs = r.object["jobs"] as? [[String: Any]] ?? []
        #expect(batchJobs.count == 1 && batchJobs.first?["repeated"] as? Bool == false, "\(r.text)")
        let batchJob = try #require(batchJobs.first?["job"] as? [String: Any], "\(r.text)")
        let jobId = try #require(batchJob["id"] as? Int, "\(r.text)")
        #expect(batchJob["printer"] as? String == "zebra" && batchJob["labelCount"] as? Int == 1, "\(r.text)")
        #expect(batchJob["sources"] as? [String] == ["shipment:\(shipment)"], "\(r.text)")
        var job = try server.waitForJob(jobId, token: office)
        #expect(job["state"] as? String == "completed" && job["labelsSent"] as? Int == 1, "\(job) \(server.lab.cupsLog.suffix(2000))")

        // The station scans the printed waybill (hyphens and all): already printed, nothing again.
        r = try server.call("POST", "/v1/print", token: station, json: #"{"code":"6000-0000-0027"}"#)
        #expect(r.status == 200 && r.object["repeated"] as? Bool == true, "\(r.text)")
        #expect((r.object["job"] as? [String: Any])?["id"] as? Int == jobId, "the answer is the batch's job: \(r.text)")
        // The short order cannot be scanned into a waybill.
        r = try server.call("POST", "/v1/print", token: station, json: #"{"code":"D-1"}"#)
        #expect(r.status == 422 && r.headers["content-type"] == "application/problem+json", "\(r.status) \(r.text)")
        #expect((r.object["detail"] as? String)?.contains("cannot print: order D-1: '수제 딸기잼 500g' is not allocated") == true, "\(r.text)")

        // 재출력 at the station, with the reason.
        r = try server.call("POST", "/v1/jobs/\(jobId)/reprint", token: station, json: #"{"reason":"라벨 찢어짐"}"#)
        #expect(r.status == 201, "\(r.text)")
        #expect(r.object["reprintOf"] as? Int == jobId && r.object["reprintReason"] as? String == "라벨 찢어짐" && r.object["printer"] as? String == "zebra", "\(r.text)")
        let reprintId = try #require(r.object["id"] as? Int, "\(r.text)")
        #expect(reprintId != jobId)
        job = try server.waitForJob(reprintId, token: station)
        #expect(job["state"] as? String == "completed" && job["labelsSent"] as? Int == 1, "\(job)")

        // The order as the office sees it: printed, its line allocated and located, the 합포 shipment, both jobs.
        r = try server.call("GET", "/v1/orders/\(d3)", token: office)
        #expect(r.status == 200, "\(r.text)")
        let order = r.object["order"] as? [String: Any] ?? [:]
        #expect(order["orderNo"] as? String == "D-3" && order["channel"] as? String == "smartstore" && order["state"] as? String == "printed", "\(r.text)")
        let lines = r.object["lines"] as? [[String: Any]] ?? []
        #expect(lines.count == 1 && lines.first?["productName"] as? String == "수면 양말" && lines.first?["option"] as? String == "색상:그레이", "\(r.text)")
        #expect(lines.first?["quantity"] as? Int == 2 && lines.first?["allocated"] as? Int == 2, "\(r.text)")
        #expect(lines.first?["sku"] as? String == "SOCK-GR" && lines.first?["location"] as? String == "A-03", "\(r.text)")
        let shipped = r.object["shipment"] as? [String: Any] ?? [:]
        #expect(shipped["id"] as? Int == shipment && shipped["carrier"] as? String == "cj" && shipped["waybillNo"] as? String == "600000000027", "\(r.text)")
        #expect(shipped["status"] as? String == "printed" && shipped["orderNumbers"] as? [String] == ["D-2", "D-3"], "\(r.text)")
        let jobs = r.object["jobs"] as? [[String: Any]] ?? []
        #expect(Set(jobs.compactMap { $0["id"] as? Int }) == [jobId, reprintId], "\(r.text)")
        #expect(jobs.allSatisfy { $0["state"] as? String == "completed" && $0["printer"] as? String == "zebra" }, "\(r.text)")
        #expect(jobs.first { $0["id"] as? Int == reprintId }?["reprintOf"] as? Int == jobId, "\(r.text)")
        #expect(jobs.first { $0["id"] as? Int == reprintId }?["reprintReason"] as? String == "라벨 찢어짐", "\(r.text)")

        // 배송처리: the shipment ships, both orders with it, and the stock leaves (출고).
        r = try server.call("POST", "/v1/shipments/\(shipment)/ship", token: office)
        #expect(r.status == 200 && r.object["message"] as? String == "shipment \(shipment) shipped", "\(r.text)")
        r = try server.call("GET", "/v1/shipments", token: office)
        #expect(r.array.first { $0["id"] as? Int == shipment }?["status"] as? String == "shipped", "\(r.text)")
        r = try server.call("GET", "/v1/orders", token: office)
        byNo = Dictionary(r.array.map { ($0["orderNo"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byNo.values.filter { $0["state"] as? String == "shipped" }.compactMap { $0["orderNo"] as? String }.sorted() == ["D-2", "D-3"], "\(r.text)")
        #expect(byNo["D-1"]?["state"] as? String == "notAllocatable" && byNo["D-4"]?["state"] as? String == "notAllocatable", "\(r.text)")
        r = try server.call("GET", "/v1/products", token: office)
        let after = Dictionary(r.array.map { ($0["sku"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(after["SOCK-GR"]?["onHand"] as? Int == 1 && after["SOCK-GR"]?["allocated"] as? Int == 0, "3 received, 2 shipped: \(r.text)")
        #expect(after["JAM-500"]?["onHand"] as? Int == 0 && after["JAM-500"]?["allocated"] as? Int == 0, "1 received, 1 shipped: \(r.text)")

        // Only the batch and the reprint ever became jobs (the scans printed nothing).
        r = try server.call("GET", "/v1/jobs", token: office)
        #expect(Set(r.array.compactMap { $0["id"] as? Int }) == [jobId, reprintId], "\(r.text)")

        // What the printer got: the one waybill whole, then the reprint of it, nothing lost or doubled.
        let expected = ["shipment:\(shipment) 1/1", "shipment:\(shipment) 1/1"]
        let deadline = Date().addingTimeInterval(20)
        while sink.completeLabelTags().count < expected.count && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(sink.completeLabelTags() == expected, "\(sink.completeLabelTags()) \(server.lab.cupsLog.suffix(2000))")
        #expect(sink.connections().filter { !$0.isEmpty }.count == 2, "one print-server job per labeld job")

        // The database holds names, phones and addresses: the owner's alone.
        let mode = try FileManager.default.attributesOfItem(atPath: server.database)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

private extension LiveServer {
    /// `request`, as an `Answer`.
    func call(_ method: String, _ path: String, token: String? = nil, json: String? = nil) throws -> Answer {
        let r = try request(method, path, token: token, json: json)
        return Answer(status: r.status, body: r.body, headers: r.headers)
    }

    /// One HTTP request with a raw body of `contentType` (a channel's CSV export as uploaded).
    func send(_ method: String, _ path: String, token: String, body: Data, contentType: String) throws -> Answer {
        let r = try request(method, path, token: token, body: body, contentType: contentType)
        return Answer(status: r.status, body: r.body, headers: r.headers)
    }

    /// The job once it has ended (completed, failed, held or canceled), asked at GET /v1/jobs/{id}
    /// (which asks the print server about a job it has); the last answer after `timeout`.
    func waitForJob(_ id: Int, token: String, timeout: Double = 30) throws -> [String: Any] {
        var job: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            job = try call("GET", "/v1/jobs/\(id)", token: token).object
            if let state = job["state"] as? String, ["completed", "failed", "held", "canceled"].contains(state) { return job }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return job
    }
}

/// An HTTP answer with its body read as text or JSON.
private struct Answer {
    var status: Int
    var body: Data
    var headers: [String: String]
    var text: String { String(decoding: body, as: UTF8.self) }
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? [] }
}
