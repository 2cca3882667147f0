public import Foundation
import Storage

/// A bulk-dispatch (발송처리) file for one marketplace: the waybill numbers of its printed orders,
/// in the layout its upload takes.
public struct DispatchExport: Sendable {
    public var preset: String
    /// The .xlsx workbook.
    public var workbook: Data
    /// Order lines written (one row each).
    public var lines: Int
    /// Shipments (waybills) they belong to.
    public var shipments: Int
    /// Lines that could not be written, and why (a carrier the marketplace has no name for).
    public var leftOut: [String]
}

extension FulfillmentStore {
    static func migrateDispatch(_ m: inout Migrations) {
        // Marketplace presets: an order remembers its preset, a line its channel key and what the
        // dispatch file needs of its row (fields as a JSON object; 쿠팡's whole row as a JSON array
        // under a header stored once); a shipment when it was printed; which lines went out in
        // a dispatch file, with which waybill number.
        m.registerMigration("v8-marketplaces") { db in
            try db.execute(sql: """
                ALTER TABLE salesOrder ADD COLUMN preset TEXT;
                ALTER TABLE orderLine ADD COLUMN lineKey TEXT;
                ALTER TABLE orderLine ADD COLUMN channelFields TEXT;
                CREATE TABLE channelHeader (id INTEGER PRIMARY KEY, header TEXT NOT NULL UNIQUE);
                ALTER TABLE orderLine ADD COLUMN channelHeaderId INTEGER REFERENCES channelHeader(id);
                ALTER TABLE orderLine ADD COLUMN channelRow TEXT;
                CREATE INDEX orderLine_lineKey ON orderLine(lineKey) WHERE lineKey IS NOT NULL;
                ALTER TABLE shipment ADD COLUMN printedAt TEXT;
                CREATE TABLE dispatchExport (orderLineId INTEGER NOT NULL REFERENCES orderLine(id) ON DELETE CASCADE,
                    waybillNo TEXT NOT NULL, preset TEXT NOT NULL, exportedAt TEXT NOT NULL, actor TEXT NOT NULL,
                    PRIMARY KEY (orderLineId, waybillNo));
                """)
        }
    }

    /// 발송처리: the dispatch file of marketplace `preset` — one row per line of its orders whose
    /// shipment is printed (or shipped), named by the line key the marketplace sent, with the
    /// carrier in the marketplace's words and the waybill number. Lines are recorded as exported
    /// with their waybill number, so the next file has only new ones; `all` writes every one again.
    /// `since`: only shipments printed at or after that time (`2026-12-07`, `2026-12-07 09:00`; KST).
    public func exportDispatch(preset name: String, since: String? = nil, all: Bool = false, actor: String) throws -> DispatchExport {
        let preset = try Marketplaces.preset(name)
        guard let layout = preset.dispatch else {
            throw FulfillmentError(code: .mapping, message: "preset '\(name)' has no dispatch file; choose one of \(Marketplaces.presets.filter { $0.dispatch != nil }.map(\.name).joined(separator: ", "))")
        }
        let from = try since.map { text throws(FulfillmentError) -> String in
            guard let t = OrderTime.canonical(text) else {
                throw FulfillmentError(code: .invalidInput, message: "--since '\(text)': expected \(OrderTime.expected)")
            }
            return t
        }
        let exportedAt = stamp()
        return try writer.write { db in
            let rows = try SQLRow.fetchAll(db, sql: """
                SELECT l.id, l.lineKey, l.channelFields, o.channelOrderNo, s.id, s.carrier, s.waybillNo, h.header, l.channelRow
                FROM orderLine l LEFT JOIN channelHeader h ON h.id = l.channelHeaderId JOIN salesOrder o ON o.id = l.orderId JOIN shipment s ON s.id = o.shipmentId
                WHERE o.preset = ? AND s.status IN ('printed', 'shipped') AND s.waybillNo IS NOT NULL AND o.status != 'canceled'
                  AND (CAST(? AS TEXT) IS NULL OR s.printedAt >= ?)
                  AND (? = 1 OR NOT EXISTS (SELECT 1 FROM dispatchExport d WHERE d.orderLineId = l.id AND d.waybillNo = s.waybillNo))
                ORDER BY s.id, o.id, l.lineNo
                """, arguments: [preset.name, from, from, all])
            let decoder = JSONDecoder()
            var headers: [String: [String]] = [:]
            var leftOut: [String] = []
            /// A line to write: the marketplace's values of it, and (쿠팡) its source row by header.
            var written: [(line: Int64, waybill: String, values: [String: String], header: [String], row: [String: String], carrier: String)] = []
            var shipments: Set<Int64> = []
            for r in rows {
                let lineId: Int64 = r[0], orderNo: String = r[3], waybill: String = r[6]
                let carrierKey: String? = r[5]
                guard let key = carrierKey, let carrier = layout.carrierNames[key] else {
                    leftOut.append("order \(orderNo) (waybill \(waybill)): \(preset.title) has no name for carrier '\(carrierKey ?? "none")' (it takes \(layout.carrierNames.values.sorted().joined(separator: ", ")))")
                    continue
                }
                var values = try (r[2] as String?).map { try decoder.decode([String: String].self, from: Data($0.utf8)) } ?? [:]
                values[OrderField.orderId.name] = values[OrderField.orderId.name] ?? orderNo
                if let k: String = r[1] { values[OrderField.lineId.name] = values[OrderField.lineId.name] ?? k }
                var header: [String] = [], row: [String: String] = [:]
                if layout.sourceRow {
                    guard let headerText: String = r[7], let rowText: String = r[8] else {
                        leftOut.append("order \(orderNo) (waybill \(waybill)): not imported from a \(preset.title) file, so there is no row to send back")
                        continue
                    }
                    if headers[headerText] == nil { headers[headerText] = try decoder.decode([String].self, from: Data(headerText.utf8)) }
                    header = headers[headerText]!
                    row = Dictionary(zip(header, try decoder.decode([String].self, from: Data(rowText.utf8))), uniquingKeysWith: { first, _ in first })
                }
                written.append((lineId, waybill, values, header, row, carrier))
                shipments.insert(r[4])
            }
            var table: [[WorkbookWriter.Cell]] = []
            if layout.sourceRow {
                // The marketplace's own rows (every header the lines came under, in file order),
                // with the carrier and waybill columns filled.
                var header: [String] = []
                var seen: Set<String> = []
                for w in written { for h in w.header where seen.insert(h).inserted { header.append(h) } }
                if header.isEmpty { header = layout.columns.map(\.header) }
                table.append(header.map { .text($0) })
                let folded = header.map(OrderLayout.fold)
                let filled = layout.columns.compactMap { c in folded.firstIndex(of: OrderLayout.fold(c.header)).map { ($0, c.value) } }
                for w in written {
                    var cells = header.map { w.row[$0] ?? "" }
                    for (i, value) in filled { cells[i] = Self.dispatchValue(value, values: w.values, carrier: w.carrier, waybill: w.waybill) }
                    table.append(cells.map { .text($0) })
                }
            } else {
                table.append(layout.columns.map { .text($0.header) })
                for w in written {
                    table.append(layout.columns.map { .text(Self.dispatchValue($0.value, values: w.values, carrier: w.carrier, waybill: w.waybill)) })
                }
            }
            let record = try db.cachedStatement(sql: """
                INSERT INTO dispatchExport (orderLineId, waybillNo, preset, exportedAt, actor) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (orderLineId, waybillNo) DO UPDATE SET preset = excluded.preset, exportedAt = excluded.exportedAt, actor = excluded.actor
                """)
            for w in written { try record.execute(arguments: [w.line, w.waybill, preset.name, exportedAt, actor]) }
            if !written.isEmpty {
                try audit(db, actor: actor, action: "orders.dispatch", subject: preset.name, old: nil,
                          new: "\(written.count) line(s) of \(shipments.count) shipment(s)\(all ? " (all)" : "")\(from.map { " since \($0)" } ?? "")")
            }
            return DispatchExport(preset: preset.name, workbook: try WorkbookWriter(sheet: layout.sheet, rows: table).data(),
                                  lines: written.count, shipments: shipments.count, leftOut: leftOut)
        }
    }

    static func dispatchValue(_ value: DispatchLayout.Value, values: [String: String], carrier: String, waybill: String) -> String {
        switch value {
        case .field(let f): values[f.name] ?? ""
        case .carrier: carrier
        case .waybill: waybill
        case .constant(let c): c
        }
    }
}
