import Foundation
import LabelModel
import LabelTesting
import Rendering
import Testing

/// Golden 1-bit images of every shipped template with its sample, at 203 dpi. A change in any dot
/// fails; re-record deliberately with `LABELD_RECORD_GOLDEN=1 make test` and review the images.
@Suite("Golden images")
struct GoldenTests {
    var goldenDirectory: String {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return url.path + "/Golden"
    }

    @Test("every template's sample renders dot for dot as recorded")
    func golden() throws {
        let record = ProcessInfo.processInfo.environment["LABELD_RECORD_GOLDEN"] == "1"
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var compared = 0
        for (path, template, records) in try shippedWithSamples() {
            let composer = LabelComposer(template: template, dpi: 203, carriers: Project.carriers)
            for page in try composer.compose(records[0]) {
                let name = "\(template.name)-\(page.pageNumber).png"
                let png = Data(PNGEncoder.encode(renderer.bitmap(of: page).bitmap, dpi: 203))
                let goldenPath = goldenDirectory + "/" + name
                if record {
                    try png.write(to: URL(fileURLWithPath: goldenPath))
                    continue
                }
                guard FileManager.default.fileExists(atPath: goldenPath) else {
                    Issue.record("\(path): no golden image \(name); record with LABELD_RECORD_GOLDEN=1")
                    continue
                }
                let fresh = dir + "/" + name
                try png.write(to: URL(fileURLWithPath: fresh))
                let a = try pythonBits("png", goldenPath), b = try pythonBits("png", fresh)
                let same = a == b
                #expect(same, "\(path) page \(page.pageNumber) differs from \(goldenPath) (new image: \(fresh))")
                compared += 1
            }
        }
        if !record { #expect(compared >= 16) }
    }
}
