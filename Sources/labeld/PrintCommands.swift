import CarrierLink
import ArgumentParser
import Foundation
import Fulfillment
import Printing
import PrintSpool
import Rendering
import Storage

extension CoreOptions {
    /// The order core and the print spool on the same database.
    func desk() throws -> PrintDesk {
        let retry = RetryPolicy(baseSeconds: Double(ProcessInfo.processInfo.environment["LABELD_RETRY_BASE"] ?? "") ?? 1,
                                maximumSeconds: 60)
        let desk = try PrintDesk.open(databasePath: db, rendering: .standard(), islands: try islands(), retry: retry)
        ClusterPresence.join(desk.store)
        return desk
    }

    /// Where the out-of-the-box file printer writes: `labels/` beside the database.
    var fallbackPrinterDirectory: String {
        Stores.localDirectory(for: db) + "/labels"
    }
}

/// `--wait SECONDS`: how long to follow a job to its end (0: until the printer or server has it).
struct WaitOption: ParsableArguments {
    @Option(name: .long, help: "Follow the job until it is completed (retrying while the printer is held), up to this many seconds. 0: return once the printer or print server has it.")
    var wait: Double = 0

    var goal: Spooler.Goal { wait > 0 ? .finished(deadline: Date().addingTimeInterval(wait)) : .accepted }
}

func describe(_ job: PrintJob, repeated: Bool = false) -> String {
    var text = "job \(job.id) \(job.state.rawValue)"
    if repeated { text += " (already requested: nothing printed again)" }
    text += " on \(job.printer): \(job.labelCount) label\(job.labelCount == 1 ? "" : "s")"
    if let r = job.remoteJobId { text += ", print-server job \(r)" }
    let stages = ["persist", "render", "send", "total"].compactMap { k in job.timings[k].map { "\(k) \(String(format: "%.1f", $0)) ms" } }
    if !stages.isEmpty { text += " [" + stages.joined(separator: ", ") + "]" }
    if let reason = job.reason, job.state != .completed { text += "\n  reason: \(reason)" }
    if let notes = job.verification {
        for n in notes.prefix(10) { text += "\n  \(n.description)" }
        if notes.count > 10 { text += "\n  … \(notes.count - 10) more (labeld jobs show \(job.id))" }
    }
    if job.state == .held && job.verification != nil {
        text += "\n  held by barcode verification: nothing was sent. Fix the template, then: labeld jobs release \(job.id)"
    } else if job.state == .held { text += "\n  held: it is retried by `labeld jobs resume` (or the server's spool worker)" }
    if let u = job.uncertainLabels {
        text += "\n  uncertain: labels \(u.first)–\(u.last) (\(job.sources[(u.first - 1)..<min(u.last, job.sources.count)].joined(separator: ", ")))"
        text += "\n  confirm: labeld jobs confirm \(job.id) --printed N   (N = the last label that came out, \(u.first - 1)…\(u.last))"
    }
    return text
}

func exitFor(_ job: PrintJob) throws {
    if job.state == .failed { throw ExitCode(1) }
}

struct Printers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Printer profiles: where labels go, in which language and dpi.",
                                                    subcommands: [List.self, Add.self, Check.self, Remove.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Profiles with their live status; --cups SERVER lists a CUPS server's queues.")
        @OptionGroup var core: CoreOptions
        @Option(name: .long, help: "Also list the destinations of this CUPS server (HOST:PORT; 'default' for CUPS_SERVER/localhost:631).")
        var cups: String?
        @Flag(name: .long, help: "JSON output.") var json = false
        func run() throws {
            try reportingErrors {
                let desk = try core.desk()
                let profiles = try desk.store.profiles()
                struct Row: Encodable { var profile: PrinterProfile; var status: PrinterStatus }
                let rows = profiles.map { Row(profile: $0, status: $0.currentStatus()) }
                if json { try printJSON(rows) } else {
                    if rows.isEmpty { print("no printers (labeld printers add …); jobs go to a file printer in \(core.fallbackPrinterDirectory)") }
                    for r in rows {
                        print("\(r.profile.name)\t\(r.profile.transport)\t\(r.profile.language.rawValue) \(r.profile.dpi)dpi\t\(r.status.state.rawValue)\t\(r.status.ready ? "ready" : r.status.notReadyReason)"
                              + (r.profile.stations.isEmpty ? "" : "\tstations: \(r.profile.stations.joined(separator: ","))"))
                    }
                }
                if let cups {
                    for d in try IPPTransport.destinations(server: cups == "default" ? nil : cups) {
                        print("cups:\(d.name)\t\(d.status.state.rawValue)\t\(d.status.ready ? "ready" : d.status.notReadyReason)\t\(d.status.media ?? "")")
                    }
                }
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a printer profile.",
            discussion: "Transports: cups:QUEUE[@HOST:PORT], socket:HOST:PORT (Zebra 9100), ipp://HOST:PORT/PATH, file:DIR. Or --file PROFILE.json.")
        @OptionGroup var core: CoreOptions
        @Argument var name: String?
        @Option(name: .long) var file: String?
        @Option(name: .long) var transport: String?
        @Option(name: .long, help: "zpl, pdf, pwg-raster or png.") var language: String = "zpl"
        @Option(name: .long) var dpi: Int = 203
        @Option(name: .long, help: "Media WIDTHxHEIGHT in mm (100x150).") var media: String?
        @Option(name: .customLong("x-offset"), help: "mm, + moves the print right.") var xOffset: Double = 0
        @Option(name: .customLong("y-offset"), help: "mm, + moves the print down.") var yOffset: Double = 0
        @Option(name: .long, help: "ZPL ^MD, -30…30.") var darkness: Int?
        @Option(name: .long, help: "ZPL ^PR, inches/s 1…14.") var speed: Int?
        @Flag(name: .customLong("printer-reprints"), help: "Let a ZPL printer reprint a label itself after paper-out or head-open (^JZY); by default labeld sends ^JZN, as it resends what was not confirmed.") var printerReprints = false
        @Option(name: .long, help: "A packing station that prints here (repeat).") var station: [String] = []
        @Flag(name: .customLong("host-status"), help: "The printer answers ~HS (socket): check it before each job and after each label.") var hostStatus = false
        @Flag(name: .customLong("no-label-counter"), help: "With --host-status: the printer does not report odometer.total_label_count.") var noLabelCounter = false
        @Option(name: .customLong("send-window"), help: "Socket: labels written ahead of the printer's acknowledgement (1…64, default 4).") var sendWindow: Int?
        @Option(name: .long, help: "Barcode verification before send: block (default: hold the job), warn (send, record) or off.") var verify: String?
        @Option(name: .customLong("bar-width-reduction"), help: "Print gain: draw every bar this many dots narrower (0…3).") var barWidthReduction: Int?
        @Option(name: .customLong("min-xdim-mils"), help: "Narrowest module verification accepts, in mils (default 5).") var minXDimMils: Double?

        func run() throws {
            try reportingErrors {
                let profile: PrinterProfile
                if let file {
                    guard let data = FileManager.default.contents(atPath: file) else { throw CLIError(description: "cannot read '\(file)'") }
                    do { profile = try JSONDecoder().decode(PrinterProfile.self, from: data) } catch {
                        throw CLIError(description: "\(file): not a printer profile (\(error))")
                    }
                } else {
                    guard let name, let transport else { throw CLIError(description: "give NAME and --transport (or --file)", exitCode: 2) }
                    guard let lang = PrinterProfile.Language(rawValue: language) else {
                        throw CLIError(description: "--language must be one of zpl, pdf, pwg-raster, png", exitCode: 2)
                    }
                    var m: PrinterProfile.Media?
                    if let media {
                        let parts = media.lowercased().split(separator: "x").compactMap { Double($0) }
                        guard parts.count == 2 else { throw CLIError(description: "--media is WIDTHxHEIGHT in mm, such as 100x150", exitCode: 2) }
                        m = .init(widthMM: parts[0], heightMM: parts[1])
                    }
                    var p = PrinterProfile(name: name, transport: transport, language: lang, dpi: dpi, media: m,
                                           calibration: .init(xOffsetMM: xOffset, yOffsetMM: yOffset, darkness: darkness, speed: speed,
                                                              reprintAfterError: printerReprints ? true : nil),
                                           stations: station, answersHostStatus: hostStatus, sendWindow: sendWindow,
                                           labelCounter: noLabelCounter ? false : nil)
                    if let verify {
                        guard let mode = PrinterProfile.VerifyMode(rawValue: verify) else {
                            throw CLIError(description: "--verify is block, warn or off", exitCode: 2)
                        }
                        p.verify = mode
                    }
                    p.barWidthReduction = barWidthReduction
                    p.minXDimMils = minXDimMils
                    profile = p
                }
                try core.desk().store.save(profile)
                print("printer \(profile.name): \(profile.transport), \(profile.language.rawValue) at \(profile.dpi) dpi")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask a printer for its state; exit 1 when it is not ready.")
        @OptionGroup var core: CoreOptions
        @Argument var name: String
        func run() throws {
            try reportingErrors {
                let profile = try core.desk().store.profile(name)
                let status = try profile.makeTransport().status()
                print("\(name): \(status.state.rawValue), \(status.ready ? "ready" : status.notReadyReason)"
                      + (status.reasons.isEmpty ? "" : " [\(status.reasons.joined(separator: ","))]") + (status.media.map { ", media \($0)" } ?? ""))
                if !status.ready { throw ExitCode(1) }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a printer profile (its jobs stay in the history).")
        @OptionGroup var core: CoreOptions
        @Argument var name: String
        func run() throws { try reportingErrors { try core.desk().store.removeProfile(name); print("printer \(name) removed") } }
    }
}

struct Print: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print waybills (송장) and product barcode labels.",
                                                    subcommands: [ShipmentCommand.self, Scan.self, Batch.self, Barcodes.self])

    struct ShipmentCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "shipment", abstract: "Print one shipment's waybill.")
        @OptionGroup var core: CoreOptions
        @OptionGroup var waiting: WaitOption
        @Argument var id: Int64
        @Option(name: .long) var printer: String?
        @Option(name: .long, help: "Idempotency key: a repeat with the same key prints nothing.") var key: String?
        func run() throws {
            try reportingErrors {
                let desk = try core.desk()
                let s = try desk.printShipment(id, printer: printer, idempotencyKey: key, actor: core.actor,
                                               fallbackDirectory: core.fallbackPrinterDirectory, goal: waiting.goal)
                print(describe(s.job, repeated: s.repeated))
                try exitFor(s.job)
            }
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the waybill of a scanned waybill or order number (what a packing station does).")
        @OptionGroup var core: CoreOptions
        @OptionGroup var waiting: WaitOption
        @Argument var code: String
        @Option(name: .long) var printer: String?
        @Option(name: .long) var key: String?
        func run() async throws {
            try await reportingErrors {
                let desk = try core.desk()
                let s = try desk.confirmingScan(try desk.printScan(code, printer: printer, idempotencyKey: key, actor: core.actor,
                                                                   fallbackDirectory: core.fallbackPrinterDirectory, goal: waiting.goal),
                                                code: code, actor: core.actor)
                print(describe(s.job, repeated: s.repeated))
                try await bookPrinted(desk.fulfillment, core: core)
                try exitFor(s.job)
            }
        }
    }

    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "송장출력: print the selected shipments in the seller's printOrder, as one document and one job per template and printer.")
        @OptionGroup var core: CoreOptions
        @OptionGroup var waiting: WaitOption
        @Option(name: .long) var carrier: String?
        @Option(name: .long, help: "Only shipments with a product option carrying this tag.") var tag: String?
        @Option(name: .long, help: "yes: only island (도서산간) shipments; no: none of them.") var island: String?
        @Option(name: .long, help: "Orders from this date (yyyy-MM-dd).") var from: String?
        @Option(name: .long, help: "Orders up to this date (yyyy-MM-dd).") var to: String?
        @Flag(name: .long, help: "Also shipments printed before.") var includePrinted = false
        @Option(name: .long) var limit: Int?
        @Option(name: .long) var printer: String?
        @Option(name: .long) var key: String?
        @Flag(name: .long, help: "Print the order it would use, print nothing.") var dryRun = false

        func run() async throws {
            try await reportingErrors {
                let desk = try core.desk()
                var islandFilter: Bool?
                if let island {
                    guard ["yes", "no"].contains(island) else { throw CLIError(description: "--island is yes or no", exitCode: 2) }
                    islandFilter = island == "yes"
                }
                let selection = PrintSelection(carrier: carrier, tag: tag, island: islandFilter, from: from, to: to,
                                               includePrinted: includePrinted, limit: limit)
                if dryRun {
                    let outline = try desk.planBatch(selection, printer: printer, fallbackDirectory: core.fallbackPrinterDirectory)
                    let order = try desk.fulfillment.settings().value(of: "printOrder")
                    print("print order: \(order), then order id")
                    for plan in outline.plans {
                        print("\(plan.template) → \(plan.printer): \(plan.shipments.count) waybill(s)")
                        for (i, s) in plan.shipments.enumerated() {
                            print("\(i + 1)\tshipment \(s.id)\t\(s.orderNumbers.joined(separator: ","))\t\(s.orderedAt ?? "-")\t\(s.receiverName)\t\(s.postalCode)\t\(s.lines.first?.productName ?? "")")
                        }
                    }
                    if outline.plans.isEmpty { print("nothing to print") }
                    printRefused(outline.refused)
                    return
                }
                let result = try desk.printBatch(selection, printer: printer, actor: core.actor, fallbackDirectory: core.fallbackPrinterDirectory,
                                                 idempotencyKey: key, goal: waiting.goal)
                if result.submissions.isEmpty { print("nothing to print") }
                for s in result.submissions { print(describe(s.job, repeated: s.repeated)) }
                printRefused(result.refused)
                try await bookPrinted(desk.fulfillment, core: core)
                if result.submissions.contains(where: { $0.job.state == .failed }) || !result.refused.isEmpty { throw ExitCode(1) }
            }
        }
    }

}

/// 택배연동: after printing, the bookings the printed waybills owe a connected carrier go out
/// (what cannot go now stays due for `labeld shipments book`).
func bookPrinted(_ store: FulfillmentStore, core: CoreOptions) async throws {
    let carriers = try core.carrierDesk(store)
    guard carriers.isConnected else { return }
    let report = try await carriers.book(actor: core.actor)
    if report.booked + report.canceled + report.failed > 0 { printBooking(report) }
}

/// The shipments a batch left out, one line each, on stderr.
func printRefused(_ refused: [PrintDesk.Refusal]) {
    if refused.isEmpty { return }
    FileHandle.standardError.write(Data("refused \(refused.count) shipment(s); they stay in the print queue:\n".utf8))
    for r in refused {
        FileHandle.standardError.write(Data("  shipment \(r.shipmentId) (\(r.orderNumbers.joined(separator: ", "))): \(r.reason)\n".utf8))
    }
}

extension Print {
    struct Barcodes: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Product barcode labels for a SKU: one per unit received.")
        @OptionGroup var core: CoreOptions
        @OptionGroup var waiting: WaitOption
        @Option(name: .long) var sku: String
        @Option(name: .long) var copies: Int = 1
        @Option(name: .long) var printer: String?
        @Option(name: .long, help: "Label template (default barcodes/product-50x30).") var template: String?
        @Option(name: .long) var key: String?
        func run() throws {
            try reportingErrors {
                let s = try core.desk().printBarcodes(sku: sku, copies: copies, printer: printer, template: template, idempotencyKey: key,
                                                      actor: core.actor, fallbackDirectory: core.fallbackPrinterDirectory, goal: waiting.goal)
                print(describe(s.job, repeated: s.repeated))
                try exitFor(s.job)
            }
        }
    }
}

struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The print queue: list, show, cancel, reprint (재출력), resume held jobs.",
                                                    subcommands: [List.self, Show.self, Cancel.self, Release.self, Confirm.self, Reprint.self, Resume.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Jobs, newest first (jobs a print server holds are asked first).")
        @OptionGroup var core: CoreOptions
        @Option(name: .long, help: "Only this state (repeat).") var state: [String] = []
        @Option(name: .long) var printer: String?
        @Option(name: .long) var limit: Int = 50
        @Flag(name: .long) var json = false
        func run() throws {
            try reportingErrors {
                let desk = try core.desk()
                let states = try state.map { s in
                    guard let v = PrintJobState(rawValue: s) else {
                        throw CLIError(description: "--state is one of \(PrintJobState.allCases.map(\.rawValue).joined(separator: ", "))", exitCode: 2)
                    }
                    return v
                }
                for job in try desk.store.jobs(limit: limit, states: [.sent]) { try desk.spooler.process(job.id) }
                let jobs = try desk.store.jobs(limit: limit, states: states, printer: printer)
                if json { try printJSON(jobs); return }
                for j in jobs {
                    print("\(j.id)\t\(j.state.rawValue)\t\(j.printer)\t\(j.labelsSent)/\(j.labelCount)\t\(j.kind)\t\(j.title)"
                          + (j.reprintOf.map { "\t재출력 of \($0): \(j.reprintReason ?? "")" } ?? "") + (j.reason.map { j.state == .completed ? "" : "\t\($0)" } ?? ""))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One job with its labels in print order.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        @Option(name: .long, help: "Write the job's rendered document to this file.") var document: String?
        func run() throws {
            try reportingErrors {
                let desk = try core.desk()
                if try desk.store.job(id).state == .sent { try desk.spooler.process(id) }
                let job = try desk.store.job(id)
                try printJSON(job)
                for (i, label) in try desk.store.labels(jobId: id).enumerated() { print("\(i + 1)\t\(label.source)") }
                if let document {
                    guard let bytes = try desk.store.document(jobId: id) else { throw CLIError(description: "job \(id) is not rendered yet") }
                    guard FileManager.default.createFile(atPath: document, contents: Data(bytes)) else { throw CLIError(description: "cannot write '\(document)'") }
                }
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job (queued or held jobs never print; the print server is told).")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        func run() throws { try reportingErrors { print(describe(try core.desk().cancel(jobId: id, actor: core.actor))) } }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a held job: one a barcode check held is rendered again from the template as it is now, verified, and sent.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        func run() throws {
            try reportingErrors {
                let job = try core.desk().release(jobId: id, actor: core.actor)
                print(describe(job))
                if job.state == .held && job.verification != nil { throw ExitCode(1) }
                try exitFor(job)
            }
        }
    }

    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An uncertain job: say how far it printed (the number of the last label that came out); the rest goes out.",
            discussion: "A job is uncertain when the connection to a socket printer broke (or labeld stopped) while labels were on their way and the printer cannot say which of them it printed. `jobs show ID` lists them; each label's number is in its ^FX tag and on the label's 재출력/sequence line.")
        @OptionGroup var core: CoreOptions
        @Argument var id: Int64
        @Option(name: .long, help: "Labels 1…N came out (0: none of the uncertain ones).") var printed: Int
        func run() throws {
            try reportingErrors {
                let job = try core.desk().confirm(jobId: id, printed: printed, actor: core.actor)
                print(describe(job))
                try exitFor(job)
            }
        }
    }

    struct Reprint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "재출력: print a job again — same template revision and data, with the 재출력 marker.")
        @OptionGroup var core: CoreOptions
        @OptionGroup var waiting: WaitOption
        @Argument var id: Int64
        @Option(name: .long) var reason: String
        @Option(name: .long, help: "Another printer than the original's.") var printer: String?
        func run() throws {
            try reportingErrors {
                let job = try core.desk().reprint(jobId: id, reason: reason, printer: printer, actor: core.actor, goal: waiting.goal)
                print(describe(job))
                try exitFor(job)
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take up every job that is due: new, held, followed, or left mid-way by a stopped labeld.",
            discussion: "Without --wait each due job is driven once; with --wait SECONDS held jobs are retried until they print or the time is up.")
        @OptionGroup var core: CoreOptions
        @Option(name: .long) var wait: Double = 0
        func run() throws {
            try reportingErrors {
                let desk = try core.desk()
                if wait > 0 { try desk.spooler.drain(until: Date().addingTimeInterval(wait)) } else { try desk.spooler.runDue() }
                let open = try desk.store.jobs(limit: 1000, states: [.queued, .rendering, .sending, .sent, .held, .uncertain])
                let counts = try desk.store.countsByState()
                print(PrintJobState.allCases.compactMap { s in counts[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", "))
                for j in open { print(describe(j)) }
                if !open.isEmpty && wait > 0 { throw ExitCode(3) }
            }
        }
    }
}

/// A print command on a database several nodes share takes part as a node while it runs: it
/// drives the printers no serving node holds (free leases), and lets them go when it exits.
/// Jobs for printers a serving node holds are queued for that node to print.
enum ClusterPresence {
    nonisolated(unsafe) private static var keeper: LeaseKeeper?

    static func join(_ spool: SpoolStore) {
        guard spool.leases.isEnabled, keeper == nil else { return }
        spool.leases.isServing = false
        let k = LeaseKeeper(leases: spool.leases, writer: spool.writer)
        keeper = k
        k.start()
        atexit { ClusterPresence.keeper?.stop() }
    }
}
