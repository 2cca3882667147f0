import Foundation
import Fulfillment
import LabelModel
import Printing
import LabelTesting
import PrintSpool
import Rendering
import Testing

/// A printer profile's `verify: block` (the default): a job whose barcode fails a check on the
/// final raster is held with `verify.*` reasons and nothing of it is sent; fixing the template and
/// releasing the job renders it again. `warn` sends and records; `off` does not check.
@Suite("Verify before send: held, released, warned", .serialized)
struct VerifyBeforeSendTests {
    static let good = """
        name: shelf
        page: {width: 60mm, height: 30mm, dpi: 203}
        elements:
          - {type: text, name: title, x: 2mm, y: 1mm, width: 56mm, height: 4mm, text: "{{name}}", font: {family: NanumGothic, size: 9}}
          - {type: barcode, name: sku-barcode, symbology: code128, data: "{{sku}}", x: 4mm, y: 8mm, height: 12mm, xdim: 2dots, human_readable: false}
        """
    /// The same label with the SKU printed across the bars (an editing slip).
    static let bad = good + "\n  - {type: text, name: sku-text, x: 10mm, y: 12mm, width: 40mm, height: 4mm, text: \"{{sku}}\", font: {family: NanumGothicCoding, size: 10}}\n"

    func desk(_ mode: PrinterProfile.VerifyMode?) throws -> (PrintDesk, String, String) {
        var desk = try makeDesk()
        let seller = temporaryDirectory("seller")
        try FileManager.default.createDirectory(atPath: seller + "/barcodes", withIntermediateDirectories: true)
        try Self.bad.write(toFile: seller + "/barcodes/shelf.yaml", atomically: true, encoding: .utf8)
        desk.sellerTemplatesDirectory = seller
        _ = try desk.fulfillment.syncProducts([ProductInput(code: "P-SOCK", name: "수면 양말", sku: "SOCK-GR-240")], actor: "test")
        let out = temporaryDirectory("files")
        var profile = PrinterProfile(name: "labels", transport: "file:\(out)", language: .zpl)
        profile.verify = mode
        try desk.store.save(profile)
        return (desk, seller, out)
    }

    func files(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

    @Test("block (the default): held with the check, label and element; nothing sent; fixed template + release prints, verified")
    func blockThenRelease() throws {
        let (desk, seller, out) = try desk(nil)
        let held = try desk.printBarcodes(sku: "SOCK-GR-240", copies: 3, printer: "labels", template: "barcodes/shelf",
                                          actor: "operator:kim", fallbackDirectory: out).job
        #expect(held.state == .held)
        let notes = try #require(held.verification)
        #expect(notes.count == 3, "one failure per label: \(notes)")
        #expect(notes.allSatisfy { $0.check == "verify.overprint" && $0.element == "sku-barcode" }, "\(notes)")
        #expect(notes.map(\.label) == [1, 2, 3])
        #expect(held.reason?.contains("verify.overprint") == true && held.reason?.contains("labeld jobs release") == true, "\(held.reason ?? "")")
        #expect(files(out).isEmpty, "nothing of a held job is sent: \(files(out))")
        #expect(try desk.store.document(jobId: held.id) == nil)
        // The spool worker does not pick it up again by itself.
        _ = try desk.spooler.runDue()
        #expect(try desk.store.job(held.id).state == .held)
        #expect(files(out).isEmpty)

        // Released unchanged: rendered again, held again.
        let again = try desk.release(jobId: held.id, actor: "operator:kim")
        #expect(again.state == .held && again.verification?.count == 3)
        #expect(files(out).isEmpty)

        // The template fixed: released, it renders from the new revision, passes and prints.
        try Self.good.write(toFile: seller + "/barcodes/shelf.yaml", atomically: true, encoding: .utf8)
        let done = try desk.release(jobId: held.id, actor: "operator:kim")
        #expect(done.state == .completed, "\(done.reason ?? "")")
        #expect(done.verification == nil)
        #expect(done.templateRevision > held.templateRevision)
        #expect(files(out).count == 1)
        let zpl = try String(contentsOfFile: out + "/" + files(out)[0], encoding: .utf8)
        #expect(zpl.components(separatedBy: "^XA").count - 1 == 3)
        // Releasing a completed job is refused with its state.
        #expect(throws: PrintError.self) { _ = try desk.release(jobId: held.id, actor: "operator:kim") }
        let audit = try desk.fulfillment.auditLog().filter { $0.action == "print.release" }
        #expect(audit.count == 2 && audit.contains { $0.newValue?.contains("revision") == true }, "\(audit)")
    }

    @Test("warn: sent, and the failures recorded on the job; off: sent, nothing checked")
    func warnAndOff() throws {
        let (warnDesk, _, warnOut) = try desk(.warn)
        let warned = try warnDesk.printBarcodes(sku: "SOCK-GR-240", copies: 1, printer: "labels", template: "barcodes/shelf",
                                                actor: "operator:kim", fallbackDirectory: warnOut).job
        #expect(warned.state == .completed)
        #expect(warned.verification?.first?.check == "verify.overprint")
        #expect(files(warnOut).count == 1)
        let (offDesk, _, offOut) = try desk(.off)
        let unchecked = try offDesk.printBarcodes(sku: "SOCK-GR-240", copies: 1, printer: "labels", template: "barcodes/shelf",
                                                  actor: "operator:kim", fallbackDirectory: offOut).job
        #expect(unchecked.state == .completed && unchecked.verification == nil)
    }
}
