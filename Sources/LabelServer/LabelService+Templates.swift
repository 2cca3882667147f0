import Foundation
import HTTPTypes
import Fulfillment
import LabelModel
import PrintSpool
import Printing
import Rendering

/// `POST /v1/preview`: a template (by name, or its text as edited) with data, as the printer prints it.
struct PreviewBody: Decodable {
    var template: String?
    var source: String?
    var data: DataValue?
    /// `png` (the 1-bit raster at the dpi: the preview is the print) or `pdf`.
    var format: String?
    var dpi: Int?
    /// Take the dpi from this printer's profile.
    var printer: String?
}

extension LabelService {
    /// Every template (FOLDER/NAME), shipped or the seller's (which shadows the shipped one of the
    /// same name), with its size and description.
    func templateList() throws -> [TemplateSummary] {
        var byName: [String: TemplateSummary] = [:]
        let fm = FileManager.default
        for (root, seller) in [(configuration.rendering.templatesDirectory, false), (desk.sellerTemplatesDirectory, true)] {
            guard let root, let folders = try? fm.contentsOfDirectory(atPath: root) else { continue }
            for folder in folders where folder != "samples" {
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: root + "/" + folder, isDirectory: &isDir), isDir.boolValue else { continue }
                for file in try fm.contentsOfDirectory(atPath: root + "/" + folder) where file.hasSuffix(".yaml") {
                    let name = folder + "/" + file.dropLast(5)
                    guard let t = try? TemplateParser.load(path: root + "/" + folder + "/" + file, displayName: "templates/\(name).yaml") else { continue }
                    byName[name] = TemplateSummary(name: name, description: t.description, carrier: t.carrier, widthMM: t.page.width.roundedMillimetres,
                                                   heightMM: t.page.height.roundedMillimetres, dpi: t.page.dpi, saved: seller)
                }
            }
        }
        return byName.keys.sorted().map { byName[$0]! }
    }

    /// Checks the text, writes it into the seller's templates folder (temp + rename; the shipped file
    /// is never written, and the saved one shadows it) and records it as a new revision (jobs keep
    /// the revision they printed with). Returns the revision.
    func saveTemplate(name: String, source: String, actor: String) throws -> Int {
        guard source.utf8.count <= 256 * 1024 else { throw Problem(.contentTooLarge, code: "request.too_large", "a template is at most 256 KiB") }
        _ = try TemplateParser.parse(yaml: source, file: "templates/\(name).yaml")
        guard let seller = desk.sellerTemplatesDirectory else {
            throw Problem(.conflict, code: "templates.read_only", "this server has no folder for the seller's templates")
        }
        let path = seller + "/" + (try PrintDesk.templateName(name)) + ".yaml"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temp = path + ".\(getpid()).tmp"
        try Data(source.utf8).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw PrintError(code: .io, message: "cannot write template '\(name)': \(String(cString: strerror(errno)))")
        }
        let revision = try desk.store.recordRevision(name: name, source: source)
        try desk.fulfillment.record(actor: actor, action: "templates.save", subject: name, detail: "revision \(revision)")
        return revision
    }

    /// Renders the preview: PNG of the first page or a PDF of every page, with the layout
    /// warnings, each at the line and column of its element in the template text.
    func preview(_ b: PreviewBody) throws -> Preview {
        guard b.source != nil || b.template != nil else {
            throw Problem(.badRequest, code: "request.json", "give 'template' (a name such as waybills/cj) or 'source' (the template text)")
        }
        let format = b.format ?? "png"
        guard format == "png" || format == "pdf" else { throw Problem(.badRequest, code: "request.json", "format is png or pdf") }
        let source = try b.source ?? desk.templateSource(b.template!)
        let template = try TemplateParser.parse(yaml: source, file: b.template.map { "templates/\($0).yaml" } ?? "template.yaml")
        var dpi = b.dpi ?? template.page.dpi
        if let p = b.printer { dpi = try desk.store.profile(p).dpi }
        guard (100...600).contains(dpi) else { throw Problem(.badRequest, code: "request.json", "dpi is from 100 to 600") }
        // The printer's own checks and print gain when one is named, as its jobs will get them.
        let profile = try b.printer.map { try desk.store.profile($0) }
        let policy = VerificationPolicy(minXDimMils: profile?.minXDimMils ?? VerificationPolicy.standard.minXDimMils,
                                        printGain: profile?.barWidthReduction ?? 0)
        let composer = LabelComposer(template: template, dpi: dpi, carriers: try configuration.rendering.carrierProfiles(),
                                     barWidthReduction: profile?.barWidthReduction ?? 0)
        let pages = try composer.compose(b.data ?? .object([:]))
        let (bytes, type, warnings, verdicts) = try desk.spooler.renderers.with { renderer -> ([UInt8], String, [LabelWarning], [(Int, BarcodeVerdict)]) in
            if format == "pdf" {
                let sink = MemorySink()
                let writer = renderer.documentWriter(format: .pdf, sink: sink, title: template.name)
                var warnings: [LabelWarning] = []
                var verdicts: [(Int, BarcodeVerdict)] = []
                for page in pages {
                    warnings += try writer.add(page)
                    verdicts += renderer.verdicts(of: page, policy: policy).verdicts.map { (page.pageNumber, $0) }
                }
                try writer.finish()
                return (sink.bytes, "application/pdf", warnings, verdicts)
            }
            guard let first = pages.first else { throw Problem(.unprocessableContent, code: "render.empty", "the template made no page for this data") }
            let checked = renderer.verdicts(of: first, policy: policy)
            return (PNGEncoder.encode(checked.bitmap, dpi: dpi), "image/png", checked.warnings, checked.verdicts.map { (first.pageNumber, $0) })
        }
        let layout = (try? TemplateEditor.elements(of: source)).map { Self.layout(template, sources: $0, page: pages.first, dpi: dpi) }
        let locations = Self.elementLocations(template.elements)
        // A part of an element (a repeat's `products.summary`) stands where its element does.
        func location(_ element: String) -> SourceLocation? {
            locations[element] ?? element.lastIndex(of: ".").flatMap { locations[String(element[..<$0])] }
        }
        return Preview(bytes: bytes, contentType: type, layout: layout, warnings: warnings.map { w in
            let at = location(w.element)
            return PreviewWarning(element: w.element, line: at?.line, column: at?.column, message: w.message, page: w.page)
        }, verification: verdicts.map { page, v in
            let at = location(v.element)
            return PreviewVerdict(element: v.element, line: at?.line, column: at?.column, page: page, symbology: v.symbology.rawValue,
                                  passed: v.passed, expected: v.expected, decoded: v.decoded, xDimDots: v.xDimDots,
                                  xDimMils: (v.xDimMils * 10).rounded() / 10,
                                  box: [v.box.x, v.box.y, v.box.width, v.box.height],
                                  checks: v.findings.map { PreviewVerdict.Check(check: $0.check.rawValue, message: $0.message) })
        })
    }

    /// Every top-level element's box on the page for the designer's canvas: in design dots and on
    /// the medium as the PNG shows it (the page's rotation applied), with its keys as written.
    static func layout(_ template: Template, sources: [TemplateEditor.ElementSource], page: ComposedPage?, dpi: Int) -> PreviewLayout {
        func d(_ v: Distance) -> Int { Int(v.dots(at: dpi).rounded()) }
        var drawn: [String: (x0: Double, y0: Double, x1: Double, y1: Double)] = [:]
        func add(_ name: String, _ x: Double, _ y: Double, _ w: Double, _ h: Double) {
            let b = drawn[name] ?? (x, y, x + w, y + h)
            drawn[name] = (min(b.x0, x), min(b.y0, y), max(b.x1, x + w), max(b.y1, y + h))
        }
        for item in page?.items ?? [] {
            switch item {
            case .text(let t): add(t.element, t.frame.x, t.frame.y, t.frame.width, t.frame.height)
            case .box(let b): add(b.element, b.frame.x, b.frame.y, b.frame.width, b.frame.height)
            case .image(let i): add(i.element, i.frame.x, i.frame.y, i.frame.width, i.frame.height)
            case .barcode(let b): add(b.element, Double(b.x), Double(b.y), Double(b.boundingSize.width), Double(b.boundingSize.height))
            case .line(let l):
                add(l.element, min(l.x1, l.x2), min(l.y1, l.y2), max(abs(l.x2 - l.x1), l.thickness), max(abs(l.y2 - l.y1), l.thickness))
            }
        }
        var model: [String: [Int]] = [:]
        for e in template.elements {
            switch e.content {
            case .text(let t): model[e.name] = [d(t.frame.x), d(t.frame.y), d(t.frame.width), d(t.frame.height)]
            case .box(let b): model[e.name] = [d(b.frame.x), d(b.frame.y), d(b.frame.width), d(b.frame.height)]
            case .image(let i): model[e.name] = [d(i.frame.x), d(i.frame.y), d(i.frame.width), d(i.frame.height)]
            case .barcode(let b): model[e.name] = [d(b.x), d(b.y), b.width.map(d) ?? 0, d(b.height)]
            case .line(let l):
                let t = max(1, d(l.thickness))
                model[e.name] = [min(d(l.x1), d(l.x2)), min(d(l.y1), d(l.y2)), max(abs(d(l.x2) - d(l.x1)), t), max(abs(d(l.y2) - d(l.y1)), t)]
            case .rows(let r):
                var width = 0
                for child in r.elements {
                    switch child.content {
                    case .text(let t): width = max(width, d(t.frame.x) + d(t.frame.width))
                    case .box(let b): width = max(width, d(b.frame.x) + d(b.frame.width))
                    case .barcode(let b): width = max(width, d(b.x) + (b.width.map(d) ?? 0))
                    default: break
                    }
                }
                model[e.name] = [d(r.x), d(r.y), width, d(r.rowHeight) * r.maxRows]
            }
        }
        let W = page?.width ?? d(template.page.width), H = page?.height ?? d(template.page.height)
        let rotation = template.page.rotation
        func media(_ b: [Int]) -> [Int] {
            let (x, y, w, h) = (b[0], b[1], b[2], b[3])
            switch rotation {
            case .none: return [x, y, w, h]
            case .quarter: return [H - y - h, x, h, w]
            case .half: return [W - x - w, H - y - h, w, h]
            case .threeQuarters: return [y, W - x - w, h, w]
            }
        }
        let elements = sources.filter { $0.parent == nil }.map { s -> PreviewLayout.Element in
            let design: [Int]
            if let b = drawn[s.name] {
                design = [Int(b.x0.rounded()), Int(b.y0.rounded()), Int((b.x1 - b.x0).rounded()), Int((b.y1 - b.y0).rounded())]
            } else {
                design = model[s.name] ?? [0, 0, 0, 0]
            }
            return PreviewLayout.Element(name: s.name, type: s.type, line: s.line, column: s.column, drawn: drawn[s.name] != nil,
                                         design: design, box: media(design), values: s.values, keys: s.keys)
        }
        return PreviewLayout(dpi: dpi, width: W, height: H, rotation: rotation.rawValue, elements: elements)
    }

    /// Where each element (a repeat's row elements too) begins in the template text, by name.
    static func elementLocations(_ elements: [Element]) -> [String: SourceLocation] {
        var out: [String: SourceLocation] = [:]
        for e in elements {
            out[e.name] = e.location
            if case .rows(let r) = e.content { out.merge(elementLocations(r.elements)) { first, _ in first } }
        }
        return out
    }
}

/// A rendered preview and its layout warnings.
struct Preview: Sendable {
    var bytes: [UInt8]
    var contentType: String
    /// The elements' boxes for the designer's canvas (nil when the text could not be read for them).
    var layout: PreviewLayout?
    var warnings: [PreviewWarning]

    /// `X-Labeld-Layout`: base64 of the UTF-8 JSON `PreviewLayout`.
    var layoutHeader: String {
        guard let layout, let data = try? LabeldJSON.encoder.encode(layout) else { return "" }
        return data.base64EncodedString()
    }
    /// Every barcode's verification on the page's raster (at the preview's dpi), passes included.
    var verification: [PreviewVerdict] = []

    /// `X-Labeld-Verification`: base64 of the UTF-8 JSON array of every barcode's result.
    var verificationHeader: String {
        ((try? LabeldJSON.encoder.encode(Array(verification.prefix(Self.listedWarnings)))) ?? Data("[]".utf8)).base64EncodedString()
    }

    /// At most this many warnings go into `X-Labeld-Warning-List` (`X-Labeld-Warnings` counts all).
    static let listedWarnings = 50

    /// `X-Labeld-Warning-List`: base64 (RFC 4648, with padding) of the UTF-8 JSON array of the
    /// first `listedWarnings` warnings — a header, so the PNG and PDF answers stay as they were.
    var warningListHeader: String {
        let data = (try? LabeldJSON.encoder.encode(Array(warnings.prefix(Self.listedWarnings)))) ?? Data("[]".utf8)
        return data.base64EncodedString()
    }
}

/// One layout warning of a preview (text overflowing its box, an element off the label, …), with
/// the line and column where its element begins in the template text (nil when not found).
struct PreviewWarning: Encodable, Sendable, Hashable {
    var element: String
    var line: Int?
    var column: Int?
    var message: String
    var page: Int?
}

/// One barcode of a preview as verification found it: decoded text, module width, where it is
/// on the page (dots, after the page's rotation: `[x, y, width, height]`), and failed checks.
struct PreviewVerdict: Encodable, Sendable, Hashable {
    struct Check: Encodable, Sendable, Hashable {
        var check: String
        var message: String
    }
    var element: String
    var line: Int?
    var column: Int?
    var page: Int
    var symbology: String
    var passed: Bool
    var expected: String
    var decoded: String?
    var xDimDots: Int
    var xDimMils: Double
    var box: [Int]
    var checks: [Check]
}

/// The page and its top-level elements as the designer's canvas draws them (dots at the preview's dpi).
struct PreviewLayout: Encodable, Sendable {
    struct Element: Encodable, Sendable {
        var name: String
        var type: String
        var line: Int
        var column: Int
        /// Drawn on the first page for this data (an element whose `when` does not hold is not).
        var drawn: Bool
        /// `[x, y, width, height]` in design dots (before the page's rotation).
        var design: [Int]
        /// The same on the medium, as the PNG shows it.
        var box: [Int]
        /// Each key's value as written in the YAML, and the keys in order.
        var values: [String: String]
        var keys: [String]
    }
    var dpi: Int
    /// Design size in dots (before rotation).
    var width: Int
    var height: Int
    var rotation: Int
    var elements: [Element]
}
