import ArgumentParser
import Foundation
import Fulfillment
import Storage
import LabelModel
import Rendering

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (run on a release build).",
        subcommands: [RenderBench.self, BenchDataCommand.self, ImportBench.self, AllocateBench.self, SpoolBench.self, AckBench.self]
    )

    struct AllocateBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "allocate", abstract: "Time allocating order lines over many SKUs with short stock.")
        @Option(name: .long) var lines: Int = 100_000
        @Option(name: .long) var skus: Int = 20_000
        @Option(name: .long, help: "A postgres:// URL (an empty database or schema): allocate on PostgreSQL instead of a temp SQLite file.")
        var db: String?

        func run() throws {
            try reportingErrors {
                let dir = try scratchDirectory("labeld-bench-alloc")
                defer { try? FileManager.default.removeItem(atPath: dir) }
                let store = try FulfillmentStore.open(path: db ?? dir + "/bench.sqlite")
                var products: [ProductInput] = []
                for i in 0..<skus {
                    var p = ProductInput(code: "P\(i)", name: "상품 \(i)", sku: "SKU-\(i)")
                    p.itemCode = "IC-\(i)"
                    products.append(p)
                }
                _ = try store.syncProducts(products, actor: "bench")
                var state: UInt64 = 7
                func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
                // Short stock: about half of the demand exists.
                try store.writer.write { db in
                    for i in 0..<skus {
                        let id = try Int64.fetchOne(db, sql: "SELECT id FROM productOption WHERE sku = ?", arguments: ["SKU-\(i)"])!
                        try store.move(db, optionId: id, type: MovementType.receipt, quantity: next(8), actor: "bench", note: nil)
                    }
                }
                var orders: [OrderInput] = []
                var written = 0, n = 0
                while written < lines {
                    n += 1
                    let count = min(lines - written, 1 + next(4))
                    var o = OrderInput(orderNo: "A-\(n)", receiver: .init(name: "김", phone: "010", postalCode: "06190", address: "서울"), lines: [])
                    o.orderedAt = String(format: "2026-11-27T%02d:%02d", next(24), next(60))
                    for _ in 0..<count {
                        let i = next(skus)
                        o.lines.append(.init(productName: "상품 \(i)", itemCode: "IC-\(i)", quantity: 1 + next(2), gift: next(30) == 0))
                    }
                    orders.append(o)
                    written += count
                }
                _ = try store.collect(orders, channel: "bench", actor: "bench")
                let t0 = DispatchTime.now().uptimeNanoseconds
                let report = try store.allocate(actor: "bench")
                let t1 = DispatchTime.now().uptimeNanoseconds
                let again = try store.allocate(actor: "bench")
                let t2 = DispatchTime.now().uptimeNanoseconds
                let states = AllocationState.allCases.map { "\($0.rawValue) \(report.states[$0] ?? 0)" }.joined(separator: ", ")
                print(String(format: "allocate %d lines (%d orders) over %d SKUs: %.2f s (%d lines allocated; %@); second run %.2f s (%d more); peak RSS %.1f MB",
                             lines, orders.count, skus, Double(t1 - t0) / 1e9, report.linesAllocated, states, Double(t2 - t1) / 1e9, again.linesAllocated, peakRSSMegabytes()))
                if try !store.overAllocated().isEmpty { throw CLIError(description: "over-allocated options") }
            }
        }
    }

    struct ImportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Time importing order lines from a CSV export (Korean headers) into a fresh database, then listing them."
        )

        @Option(name: .long, help: "Order lines.") var lines: Int = 100_000

        func run() throws {
            try reportingErrors {
                let dir = try scratchDirectory("labeld-bench")
                defer { try? FileManager.default.removeItem(atPath: dir) }
                // 1 000 SKUs; orders of 1–4 lines; 5 % to Jeju; 2 % unmatched names.
                var csv = "주문번호,주문일시,수령자명,수령자연락처,우편번호,주소,상품명,옵션,수량,배송메세지,품목코드\n"
                var products: [ProductInput] = []
                for i in 0..<1000 {
                    var p = ProductInput(code: "P\(i)", name: "상품 \(i) 한글 이름", sku: "SKU-\(i)", option: "옵션 \(i % 7)")
                    p.itemCode = "IC-\(i)"
                    products.append(p)
                }
                var state: UInt64 = 42
                func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
                var written = 0, order = 0
                while written < lines {
                    order += 1
                    let count = min(lines - written, 1 + next(4))
                    let postal = next(20) == 0 ? "63\(100 + next(200))" : String(format: "%05d", 1000 + next(50000))
                    for _ in 0..<count {
                        let i = next(1000)
                        let name = next(50) == 0 ? "미등록 상품 \(i)" : "상품 \(i) 한글 이름"
                        csv += "O-\(order),2026-11-27 09:00:00,김고객\(order % 100),010-1234-\(String(format: "%04d", order % 10000)),\(postal),\"서울특별시 강남구 테헤란로 \(order % 500), \(order % 30)층\",\(name),옵션 \(i % 7),\(1 + next(3)),부재 시 문 앞,\(next(3) == 0 ? "" : "IC-\(i)")\n"
                        written += 1
                    }
                }
                let data = Data(csv.utf8)
                let store = try FulfillmentStore.open(path: dir + "/bench.sqlite")
                _ = try store.syncProducts(products, actor: "bench")
                let t0 = DispatchTime.now().uptimeNanoseconds
                let (orders, parsed) = try FulfillmentStore.ordersFromCSV(data, source: "bench.csv", channel: "bench")
                let t1 = DispatchTime.now().uptimeNanoseconds
                let report = try store.collect(orders, channel: "bench", actor: "bench", report: parsed)
                let t2 = DispatchTime.now().uptimeNanoseconds
                let listed = try store.orders()
                let t3 = DispatchTime.now().uptimeNanoseconds
                func s(_ a: UInt64, _ b: UInt64) -> Double { Double(b - a) / 1e9 }
                print(String(format: "import %d lines (%.1f MB CSV): parse %.2f s, collect %.2f s, list %d orders %.2f s — total %.2f s; peak RSS %.1f MB",
                             lines, Double(data.count) / 1e6, s(t0, t1), s(t1, t2), listed.count, s(t2, t3), s(t0, t3), peakRSSMegabytes()))
                print(report.summary)
            }
        }
    }

    struct BenchDataCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Write the benchmark's waybill records (20 product lines each) as JSON Lines."
        )

        @Option(name: .long, help: "Number of records.")
        var labels: Int = 10_000

        @Option(name: .shortAndLong, help: "Output file.")
        var output: String

        func run() throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard FileManager.default.createFile(atPath: output, contents: nil), let out = FileHandle(forWritingAtPath: output) else {
                throw CLIError(description: "cannot write '\(output)'")
            }
            // In slices of 1000, so writing a million records needs no more memory than a thousand.
            var done = 0
            while done < labels {
                let n = min(1000, labels - done)
                var chunk = Data()
                for record in BenchData.waybills(count: n, seed: 20261128 &+ UInt64(done), firstIndex: done) {
                    chunk.append(try encoder.encode(record))
                    chunk.append(0x0A)
                }
                out.write(chunk)
                done += n
            }
            try out.close()
        }
    }

    struct RenderBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "render",
            abstract: "Time rendering a 100×150 mm waybill with a 20-line Korean product list and two barcodes.",
            discussion: "Prints median and p99 ms per label and labels/s on one thread, for ZPL and PDF, then peak RSS."
        )

        @Option(name: .long, help: "Labels per format.")
        var labels: Int = 2000

        @Option(name: .long, help: "Printer resolution.")
        var dpi: Int = 203

        @Option(name: .long, parsing: .upToNextOption, help: "Formats to time.")
        var formats: [OutputFormat] = [.zpl, .pdf]

        @Option(name: .long, help: "Template (default: generic-100x150).")
        var template: String = "generic-100x150"

        func run() throws {
            try reportingErrors {
                let configuration = RendererConfiguration.standard()
                let (path, display) = try resolveTemplate(template, configuration: configuration)
                let template = try TemplateParser.load(path: path, displayName: display)
                let records = BenchData.waybills(count: labels)
                let renderer = try LabelRenderer(configuration: configuration)
                let composer = LabelComposer(template: template, dpi: dpi, carriers: try configuration.carrierProfiles())
                print("labeld bench render: \(template.name), \(labels) labels, \(dpi) dpi, 20-line product list, 2 barcodes, 1 thread")
                for format in formats {
                    let sink = try FileSink(path: "/dev/null")
                    let writer = renderer.documentWriter(format: format, sink: sink, title: "bench")
                    // Warm-up: fonts, glyph caches.
                    for page in try composer.compose(records[0]) { _ = try writer.add(page) }
                    var times: [Double] = []
                    times.reserveCapacity(records.count)
                    let start = DispatchTime.now().uptimeNanoseconds
                    for (i, record) in records.enumerated() {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        for page in try composer.compose(record, index: i) { _ = try writer.add(page) }
                        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    }
                    try writer.finish()
                    let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    times.sort()
                    let median = times[times.count / 2]
                    let p99 = times[min(times.count - 1, Int(Double(times.count) * 0.99))]
                    print(String(format: "%@: median %.3f ms, p99 %.3f ms, %.0f labels/s (%.2f s for %d)", format.rawValue, median, p99, Double(records.count) / total, total, records.count))
                }
                // Where the time goes, per label, on records not seen before (no cached text):
                // composing (binding, barcodes), drawing the 1-bit page, encoding ZPL.
                let fresh = BenchData.waybills(count: 500, seed: 7)
                var t0 = DispatchTime.now().uptimeNanoseconds
                var pages: [ComposedPage] = []
                for (i, record) in fresh.enumerated() { pages += try composer.compose(record, index: i) }
                let composeMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(pages.count)
                t0 = DispatchTime.now().uptimeNanoseconds
                var bitmaps: [Bitmap] = []
                for page in pages { bitmaps.append(renderer.bitmap(of: page).bitmap) }
                let drawMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(pages.count)
                let encoder = ZPLEncoder()
                t0 = DispatchTime.now().uptimeNanoseconds
                var bytes = 0
                for b in bitmaps { bytes += encoder.encode(b, copies: 1) { $0.count } }
                let zplMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(bitmaps.count)
                print(String(format: "breakdown (new records): compose %.3f ms, draw 1-bit page %.3f ms, encode ZPL %.3f ms (%d bytes) per label", composeMs, drawMs, zplMs, bytes / bitmaps.count))
                // Verification before send: every barcode cut from the final raster, compared with
                // its bars and decoded by zxing-cpp (new waybill numbers each label: few cache hits).
                t0 = DispatchTime.now().uptimeNanoseconds
                var symbols = 0, failed = 0
                for (page, bitmap) in zip(pages, bitmaps) {
                    let verdicts = renderer.verify(page, bitmap: bitmap)
                    symbols += verdicts.count
                    failed += verdicts.filter { !$0.passed }.count
                }
                let verifyMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(pages.count)
                let renderMs = composeMs + drawMs + zplMs
                print(String(format: "verify before send: %.3f ms per label (%d barcodes per label, %d failed) = %.1f%% of its ZPL render (%.3f ms)",
                             verifyMs, symbols / max(1, pages.count), failed, verifyMs / renderMs * 100, renderMs))
                print(String(format: "peak RSS: %.1f MB", peakRSSMegabytes()))
            }
        }
    }
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Deterministic waybill records with 20 Korean product lines each.
enum BenchData {
    static let surnames = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권"]
    static let given = ["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지유", "시우", "서윤", "주원", "하린"]
    static let roads = ["서울특별시 강남구 테헤란로", "경기도 성남시 분당구 판교역로", "부산광역시 해운대구 센텀중앙로", "인천광역시 연수구 송도과학로", "대구광역시 수성구 달구벌대로", "제주특별자치도 제주시 연삼로"]
    static let products = ["남성 데일리 러닝화", "수제 딸기잼 500g", "LED 스탠드 조명", "리필용 주방세제 1.2L", "USB-C 고속충전 케이블 1m", "즉석 떡볶이 밀키트 2인분", "핸드크림 선물세트", "유기농 현미 4kg", "무선 블루투스 이어폰", "아동용 겨울 패딩 점퍼", "캠핑용 접이식 의자", "스테인리스 텀블러 500ml"]
    static let options = ["사이즈:275", "단일상품", "색상:실버", "향:자몽", "구성:3개입", "맛:매운맛", "향:라벤더", "색상:블랙", "사이즈:120"]

    static func waybills(count: Int, seed: UInt64 = 20261128, firstIndex: Int = 0) -> [DataValue] {
        var state: UInt64 = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        return (firstIndex..<firstIndex + count).map { i in
            var lines: [DataValue] = []
            for _ in 0..<20 {
                lines.append(.object(["name": .string(products[next(products.count)]), "option": .string(options[next(options.count)]), "qty": .number(Double(1 + next(3)))]))
            }
            let base = 64624980000 + i * 7
            let waybill = String(base) + String(base % 7)
            let name = surnames[next(surnames.count)] + given[next(given.count)]
            return .object([
                "carrier": .string("CJ대한통운"),
                "waybill_no": .string(waybill),
                "order_no": .string(String(format: "20261128-%07d", i)),
                "receiver": .object(["name": .string(name), "phone": .string("010\(10_000_000 + next(89_999_999))"),
                                     "postal_code": .string(String(format: "%05d", 1000 + next(60000))),
                                     "address": .string("\(roads[next(roads.count)]) \(1 + next(400)), \(100 + next(20))동 \(100 + next(1500))호")]),
                "sender": .object(["name": .string("리빙플러스"), "phone": .string("0221358870"), "address": .string("서울특별시 성동구 성수이로 113, 제강빌딩 5층")]),
                "message": .string("부재 시 문 앞에 놓아 주세요"),
                "island": .bool(next(20) == 0),
                "products": .array(lines),
            ])
        }
    }
}

/// A new folder for one benchmark run (`NAME-PID` in the temp folder); the caller removes it.
func scratchDirectory(_ name: String) throws -> String {
    let dir = NSTemporaryDirectory() + "\(name)-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
