import Foundation
import LabelModel
import LabelTesting
import Rendering
import Testing

/// A generic waybill printing a shipment of a named carrier takes that carrier's profile: its name,
/// its number grouping and its check-digit rule (a 택배사 column must select the profile).
@Suite("Generic waybills follow the record's carrier")
struct GenericCarrierTests {
    func record(carrier: String, waybill: String) throws -> DataValue {
        var sample = try JSONDecoder().decode(DataValue.self, from: Data(contentsOf: URL(fileURLWithPath: Project.templates + "/samples/generic-4x6.json")))
        guard case .object(var o) = sample else { Issue.record("sample is not an object"); return sample }
        o["carrier"] = .string(carrier)
        o["waybill_no"] = .string(waybill)
        sample = .object(o)
        return sample
    }

    func text(_ carrier: String, _ waybill: String) throws -> String {
        let dir = temporaryDirectory("generic")
        let out = try renderFiles(try shippedTemplate("waybills/generic-4x6.yaml"), records: [try record(carrier: carrier, waybill: waybill)],
                                  format: .pdf, directory: dir)
        return try runTool("/usr/bin/pdftotext", [out.files[0], "-"]).stdout
    }

    @Test("우체국 prints its name and 5-4-4; 롯데 its name and 4-4-4")
    func namesAndGrouping() throws {
        let epost = try text("epost", "6070123456789")
        #expect(epost.contains("우체국택배") && epost.contains("60701-2345-6789"), "\(epost)")
        let lotte = try text("lotte", "312345678905".dropLast() + String(31234567890 % 7))
        #expect(lotte.contains("롯데택배") && lotte.contains("3123-4567-8905".dropLast() + String(31234567890 % 7)), "\(lotte)")
    }

    @Test("a Lotte number that breaks the mod-7 rule is refused even on the generic template")
    func lotteCheckDigit() throws {
        #expect(31234567890 % 7 != 5)
        #expect(throws: RenderingError.self) { _ = try text("lotte", "312345678905") }
    }
}
