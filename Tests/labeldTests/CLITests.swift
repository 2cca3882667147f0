import Foundation
import LabelTesting
import Testing

/// The `labeld` executable, run as a user would.
@Suite("labeld command line")
struct CLITests {
    let sample = Project.templates + "/samples/generic-100x150.json"

    func labeld(_ args: [String], stdin: Data? = nil) throws -> ToolResult {
        try runTool(Project.binary, args, stdin: stdin, environment: ["LABELD_HOME": Project.root])
    }

    @Test("render: a JSON array becomes one multi-page PDF; JSON Lines become numbered PNGs; ZPL one stream")
    func render() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try String(contentsOfFile: sample, encoding: .utf8).replacingOccurrences(of: "\n", with: " ")
        try "[\(one),\(one),\(one)]".write(toFile: dir + "/three.json", atomically: true, encoding: .utf8)
        try "\(one)\n\(one)\n".write(toFile: dir + "/two.jsonl", atomically: true, encoding: .utf8)

        var r = try labeld(["render", "generic-100x150", "--data", dir + "/three.json", "--format", "pdf", "-o", dir + "/out.pdf"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try runTool("pdfinfo", [dir + "/out.pdf"]).stdout.contains("Pages:           3"))

        r = try labeld(["render", "waybills/generic-100x150.yaml", "--data", dir + "/two.jsonl", "--format", "png", "--dpi", "300", "-o", dir + "/lbl.png"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/lbl-1.png") && FileManager.default.fileExists(atPath: dir + "/lbl-2.png"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/lbl-3.png"))
        #expect(try Decoders.zxing(dir + "/lbl-2.png").map(\.text).contains("646249802726"))

        r = try labeld(["render", Project.templates + "/waybills/generic-100x150.yaml", "--data", "-", "--format", "zpl", "-o", dir + "/out.zpl"], stdin: Data(one.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let zpl = try String(contentsOfFile: dir + "/out.zpl", encoding: .ascii)
        #expect(zpl.hasPrefix("^XA\n^PW799\n^LL1199\n") && zpl.hasSuffix("^PQ1\n^XZ\n"))
    }

    @Test("started by a relative path (./labeld, as a shell does from its folder), labeld finds its home instead of trapping")
    func relativeStart() throws {
        let folder = (Project.binary as NSString).deletingLastPathComponent
        let r = try runTool("/bin/sh", ["-c", "cd '\(folder)' && ./labeld templates check"], environment: ["PATH": "/usr/bin:/bin"], cwd: folder)
        #expect(r.status == 0 && r.stdout.contains("template(s), 0 with errors"), "\(r.stdout)\(r.stderr.prefix(400))")
    }

    @Test("bad data: a clear error on stderr, exit 1, and no half-written output")
    func badData() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try String(contentsOfFile: sample, encoding: .utf8).replacingOccurrences(of: "\n", with: " ")
        let broken = one.replacingOccurrences(of: "\"order_no\": \"20261128-0192432\",", with: "")
        try "\(one)\n\(broken)\n".write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        var r = try labeld(["render", "generic-100x150", "--data", dir + "/bad.jsonl", "--format", "pdf", "-o", dir + "/out.pdf"])
        #expect(r.status == 1)
        #expect(r.stderr == "error [render.data]: record 2: $.order_no: missing field 'order_no' needed by the template (filter 'default' takes it as @order_no) (element 'order-number')\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["bad.jsonl"], "no output, no temporary file left")

        try "\(one)\n{\"a\": \n".write(toFile: dir + "/syntax.jsonl", atomically: true, encoding: .utf8)
        r = try labeld(["render", "generic-100x150", "--data", dir + "/syntax.jsonl", "-o", dir + "/out.pdf"])
        #expect(r.status == 1)
        #expect(r.stderr == "error [data.syntax]: \(dir)/syntax.jsonl:2: not a JSON value (expected one JSON object per line)\n", "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.pdf"))

        r = try labeld(["render", "no-such-template", "--data", sample, "-o", dir + "/x.pdf"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: template 'no-such-template' not found"))

        r = try labeld(["render", "generic-100x150", "--data", sample, "--format", "tiff", "-o", dir + "/x.tiff"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("tiff"))
    }

    @Test("barcode: one symbol on a page of its size; wrong check digits are refused with the rule")
    func barcode() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var r = try labeld(["barcode", "ean13", "880123456789", "--dpi", "300", "--xdim", "3", "-o", dir + "/ean.png"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Decoders.zbar(dir + "/ean.png").map(\.text) == ["8801234567893"])
        r = try labeld(["barcode", "qr", "https://example.com/p/880123", "--format", "pdf", "-o", dir + "/qr.pdf"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try labeld(["barcode", "ean13", "8801234567890", "-o", dir + "/bad.png"])
        #expect(r.status == 1)
        #expect(r.stderr == "error [barcode.invalid_check_digit]: ean13 '8801234567890': wrong check digit '0', expected '3' (GS1 mod 10)\n")
        r = try labeld(["barcode", "code39", "lower", "-o", dir + "/bad.png"])
        #expect(r.status == 1 && r.stderr.contains("code39 takes upper-case"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.png"))
    }

    @Test("templates check: shipped templates pass; a broken one is reported with file:line:col and exit 1")
    func templatesCheck() throws {
        var r = try labeld(["templates", "check"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ok    waybills/generic-100x150.yaml (sample: 1 record(s), 1 page(s), 2 barcode(s) verified)"), "\(r.stdout)")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/waybills", withIntermediateDirectories: true)
        try "page: {width: 100mm, height: 150mm}\nelements:\n  - {type: text, name: t, x: 1mm, y: 1mm, width: 10mm, height: 5mm, text: \"{{a | shout}}\"}\n"
            .write(toFile: dir + "/waybills/broken.yaml", atomically: true, encoding: .utf8)
        try "page: {width: 40mm, height: 20mm}\nelements: []\n".write(toFile: dir + "/fine.yaml", atomically: true, encoding: .utf8)
        r = try labeld(["templates", "check", dir])
        #expect(r.status == 1)
        #expect(r.stdout.contains("error waybills/broken.yaml:3:76: unknown filter 'shout'"), "\(r.stdout)")
        #expect(r.stdout.contains("ok    fine.yaml"))
        #expect(r.stdout.contains("2 template(s), 1 with errors"))

        // A barcode that would not scan: the SKU text printed across its bars. Verified on the sample,
        // reported at the barcode element's line and column.
        try FileManager.default.createDirectory(atPath: dir + "/samples", withIntermediateDirectories: true)
        try """
            page: {width: 60mm, height: 30mm, dpi: 203}
            elements:
              - {type: barcode, name: code, symbology: code128, data: "{{sku}}", x: 4mm, y: 8mm, height: 12mm, xdim: 2dots, human_readable: false}
              - {type: text, name: sku-text, x: 10mm, y: 12mm, width: 40mm, height: 4mm, text: "{{sku}}", font: {size: 10}}

            """.write(toFile: dir + "/crossed.yaml", atomically: true, encoding: .utf8)
        try #"{"sku": "SOCK-GR-240"}"#.write(toFile: dir + "/samples/crossed.json", atomically: true, encoding: .utf8)
        r = try labeld(["templates", "check", dir])
        #expect(r.status == 1)
        #expect(r.stdout.contains("error crossed.yaml:3:5: element 'code' (label 1, 203 dpi): verify.overprint: "), "\(r.stdout)")
        // The same checks before writing a file: `render --verify` writes nothing and exits 1.
        r = try labeld(["render", dir + "/crossed.yaml", "--data", dir + "/samples/crossed.json", "--format", "zpl", "-o", dir + "/out.zpl", "--verify"])
        #expect(r.status == 1 && r.stderr.contains("crossed.yaml:3:5: record 1: code: verify.overprint: "), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.zpl"))
    }

    @Test("barcode: a bar height that is not a finite size in range is a usage error, not a trap or a huge allocation",
          arguments: [("nan", "nan"), ("inf", "inf"), ("1e300", "1e+300"), ("1e9", "1000000000.0"), ("0", "0.0"), ("-5", "-5.0")])
    func barcodeHeight(_ value: String, _ shown: String) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try labeld(["barcode", "code128", "ABC123", "--height=\(value)", "-o", dir + "/bc.png"])
        #expect(r.status == 64, "ArgumentParser's usage-error status (EX_USAGE); a trap was 132: \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error: --height must be a bar height in mm above 0 and at most 500, got '\(shown)'\n"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("render: a template with a 10²⁰ mm position (it trapped the renderer) is refused with file:line:col, exit 1")
    func hugePage() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "page: {width: 50mm, height: 30mm}\nelements:\n  - {type: box, name: b, x: 99999999999999999999mm, y: 1mm, width: 2mm, height: 2mm}\n".write(toFile: dir + "/huge.yaml", atomically: true, encoding: .utf8)
        try "{}".write(toFile: dir + "/data.json", atomically: true, encoding: .utf8)
        let r = try labeld(["render", dir + "/huge.yaml", "--data", dir + "/data.json", "--format", "png", "-o", dir + "/out.png"])
        #expect(r.status == 1)
        #expect(r.stderr == "error [template.invalid]: \(dir)/huge.yaml:3:29: x: expected a length from -2000mm to 2000mm, got '99999999999999999999mm' (element 'b')\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["data.json", "huge.yaml"])
    }

    @Test("missing fonts: exit 1 with the folder, how it was found, and LABELD_HOME / LABELD_FONTS")
    func missingFonts() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/empty-fonts"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let expected = "error [render.fonts]: fonts folder '\(empty)' has no NanumGothic.ttf, NanumGothicBold.ttf, NanumGothicCoding.ttf, NanumGothicCodingBold.ttf (LABELD_FONTS is '\(empty)'): labeld renders only with its own fonts; set LABELD_HOME to the labeld folder that holds fonts/ and templates/, or LABELD_FONTS to the fonts folder\n"
        // LABELD_HOME removed from the environment, the fonts folder named but empty, run from elsewhere.
        func run(_ args: [String]) throws -> ToolResult {
            try runTool("/usr/bin/env", ["-u", "LABELD_HOME", "-u", "LABELD_TEMPLATES", "LABELD_FONTS=\(empty)", Project.binary] + args, cwd: dir)
        }
        var r = try run(["barcode", "code128", "ABC123", "-o", dir + "/bc.png"])
        #expect(r.status == 1)
        #expect(r.stderr == expected)
        r = try run(["render", Project.templates + "/waybills/generic-100x150.yaml", "--data", sample, "--format", "zpl", "-o", dir + "/out.zpl"])
        #expect(r.status == 1)
        #expect(r.stderr == expected)
        r = try run(["templates", "check", Project.templates])
        #expect(r.status == 1)
        #expect(r.stderr == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["empty-fonts"], "no output left behind")

        // No LABELD_FONTS either, and an executable with no fonts/ near it: the message lists the folders searched.
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Project.binary, toPath: dir + "/bin/labeld")
        r = try runTool("/usr/bin/env", ["-u", "LABELD_HOME", "-u", "LABELD_FONTS", "-u", "LABELD_TEMPLATES", dir + "/bin/labeld",
                                         "barcode", "code128", "ABC123", "-o", dir + "/bc.png"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error [render.fonts]: fonts folder '\(dir)/fonts' not found (looked for fonts/ in \(dir), "), "\(r.stderr)")
        #expect(r.stderr.contains(", \(dir)/bin"), "\(r.stderr)")
        #expect(r.stderr.hasSuffix("): labeld renders only with its own fonts; set LABELD_HOME to the labeld folder that holds fonts/ and templates/, or LABELD_FONTS to the fonts folder\n"))
    }
}

@Suite("Label sheets")
struct SheetCLITests {
    @Test("A4 sheet: copies fill 3 × 8 cells, then a second sheet; every label scans")
    func a4Sheet() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTool(Project.binary, ["render", "product-a4-3x8", "--data", Project.templates + "/samples/product-a4-3x8.json", "--format", "pdf", "-o", dir + "/sheet.pdf"],
                            environment: ["LABELD_HOME": Project.root])
        #expect(r.status == 0, "\(r.stderr)")
        let info = try runTool("pdfinfo", [dir + "/sheet.pdf"]).stdout
        #expect(info.contains("Pages:           2") && info.contains("595.276 x 841.89 pts (A4)"))
        _ = try runTool("pdftoppm", ["-r", "300", "-mono", "-png", "-f", "2", "-l", "2", dir + "/sheet.pdf", dir + "/p"])
        let page2 = try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix("p") && $0.hasSuffix(".png") }!
        let typed = try runTool("zbarimg", ["--nodbus", "-q", dir + "/" + page2]).stdout.split(separator: "\n")
        #expect(Set(typed) == ["EAN-13:8801234500012"], "sheet 2 holds only the tumblers: \(typed)")
        // 30 labels: 24 on sheet 1 (20 rice, 4 tumblers), the last 6 tumblers on sheet 2.
        let text1 = try runTool("pdftotext", ["-f", "1", "-l", "1", dir + "/sheet.pdf", "-"]).stdout
        let text2 = try runTool("pdftotext", ["-f", "2", "-l", "2", dir + "/sheet.pdf", "-"]).stdout
        #expect(text1.components(separatedBy: "현미").count - 1 == 20 && text1.components(separatedBy: "텀블러").count - 1 == 4)
        #expect(text2.components(separatedBy: "텀블러").count - 1 == 6 && !text2.contains("현미"))
    }
}

@Suite("Gallery")
struct GalleryTests {
    @Test("gallery: every template with a sample as PDF and 1-bit PNG, and an index page")
    func gallery() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runTool(Project.binary, ["gallery", "-o", dir], environment: ["LABELD_HOME": Project.root])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        let samples = try FileManager.default.contentsOfDirectory(atPath: Project.templates + "/samples").filter { $0.hasSuffix(".json") }
        #expect(files.filter { $0.hasSuffix(".pdf") }.count == samples.count)
        let index = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        for name in ["cj-1.png", "epost-1.png", "hanjin-2.png", "product-a4-3x8-1.png"] {
            #expect(files.contains(name) && index.contains("src=\"\(name)\""), "\(name)")
        }
    }
}
