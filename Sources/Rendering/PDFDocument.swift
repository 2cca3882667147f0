internal import CCairoPango
internal import CDeflate
import LabelModel
import Barcode
import Foundation

/// ASCII output with fast number formatting (PDF operators are mostly numbers).
struct PDFBytes {
    var bytes: [UInt8] = []

    mutating func add(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func add(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// A number with at most 3 decimals, no exponent, no trailing zeros, then a space.
    /// A number with 9 decimals, trailing zeros dropped (the page's scale: 3 decimals are not enough).
    mutating func precise(_ v: Double) {
        let scaled = Int64((v * 1_000_000_000).rounded())
        if scaled < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = abs(scaled)
        int(Int(magnitude / 1_000_000_000))
        var frac = magnitude % 1_000_000_000
        if frac != 0 {
            bytes.append(UInt8(ascii: "."))
            var digits = 9
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 { bytes.append(UInt8(48 + frac / divisor % 10)); divisor /= 10 }
        }
        bytes.append(0x20)
    }

    mutating func num(_ v: Double) {
        let scaled = Int((v * 1000).rounded())
        if scaled < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = abs(scaled)
        int(magnitude / 1000)
        var frac = magnitude % 1000
        if frac != 0 {
            bytes.append(UInt8(ascii: "."))
            var digits = 3
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 { bytes.append(UInt8(48 + frac / divisor % 10)); divisor /= 10 }
        }
        bytes.append(0x20)
    }

    mutating func int(_ v: Int) {
        if v < 0 { bytes.append(UInt8(ascii: "-")); int(-v); return }
        if v >= 10 { int(v / 10) }
        bytes.append(UInt8(48 + v % 10))
    }

    mutating func hex4(_ v: UInt32) {
        let digits: StaticString = "0123456789ABCDEF"
        digits.withUTF8Buffer { d in
            bytes.append(d[Int((v >> 12) & 0xf)]); bytes.append(d[Int((v >> 8) & 0xf)])
            bytes.append(d[Int((v >> 4) & 0xf)]); bytes.append(d[Int(v & 0xf)])
        }
    }
}

/// How a page uses one glyph of a font: its width (1/1000 em) and the text it shows.
struct PDFGlyphUse: Sendable {
    var width: Int
    var text: String?
}

/// One page, ready to be placed in a PDF: its compressed content stream and what it uses.
/// Sendable, so pages can be built on worker threads and assembled in order on one.
struct PDFPageFragment: Sendable {
    var content: [UInt8]
    var compressed: Bool
    var mediaWidth: Double
    var mediaHeight: Double
    /// Font key (family|weight|style) → glyphs used.
    var fonts: [String: [UInt32: PDFGlyphUse]]
    /// Image key → 1-bit mask, for images this page draws.
    var images: [String: Bitmap]
    /// Pages this label takes (its `copies`): each a page object sharing the one content stream,
    /// so a PDF printer prints as many labels as ZPL's `^PQ` does.
    var copies = 1
}

/// zlib streams for PDF objects (libdeflate, fastest level). Not Sendable.
final class PDFCompressor {
    private let compressor = libdeflate_alloc_compressor(1)!
    deinit { libdeflate_free_compressor(compressor) }

    /// (bytes, compressed?) — short data is left as it is.
    func compress(_ data: [UInt8]) -> ([UInt8], Bool) {
        guard data.count > 64 else { return (data, false) }
        let bound = libdeflate_zlib_compress_bound(compressor, data.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = data.withUnsafeBytes { src in out.withUnsafeMutableBytes { libdeflate_zlib_compress(compressor, src.baseAddress, data.count, $0.baseAddress, bound) } }
        out.removeSubrange(n...)
        return (out, true)
    }
}

/// PDF resource names that every builder derives alike (no coordination between threads).
enum PDFNames {
    static func font(_ key: String) -> String { "F" + hash(key) }
    static func image(_ key: String) -> String { "Im" + hash(key) }
    static func hash(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 36)
    }
}

/// Builds page fragments: content streams with glyphs placed exactly where Pango laid them out (the
/// same layout as the 1-bit raster), bars on the printer's dot grid. Not Sendable: one per thread.
final class PDFPageBuilder {
    let painter: CairoPainter
    private var runFonts: [OpaquePointer: (key: String, size: Double, widths: OpaquePointer, upem: Double)] = [:]
    private var knownImages: Set<String> = []
    private let compressor = PDFCompressor()

    init(painter: CairoPainter) { self.painter = painter }

    deinit {
        for (_, f) in runFonts { hb_font_destroy(f.widths) }
    }

    func build(_ page: ComposedPage) -> (PDFPageFragment, [LabelWarning]) {
        var c = PDFBytes()
        c.bytes.reserveCapacity(16 << 10)
        var fonts: [String: [UInt32: PDFGlyphUse]] = [:]
        var images: [String: Bitmap] = [:]
        let s = 72 / Double(page.dpi)
        let swap = page.rotation.swapsAxes
        let mediaW = swap ? page.heightPoints : page.widthPoints, mediaH = swap ? page.widthPoints : page.heightPoints
        // Media dots, y down; then the design turned onto the medium.
        // The scale exactly (72/203 = 0.354680…): rounded to 0.355 it widened every bar by a dot at
        // the far end of a waybill when Ghostscript or poppler rasterized it at the printer's dpi.
        c.precise(s); c.add("0 0 "); c.precise(-s); c.add("0 "); c.num(mediaH); c.add("cm\n")
        switch page.rotation {
        case .none: break
        case .quarter: c.add("0 1 -1 0 "); c.num(Double(page.height)); c.add("0 cm\n")
        case .half: c.add("-1 0 0 -1 "); c.num(Double(page.width)); c.num(Double(page.height)); c.add("cm\n")
        case .threeQuarters: c.add("0 -1 1 0 0 "); c.num(Double(page.width)); c.add("cm\n")
        }
        var warnings = page.warnings
        for item in page.items {
            switch item {
            case .box(let b): box(b, &c)
            case .line(let l): line(l, &c)
            case .barcode(let b): barcode(b, dpi: page.dpi, &c, &fonts)
            case .text(let t):
                if t.style.inverted {
                    rect(t.frame.x, t.frame.y, t.frame.width, t.frame.height, &c); c.add("f\n")
                }
                guard let fitted = painter.fitText(t, page: page) else { continue }
                warnings += fitted.warnings
                if t.style.inverted { c.add("1 g\n") }
                text(fitted.box, x: fitted.x, y: fitted.y, &c, &fonts)
                if t.style.inverted { c.add("0 g\n") }
            case .image(let i):
                let key = "\(i.path)|\(Int(i.frame.width))x\(Int(i.frame.height))|\(i.threshold)"
                if !knownImages.contains(key) {
                    guard let bits = painter.imageStamp(i) else {
                        warnings.append(LabelWarning(element: i.element, message: "image '\(i.path)' could not be read as PNG from \(painter.assets)", page: page.pageNumber))
                        continue
                    }
                    images[key] = bits
                    knownImages.insert(key)
                }
                c.add("q "); c.num(i.frame.width); c.add("0 0 "); c.num(-i.frame.height); c.num(i.frame.x); c.num(i.frame.y + i.frame.height)
                c.add("cm /"); c.add(PDFNames.image(key)); c.add(" Do Q\n")
            }
        }
        let (content, compressed) = compressor.compress(c.bytes)
        return (PDFPageFragment(content: content, compressed: compressed, mediaWidth: mediaW, mediaHeight: mediaH, fonts: fonts, images: images,
                                copies: page.copies), warnings)
    }

    private func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ c: inout PDFBytes) {
        c.num(x); c.num(y); c.num(w); c.num(h); c.add("re\n")
    }

    private func box(_ b: BoxItem, _ c: inout PDFBytes) {
        let f = b.frame, t = b.thickness
        if b.radius > 0 {
            func rounded(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ r: Double) {
                let r = min(r, w / 2, h / 2), k = 0.5523 * r
                c.num(x + r); c.num(y); c.add("m\n")
                c.num(x + w - r); c.num(y); c.add("l\n")
                c.num(x + w - r + k); c.num(y); c.num(x + w); c.num(y + r - k); c.num(x + w); c.num(y + r); c.add("c\n")
                c.num(x + w); c.num(y + h - r); c.add("l\n")
                c.num(x + w); c.num(y + h - r + k); c.num(x + w - r + k); c.num(y + h); c.num(x + w - r); c.num(y + h); c.add("c\n")
                c.num(x + r); c.num(y + h); c.add("l\n")
                c.num(x + r - k); c.num(y + h); c.num(x); c.num(y + h - r + k); c.num(x); c.num(y + h - r); c.add("c\n")
                c.num(x); c.num(y + r); c.add("l\n")
                c.num(x); c.num(y + r - k); c.num(x + r - k); c.num(y); c.num(x + r); c.num(y); c.add("c\nh\n")
            }
            if b.filled { rounded(f.x, f.y, f.width, f.height, b.radius); c.add("f\n") } else {
                c.num(t); c.add("w\n")
                rounded(f.x + t / 2, f.y + t / 2, f.width - t, f.height - t, b.radius); c.add("S\n")
            }
            return
        }
        if b.filled { rect(f.x, f.y, f.width, f.height, &c); c.add("f\n"); return }
        rect(f.x, f.y, f.width, t, &c)
        rect(f.x, f.y + f.height - t, f.width, t, &c)
        rect(f.x, f.y + t, t, f.height - 2 * t, &c)
        rect(f.x + f.width - t, f.y + t, t, f.height - 2 * t, &c)
        c.add("f\n")
    }

    private func line(_ l: LineItem, _ c: inout PDFBytes) {
        if l.y1 == l.y2 { rect(min(l.x1, l.x2), l.y1, abs(l.x2 - l.x1), l.thickness, &c); c.add("f\n") }
        else if l.x1 == l.x2 { rect(l.x1, min(l.y1, l.y2), l.thickness, abs(l.y2 - l.y1), &c); c.add("f\n") }
        else { c.num(l.thickness); c.add("w\n"); c.num(l.x1); c.num(l.y1); c.add("m\n"); c.num(l.x2); c.num(l.y2); c.add("l\nS\n") }
    }

    private func barcode(_ b: BarcodeItem, dpi: Int, _ c: inout PDFBytes, _ fonts: inout [String: [UInt32: PDFGlyphUse]]) {
        c.add("q\n1 0 0 1 "); c.num(Double(b.x)); c.num(Double(b.y)); c.add("cm\n")
        let w = Double(b.symbol.width), h = Double(b.symbol.height)
        switch b.rotation {
        case .none: break
        case .quarter: c.add("0 1 -1 0 "); c.num(h); c.add("0 cm\n")
        case .half: c.add("-1 0 0 -1 "); c.num(w); c.num(h); c.add("cm\n")
        case .threeQuarters: c.add("0 -1 1 0 0 "); c.num(w); c.add("cm\n")
        }
        // Each bar a quarter dot inside its whole dots: a rasterizer that inks every pixel a shape
        // touches (Ghostscript's fill adjust, poppler's -mono) and one that inks by pixel centre
        // both draw it exactly as many dots wide as the printer's own raster does.
        let inset = 0.25
        for bar in b.symbol.bars {
            rect(Double(bar.x) + inset, Double(bar.y) + inset, Double(bar.width) - 2 * inset, Double(bar.height) - 2 * inset, &c)
        }
        if !b.symbol.bars.isEmpty { c.add("f\n") }
        for t in b.symbol.texts {
            let placed = painter.barcodeText(t, font: b.humanReadableFont, dpi: dpi)
            text(placed.box, x: placed.x, y: placed.y, &c, &fonts)
        }
        c.add("Q\n")
    }

    /// The font's key (family|weight|style, the same in every thread), size in dots, and an
    /// unscaled HarfBuzz font for glyph widths.
    private func font(for pangoFont: OpaquePointer) -> (key: String, size: Double, widths: OpaquePointer, upem: Double) {
        if let known = runFonts[pangoFont] { return known }
        let pf = UnsafeMutablePointer<PangoFont>(pangoFont)
        let description = pango_font_describe_with_absolute_size(pf)!
        let size = Double(pango_font_description_get_size(description)) / Double(PANGO_SCALE)
        let family = String(cString: pango_font_description_get_family(description))
        let key = "\(family)|\(pango_font_description_get_weight(description).rawValue)|\(pango_font_description_get_style(description).rawValue)"
        pango_font_description_free(description)
        let face = hb_font_get_face(pango_font_get_hb_font(pf))!
        let widths = hb_font_create(face)!
        let entry = (key, size, widths, Double(hb_face_get_upem(face)))
        runFonts[pangoFont] = entry
        return entry
    }

    private func text(_ box: CairoPainter.LayoutBox, x: Double, y: Double, _ c: inout PDFBytes, _ fonts: inout [String: [UInt32: PDFGlyphUse]]) {
        for run in painter.glyphRuns(box) where !run.glyphs.isEmpty {
            let f = font(for: run.font)
            let size = f.size
            c.add("BT /"); c.add(PDFNames.font(f.key)); c.add(" "); c.num(size); c.add("Tf 1 0 0 -1 ")
            let first = run.glyphs[0]
            c.num(x + first.x); c.num(y + first.y); c.add("Tm [<")
            var used = fonts[f.key] ?? [:]
            for (i, g) in run.glyphs.enumerated() {
                let unknown = g.id & PANGO_GLYPH_UNKNOWN_FLAG != 0
                let id = unknown ? 0 : g.id & 0x0FFF_FFFF
                var use = used[id]
                if use == nil {
                    let advance = Double(hb_font_get_glyph_h_advance(f.widths, id))
                    use = PDFGlyphUse(width: Int((advance * 1000 / f.upem).rounded()), text: unknown ? nil : g.text)
                    used[id] = use
                } else if use!.text == nil, let t = g.text, !unknown {
                    used[id]!.text = t
                }
                c.hex4(id)
                // Where Pango put the next glyph, against where the font's width would put it.
                if i + 1 < run.glyphs.count {
                    let next = run.glyphs[i + 1]
                    if next.y != g.y {
                        c.add(">] TJ\n1 0 0 -1 "); c.num(x + next.x); c.num(y + next.y); c.add("Tm [<")
                    } else {
                        let adjust = (Double(use!.width) / 1000 * size - (next.x - g.x)) / size * 1000
                        if abs(adjust) > 0.5 { c.add("> "); c.num(adjust); c.add("<") }
                    }
                }
            }
            fonts[f.key] = used
            c.add(">] TJ ET\n")
        }
    }
}

/// Writes page fragments into one PDF, in order, streaming: each page's content goes out as it
/// arrives; fonts (subsets made with HarfBuzz, glyph ids kept, with ToUnicode maps so text can be
/// searched) and images are written once at the end. Not Sendable.
final class PDFAssembler {
    private let painter: CairoPainter
    private let sink: any ByteSink
    private let title: String
    private var offset = 0
    private var offsets: [Int: Int] = [:]
    private var nextObject = 5          // 1 catalog, 2 pages, 3 info, 4 resources
    private var pageObjects: [Int] = []
    private var fonts: [String: [UInt32: PDFGlyphUse]] = [:]
    private var fontOrder: [String] = []
    private var images: [String: Int] = [:]
    private let compressor = PDFCompressor()
    private(set) var pageCount = 0

    init(painter: CairoPainter, sink: any ByteSink, title: String) {
        self.painter = painter
        self.sink = sink
        self.title = title
    }

    private func write(_ bytes: [UInt8]) throws(RenderingError) {
        try sink.write(bytes)
        offset += bytes.count
    }

    private func allocate() -> Int {
        defer { nextObject += 1 }
        return nextObject
    }

    private func object(_ number: Int, _ body: String) throws(RenderingError) {
        offsets[number] = offset
        try write(Array("\(number) 0 obj\n\(body)\nendobj\n".utf8))
    }

    private func stream(_ number: Int, dictionary: String, data: [UInt8], compressed: Bool) throws(RenderingError) {
        offsets[number] = offset
        try write(Array("\(number) 0 obj\n<< \(dictionary) /Length \(data.count)\(compressed ? " /Filter /FlateDecode" : "") >>\nstream\n".utf8))
        try write(data)
        try write(Array("\nendstream\nendobj\n".utf8))
    }

    private func compress(_ data: [UInt8]) -> ([UInt8], Bool) { compressor.compress(data) }

    func add(_ page: PDFPageFragment) throws(RenderingError) {
        if pageCount == 0 { try write(Array("%PDF-1.7\n%\u{00E2}\u{00E3}\u{00CF}\u{00D3}\n".utf8)) }
        for (key, bits) in page.images.sorted(by: { $0.key < $1.key }) where images[key] == nil {
            let object = allocate()
            let (data, compressed) = compress(bits.bytes)
            try stream(object, dictionary: "/Type /XObject /Subtype /Image /ImageMask true /Width \(bits.width) /Height \(bits.height) /BitsPerComponent 1 /Decode [1 0]", data: data, compressed: compressed)
            images[key] = object
        }
        for (key, glyphs) in page.fonts {
            if fonts[key] == nil { fontOrder.append(key); fonts[key] = glyphs; continue }
            for (gid, use) in glyphs {
                if let known = fonts[key]![gid] {
                    if known.text == nil && use.text != nil { fonts[key]![gid] = use }
                } else {
                    fonts[key]![gid] = use
                }
            }
        }
        guard page.copies > 0 else { return }
        let content = allocate()
        try stream(content, dictionary: "", data: page.content, compressed: page.compressed)
        for _ in 0..<page.copies {
            let pageObject = allocate()
            try object(pageObject, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(fmt(page.mediaWidth)) \(fmt(page.mediaHeight))] /Resources 4 0 R /Contents \(content) 0 R >>")
            pageObjects.append(pageObject)
            pageCount += 1
        }
    }

    private func fmt(_ v: Double) -> String {
        var b = PDFBytes()
        b.num(v)
        b.bytes.removeLast()
        return String(decoding: b.bytes, as: UTF8.self)
    }

    func finish() throws(RenderingError) {
        if pageCount == 0 { try write(Array("%PDF-1.7\n%\u{00E2}\u{00E3}\u{00CF}\u{00D3}\n".utf8)) }
        var fontRefs = ""
        for key in fontOrder.sorted() {
            let number = try writeFont(key: key, glyphs: fonts[key]!)
            fontRefs += "/\(PDFNames.font(key)) \(number) 0 R "
        }
        let xobjects = images.sorted { $0.value < $1.value }.map { "/\(PDFNames.image($0.key)) \($0.value) 0 R" }.joined(separator: " ")
        try object(4, "<< /Font << \(fontRefs)>> /XObject << \(xobjects) >> /ProcSet [/PDF /Text /ImageB] >>")
        try object(2, "<< /Type /Pages /Count \(pageObjects.count) /Kids [\(pageObjects.map { "\($0) 0 R" }.joined(separator: " "))] >>")
        try object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        try object(3, "<< /Title \(pdfString(title)) /Creator (labeld) /Producer (labeld) >>")
        let xref = offset
        var table = "xref\n0 \(nextObject)\n0000000000 65535 f \n"
        for n in 1..<nextObject {
            let o = offsets[n] ?? 0
            table += String(repeating: "0", count: max(0, 10 - String(o).count)) + "\(o) 00000 \(offsets[n] == nil ? "f" : "n") \n"
        }
        table += "trailer\n<< /Size \(nextObject) /Root 1 0 R /Info 3 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        try write(Array(table.utf8))
    }

    /// A PDF text string in UTF-16BE with BOM (titles may be Korean).
    private func pdfString(_ s: String) -> String {
        var b = PDFBytes()
        for unit in s.utf16 { b.hex4(UInt32(unit)) }
        return "<FEFF" + String(decoding: b.bytes, as: UTF8.self) + ">"
    }

    /// The font face for a key, loaded through this thread's own font map.
    private func face(for key: String) -> OpaquePointer? {
        let parts = key.split(separator: "|")
        guard parts.count == 3, let weight = Int32(parts[1]), let style = UInt32(parts[2]) else { return nil }
        let description = pango_font_description_new()!
        defer { pango_font_description_free(description) }
        pango_font_description_set_family(description, String(parts[0]))
        pango_font_description_set_weight(description, PangoWeight(rawValue: UInt32(weight)))
        pango_font_description_set_style(description, PangoStyle(rawValue: style))
        pango_font_description_set_absolute_size(description, 12 * Double(PANGO_SCALE))
        guard let font = pango_font_map_load_font(painter.fonts.fontMap, painter.context, description) else { return nil }
        defer { g_object_unref(font) }
        let face = hb_font_get_face(pango_font_get_hb_font(font))!
        hb_face_reference(face)
        return face
    }

    private func writeFont(key: String, glyphs: [UInt32: PDFGlyphUse]) throws(RenderingError) -> Int {
        guard let face = face(for: key) else { throw RenderingError(code: .fonts, message: "PDF: font '\(key)' not found in fonts/") }
        defer { hb_face_destroy(face) }
        // Subset: the glyphs used (and .notdef), ids unchanged so the content streams stay valid.
        guard let input = hb_subset_input_create_or_fail() else { throw RenderingError(code: .output, message: "harfbuzz: cannot create a subset input") }
        defer { hb_subset_input_destroy(input) }
        let glyphSet = hb_subset_input_glyph_set(input)
        hb_set_add(glyphSet, 0)
        for gid in glyphs.keys { hb_set_add(glyphSet, gid) }
        hb_subset_input_set_flags(input, HB_SUBSET_FLAGS_RETAIN_GIDS.rawValue)
        guard let subset = hb_subset_or_fail(face, input) else { throw RenderingError(code: .output, message: "harfbuzz could not subset font '\(key)' for the PDF") }
        defer { hb_face_destroy(subset) }
        let blob = hb_face_reference_blob(subset)
        defer { hb_blob_destroy(blob) }
        var length: UInt32 = 0
        let data = hb_blob_get_data(blob, &length)
        let fontData = Array(UnsafeRawBufferPointer(start: data, count: Int(length)))

        var psName = [CChar](repeating: 0, count: 128)
        var nameLength: UInt32 = 127
        hb_ot_name_get_utf8(face, hb_ot_name_id_t(HB_OT_NAME_ID_POSTSCRIPT_NAME), nil, &nameLength, &psName)
        let postscript = String(decoding: psName.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let hash = Array(PDFNames.hash(key + "\(glyphs.count)").uppercased().filter(\.isLetter))
        let tag = String((0..<6).map { i in i < hash.count ? hash[i] : Character(UnicodeScalar(UInt8(65 + i))) })
        let baseFont = "\(tag)+\(postscript.isEmpty ? "Font" : postscript)"

        let metrics = hb_font_create(face)!
        defer { hb_font_destroy(metrics) }
        var extents = hb_font_extents_t()
        hb_font_get_h_extents(metrics, &extents)
        let k = 1000 / Double(hb_face_get_upem(face))
        let ascent = Int(Double(extents.ascender) * k), descent = Int(Double(extents.descender) * k)

        let type0 = allocate(), fileObject = allocate(), descriptor = allocate(), cid = allocate(), toUnicode = allocate()
        let (fontBytes, compressed) = compress(fontData)
        try stream(fileObject, dictionary: "/Length1 \(fontData.count)", data: fontBytes, compressed: compressed)
        try object(descriptor, "<< /Type /FontDescriptor /FontName /\(baseFont) /Flags 4 /FontBBox [-100 \(descent) 1100 \(ascent)] /ItalicAngle 0 /Ascent \(ascent) /Descent \(descent) /CapHeight \(ascent) /StemV 80 /FontFile2 \(fileObject) 0 R >>")
        let sorted = glyphs.sorted { $0.key < $1.key }
        var widths = ""
        for (gid, g) in sorted { widths += "\(gid) [\(g.width)] " }
        try object(cid, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(baseFont) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor \(descriptor) 0 R /W [\(widths)] /CIDToGIDMap /Identity >>")
        var cmap = PDFBytes()
        cmap.add("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
        let mapped = sorted.filter { $0.value.text.map { !$0.isEmpty } ?? false }
        var index = 0
        while index < mapped.count {
            let chunk = mapped[index..<min(mapped.count, index + 100)]
            cmap.add("\(chunk.count) beginbfchar\n")
            for (gid, g) in chunk {
                cmap.add("<"); cmap.hex4(gid); cmap.add("> <")
                for unit in g.text!.utf16 { cmap.hex4(UInt32(unit)) }
                cmap.add(">\n")
            }
            cmap.add("endbfchar\n")
            index += 100
        }
        cmap.add("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
        let (cmapBytes, cmapCompressed) = compress(cmap.bytes)
        try stream(toUnicode, dictionary: "", data: cmapBytes, compressed: cmapCompressed)
        try object(type0, "<< /Type /Font /Subtype /Type0 /BaseFont /\(baseFont) /Encoding /Identity-H /DescendantFonts [\(cid) 0 R] /ToUnicode \(toUnicode) 0 R >>")
        return type0
    }
}

/// PDF output on one thread: a page builder feeding an assembler.
final class PDFDocumentWriter: DocumentWriter {
    private let builder: PDFPageBuilder
    private let assembler: PDFAssembler
    var pageCount: Int { assembler.pageCount }

    init(painter: CairoPainter, sink: any ByteSink, title: String) {
        builder = PDFPageBuilder(painter: painter)
        assembler = PDFAssembler(painter: painter, sink: sink, title: title)
    }

    func add(_ page: ComposedPage) throws(RenderingError) -> [LabelWarning] {
        let (fragment, warnings) = builder.build(page)
        try assembler.add(fragment)
        return warnings
    }

    func finish() throws(RenderingError) { try assembler.finish() }
}
