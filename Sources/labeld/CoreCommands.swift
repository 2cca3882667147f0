import CarrierLink
public import ArgumentParser
import Foundation
import Fulfillment
import LabelModel
import Rendering
import Printing
import PrintSpool

/// `--db` and `--actor`, shared by the order and inventory commands.
struct CoreOptions: ParsableArguments {
    @Option(name: .long, help: "The database: a SQLite file, or postgres://user@host:port/db (LABELD_DB).")
    var db: String = ProcessInfo.processInfo.environment["LABELD_DB"] ?? "./var/labeld.sqlite"

    @Option(name: .long, help: "Who is acting (recorded in the audit log and the stock ledger).")
    var name: String = ProcessInfo.processInfo.environment["USER"] ?? "cli"

    @Option(name: .long, help: "The acting role: owner (대표운영자), operator (부운영자) or station.")
    var role: Role = .operator

    /// `role:name`, as the audit log records every change.
    var actor: String { "\(role.rawValue):\(name)" }

    /// The carrier connections of the seller's settings (택배연동).
    func carrierDesk(_ store: FulfillmentStore) throws -> CarrierDesk {
        CarrierDesk(store: store, connectors: CarrierDesk.connectors(for: try store.settings(), store: store))
    }

    func store() throws -> FulfillmentStore {
        try FulfillmentStore.open(path: db, islands: try islands())
    }

    /// The island postal-code ranges (`LABELD_ISLANDS`, else the shipped data; none if missing).
    func islands() throws -> IslandRegions {
        let islandsPath = ProcessInfo.processInfo.environment["LABELD_ISLANDS"] ?? RendererConfiguration.locateHome() + "/data/island-postal-ranges.json"
        return FileManager.default.fileExists(atPath: islandsPath) ? try IslandRegions.load(path: islandsPath) : .empty
    }
}

/// Records from a JSON array or JSON Lines.
func decodeJSONRecords<T: Decodable>(_ type: T.Type, from data: Data) throws -> [T] {
    if data.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "[") {
        return try JSONDecoder().decode([T].self, from: data)
    }
    return try data.split(separator: 0x0A).filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x0D } }.map { try JSONDecoder().decode(T.self, from: Data($0)) }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try e.encode(value), as: UTF8.self))
}

struct Products: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The product catalog (상품).", subcommands: [Import.self, List.self, Update.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sync products from a JSON file (array or JSON Lines of {code, name, sku, option, itemCode, barcode, location, tags, warningQuantity, expectedReceiptDate, mallStock}).")
        @OptionGroup var core: CoreOptions
        @Argument(help: "JSON file.") var file: String

        func run() throws {
            try reportingErrors {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError(description: "cannot read '\(file)'") }
                let products: [ProductInput]
                do {
                    products = try decodeJSONRecords(ProductInput.self, from: data)
                } catch {
                    throw CLIError(description: "\(file): expected product objects with code, name and sku (\(error))")
                }
                let report = try core.store().syncProducts(products, actor: core.actor)
                print("added \(report.added), updated \(report.updated), staged \(report.staged), excluded \(report.excluded.count)\(report.excluded.isEmpty ? "" : " (\(report.excluded.joined(separator: ", ")))")")
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "상품정보 업데이트: copy staged products into the inventory list (productSync = manual).")
        @OptionGroup var core: CoreOptions
        func run() throws {
            try reportingErrors {
                let r = try core.store().runProductUpdate(actor: core.actor)
                print("added \(r.added), updated \(r.updated), excluded \(r.excluded.count), mall stock imported for \(r.mallStockImported)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The inventory list with stock.")
        @OptionGroup var core: CoreOptions
        @Option(name: .long, help: "Only options with this tag.") var tag: String?
        @Flag(name: .long, help: "JSON output.") var json = false
        func run() throws {
            try reportingErrors {
                let rows = try core.store().optionStocks(tag: tag)
                if json { try printJSON(rows); return }
                for r in rows {
                    print([r.sku, r.name, r.option, "on hand \(r.onHand)", "available \(r.available)", r.location ?? "", r.expectedReceiptDisplay ?? "",
                           r.belowWarning ? "⚠ below \(r.warningQuantity!)" : ""].filter { !$0.isEmpty }.joined(separator: "\t"))
                }
            }
        }
    }
}

struct Stock: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stock and its ledger (재고).", subcommands: [Receive.self, Adjust.self, List.self, Market.self])

    struct Receive: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "입고: add received units.")
        @OptionGroup var core: CoreOptions
        @Argument var sku: String
        @Argument var quantity: Int
        @Option(name: .long, help: "Movement type (입고 or a seller-defined one).") var type: String = "입고"
        @Option(name: .long) var note: String?
        func run() throws {
            try reportingErrors {
                let onHand = try core.store().receive(sku: sku, quantity: quantity, type: type, actor: core.actor, note: note)
                print("\(sku): on hand \(onHand)")
            }
        }
    }

    struct Adjust: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "조정: correct on-hand stock by a signed amount.")
        @OptionGroup var core: CoreOptions
        @Argument var sku: String
        @Argument(help: "Change, e.g. -2 or 5 (write -- before a negative number).") var delta: Int
        @Option(name: .long) var note: String?
        func run() throws {
            try reportingErrors {
                let onHand = try core.store().adjust(sku: sku, by: delta, actor: core.actor, note: note)
                print("\(sku): on hand \(onHand)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The stock ledger.")
        @OptionGroup var core: CoreOptions
        @Option(name: .long) var sku: String?
        func run() throws {
            try reportingErrors {
                for m in try core.store().movements(sku: sku) {
                    print([m.at, m.sku, m.type, String(m.quantity), m.actor, m.note ?? ""].joined(separator: "\t"))
                }
            }
        }
    }

    struct Market: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Quantities to send to sales channels (마켓전송기준).")
        @OptionGroup var core: CoreOptions
        @Flag(name: .long) var json = false
        func run() throws {
            try reportingErrors {
                let rows = try core.store().marketStock()
                if json { try printJSON(rows); return }
                for r in rows { print("\(r.sku)\t\(r.itemCode ?? "")\t\(r.quantity)") }
            }
        }
    }
}

struct Orders: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Orders collected from sales channels (주문).", subcommands: [Import.self, ExportDispatch.self, List.self, Show.self, Allocate.self, Hold.self, Release.self, Cancel.self, Exchange.self, Return.self])

    /// LINE=QTY arguments.
    static func parts(_ parts: [String]) throws -> [Int64: Int] {
        var quantities: [Int64: Int] = [:]
        for p in parts {
            let kv = p.split(separator: "=")
            guard kv.count == 2, let line = Int64(kv[0]), let q = Int(kv[1]) else { throw CLIError(description: "expected LINE=QTY, got '\(p)'") }
            quantities[line] = q
        }
        return quantities
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One order: receiver, lines with allocation, its shipment and the jobs that printed it.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        @Flag(name: .long) var json = false
        func run() throws {
            try reportingErrors {
                let view = try core.desk().orderView(id)
                if json { try printJSON(view); return }
                let d = view.detail, o = d.order
                print("order \(o.id) \(o.channel) \(o.orderNo)\(o.suffix > 0 ? "-\(o.suffix)" : ""): \(o.state)")
                print("  ordered \(d.orderedAt ?? "-"), paid \(d.paidAt ?? "-"), collected \(o.collectedAt)")
                print("  to \(o.receiverName) \(d.receiverPhone), (\(o.postalCode)) \(d.address)" + (d.message.map { ", \"\($0)\"" } ?? ""))
                for l in d.lines {
                    print("  line \(l.id)\t\(l.productName)\(l.option.isEmpty ? "" : " [\(l.option)]")\t×\(l.quantity)\tallocated \(l.allocated)"
                          + "\t\(l.sku.map { "\($0)" + (l.location.map { " @\($0)" } ?? "") } ?? "unmatched")" + (l.gift ? "\t사은품" : ""))
                }
                if let s = d.shipment {
                    print("  shipment \(s.id): \(s.carrier.map(Carriers.displayName) ?? "-") \(s.waybillNo ?? "(no waybill number)") \(s.status)"
                          + (s.orderNumbers.count > 1 ? ", 합포 \(s.orderNumbers.joined(separator: ", "))" : ""))
                } else {
                    print("  no shipment yet")
                }
                for j in view.jobs {
                    print("  job \(j.id) \(j.state.rawValue) on \(j.printer)" + (j.reprintOf.map { " (재출력 of \($0): \(j.reprintReason ?? ""))" } ?? "")
                          + (j.reason.map { j.state == .completed ? "" : ": \($0)" } ?? ""))
                }
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "취소: cancel an unshipped order (held first when cancelExchange.holdBeforeShipping).")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        func run() throws { try reportingErrors { print(try core.store().cancel(orderId: id, actor: core.actor)) } }
    }

    struct Exchange: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "교환: pick up shipped units and send a replacement order.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        @Argument(help: "LINE=QTY") var parts: [String]
        func run() throws {
            try reportingErrors {
                let (pickup, replacement) = try core.store().exchange(orderId: id, quantities: try Orders.parts(parts), actor: core.actor)
                print("\(pickup.map { "pickup \($0), " } ?? "")replacement order \(replacement)")
            }
        }
    }

    struct Return: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "반품: request the pickup of shipped units.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        @Argument(help: "LINE=QTY") var parts: [String]
        func run() throws { try reportingErrors { print("pickup \(try core.store().requestReturn(orderId: id, quantities: try Orders.parts(parts), actor: core.actor))") } }
    }

    struct Allocate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "재고할당: allocate stock to unshipped orders by the seller's priority.")
        @OptionGroup var core: CoreOptions
        func run() throws {
            try reportingErrors {
                let r = try core.store().allocate(actor: core.actor)
                let states = AllocationState.allCases.map { "\($0.rawValue) \(r.states[$0] ?? 0)" }.joined(separator: ", ")
                print("\(r.ordersConsidered) order(s), \(r.linesAllocated) line(s) allocated; \(states)")
            }
        }
    }

    struct Hold: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "보류: put an order on hold (its stock is released).")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        func run() throws { try reportingErrors { try core.store().hold(orderId: id, actor: core.actor); print("order \(id) on hold") } }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a hold.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        func run() throws { try reportingErrors { try core.store().release(orderId: id, actor: core.actor); print("order \(id) released") } }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "주문수집: import a marketplace's export (.xlsx, or CSV in UTF-8, UTF-8 BOM or CP949) or orders as JSON / JSON Lines.",
            discussion: """
                The layout is told from the header row (\(Marketplaces.names)) unless --preset or --mapping names it; \
                notice rows above the header are passed over. Prints a report: the layout, collected, duplicates, \
                excluded, unmatched, errors (with rows and cells). Exit 1 when any row had an error.
                """)
        @OptionGroup var core: CoreOptions
        @Argument var file: String
        @Option(name: .long, help: "Sales channel name (default: the preset's name, or 'direct').") var channel: String?
        @Option(name: .long, help: "The export's layout: \(Marketplaces.names) (default: told from the header row).") var preset: String?
        @Option(name: .long, help: "Column mapping file (JSON: field → header) for a layout no preset knows.") var mapping: String?
        @Option(name: .long, help: "The sheet of an .xlsx workbook (default: the first).") var sheet: String?
        @Option(name: .long, help: "A password-protected workbook's password (or LABELD_XLSX_PASSWORD).") var password: String?
        @Flag(name: .long, help: "Import nothing if any row has an error.") var strict = false
        @Flag(name: .long, help: "Print the report as JSON.") var json = false

        func run() throws {
            try reportingErrors {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError(description: "cannot read '\(file)'") }
                if preset != nil && mapping != nil { throw CLIError(description: "--preset and --mapping name the layout twice: give one") }
                let store = try core.store()
                var orders: [OrderInput]
                var report = ImportReport()
                if file.hasSuffix(".json") || file.hasSuffix(".jsonl") {
                    do {
                        orders = try decodeJSONRecords(OrderInput.self, from: data)
                    } catch {
                        throw CLIError(description: "\(file): not valid order JSON (\(error))")
                    }
                    // Orders as JSON name their marketplace with --preset, so its dispatch file has them.
                    if let layout = try preset.map({ try Marketplaces.preset($0) }), layout.dispatch != nil {
                        for i in orders.indices { orders[i].preset = layout.name }
                    }
                } else {
                    let layout = try preset.map { try Marketplaces.preset($0) } ?? mapping.map { .mapping(try ColumnMapping.load(path: $0)) }
                    // A workbook is told by its bytes (a ZIP or an OLE container), whatever its name.
                    if file.lowercased().hasSuffix(".xlsx") || Workbook.isContainer(data) {
                        let secret = password ?? ProcessInfo.processInfo.environment["LABELD_XLSX_PASSWORD"]
                        (orders, report) = try FulfillmentStore.ordersFromWorkbook(data, source: file, sheet: sheet, password: secret, channel: channel, layout: layout)
                    } else {
                        if sheet != nil { throw CLIError(description: "--sheet is for .xlsx workbooks, not '\(file)'") }
                        (orders, report) = try FulfillmentStore.ordersFromCSV(data, source: file, channel: channel, layout: layout)
                    }
                }
                report = try store.collect(orders, channel: channel, actor: core.actor, strict: strict, report: report)
                if json { try printJSON(report) } else {
                    print(report.summary)
                    if let layout = report.layoutLine { print(layout) }
                    for n in report.errors { print("error: \(n)") }
                    for n in report.duplicates { print("duplicate: \(n)") }
                    for n in report.excluded { print("excluded: \(n)") }
                    for n in report.unmatched { print("unmatched: \(n)") }
                }
                if !report.errors.isEmpty { throw ExitCode(1) }
            }
        }
    }

    struct ExportDispatch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-dispatch",
            abstract: "발송처리: write a marketplace's bulk-dispatch file with the waybill numbers of its printed orders.",
            discussion: """
                One row per order line of the marketplace's orders whose waybill is printed, named by the line key the \
                marketplace sent, with the carrier in its own words. Lines written are recorded: the next file has only \
                new ones unless --all.
                """)
        @OptionGroup var core: CoreOptions
        @Option(name: .long, help: "The marketplace: \(Marketplaces.presets.filter { $0.dispatch != nil }.map(\.name).joined(separator: ", ")).") var preset: String
        @Option(name: .long, help: "Only waybills printed at or after this time (KST), e.g. 2026-12-07 or '2026-12-07 09:00'.") var since: String?
        @Flag(name: .long, help: "Every printed line again, not only the ones no file had yet.") var all = false
        @Option(name: .shortAndLong, help: "The .xlsx file to write.") var output: String

        func run() throws {
            try reportingErrors {
                let export = try core.store().exportDispatch(preset: preset, since: since, all: all, actor: core.actor)
                guard FileManager.default.createFile(atPath: output, contents: export.workbook) else {
                    throw CLIError(description: "cannot write '\(output)'")
                }
                for note in export.leftOut { printError("left out: \(note)") }
                print("\(output): \(export.lines) line(s) of \(export.shipments) waybill(s) for \(export.preset)"
                      + (export.lines == 0 ? " (nothing new since the last file; --all writes every printed line)" : ""))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Collected orders.")
        @OptionGroup var core: CoreOptions
        @Flag(name: .long, help: "Only unshipped orders older than deliveryDelayDays (배송지연).") var delayed = false
        @Flag(name: .long, help: "Only island/remote orders (도서).") var island = false
        @Flag(name: .long, help: "Only orders with unmatched lines.") var unmatched = false
        @Flag(name: .long) var json = false
        func run() throws {
            try reportingErrors {
                let rows = try core.store().orders(delayedOnly: delayed, islandOnly: island, unmatchedOnly: unmatched)
                if json { try printJSON(rows); return }
                for o in rows {
                    let flags = [o.island ? "도서" : "", o.disruption ? "배송차질" : "", o.delayed ? "배송지연" : "", o.unmatchedLines > 0 ? "미매칭 \(o.unmatchedLines)" : ""].filter { !$0.isEmpty }
                    print("\(o.id)\t\(o.channel)\t\(o.orderNo)\(o.suffix > 0 ? "-\(o.suffix)" : "")\t\(o.receiverName)\t\(o.postalCode)\t\(o.lines) line(s)\t\(o.state)\t\(flags.joined(separator: ","))")
                }
                printError("\(rows.count) order(s)")
            }
        }
    }
}

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "Seller settings (재고운영설정).", subcommands: [Get.self, Set.self, Audit.self, RefreshPartners.self])

    struct RefreshPartners: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "refresh-partners", abstract: "거래처/마켓계정/부운영자 갱신: reload channels, carriers and operators; report what changed.")
        @OptionGroup var core: CoreOptions
        func run() throws {
            try reportingErrors {
                let templates = RendererConfiguration.standard().templatesDirectory + "/waybills"
                let carriers = ((try? FileManager.default.contentsOfDirectory(atPath: templates)) ?? []).filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
                let r = try core.store().refreshPartners(carriers: carriers, actor: core.actor)
                if r.unchanged { print("no changes") }
                for kind in r.added.keys.sorted() {
                    print("\(kind): +\(r.added[kind]!.joined(separator: ", ")) -\(r.removed[kind]!.joined(separator: ", "))")
                }
            }
        }
    }

    struct Get: ParsableCommand {
        @OptionGroup var core: CoreOptions
        @Argument(help: "A setting; all when omitted.") var key: String?
        func run() throws {
            try reportingErrors {
                let s = try core.store().settings()
                for k in key.map({ [$0] }) ?? Fulfillment.Settings.keys { print(key == nil ? "\(k)\t\(try s.value(of: k))" : try s.value(of: k)) }
            }
        }
    }

    struct Set: ParsableCommand {
        @OptionGroup var core: CoreOptions
        @Argument var key: String
        @Argument var value: String
        func run() throws {
            try reportingErrors {
                if key == "carrierConnections" && core.role != .owner {
                    throw CLIError(description: "carrierConnections (carrier credentials) is the owner's to set: add --role owner")
                }
                let (old, new) = try core.store().updateSetting(key, to: value, actor: core.actor)
                print("\(key): \(old) → \(new)")
            }
        }
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Who changed what, when.")
        @OptionGroup var core: CoreOptions
        func run() throws {
            try reportingErrors {
                for e in try core.store().auditLog() { print("\(e.at)\t\(e.actor)\t\(e.action)\t\(e.subject)\t\(e.oldValue ?? "") → \(e.newValue ?? "")") }
            }
        }
    }
}

struct Shipments: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Shipments: one waybill each (합포 combines orders).",
                                                    subcommands: [List.self, Create.self, Combine.self, Split.self, Ship.self, AddRange.self, Assign.self,
                                                                  Refine.self, Book.self, Bookings.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A shipment (one waybill) for every unshipped order without one.")
        @OptionGroup var core: CoreOptions
        @Flag(name: .long) var json = false
        func run() async throws {
            try await reportingErrors {
                let store = try core.store()
                let made = try store.createShipments(actor: core.actor)
                if json { try printJSON(made) } else {
                    print("\(made.created) shipment(s) created")
                    // A reason that names its order already is not prefixed twice.
                    func line(_ o: ShipmentCreation.Skipped) -> String { o.reason.hasPrefix("order \(o.orderNo): ") ? o.reason : "order \(o.orderNo): \(o.reason)" }
                    for o in made.heldBack { print("held back: \(line(o))") }
                    for o in made.refused { printError("refused: \(line(o))") }
                }
                // 택배연동: the new shipments of a connected carrier are routed (and numbered) at once.
                let carriers = try core.carrierDesk(store)
                if carriers.isConnected && made.created > 0 {
                    let report = try await carriers.refine(actor: core.actor)
                    if !json { printRefinement(report) }
                }
                if !made.refused.isEmpty { throw ExitCode(1) }
            }
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var core: CoreOptions
        @Flag(name: .long) var json = false
        func run() throws {
            try reportingErrors {
                let rows = try core.store().shipments()
                if json { try printJSON(rows); return }
                for s in rows { print("\(s.id)\t\(s.carrier ?? "")\t\(s.waybillNo ?? "")\t\(s.status)\t\(s.orderNumbers.joined(separator: ","))") }
            }
        }
    }

    struct Combine: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "합포: one shipment for orders to the same receiver.")
        @OptionGroup var core: CoreOptions
        @Argument(help: "Order ids.") var orders: [Int64]
        func run() throws { try reportingErrors { print("shipment \(try core.store().combine(orderIds: orders, actor: core.actor))") } }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "주문나누기: move LINE=QTY parts of an order into a new order.")
        @OptionGroup var core: CoreOptions
        @Argument var order: Int64
        @Argument(help: "LINE=QTY, e.g. 12=1") var parts: [String]
        func run() throws {
            try reportingErrors {
                var quantities: [Int64: Int] = [:]
                for p in parts {
                    let kv = p.split(separator: "=")
                    guard kv.count == 2, let line = Int64(kv[0]), let q = Int(kv[1]) else { throw CLIError(description: "expected LINE=QTY, got '\(p)'") }
                    quantities[line] = q
                }
                print("new order \(try core.store().split(orderId: order, quantities: quantities, actor: core.actor))")
            }
        }
    }

    struct Ship: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "배송처리: ship a shipment (deducts stock through the ledger).")
        @OptionGroup var core: CoreOptions
        @Argument var shipment: Int64
        func run() throws { try reportingErrors { try core.store().ship(shipmentId: shipment, actor: core.actor); print("shipment \(shipment) shipped") } }
    }

    struct AddRange: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-range", abstract: "Give a carrier a range of waybill numbers.")
        @OptionGroup var core: CoreOptions
        @Argument var carrier: String
        @Argument var start: Int
        @Argument var end: Int
        @Option(name: .long, help: "Digits of a number (default: the carrier profile's).") var digits: Int?
        @Option(name: .long, help: "off, mod7-11 or mod7-10, appended as the check digit (default: the carrier profile's rule).") var check: String?
        func run() throws {
            try reportingErrors {
                guard let key = Carriers.key(for: carrier) else {
                    throw CLIError(description: "unknown carrier '\(carrier)': expected one of \(Carriers.acceptedNames)", exitCode: 2)
                }
                let profile = try RendererConfiguration.standard().carrierProfiles()[key]
                let rule = check ?? profile?.check.rawValue ?? "off"
                try core.store().addWaybillRange(carrier: key, start: start, end: end, digits: digits ?? profile?.digits.max() ?? 12, checkRule: rule, actor: core.actor)
                print("\(key): \(start)…\(end), check \(rule)")
            }
        }
    }

    struct Refine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "택배연동: ask the connected carrier (CJ대한통운) to route the open shipments' addresses and number them.",
            discussion: "Shipments never routed and those left pending (the carrier could not be reached) are asked; --all asks again for every open one.")
        @OptionGroup var core: CoreOptions
        @Flag(name: .long, help: "Every open shipment, routed or not.") var all = false
        @Flag(name: .long) var json = false
        func run() async throws {
            try await reportingErrors {
                let carriers = try core.carrierDesk(try core.store())
                guard carriers.isConnected else {
                    throw CLIError(description: "no carrier is connected: labeld settings set carrierConnections '{\"cj\":{…}}' --role owner")
                }
                let report = try await carriers.refine(again: all, actor: core.actor)
                if json { try printJSON(report) } else { printRefinement(report) }
                if report.pending > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Book: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "택배연동: send the bookings (접수) printed shipments owe the connected carrier, and the cancels of canceled orders.",
            discussion: "print batch and print scan do this after printing; this sends what is left (the carrier was unreachable, or labeld stopped in between).")
        @OptionGroup var core: CoreOptions
        func run() async throws {
            try await reportingErrors {
                let report = try await core.carrierDesk(try core.store()).book(actor: core.actor)
                printBooking(report)
                if report.failed > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Bookings: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "택배연동: each printed shipment's booking with its carrier (due, booked, cancelDue, canceled).")
        @OptionGroup var core: CoreOptions
        func run() throws {
            try reportingErrors {
                for b in try core.store().bookings() {
                    print("shipment \(b.shipmentId)\t\(b.carrier)\t\(b.waybillNo)\t\(b.state)\t\(b.attempts) attempt(s)\(b.detail.map { "\t\($0)" } ?? "")")
                }
            }
        }
    }

    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a shipment the next waybill number of a carrier's range.",
            discussion: "labeld shipments assign SHIPMENT CARRIER, or labeld shipments assign --all CARRIER for every open shipment without one.")
        @OptionGroup var core: CoreOptions
        @Flag(name: .long, help: "Every open shipment that has no waybill number yet.") var all = false
        @Argument(help: "SHIPMENT CARRIER, or with --all just CARRIER.") var arguments: [String]

        func validate() throws {
            if all ? arguments.count != 1 : (arguments.count != 2 || Int64(arguments[0]) == nil) {
                throw ValidationError(all ? "with --all, name just the carrier" : "expected SHIPMENT CARRIER (a shipment id, then a carrier)")
            }
        }

        func run() throws {
            try reportingErrors {
                let store = try core.store()
                if all {
                    let given = try store.assignWaybills(carrier: arguments[0], actor: core.actor)
                    for (id, number) in given { print("shipment \(id)\t\(number)") }
                    print("\(given.count) waybill number(s) assigned")
                } else {
                    print(try store.assignWaybill(shipmentId: Int64(arguments[0])!, carrier: arguments[1], actor: core.actor))
                }
            }
        }
    }
}

struct Reset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "초기화: delete all orders, allocations and shipments (owner only; a backup is written first).",
        discussion: "Keeps products, stock, settings and templates. --confirm must be '\(FulfillmentStore.resetConfirmation)'.")
    @OptionGroup var core: CoreOptions
    @Option(name: .long) var confirm: String = ""
    @Option(name: .long, help: "Where the backup goes.") var backups: String = "./var/backups"
    func run() throws {
        try reportingErrors {
            let path = try core.desk().reset(role: core.role, actor: core.actor, confirmation: confirm, backupDirectory: backups)
            print("reset done; backup: \(path)")
        }
    }
}

extension Role: ExpressibleByArgument {}

struct Pickups: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "수거 (return and exchange pickups).", subcommands: [Complete.self])

    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Complete a pickup; with pickupRestock the units go back into stock (반품입고) unless --defective.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        @Flag(name: .long) var defective = false
        func run() throws { try reportingErrors { try core.store().completePickup(id, defective: defective, actor: core.actor); print("pickup \(id) completed") } }
    }
}

/// A refinement's report: the counts, then each shipment that did not route, on stderr.
func printRefinement(_ report: CarrierDesk.RefineReport) {
    print(report.summary)
    for note in report.notes { printError("  \(note)") }
}

/// A booking run's report.
func printBooking(_ report: CarrierDesk.BookingReport) {
    print(report.summary)
    for note in report.notes { printError("  \(note)") }
}
