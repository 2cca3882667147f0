public import Foundation
import Storage

/// An order as collected from a sales channel: the JSON the HTTP API takes, and what CSV rows become.
public struct OrderInput: Codable, Sendable, Hashable {
    public struct Receiver: Codable, Sendable, Hashable {
        public var name: String
        public var phone: String
        public var phone2: String?
        public var postalCode: String
        public var address: String
        public init(name: String, phone: String, postalCode: String, address: String) {
            self.name = name; self.phone = phone; self.postalCode = postalCode; self.address = address
        }
    }

    public struct Line: Codable, Sendable, Hashable {
        public var productName: String
        public var option: String?
        /// The mall's item code (품목코드).
        public var itemCode: String?
        public var quantity: Int
        /// 사은품.
        public var gift: Bool?
        /// Where the line came from in a file (CSV row), for reports.
        public var sourceRow: Int?
        /// The channel's own key of the line (스마트스토어 상품주문번호, 쿠팡 주문번호/옵션ID): duplicates are
        /// told by it, and the dispatch file names the line by it.
        public var lineKey: String?
        /// What the dispatch file needs of the line's source row (set by a preset's import; not
        /// part of the JSON API).
        public var channelFields: ChannelFields?

        enum CodingKeys: String, CodingKey { case productName, option, itemCode, quantity, gift, sourceRow, lineKey }
        public init(productName: String, option: String? = nil, itemCode: String? = nil, quantity: Int, gift: Bool? = nil) {
            self.productName = productName; self.option = option; self.itemCode = itemCode; self.quantity = quantity; self.gift = gift
        }
    }

    public var channel: String?
    public var orderNo: String
    /// As the channel writes it (`2026.12.03 08:00:00`, ISO 8601 …, see `OrderTime`); stored as
    /// UTC with milliseconds (`2026-12-02T23:00:00.000Z`), the form of `collectedAt`.
    public var orderedAt: String?
    public var paidAt: String?
    public var receiver: Receiver
    public var message: String?
    /// A carrier name or code (`CJ대한통운`, `롯데`, `epost`); stored as its profile key (`Carriers`).
    public var carrier: String?
    /// Stored as digits only, checked against the carrier's lengths (and Lotte's check digit).
    public var waybillNo: String?
    public var lines: [Line]
    /// The marketplace preset the order was read with (`smartstore`, `coupang`, …): its dispatch
    /// file takes the order's waybill number back.
    public var preset: String?

    public init(channel: String? = nil, orderNo: String, receiver: Receiver, lines: [Line]) {
        self.channel = channel; self.orderNo = orderNo; self.receiver = receiver; self.lines = lines
    }
}

/// What an import did, row by row: nothing is dropped without a line here.
public struct ImportReport: Codable, Sendable, Hashable {
    public struct Note: Codable, Sendable, Hashable, CustomStringConvertible {
        public init(row: Int?, orderNo: String, detail: String) { self.row = row; self.orderNo = orderNo; self.detail = detail }
        /// The CSV row (1-based line in the file; the header is line 1) or the JSON record (1-based).
        public var row: Int?
        public var orderNo: String
        public var detail: String
        public var description: String { "\(row.map { "row \($0): " } ?? "")order \(orderNo): \(detail)" }
    }

    public var collectedOrders = 0
    public var collectedLines = 0
    public var duplicates: [Note] = []
    public var excluded: [Note] = []
    public var unmatched: [Note] = []
    public var errors: [Note] = []
    public var encoding: String?
    /// The layout the rows were read with: a preset's name (`smartstore`, …, `labeld`) or `mapping`.
    public var layout: String?
    /// Whether `layout` was told from the header row (no --preset).
    public var layoutDetected: Bool?
    /// With --strict and errors, nothing was imported.
    public var rolledBack = false

    public init() {}

    /// `layout smartstore (detected from the header row)`, when the rows were read by a layout.
    public var layoutLine: String? {
        layout.map { "layout \($0)\(layoutDetected == true ? " (detected from the header row)" : "")" }
    }

    public var summary: String {
        "collected \(collectedOrders) order(s) / \(collectedLines) line(s); duplicates \(duplicates.count), excluded \(excluded.count), unmatched \(unmatched.count), errors \(errors.count)"
            + (rolledBack ? " — nothing imported (strict)" : "")
    }
}

/// A collected order in listings.
public struct OrderSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var channel: String
    public var orderNo: String
    public var suffix: Int
    public var receiverName: String
    public var postalCode: String
    public var status: String
    public var island: Bool
    public var disruption: Bool
    public var delayed: Bool
    public var lines: Int
    public var unmatchedLines: Int
    public var collectedAt: String
    /// Where allocation left it (전체배송, 부분배송, 배송불가, 보류).
    public var allocationState: AllocationState
    /// Its shipment (one waybill), once made.
    public var shipmentId: Int64?
    /// `status` for a collected order, told by its allocation and printing: `full`, `partial`,
    /// `notAllocatable`, `onHold`, `printed`; otherwise `canceled` / `shipped`.
    public var state: String
}

/// The longest text (in characters) an import takes in each field; longer is a row error.
public enum OrderFieldLimits {
    public static let orderNo = 100
    public static let channel = 100
    public static let receiverName = 100
    public static let phone = 40
    public static let address = 300
    public static let message = 500
    public static let productName = 300
    public static let option = 300
    public static let itemCode = 100
}

/// What a channel wrote in one field, checked and normalised for storing; a mistake is a `Problem`
/// whose detail the import report puts after the column (CSV) or field (JSON) name.
enum OrderFieldCheck {
    struct Problem: Error { var detail: String }

    /// The value as quoted in a report: long values cut short.
    static func quoted(_ text: String) -> String {
        text.count > 60 ? "'\(text.prefix(60))…' (\(text.count) characters)" : "'\(text)'"
    }

    static func length(_ text: String?, _ limit: Int) throws(Problem) {
        guard let text, text.utf8.count > limit else { return }
        let n = text.count
        if n > limit { throw Problem(detail: "\(n) characters, at most \(limit)") }
    }

    static func time(_ text: String, utcOffsetSeconds: Int) throws(Problem) -> String {
        guard let t = OrderTime.canonical(text, utcOffsetSeconds: utcOffsetSeconds) else {
            throw Problem(detail: "expected \(OrderTime.expected), got \(quoted(text))")
        }
        return t
    }

    static func carrier(_ text: String) throws(Problem) -> String {
        guard let key = Carriers.key(for: text) else {
            throw Problem(detail: "unknown carrier \(quoted(text)), expected one of \(Carriers.acceptedNames)")
        }
        return key
    }

    static func waybill(_ text: String, carrier: String?) throws(Problem) -> String {
        do { return try Carriers.waybillNumber(text, carrier: carrier) } catch { throw Problem(detail: error.message) }
    }

    /// Five digits; four digits not starting with 0 are a code Excel read as a number (`4524` → `04524`).
    static func postalCode(_ text: String) throws(Problem) -> String {
        let d = FulfillmentStore.digits(text)
        if d.utf8.count == 5 { return d }
        if d.utf8.count == 4, d.utf8.first != UInt8(ascii: "0"), d.utf8.count == text.utf8.count { return "0" + d }
        throw Problem(detail: "expected a 5-digit postal code, got \(quoted(text))")
    }

    /// Checks and normalises an order as the JSON API takes it (CSV rows are checked per column
    /// before they become orders, so their orders pass unchanged). Mistakes: (row, detail).
    static func normalize(_ o: inout OrderInput, firstRow: Int, utcOffsetSeconds: Int) -> [(row: Int, detail: String)] {
        var problems: [(row: Int, detail: String)] = []
        func check(_ field: String, row: Int? = nil, _ body: () throws(Problem) -> Void) {
            do { try body() } catch { problems.append((row ?? firstRow, "field '\(field)': \(error.detail)")) }
        }
        func blankIsNil(_ v: String?) -> String? {
            guard let v, !v.allSatisfy({ $0 == " " || $0 == "\t" }) else { return nil }
            return v
        }
        check("orderNo") { () throws(Problem) in try length(o.orderNo, OrderFieldLimits.orderNo) }
        check("channel") { () throws(Problem) in try length(o.channel, OrderFieldLimits.channel) }
        for (name, keyPath) in [("orderedAt", \OrderInput.orderedAt), ("paidAt", \OrderInput.paidAt)] as [(String, WritableKeyPath<OrderInput, String?>)] {
            o[keyPath: keyPath] = blankIsNil(o[keyPath: keyPath])
            if let t = o[keyPath: keyPath] { check(name) { () throws(Problem) in o[keyPath: keyPath] = try time(t, utcOffsetSeconds: utcOffsetSeconds) } }
        }
        check("receiver.name") { () throws(Problem) in try length(o.receiver.name, OrderFieldLimits.receiverName) }
        check("receiver.phone") { () throws(Problem) in try length(o.receiver.phone, OrderFieldLimits.phone) }
        check("receiver.phone2") { () throws(Problem) in try length(o.receiver.phone2, OrderFieldLimits.phone) }
        check("receiver.postalCode") { () throws(Problem) in o.receiver.postalCode = try postalCode(o.receiver.postalCode) }
        check("receiver.address") { () throws(Problem) in try length(o.receiver.address, OrderFieldLimits.address) }
        check("message") { () throws(Problem) in try length(o.message, OrderFieldLimits.message) }
        if let p = o.preset, !Marketplaces.presets.contains(where: { $0.name == p && $0.dispatch != nil }) {
            problems.append((firstRow, "field 'preset': unknown marketplace \(quoted(p)), expected one of \(Marketplaces.presets.filter { $0.dispatch != nil }.map(\.name).joined(separator: ", "))"))
        }
        o.carrier = blankIsNil(o.carrier)
        var carrierKnown = true
        if let c = o.carrier {
            check("carrier") { () throws(Problem) in
                do throws(Problem) { o.carrier = try carrier(c) } catch { carrierKnown = false; throw error }
            }
        }
        o.waybillNo = blankIsNil(o.waybillNo)
        if let w = o.waybillNo {
            check("waybillNo") { () throws(Problem) in o.waybillNo = try waybill(w, carrier: carrierKnown ? o.carrier : nil) }
        }
        for i in o.lines.indices {
            let row = o.lines[i].sourceRow ?? firstRow
            check("lines[\(i)].productName", row: row) { () throws(Problem) in try length(o.lines[i].productName, OrderFieldLimits.productName) }
            check("lines[\(i)].option", row: row) { () throws(Problem) in try length(o.lines[i].option, OrderFieldLimits.option) }
            check("lines[\(i)].itemCode", row: row) { () throws(Problem) in try length(o.lines[i].itemCode, OrderFieldLimits.itemCode) }
            check("lines[\(i)].lineKey", row: row) { () throws(Problem) in try length(o.lines[i].lineKey, OrderFieldLimits.orderNo * 2) }
        }
        return problems
    }
}

/// Which columns of a channel's export hold which field: labeld's Korean headers by default, or
/// those a mapping file names (`{"orderNo": "상품주문번호", …}`, keys as `OrderField.name`).
public struct ColumnMapping: Sendable, Hashable {
    /// Field → the file's header.
    public var headers: [OrderField: String] = Self.defaults

    /// labeld's own headers: every field a mapping file may name.
    static let defaults: [OrderField: String] = [
        .orderId: "주문번호", .receiverName: "수령자명", .receiverPhone: "수령자연락처", .receiverPhone2: "수령자연락처2",
        .postalCode: "우편번호", .address: "주소", .productName: "상품명", .option: "옵션", .quantity: "수량", .message: "배송메세지",
        .itemCode: "품목코드", .orderedAt: "주문일시", .paidAt: "결제일시", .carrier: "택배사", .waybillNo: "송장번호", .gift: "사은품",
    ]

    public init() {}

    /// Reads a mapping file: a JSON object of field → header; fields not named keep their default.
    public static func load(path: String) throws -> ColumnMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FulfillmentError(code: .mapping, message: "mapping file '\(path)' not found")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw FulfillmentError(code: .mapping, message: "mapping file '\(path)': expected a JSON object of field → column header, e.g. {\"orderNo\": \"주문번호\"}")
        }
        var m = ColumnMapping()
        for (name, header) in object {
            guard let field = defaults.keys.first(where: { $0.name == name }) else {
                throw FulfillmentError(code: .mapping, message: "mapping file '\(path)': unknown field '\(name)', expected one of \(defaults.keys.map(\.name).sorted().joined(separator: ", "))")
            }
            m.headers[field] = header
        }
        return m
    }
}

extension FulfillmentStore {
    /// Parses a channel's CSV export (UTF-8, UTF-8 with BOM or CP949) into orders, one row per
    /// line, rows with the same order key forming one order. Rows with mistakes are reported
    /// (row, column, what was expected) and their whole order is left out.
    /// `layout`: a preset or a mapping file's; nil: the layout is detected from the header row
    /// (a marketplace preset, else labeld's own headers). `channel`: nil is the preset's name.
    /// Dates and times without an offset are read at `utcOffsetSeconds` (the channel's zone, KST by default).
    public static func ordersFromCSV(_ data: Data, source: String, channel: String? = nil, layout: OrderLayout? = nil,
                                     utcOffsetSeconds: Int = OrderTime.seoulOffsetSeconds)
        throws -> (orders: [OrderInput], report: ImportReport) {
        let (text, encoding) = try TextDecoding.decode(data, source: source)
        let table = try CSVTable.parse(text, source: source)
        var report = ImportReport()
        report.encoding = encoding.rawValue
        let rows = [(number: table.headerLine, cells: table.header)] + table.rows.map { (number: $0.line, cells: $0.fields) }
        // No header row found: the first row is taken as the header, so the error names what it lacks.
        let (at, chosen, detected) = headerRow(rows, layout: layout) ?? (0, layout ?? Marketplaces.labeld, false)
        return try orders(fromRows: rows, header: at, layout: chosen, detected: detected, source: source, sheet: nil, channel: channel,
                          utcOffsetSeconds: utcOffsetSeconds, report: report)
    }

    /// Parses a sheet of an .xlsx workbook (the first, or `sheet`) as `ordersFromCSV` parses a
    /// CSV export. The header is the first row that is the layout's, so notice rows above it
    /// (스마트스토어 puts one there) are passed over; a mistake names its cell (`Sheet1!F12`).
    /// Date cells are read as the wall-clock time Excel shows, at `utcOffsetSeconds`.
    /// `password`: a password-protected workbook's (스마트스토어 gives one with each download).
    public static func ordersFromWorkbook(_ data: Data, source: String, sheet name: String? = nil, password: String? = nil, channel: String? = nil,
                                          layout: OrderLayout? = nil, utcOffsetSeconds: Int = OrderTime.seoulOffsetSeconds)
        throws -> (orders: [OrderInput], report: ImportReport) {
        let book = try Workbook(data: data, source: source, password: password)
        let sheet = try book.sheet(named: name)
        guard let (at, chosen, detected) = headerRow(sheet.rows, layout: layout) else {
            let first = sheet.rows.first.map { $0.cells.filter { !$0.isEmpty }.joined(separator: ", ") } ?? "nothing"
            let others = book.sheetNames.filter { $0 != sheet.name }
            let wanted = (layout ?? Marketplaces.labeld).signatures[0]
            let what = wanted.count == 1 ? "the column '\(wanted[0])'" : "the columns \(wanted.map { "'\($0)'" }.joined(separator: ", "))"
            let known = layout == nil ? ", nor a known export's header (\(Marketplaces.names))" : ""
            throw FulfillmentError(code: .mapping, message: "\(source): sheet '\(sheet.name)' has no row with \(what)\(known) (its first row: \(first)); "
                                   + (others.isEmpty ? "" : "choose another sheet (--sheet: \(others.joined(separator: ", "))) or ") + "name the columns in a mapping file")
        }
        var report = ImportReport()
        report.encoding = "xlsx"
        return try orders(fromRows: sheet.rows, header: at, layout: chosen, detected: detected, source: source, sheet: sheet.name, channel: channel,
                          utcOffsetSeconds: utcOffsetSeconds, report: report)
    }

    /// Where the header row is, and whose it is. With a `layout`: the first row that has its
    /// headers (a mapping's: its order-number column). Without: the first of the top 30 rows that
    /// is a marketplace preset's header, else the first row with labeld's order-number column.
    static func headerRow(_ rows: [(number: Int, cells: [String])], layout: OrderLayout?) -> (Int, OrderLayout, Bool)? {
        func isHeader(_ i: Int, _ l: OrderLayout) -> Bool { l.isHeader(Set(rows[i].cells.map(OrderLayout.fold))) }
        if let layout { return rows.indices.first { isHeader($0, layout) }.map { ($0, layout, false) } }
        for i in rows.indices.prefix(30) {
            let folded = Set(rows[i].cells.map(OrderLayout.fold))
            if let p = Marketplaces.presets.first(where: { $0.dispatch != nil && $0.isHeader(folded) }) { return (i, p, true) }
        }
        return rows.indices.first { isHeader($0, Marketplaces.labeld) }.map { ($0, Marketplaces.labeld, false) }
    }

    /// Orders from the rows under `rows[header]`, read by `layout`. `sheet`: the workbook sheet the
    /// rows come from, so a mistake names its cell; nil for CSV (the row and column name it).
    static func orders(fromRows rows: [(number: Int, cells: [String])], header at: Int, layout: OrderLayout, detected: Bool, source: String, sheet: String?,
                       channel given: String?, utcOffsetSeconds: Int, report initial: ImportReport) throws -> (orders: [OrderInput], report: ImportReport) {
        var report = initial
        report.layout = layout.name
        report.layoutDetected = detected
        let channel = given ?? (layout.dispatch == nil ? "direct" : layout.name)
        let header = rows[at].cells.map { $0.trimmingCharacters(in: .whitespaces) }
        let col = layout.resolve(header.map(OrderLayout.fold))
        for f in layout.required where col[f.rawValue] == nil {
            let names = layout.columns[f]!.map { "'\($0)'" }.joined(separator: " or ")
            let fix = layout.dispatch == nil ? "name it in a mapping file" : "is this \(layout.title)'s order export? (else name the columns in a mapping file)"
            throw FulfillmentError(code: .mapping, message: "\(source): no column \(names) in the header (\(header.joined(separator: ", "))); \(fix)")
        }
        func c(_ f: OrderField) -> Int? { col[f.rawValue] }
        let keptFields = Set(layout.lineKey + (layout.dispatch?.columns.compactMap { if case .field(let f) = $0.value { f } else { nil } } ?? []))
        var orders: [String: OrderInput] = [:]
        var order: [String] = []
        var badOrders: Set<String> = []
        for (line, cells) in rows[(at + 1)...] {
            let fields = sheet != nil && cells.count < header.count ? cells + Array(repeating: "", count: header.count - cells.count) : cells
            if fields.allSatisfy(\.isEmpty) { continue }
            func field(_ i: Int?) -> String? {
                guard let i, i < fields.count, !fields[i].isEmpty else { return nil }
                return fields[i]
            }
            let keyField = layout.orderKey.first { field(c($0)) != nil }
            let orderNo = keyField.flatMap { field(c($0)) } ?? ""
            func bad(_ columnIndex: Int, _ what: String) {
                let cell = sheet.map { "\($0)!\(Workbook.columnName(columnIndex))\(line): " } ?? ""
                report.errors.append(.init(row: line, orderNo: orderNo, detail: "\(cell)column '\(header[columnIndex])': \(what)"))
                badOrders.insert(orderNo)
            }
            if fields.count != header.count {
                report.errors.append(.init(row: line, orderNo: orderNo, detail: "\(fields.count) field(s), the header has \(header.count)"))
                badOrders.insert(orderNo)
                continue
            }
            var ok = true
            for f in layout.required where f != .quantity && field(c(f)) == nil {
                bad(c(f)!, "\(f.what) is empty"); ok = false
            }
            let quantityText = field(c(.quantity)) ?? ""
            let quantity = Int(quantityText.contains(",") ? quantityText.replacingOccurrences(of: ",", with: "") : quantityText)
            if quantity == nil || quantity! <= 0 { bad(c(.quantity)!, "expected a whole number above 0, got '\(quantityText)'"); ok = false }
            /// The checked value of an optional column, nil when empty; a mistake is reported.
            func checked(_ f: OrderField, _ body: (String) throws(OrderFieldCheck.Problem) -> String) -> String? {
                guard let i = c(f), let text = field(i) else { return nil }
                do { return try body(text) } catch { bad(i, error.detail); ok = false; return nil }
            }
            let limits: [(OrderField, Int)] = [(.orderId, OrderFieldLimits.orderNo), (.bundleId, OrderFieldLimits.orderNo), (.lineId, OrderFieldLimits.orderNo),
                                               (.receiverName, OrderFieldLimits.receiverName), (.receiverPhone, OrderFieldLimits.phone),
                                               (.receiverPhone2, OrderFieldLimits.phone), (.address, OrderFieldLimits.address),
                                               (.addressDetail, OrderFieldLimits.address), (.productName, OrderFieldLimits.productName),
                                               (.option, OrderFieldLimits.option), (.message, OrderFieldLimits.message), (.itemCode, OrderFieldLimits.itemCode)]
            for (f, limit) in limits {
                _ = checked(f) { (text) throws(OrderFieldCheck.Problem) in try OrderFieldCheck.length(text, limit); return text }
            }
            let postal = checked(.postalCode, OrderFieldCheck.postalCode)
            let orderedAt = checked(.orderedAt) { (t) throws(OrderFieldCheck.Problem) in try OrderFieldCheck.time(t, utcOffsetSeconds: utcOffsetSeconds) }
            let paidAt = checked(.paidAt) { (t) throws(OrderFieldCheck.Problem) in try OrderFieldCheck.time(t, utcOffsetSeconds: utcOffsetSeconds) }
            let carrier = checked(.carrier, OrderFieldCheck.carrier)
            let waybill = checked(.waybillNo) { (w) throws(OrderFieldCheck.Problem) in try OrderFieldCheck.waybill(w, carrier: carrier) }
            guard ok else { continue }
            var lineInput = OrderInput.Line(productName: field(c(.productName))!, option: field(c(.option)), itemCode: field(c(.itemCode)), quantity: quantity!)
            if let g = field(c(.gift)) { lineInput.gift = ["y", "yes", "1", "true", "사은품", "o"].contains(g.lowercased()) }
            lineInput.sourceRow = line
            if !layout.lineKey.isEmpty { lineInput.lineKey = layout.lineKey.map { field(c($0)) ?? "" }.joined(separator: "/") }
            if layout.dispatch != nil {
                var kept: [String: String] = [:]
                for f in keptFields { if let v = field(c(f)) { kept[f.name] = v } }
                lineInput.channelFields = layout.keepsRow ? ChannelFields(fields: kept, header: header, row: fields) : ChannelFields(fields: kept)
            }
            if var existing = orders[orderNo] {
                existing.lines.append(lineInput)
                orders[orderNo] = existing
            } else {
                var address = field(c(.address))!
                if let detail = field(c(.addressDetail)), !address.hasSuffix(detail) { address += " " + detail }
                var o = OrderInput(channel: channel, orderNo: orderNo,
                                   receiver: .init(name: field(c(.receiverName))!, phone: field(c(.receiverPhone))!, postalCode: postal!, address: address),
                                   lines: [lineInput])
                o.receiver.phone2 = field(c(.receiverPhone2))
                o.message = field(c(.message))
                o.orderedAt = orderedAt
                o.paidAt = paidAt
                o.carrier = carrier
                o.waybillNo = waybill
                o.preset = layout.dispatch == nil ? nil : layout.name
                orders[orderNo] = o
                order.append(orderNo)
            }
        }
        for no in badOrders where orders[no] != nil {
            report.errors.append(.init(row: orders[no]!.lines.first?.sourceRow, orderNo: no, detail: "order left out: another of its rows has a mistake"))
        }
        return (order.filter { !badOrders.contains($0) }.compactMap { orders[$0] }, report)
    }
    /// 주문수집: collects orders (one transaction). Applies the duplicate policy (a shipped order is
    /// never overwritten), collection exclusions, matching (item code, then normalised name + option),
    /// island and disruption flags. With `strict`, any error in `report` imports nothing.
    /// Order fields are checked and normalised first (times to the stored UTC form, read at
    /// `utcOffsetSeconds` when they carry no offset; carrier names to profile keys; waybill and
    /// postal codes to digits; lengths bounded): an order with a mistake is reported and left out.
    public func collect(_ orders: [OrderInput], channel: String? = nil, actor: String, strict: Bool = false, report initial: ImportReport = ImportReport(),
                        utcOffsetSeconds: Int = OrderTime.seoulOffsetSeconds) throws -> ImportReport {
        var report = initial
        if strict && !report.errors.isEmpty { report.rolledBack = true; return report }
        let collectedAt = stamp()
        do {
        try writer.write { db in
            // Settings read in the same transaction as the import they govern.
            let settings = try Self.settings(db)
            guard settings.integratedOrders else {
                throw FulfillmentError(code: .integratedOrdersOff, message: "integrated order management is off (settings set integratedOrders on)")
            }
            // Matching tables, loaded once.
            var byItemCode: [String: Int64] = [:]
            var byKey: [String: Int64] = [:]
            for row in try SQLRow.fetchAll(db, sql: "SELECT id, itemCode, matchKey FROM productOption") {
                if let code: String = row[1] { byItemCode[code] = row[0] }
                let key: String = row[2]
                if byKey[key] == nil { byKey[key] = row[0] }   // the first option with that name wins
            }
            let insertOrder = try db.cachedStatement(sql: """
                INSERT INTO salesOrder (channel, channelOrderNo, suffix, orderedAt, paidAt, collectedAt, receiverName, receiverPhone, receiverPhone2,
                    postalCode, address, message, carrier, waybillNo, island, disruption, sourceRow, preset)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """)
            let insertLine = try db.cachedStatement(sql: """
                INSERT INTO orderLine (orderId, lineNo, productName, optionText, itemCode, quantity, isGift, optionId, sourceRow, lineKey,
                    channelFields, channelHeaderId, channelRow)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            // Source headers kept with rows (쿠팡's), stored once each.
            var headerIds: [[String]: Int64] = [:]
            var lastHeader: (header: [String], id: Int64)?
            func headerId(_ header: [String]) throws -> Int64 {
                // Every line of a file shares its header's storage: compared by identity first, not hashed.
                if let last = lastHeader, last.header == header { return last.id }
                if let id = headerIds[header] { lastHeader = (header, id); return id }
                let text = JSONText.array(header)
                try db.execute(sql: "INSERT OR IGNORE INTO channelHeader (header) VALUES (?)", arguments: [text])
                let id = try Int64.fetchOne(db, sql: "SELECT id FROM channelHeader WHERE header = ?", arguments: [text])!
                headerIds[header] = id
                lastHeader = (header, id)
                return id
            }
            let findExisting = try db.cachedStatement(sql: "SELECT id, status, suffix FROM salesOrder WHERE channel = ? AND channelOrderNo = ? ORDER BY suffix DESC")
            let nextSuffix = try db.cachedStatement(sql: "SELECT MAX(suffix) + 1 FROM salesOrder WHERE channel = ? AND channelOrderNo = ?")
            let findByLineKey = try db.cachedStatement(sql: """
                SELECT o.id, o.status, o.suffix FROM orderLine l JOIN salesOrder o ON o.id = l.orderId WHERE l.lineKey = ? AND o.channel = ? LIMIT 1
                """)
            for (index, original) in orders.enumerated() {
                let firstRow = original.lines.first?.sourceRow ?? (index + 1)
                var input = original
                let problems = OrderFieldCheck.normalize(&input, firstRow: firstRow, utcOffsetSeconds: utcOffsetSeconds)
                if !problems.isEmpty {
                    report.errors += problems.map { .init(row: $0.row, orderNo: String(original.orderNo.prefix(OrderFieldLimits.orderNo)), detail: $0.detail) }
                    continue
                }
                let channelName = input.channel ?? channel ?? "direct"
                // Collection exclusions (주문수집 제외): by channel product name.
                var lines: [OrderInput.Line] = []
                for line in input.lines {
                    if let pattern = settings.collectionExclusions.first(where: { !$0.isEmpty && line.productName.localizedCaseInsensitiveContains($0) }) {
                        report.excluded.append(.init(row: line.sourceRow ?? firstRow, orderNo: input.orderNo, detail: "line '\(line.productName)' excluded by '\(pattern)'"))
                    } else {
                        lines.append(line)
                    }
                }
                if lines.isEmpty {
                    report.excluded.append(.init(row: firstRow, orderNo: input.orderNo, detail: "order not collected: every line is excluded"))
                    continue
                }
                if let bad = lines.first(where: { $0.quantity <= 0 }) {
                    report.errors.append(.init(row: bad.sourceRow ?? firstRow, orderNo: input.orderNo, detail: "quantity must be above 0"))
                    continue
                }
                // Duplicates: told by the channel's line keys where it has them (a line collected
                // before, whatever order it came in), else by the order number.
                let keys = lines.compactMap(\.lineKey)
                var existing: SQLRow?
                if keys.isEmpty {
                    existing = try SQLRow.fetchOne(findExisting, arguments: [channelName, input.orderNo])
                } else {
                    for key in keys where existing == nil { existing = try SQLRow.fetchOne(findByLineKey, arguments: [key, channelName]) }
                }
                if let existing {
                    let what = keys.isEmpty ? "already collected" : "line \(keys.count == 1 ? keys[0] : keys.joined(separator: ", ")) already collected"
                    switch settings.duplicateOrderNumber {
                    case .skip:
                        report.duplicates.append(.init(row: firstRow, orderNo: input.orderNo, detail: "\(what): skipped"))
                        continue
                    case .overwrite:
                        let status: String = existing["status"]
                        if status == "shipped" {
                            report.duplicates.append(.init(row: firstRow, orderNo: input.orderNo, detail: "already shipped: kept, not overwritten"))
                            continue
                        }
                        try db.execute(sql: "DELETE FROM salesOrder WHERE id = ?", arguments: [existing["id"] as Int64])
                        report.duplicates.append(.init(row: firstRow, orderNo: input.orderNo, detail: "overwrote the unshipped order"))
                    case .addAsNew:
                        break
                    }
                }
                // The order number's first free suffix (0 unless it was collected before).
                let suffix = try Int.fetchOne(nextSuffix, arguments: [channelName, input.orderNo]) ?? 0
                if suffix > 0 && !(existing != nil && settings.duplicateOrderNumber == .overwrite) {
                    report.duplicates.append(.init(row: firstRow, orderNo: input.orderNo, detail: "added as a new order \(input.orderNo)-\(suffix)"
                                                   + (existing == nil ? " (its lines are new)" : "")))
                }
                let postal = input.receiver.postalCode
                let island = settings.islandMarking && islands.region(of: postal, exceptions: settings.islandExceptions) != nil
                let disruption = settings.deliveryDisruptionRegions.contains { r in
                    (r.carrier == nil || r.carrier == input.carrier) && r.from <= postal && postal <= r.to
                }
                let orderId = try Int64.fetchOne(insertOrder, arguments: [channelName, input.orderNo, suffix, input.orderedAt, input.paidAt, collectedAt,
                                                    input.receiver.name, input.receiver.phone, input.receiver.phone2, postal, input.receiver.address,
                                                    input.message, input.carrier, input.waybillNo, island, disruption, firstRow, input.preset])!
                for (n, line) in lines.enumerated() {
                    var optionId: Int64?
                    for key in settings.orderMatching where optionId == nil {
                        switch key {
                        case .itemCode: optionId = line.itemCode.flatMap { byItemCode[$0] }
                        case .productName: optionId = byKey[Normalize.matchKey(name: line.productName, option: line.option ?? "")]
                        }
                    }
                    if optionId == nil {
                        report.unmatched.append(.init(row: line.sourceRow ?? firstRow, orderNo: input.orderNo,
                                                      detail: "'\(line.productName)\(line.option.map { " [\($0)]" } ?? "")' matches no product option (kept, unmatched)"))
                    }
                    try insertLine.execute(arguments: [orderId, n + 1, line.productName, line.option ?? "", line.itemCode, line.quantity,
                                                       line.gift ?? false, optionId, line.sourceRow, line.lineKey,
                                                       line.channelFields.map { JSONText.object($0.fields) },
                                                       try line.channelFields?.header.map { try headerId($0) }, line.channelFields?.row.map(JSONText.array)])
                    report.collectedLines += 1
                }
                report.collectedOrders += 1
            }
            if strict && !report.errors.isEmpty {
                report.rolledBack = true
                throw RollbackForStrict()
            }
            try audit(db, actor: actor, action: "orders.collect", subject: channel ?? "orders", old: nil, new: report.summary)
        }
        } catch is RollbackForStrict {
            // Strict: the transaction was rolled back; the report says why.
        }
        return report
    }

    /// The ASCII digits of `text`.
    static func digits(_ text: String) -> String {
        var bytes = [UInt8]()
        for b in text.utf8 where b >= 0x30 && b <= 0x39 { bytes.append(b) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Collected orders, filtered.
    public func orders(delayedOnly: Bool = false, islandOnly: Bool = false, unmatchedOnly: Bool = false, limit: Int? = nil,
                       id: Int64? = nil) throws -> [OrderSummary] {
        let days = try settings().deliveryDelayDays
        let cutoff = Self.timestamp.string(from: now().addingTimeInterval(-Double(days) * 86400))
        return try writer.read { db in
            var sql = """
                SELECT o.id, o.channel, o.channelOrderNo, o.suffix, o.receiverName, o.postalCode, o.status, o.island, o.disruption,
                       o.collectedAt, COUNT(l.id) AS lines, SUM(CASE WHEN l.optionId IS NULL THEN 1 ELSE 0 END) AS unmatched, o.allocationState, o.hold, o.shipmentId,
                       (SELECT status FROM shipment WHERE id = o.shipmentId)
                FROM salesOrder o LEFT JOIN orderLine l ON l.orderId = o.id GROUP BY o.id
                """
            var having: [String] = []
            if let id { having.append("o.id = \(id)") }
            if islandOnly { having.append("o.island = 1") }
            if unmatchedOnly { having.append("SUM(CASE WHEN l.optionId IS NULL THEN 1 ELSE 0 END) > 0") }
            if delayedOnly { having.append("o.status = 'collected' AND o.collectedAt < '\(cutoff)'") }
            if !having.isEmpty { sql += " HAVING " + having.joined(separator: " AND ") }
            sql += " ORDER BY o.id"
            if let limit { sql += " LIMIT \(limit)" }
            return try SQLRow.fetchAll(db, sql: sql).map { r in
                let status: String = r[6], collectedAt: String = r[9]
                let allocation = AllocationState(rawValue: r[12]) ?? .notAllocatable
                let shipmentStatus: String? = r[15]
                let state = status != "collected" ? status : (r[13] as Bool) ? AllocationState.onHold.rawValue
                    : shipmentStatus == "printed" ? "printed" : allocation.rawValue
                return OrderSummary(id: r[0], channel: r[1], orderNo: r[2], suffix: r[3], receiverName: r[4], postalCode: r[5], status: status,
                                    island: r[7], disruption: r[8], delayed: status == "collected" && collectedAt < cutoff,
                                    lines: r[10], unmatchedLines: r[11] ?? 0, collectedAt: collectedAt,
                                    allocationState: allocation, shipmentId: r[14], state: state)
            }
        }
    }
}

/// One order as a seller looks it up: its summary, receiver, times, lines with their matching and
/// allocation, and its shipment.
public struct OrderDetail: Codable, Sendable, Hashable {
    public struct Line: Codable, Sendable, Hashable {
        public var id: Int64
        public var lineNo: Int
        public var productName: String
        public var option: String
        public var sku: String?
        public var location: String?
        public var quantity: Int
        public var allocated: Int
        public var gift: Bool
    }
    public var order: OrderSummary
    public var orderedAt: String?
    public var paidAt: String?
    public var receiverPhone: String
    public var address: String
    public var message: String?
    public var carrier: String?
    public var lines: [Line]
    public var shipment: ShipmentSummary?
}

extension FulfillmentStore {
    /// One order with its lines and shipment (`labeld orders show`, `GET /v1/orders/{id}`).
    public func orderDetail(_ id: Int64) throws -> OrderDetail {
        guard let summary = try orders(id: id).first else { throw FulfillmentError(code: .notFound, message: "no order \(id)") }
        return try writer.read { db in
            let o = try SQLRow.fetchOne(db, sql: "SELECT orderedAt, paidAt, receiverPhone, address, message, carrier FROM salesOrder WHERE id = ?", arguments: [id])!
            let lines = try SQLRow.fetchAll(db, sql: """
                SELECT l.id, l.lineNo, l.productName, l.optionText, p.sku, p.location, l.quantity, l.allocated, l.isGift
                FROM orderLine l LEFT JOIN productOption p ON p.id = l.optionId WHERE l.orderId = ? ORDER BY l.lineNo
                """, arguments: [id]).map {
                OrderDetail.Line(id: $0[0], lineNo: $0[1], productName: $0[2], option: $0[3], sku: $0[4], location: $0[5],
                                 quantity: $0[6], allocated: $0[7], gift: $0[8])
            }
            let shipment = try summary.shipmentId.flatMap { sid in
                try SQLRow.fetchOne(db, sql: "SELECT id, carrier, waybillNo, status FROM shipment WHERE id = ?", arguments: [sid]).map { r in
                    ShipmentSummary(id: r[0], carrier: r[1], waybillNo: r[2], status: r[3],
                                    orderNumbers: try String.fetchAll(db, sql: """
                                        SELECT channelOrderNo || CASE suffix WHEN 0 THEN '' ELSE '-' || suffix END FROM salesOrder WHERE shipmentId = ? ORDER BY id
                                        """, arguments: [sid]))
                }
            }
            return OrderDetail(order: summary, orderedAt: o[0], paidAt: o[1], receiverPhone: o[2], address: o[3], message: o[4], carrier: o[5],
                               lines: lines, shipment: shipment)
        }
    }
}

struct RollbackForStrict: Error {}
