internal import CCairoPango
import LabelModel
import Barcode
import Foundation

/// Text layout with Pango (fitting, wrapping, shrinking; glyph runs for PDF) and Cairo drawing of
/// what the raster canvas keeps as 1-bit images: glyphs, rounded boxes, slanted lines, images.
/// One user unit is one printer dot. Raster mode hints glyphs for 1-bit output; vector mode keeps
/// outlines unhinted for PDF. Not Sendable: each thread owns its painters.
final class CairoPainter {
    enum Mode { case raster, vector }

    let mode: Mode
    let fonts: FontSystem
    let context: OpaquePointer // PangoContext*
    let assets: String
    private var layouts: [LayoutKey: LayoutBox] = [:]
    private var masks: [String: MaskBox] = [:]
    private var fontDescriptions: [FontKey: OpaquePointer] = [:]
    /// Characters that had no glyph in the fonts, summed over everything drawn.
    private(set) var unknownGlyphs = 0

    init(mode: Mode, fonts: FontSystem, assetsDirectory: String) {
        self.mode = mode
        self.fonts = fonts
        self.assets = assetsDirectory
        context = pango_font_map_create_context(fonts.fontMap)!
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        if mode == .raster {
            cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_NONE)
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_FULL)
        } else {
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        }
        pango_cairo_context_set_font_options(ctx, options)
        cairo_font_options_destroy(options)
    }

    deinit {
        layouts.removeAll()
        for (font, _) in fontIDs { g_object_unref(UnsafeMutableRawPointer(font)) }
        for (_, d) in fontDescriptions { pango_font_description_free(d) }
        g_object_unref(UnsafeMutableRawPointer(context))
    }

    private var ctx: OpaquePointer { context }

    // MARK: Page

    private func ink(_ cr: OpaquePointer) {
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER)
        cairo_set_source_rgba(cr, 0, 0, 0, 1)
    }

    // MARK: Shapes

    private func roundedRect(_ cr: OpaquePointer, _ x: Double, _ y: Double, _ w: Double, _ h: Double, _ r: Double) {
        if r <= 0 { cairo_rectangle(cr, x, y, w, h); return }
        let r = min(r, w / 2, h / 2)
        cairo_new_sub_path(cr)
        cairo_arc(cr, x + w - r, y + r, r, -Double.pi / 2, 0)
        cairo_arc(cr, x + w - r, y + h - r, r, 0, Double.pi / 2)
        cairo_arc(cr, x + r, y + h - r, r, Double.pi / 2, Double.pi)
        cairo_arc(cr, x + r, y + r, r, Double.pi, 3 * Double.pi / 2)
        cairo_close_path(cr)
    }

    func drawBox(_ b: BoxItem, _ cr: OpaquePointer) {
        ink(cr)
        let f = b.frame
        if b.filled {
            roundedRect(cr, f.x, f.y, f.width, f.height, b.radius)
            cairo_fill(cr)
            return
        }
        // The border lies inside the frame and covers whole dots.
        let t = b.thickness
        if b.radius <= 0 {
            // Four edge rectangles, not an even-odd ring: a ring makes pixman composite the
            // whole inner area on A1 surfaces.
            cairo_rectangle(cr, f.x, f.y, f.width, t)
            cairo_rectangle(cr, f.x, f.y + f.height - t, f.width, t)
            cairo_rectangle(cr, f.x, f.y + t, t, f.height - 2 * t)
            cairo_rectangle(cr, f.x + f.width - t, f.y + t, t, f.height - 2 * t)
            cairo_fill(cr)
        } else {
            cairo_set_line_width(cr, t)
            roundedRect(cr, f.x + t / 2, f.y + t / 2, f.width - t, f.height - t, b.radius)
            cairo_stroke(cr)
        }
    }

    func drawLine(_ l: LineItem, _ cr: OpaquePointer) {
        ink(cr)
        if l.y1 == l.y2 {
            cairo_rectangle(cr, min(l.x1, l.x2), l.y1, abs(l.x2 - l.x1), l.thickness)
            cairo_fill(cr)
        } else if l.x1 == l.x2 {
            cairo_rectangle(cr, l.x1, min(l.y1, l.y2), l.thickness, abs(l.y2 - l.y1))
            cairo_fill(cr)
        } else {
            cairo_set_line_width(cr, l.thickness)
            cairo_move_to(cr, l.x1, l.y1)
            cairo_line_to(cr, l.x2, l.y2)
            cairo_stroke(cr)
        }
    }

    // MARK: Barcodes

    // MARK: Text

    struct FontKey: Hashable {
        var family: String
        var bold: Bool
        /// Size in 1/64 dot.
        var size: Int
        init(_ f: FontSpec, sizeDots: Double) {
            family = f.family
            bold = f.bold
            size = Int((sizeDots * 64).rounded())
        }
    }

    struct LayoutKey: Hashable {
        var text: String
        var font: FontKey
        var width: Int
        var height: Int
        var wrap: Bool
        var ellipsize: Bool
        var align: Int
        var spacing: Int
    }

    /// A Pango layout with what was measured of it, kept while the layout is cached: the same
    /// strings recur on every label of a batch, and drawing them again is then only bit blits.
    final class LayoutBox {
        let layout: OpaquePointer
        var measured: (width: Double, height: Double, lines: Int)?
        var unknownGlyphs: Int?
        /// Glyph images and their whole-dot origins (raster mode), once computed.
        var placements: [(image: GlyphImage, x: Int, y: Int)]?
        /// Glyph runs with cluster texts (vector mode), once computed.
        var runs: [GlyphRun]?
        init(_ layout: OpaquePointer) { self.layout = layout }
        deinit { g_object_unref(UnsafeMutableRawPointer(layout)) }

        var unknown: Int {
            if let u = unknownGlyphs { return u }
            let u = Int(pango_layout_get_unknown_glyphs_count(layout))
            unknownGlyphs = u
            return u
        }
    }

    private func fontDescription(_ key: FontKey) -> OpaquePointer {
        if let d = fontDescriptions[key] { return d }
        let d = pango_font_description_new()!
        pango_font_description_set_family(d, key.family)
        pango_font_description_set_weight(d, key.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_absolute_size(d, Double(key.size) / 64 * Double(PANGO_SCALE))
        fontDescriptions[key] = d
        return d
    }

    private func layout(for key: LayoutKey) -> OpaquePointer { layoutBox(for: key).layout }

    /// A laid-out Pango layout for `key`, cached: the same strings recur on every label of a batch.
    func layoutBox(for key: LayoutKey) -> LayoutBox {
        if let box = layouts[key] { return box }
        if layouts.count >= 4096 { layouts.removeAll(keepingCapacity: true) }
        let layout = pango_layout_new(ctx)!
        pango_layout_set_font_description(layout, fontDescription(key.font))
        pango_layout_set_text(layout, key.text, -1)
        if key.width >= 0 { pango_layout_set_width(layout, Int32(key.width)) }
        if key.wrap { pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR) }
        if key.ellipsize {
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
            if key.height != 0 { pango_layout_set_height(layout, Int32(key.height)) }
        }
        pango_layout_set_alignment(layout, key.align == 1 ? PANGO_ALIGN_CENTER : key.align == 2 ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT)
        if key.spacing != 1000 { pango_layout_set_line_spacing(layout, Float(key.spacing) / 1000) }
        let box = LayoutBox(layout)
        layouts[key] = box
        return box
    }

    struct Measured {
        var layout: OpaquePointer
        var box: LayoutBox
        var width: Double
        var height: Double
        var lines: Int
    }

    private func measure(_ key: LayoutKey) -> Measured {
        let box = layoutBox(for: key)
        if let m = box.measured { return Measured(layout: box.layout, box: box, width: m.width, height: m.height, lines: m.lines) }
        var logical = PangoRectangle()
        pango_layout_get_extents(box.layout, nil, &logical)
        let m = (Double(logical.width) / Double(PANGO_SCALE), Double(logical.height) / Double(PANGO_SCALE), Int(pango_layout_get_line_count(box.layout)))
        box.measured = m
        return Measured(layout: box.layout, box: box, width: m.0, height: m.1, lines: m.2)
    }

    /// A text item laid out in its frame: the layout, where its origin goes (design dots, whole),
    /// and what did not fit.
    struct FittedText {
        var layout: OpaquePointer
        var box: LayoutBox
        var key: LayoutKey
        var x: Double
        var y: Double
        var warnings: [LabelWarning]
    }

    /// Fits text into its frame: wraps, shrinks in 0.5 pt steps down to `min_size`, then cuts with …
    /// (or overflows) and says so in a warning. Counts glyphs missing from the fonts.
    func fitText(_ item: TextItem, page: ComposedPage) -> FittedText? {
        let style = item.style
        let f = item.frame
        if item.text.isEmpty { return nil }
        var warnings: [LabelWarning] = []
        let pad = (style.padding.dots(at: page.dpi)).rounded()
        let availW = max(1, f.width - 2 * pad), availH = max(1, f.height - 2 * pad)
        let dotsPerPoint = Double(page.dpi) / 72
        let align = style.align == .center ? 1 : style.align == .right ? 2 : 0
        let spacing = Int((style.lineSpacing * 1000).rounded())
        let widthPango = Distance.clampedInt(availW * Double(PANGO_SCALE))

        // Lay out no more than the box can hold: Pango's time grows with the text, and a
        // 100 000-character field took seconds per label.
        var text = item.text
        let limit = Self.characterLimit(width: availW, height: availH, sizeDots: (style.minSize ?? style.font.size) * dotsPerPoint,
                                        lineSpacing: style.lineSpacing, wrap: style.wrap, maxLines: style.maxLines)
        let count = text.count
        if count > limit {
            text = String(text.prefix(limit)) + "…"
            warnings.append(LabelWarning(element: item.element, message: "text of \(count) characters is longer than its box can hold; only the first \(limit) are laid out ('\(item.text.prefix(40))')", page: page.pageNumber))
        }

        func key(_ sizePt: Double, ellipsize: Bool) -> LayoutKey {
            var height = 0
            if ellipsize && style.wrap {
                height = style.maxLines.map { -$0 } ?? Distance.clampedInt(availH * Double(PANGO_SCALE))
            }
            return LayoutKey(text: text, font: FontKey(style.font, sizeDots: sizePt * dotsPerPoint),
                             width: style.wrap || ellipsize ? widthPango : -1, height: height,
                             wrap: style.wrap, ellipsize: ellipsize, align: align, spacing: spacing)
        }
        func fits(_ m: Measured) -> Bool {
            m.height <= availH + 0.5 && m.width <= availW + 0.5 && (style.maxLines.map { m.lines <= $0 } ?? true)
        }

        var size = style.font.size
        var usedKey = key(size, ellipsize: false)
        var m = measure(usedKey)
        if !fits(m), let minSize = style.minSize, minSize < size {
            // Largest size in 0.5 pt steps that fits (binary search over the steps).
            var lo = 0, hi = Distance.clampedInt(((size - minSize) / 0.5).rounded(.down))
            let start = size
            let smallest = key(start - Double(hi) * 0.5, ellipsize: false)
            let atMin = measure(smallest)
            size = start - Double(hi) * 0.5
            usedKey = smallest
            m = atMin
            if fits(atMin) {
                while lo < hi {
                    let mid = (lo + hi) / 2
                    let k = key(start - Double(mid) * 0.5, ellipsize: false)
                    let trial = measure(k)
                    if fits(trial) { size = start - Double(mid) * 0.5; usedKey = k; m = trial; hi = mid } else { lo = mid + 1 }
                }
            }
        }
        if !fits(m) {
            let shrunk = style.minSize != nil ? " even at \(size) pt" : ""
            if style.ellipsis {
                usedKey = key(size, ellipsize: true)
                m = measure(usedKey)
                warnings.append(LabelWarning(element: item.element, message: "text does not fit its box\(shrunk); cut with … ('\(item.text.prefix(40))')", page: page.pageNumber))
            } else {
                warnings.append(LabelWarning(element: item.element, message: "text overflows its box\(shrunk) ('\(item.text.prefix(40))')", page: page.pageNumber))
            }
        }
        if size < page.minTextSize - 0.001 {
            warnings.append(LabelWarning(element: item.element, message: "text drawn at \(size) pt, below the template's minimum of \(page.minTextSize) pt (min_text_size) ('\(item.text.prefix(40))')",
                                         page: page.pageNumber, code: "text.too-small"))
        }
        var x = f.x + pad
        if usedKey.width < 0 {
            switch style.align {
            case .left: break
            case .center: x += (availW - m.width) / 2
            case .right: x += availW - m.width
            }
        }
        var y = f.y + pad
        switch style.valign {
        case .top: break
        case .middle: y += (availH - m.height) / 2
        case .bottom: y += availH - m.height
        }
        let unknown = m.box.unknown
        if unknown > 0 {
            unknownGlyphs += unknown
            warnings.append(LabelWarning(element: item.element, message: "\(unknown) character(s) have no glyph in fonts/ and print as boxes", page: page.pageNumber))
        }
        return FittedText(layout: m.layout, box: m.box, key: usedKey, x: x.rounded(), y: y.rounded(), warnings: warnings)
    }

    /// The most characters a box can show: every glyph at least a tenth of an em wide, every line
    /// at least 0.8 em high (at the smallest size the text may shrink to), and at most
    /// ``RenderLimits/maximumTextCharacters``.
    static func characterLimit(width: Double, height: Double, sizeDots: Double, lineSpacing: Double, wrap: Bool, maxLines: Int?) -> Int {
        let hard = RenderLimits.maximumTextCharacters
        guard sizeDots > 0, width.isFinite, height.isFinite else { return hard }
        let perLine = width / (0.1 * sizeDots) + 1
        var lines = wrap ? height / (0.8 * sizeDots * lineSpacing) + 1 : 1
        if let maxLines, wrap { lines = min(lines, Double(maxLines)) }
        let bound = perLine * lines
        return bound < Double(hard) ? max(1, Int(bound)) : hard
    }

    /// Human-readable text of a barcode: the layout and its origin in symbol dots.
    func barcodeText(_ t: SnappedText, font: FontSpec, dpi: Int) -> (layout: OpaquePointer, box: LayoutBox, key: LayoutKey, x: Double, y: Double) {
        let sizeDots = font.size * Double(dpi) / 72
        let key = LayoutKey(text: t.text, font: FontKey(font, sizeDots: sizeDots), width: -1, height: 0, wrap: false, ellipsize: false, align: 0, spacing: 1000)
        let m = measure(key)
        let layout = m.layout
        let width = m.width
        let baseline = Double(pango_layout_get_baseline(layout)) / Double(PANGO_SCALE)
        var x = t.x
        switch t.anchor {
        case .center: x -= width / 2
        case .right: x -= width
        case .left: break
        }
        unknownGlyphs += m.box.unknown
        // zint's baseline suits zint's own font size; a larger font would reach up into the bars.
        var ink = PangoRectangle()
        pango_layout_get_pixel_extents(layout, &ink, nil)
        let y = max((t.baseline - baseline).rounded(), t.topAtLeast - Double(ink.y))
        return (layout, m.box, key, x.rounded(), y)
    }

    // MARK: Glyphs (raster mode)

    /// A glyph's 1-bit image and the offset of its top-left corner from the glyph origin.
    struct GlyphImage {
        var bits: Bitmap
        var dx: Int
        var dy: Int
        /// Unique per rendered glyph image (a cheap key for its rotated copies).
        var id: Int
    }

    private struct GlyphKey: Hashable { var font: Int; var glyph: UInt32 }
    private var fontIDs: [OpaquePointer: Int] = [:]
    private var glyphImages: [GlyphKey: GlyphImage] = [:]

    /// Calls `body` with each glyph of `layout` and its origin in dots, relative to the layout's
    /// top-left. Glyph images are rendered once per font and glyph, then reused: placing a glyph is
    /// a bit blit, not a trip through pixman's general compositing path (slow on A1 surfaces).
    /// Returns false, drawing nothing, when the layout has glyphs missing from the fonts.
    /// The glyph images and origins of a layout (computed once per layout), or nil when the
    /// layout has glyphs missing from the fonts.
    func glyphPlacements(_ box: LayoutBox) -> [(image: GlyphImage, x: Int, y: Int)]? {
        if box.unknown > 0 { return nil }
        if let p = box.placements { return p }
        var placements: [(image: GlyphImage, x: Int, y: Int)] = []
        _ = forEachGlyph(box.layout) { image, x, y in placements.append((image, x, y)) }
        box.placements = placements
        return placements
    }

    func forEachGlyph(_ box: LayoutBox, _ body: (GlyphImage, Int, Int) -> Void) -> Bool {
        if box.unknown > 0 { return false }
        if let placements = box.placements {
            for p in placements { body(p.image, p.x, p.y) }
            return true
        }
        var placements: [(image: GlyphImage, x: Int, y: Int)] = []
        _ = forEachGlyph(box.layout) { image, x, y in placements.append((image, x, y)) }
        box.placements = placements
        for p in placements { body(p.image, p.x, p.y) }
        return true
    }

    private func forEachGlyph(_ layout: OpaquePointer, _ body: (GlyphImage, Int, Int) -> Void) -> Bool {
        for run in glyphRuns(layout, withText: false) {
            let fontID = id(of: run.font)
            for g in run.glyphs {
                let key = GlyphKey(font: fontID, glyph: g.id)
                let image: GlyphImage
                if let cached = glyphImages[key] { image = cached } else {
                    image = renderGlyph(run.font, g.id)
                    glyphImages[key] = image
                }
                // Whole-dot origins, rounded as cairo's non-anti-aliased glyph path rounds them.
                body(image, Int(g.x.rounded()), Int(g.y.rounded()))
            }
        }
        return true
    }

    func id(of font: OpaquePointer) -> Int {
        if let id = fontIDs[font] { return id }
        g_object_ref(UnsafeMutableRawPointer(font)) // kept alive so the pointer is never reused for another font
        let id = fontIDs.count
        fontIDs[font] = id
        return id
    }

    private func renderGlyph(_ font: OpaquePointer, _ glyph: UInt32) -> GlyphImage {
        let scaled = pango_cairo_font_get_scaled_font(font)
        var g = cairo_glyph_t(index: UInt(glyph), x: 0, y: 0)
        var extents = cairo_text_extents_t()
        cairo_scaled_font_glyph_extents(scaled, &g, 1, &extents)
        let x0 = Int(extents.x_bearing.rounded(.down)) - 1, y0 = Int(extents.y_bearing.rounded(.down)) - 1
        let w = Int(extents.width.rounded(.up)) + 3, h = Int(extents.height.rounded(.up)) + 3
        g.x = Double(-x0); g.y = Double(-y0)
        let bits = stamp(width: w, height: h) { cr in
            cairo_set_scaled_font(cr, scaled)
            cairo_show_glyphs(cr, &g, 1)
        }
        return GlyphImage(bits: bits, dx: x0, dy: y0, id: glyphImages.count)
    }

    // MARK: Stamps (1-bit pictures of text and shapes, cached by the raster canvas)

    /// Draws with `body` on a fresh A1 surface of `width × height` and returns the bits.
    func stamp(width: Int, height: Int, _ body: (OpaquePointer) -> Void) -> Bitmap {
        // Within Cairo's image limit (the composer refuses larger elements before this).
        let w = min(max(1, width), RenderLimits.maximumSideDots), h = min(max(1, height), RenderLimits.maximumSideDots)
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_A1, Int32(w), Int32(h)) else { return Bitmap(width: 1, height: 1) }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let cr = cairo_create(surface) else { return Bitmap(width: 1, height: 1) }
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE)
        pango_cairo_update_context(cr, ctx)
        ink(cr)
        body(cr)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return Bitmap(width: 1, height: 1) }
        return Bitmap(a1: data, stride: Int(cairo_image_surface_get_stride(surface)), width: w, height: h)
    }

    /// The ink of a layout as a stamp, and the offset of the stamp from the layout's origin.
    func textStamp(_ layout: OpaquePointer) -> (Bitmap, dx: Int, dy: Int) {
        var inkRect = PangoRectangle(), logical = PangoRectangle()
        pango_layout_get_pixel_extents(layout, &inkRect, &logical)
        let dx = Int(inkRect.x) - 1, dy = Int(inkRect.y) - 1
        let bitmap = stamp(width: Int(inkRect.width) + 2, height: Int(inkRect.height) + 2) { cr in
            cairo_move_to(cr, Double(-dx), Double(-dy))
            pango_cairo_show_layout(cr, layout)
        }
        return (bitmap, dx, dy)
    }

    /// A rounded box or a slanted line as a stamp (rare shapes the canvas does not fill itself).
    func shapeStamp(_ item: DrawItem) -> (Bitmap, x: Int, y: Int) {
        switch item {
        case .box(let b):
            let x0 = Int(b.frame.x.rounded(.down)), y0 = Int(b.frame.y.rounded(.down))
            var local = b
            local.frame.x -= Double(x0); local.frame.y -= Double(y0)
            let bits = stamp(width: Int(b.frame.width.rounded(.up)) + 1, height: Int(b.frame.height.rounded(.up)) + 1) { drawBox(local, $0) }
            return (bits, x0, y0)
        case .line(let l):
            let x0 = Int((min(l.x1, l.x2) - l.thickness).rounded(.down)), y0 = Int((min(l.y1, l.y2) - l.thickness).rounded(.down))
            var local = l
            local.x1 -= Double(x0); local.x2 -= Double(x0); local.y1 -= Double(y0); local.y2 -= Double(y0)
            let bits = stamp(width: Int(abs(l.x2 - l.x1) + 2 * l.thickness) + 2, height: Int(abs(l.y2 - l.y1) + 2 * l.thickness) + 2) { drawLine(local, $0) }
            return (bits, x0, y0)
        default:
            return (Bitmap(width: 1, height: 1), 0, 0)
        }
    }

    // MARK: Images

    final class MaskBox {
        let surface: OpaquePointer
        init(_ s: OpaquePointer) { surface = s }
        deinit { cairo_surface_destroy(surface) }
    }

    /// The image thresholded to 1 bit at its frame's size, as a stamp (nil when it cannot be read).
    func imageStamp(_ item: ImageItem) -> Bitmap? {
        guard let mask = imageMask(item), let data = cairo_image_surface_get_data(mask.surface) else { return nil }
        return Bitmap(a1: data, stride: Int(cairo_image_surface_get_stride(mask.surface)),
                      width: Int(cairo_image_surface_get_width(mask.surface)), height: Int(cairo_image_surface_get_height(mask.surface)))
    }

    private func imageMask(_ item: ImageItem) -> MaskBox? {
        let w = Distance.clampedInt(item.frame.width), h = Distance.clampedInt(item.frame.height)
        guard w > 0, h > 0, w <= RenderLimits.maximumSideDots, h <= RenderLimits.maximumSideDots else { return nil }
        let cacheKey = "\(item.path)|\(w)x\(h)|\(item.threshold)"
        var mask = masks[cacheKey]
        if mask == nil {
            let path = (assets as NSString).appendingPathComponent(item.path)
            guard let src = cairo_image_surface_create_from_png(path), cairo_surface_status(src) == CAIRO_STATUS_SUCCESS,
                  cairo_image_surface_get_width(src) > 0, cairo_image_surface_get_height(src) > 0 else {
                return nil
            }
            defer { cairo_surface_destroy(src) }
            // Scale into a grey surface of the frame's size, then threshold into a 1-bit mask.
            guard let rgb = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h)) else { return nil }
            defer { cairo_surface_destroy(rgb) }
            guard cairo_surface_status(rgb) == CAIRO_STATUS_SUCCESS, let c = cairo_create(rgb) else { return nil }
            cairo_set_source_rgb(c, 1, 1, 1)
            cairo_paint(c)
            cairo_scale(c, Double(w) / Double(cairo_image_surface_get_width(src)), Double(h) / Double(cairo_image_surface_get_height(src)))
            cairo_set_source_surface(c, src, 0, 0)
            // Pad, not fade, at the image's edges: the outer rows of a logo keep their ink.
            cairo_pattern_set_extend(cairo_get_source(c), CAIRO_EXTEND_PAD)
            cairo_paint(c)
            cairo_destroy(c)
            cairo_surface_flush(rgb)
            guard let a1 = cairo_image_surface_create(CAIRO_FORMAT_A1, Int32(w), Int32(h)) else { return nil }
            guard let srcData = cairo_image_surface_get_data(rgb), let dst = cairo_image_surface_get_data(a1) else {
                cairo_surface_destroy(a1)
                return nil
            }
            let srcStride = Int(cairo_image_surface_get_stride(rgb)), dstStride = Int(cairo_image_surface_get_stride(a1))
            for y in 0..<h {
                let row = srcData + y * srcStride
                for x in 0..<w {
                    let p = row.advanced(by: x * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee }
                    let r = Int((p >> 16) & 0xff), g = Int((p >> 8) & 0xff), b = Int(p & 0xff)
                    let grey = (r * 299 + g * 587 + b * 114) / 1000
                    if grey < item.threshold { dst[y * dstStride + x >> 3] |= UInt8(1 << (x & 7)) }
                }
            }
            cairo_surface_mark_dirty(a1)
            let box = MaskBox(a1)
            masks[cacheKey] = box
            mask = box
        }
        return mask
    }
}

private extension OpaquePointer {
    var pointee_isWidthSet: Bool { pango_layout_get_width(self) >= 0 }
}

// MARK: - Glyph runs (vector output)

extension CairoPainter {
    /// A glyph at its exact position (dots, relative to the layout's top-left).
    struct PlacedGlyph {
        var id: UInt32
        var x: Double
        var y: Double
        /// Pango's advance in dots.
        var advance: Double
        /// Text of the glyph's cluster when this is the cluster's first glyph (for ToUnicode).
        var text: String?
    }

    /// Glyphs of one font on one line.
    struct GlyphRun {
        var font: OpaquePointer
        var glyphs: [PlacedGlyph]
    }

    /// ``glyphRuns(_:withText:)`` of a cached layout, computed once.
    func glyphRuns(_ box: LayoutBox) -> [GlyphRun] {
        if let runs = box.runs { return runs }
        let runs = glyphRuns(box.layout)
        box.runs = runs
        return runs
    }

    /// The glyphs of a laid-out text, run by run, with exact positions: what a PDF shows.
    func glyphRuns(_ layout: OpaquePointer, withText: Bool = true) -> [GlyphRun] {
        var runs: [GlyphRun] = []
        let textPtr = pango_layout_get_text(layout)!
        let textBytes = UnsafeRawPointer(textPtr).assumingMemoryBound(to: UInt8.self)
        let iter = pango_layout_get_iter(layout)!
        defer { pango_layout_iter_free(iter) }
        let scale = Double(PANGO_SCALE)
        repeat {
            guard let run = pango_layout_iter_get_run_readonly(iter) else { continue }
            var logical = PangoRectangle()
            pango_layout_iter_get_run_extents(iter, nil, &logical)
            let baseline = Double(pango_layout_iter_get_baseline(iter))
            guard let font = run.pointee.item.pointee.analysis.font, let glyphs = run.pointee.glyphs else { continue }
            let item = run.pointee.item.pointee
            let count = Int(glyphs.pointee.num_glyphs)
            let infos = glyphs.pointee.glyphs!
            let clusters = glyphs.pointee.log_clusters!
            var placed: [PlacedGlyph] = []
            placed.reserveCapacity(count)
            var x = Double(logical.x)
            for i in 0..<count {
                let info = infos[i]
                var text: String?
                let start = Int(clusters[i])
                if withText && (i == 0 || Int(clusters[i - 1]) != start) {
                    var end = Int(item.length)
                    var j = i + 1
                    while j < count { if Int(clusters[j]) != start { end = max(start, Int(clusters[j])); break }; j += 1 }
                    if end > start {
                        text = String(decoding: UnsafeBufferPointer(start: textBytes + Int(item.offset) + start, count: end - start), as: UTF8.self)
                    }
                }
                if info.glyph != PANGO_GLYPH_EMPTY {
                    placed.append(PlacedGlyph(id: info.glyph, x: (x + Double(info.geometry.x_offset)) / scale,
                                              y: (baseline + Double(info.geometry.y_offset) + Double(run.pointee.y_offset)) / scale,
                                              advance: Double(info.geometry.width) / scale, text: text))
                }
                x += Double(info.geometry.width)
            }
            _ = id(of: OpaquePointer(font)) // keeps the font alive for the document's lifetime
            runs.append(GlyphRun(font: OpaquePointer(font), glyphs: placed))
        } while pango_layout_iter_next_run(iter) != 0
        return runs
    }
}
