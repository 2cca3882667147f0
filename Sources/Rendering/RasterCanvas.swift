internal import CCairoPango
import LabelModel
import Barcode
import Foundation

/// Turns composed pages into 1-bit ``Bitmap``s at the printer's dots.
///
/// Rectangles (bars, boxes, rules) are filled straight into the bitmap; text and rare shapes are
/// drawn once by Cairo/Pango as 1-bit "stamps" and cached, then ORed in at whole-dot positions.
/// Waybill batches repeat most strings (captions, product names, sender), so most labels need
/// no glyph rendering at all. Not Sendable.
final class RasterCanvas {
    let painter: CairoPainter
    /// Reused between pages; copy-on-write keeps a page a caller still holds intact.
    private var bitmap = Bitmap(width: 0, height: 0)
    private var stamps: [StampKey: Stamp] = [:]
    private var stampBytes = 0

    struct StampKey: Hashable {
        var layout: CairoPainter.LayoutKey?
        var shape: String?
        var rotation: LabelModel.Rotation
    }

    struct Stamp {
        var bits: Bitmap
        /// Offset of the (unrotated) stamp from the item's origin.
        var dx: Int
        var dy: Int
        /// Unrotated size.
        var width: Int
        var height: Int
    }

    init(painter: CairoPainter) { self.painter = painter }

    func render(_ page: ComposedPage) -> (Bitmap, [LabelWarning]) {
        let w = page.mediaWidth, h = page.mediaHeight
        if bitmap.width != w || bitmap.height != h {
            bitmap = Bitmap(width: w, height: h)
        } else {
            bitmap.bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { _ = memset(base, 0, $0.count) } }
        }
        let pageTransform = QuarterTransform.turning(page.rotation, width: page.width, height: page.height)
        var warnings = page.warnings
        // Drawn into a local (moved out of the stored property and back): no exclusivity checks
        // on a class property for every glyph.
        var b = Bitmap(width: 0, height: 0)
        swap(&b, &bitmap)
        defer { swap(&b, &bitmap) }
        for item in page.items {
            switch item {
            case .box(let box): drawBox(box, item, pageTransform, &b)
            case .line(let l): drawLine(l, item, pageTransform, &b)
            case .text(let t): warnings += drawText(t, page: page, pageTransform, &b)
            case .barcode(let code): drawBarcode(code, page: page, pageTransform, &b)
            case .image(let i):
                if let stamp = cachedStamp(StampKey(shape: "image|\(i.path)|\(Int(i.frame.width))x\(Int(i.frame.height))|\(i.threshold)", rotation: pageTransform.rotation), {
                    painter.imageStamp(i).map { Stamp(bits: $0, dx: 0, dy: 0, width: $0.width, height: $0.height) }
                }) {
                    place(stamp, x: Int(i.frame.x), y: Int(i.frame.y), pageTransform, &b)
                } else {
                    warnings.append(LabelWarning(element: i.element, message: "image '\(i.path)' could not be read as PNG from \(painter.assets)", page: page.pageNumber))
                }
            }
        }
        return (b, warnings)
    }

    private func fill(_ t: QuarterTransform, _ x: Int, _ y: Int, _ w: Int, _ h: Int, ink: Bool = true, _ b: inout Bitmap) {
        let r = t.rect(x, y, w, h)
        b.fill(x: r.x, y: r.y, width: r.width, height: r.height, ink: ink)
    }

    private func place(_ stamp: Stamp, x: Int, y: Int, _ t: QuarterTransform, clear: Bool = false, _ b: inout Bitmap) {
        let r = t.rect(x + stamp.dx, y + stamp.dy, stamp.width, stamp.height)
        b.blit(stamp.bits, x: r.x, y: r.y, clear: clear)
    }

    private func cachedStamp(_ key: StampKey, _ make: () -> Stamp?) -> Stamp? {
        if let s = stamps[key] { return s }
        guard var s = make() else { return nil }
        s.bits = s.bits.rotated(key.rotation)
        if stampBytes > 32 << 20 { stamps.removeAll(keepingCapacity: true); stampBytes = 0 }
        stamps[key] = s
        stampBytes += s.bits.bytes.count + 64
        return s
    }

    private func drawBox(_ b: BoxItem, _ item: DrawItem, _ t: QuarterTransform, _ page: inout Bitmap) {
        let x = Int(b.frame.x), y = Int(b.frame.y), w = Int(b.frame.width), h = Int(b.frame.height), k = Int(b.thickness)
        if b.radius > 0 {
            let key = StampKey(shape: "box|\(w)x\(h)|\(k)|\(b.radius)|\(b.filled)|\(b.frame.x - Double(x))|\(b.frame.y - Double(y))", rotation: t.rotation)
            if let stamp = cachedStamp(key, {
                let (bits, sx, sy) = painter.shapeStamp(item)
                return Stamp(bits: bits, dx: sx - x, dy: sy - y, width: bits.width, height: bits.height)
            }) {
                place(stamp, x: x, y: y, t, &page)
            }
            return
        }
        if b.filled { fill(t, x, y, w, h, &page); return }
        fill(t, x, y, w, k, &page)
        fill(t, x, y + h - k, w, k, &page)
        fill(t, x, y + k, k, h - 2 * k, &page)
        fill(t, x + w - k, y + k, k, h - 2 * k, &page)
    }

    private func drawLine(_ l: LineItem, _ item: DrawItem, _ t: QuarterTransform, _ page: inout Bitmap) {
        let k = Int(l.thickness)
        if l.y1 == l.y2 {
            fill(t, Int(min(l.x1, l.x2)), Int(l.y1), Int(abs(l.x2 - l.x1)), k, &page)
        } else if l.x1 == l.x2 {
            fill(t, Int(l.x1), Int(min(l.y1, l.y2)), k, Int(abs(l.y2 - l.y1)), &page)
        } else {
            let (bits, sx, sy) = painter.shapeStamp(item)
            place(Stamp(bits: bits.rotated(t.rotation), dx: 0, dy: 0, width: bits.width, height: bits.height), x: sx, y: sy, t, &page)
        }
    }

    private func drawText(_ item: TextItem, page: ComposedPage, _ t: QuarterTransform, _ b: inout Bitmap) -> [LabelWarning] {
        let f = item.frame
        if item.style.inverted { fill(t, Int(f.x), Int(f.y), Int(f.width), Int(f.height), &b) }
        guard let fitted = painter.fitText(item, page: page) else { return [] }
        drawLayout(fitted.box, key: fitted.key, x: Int(fitted.x), y: Int(fitted.y), t, clear: item.style.inverted, &b)
        return fitted.warnings
    }

    /// Glyph by glyph from the glyph cache; a layout with glyphs missing from the fonts (drawn as
    /// hex boxes by Pango) goes through Cairo once as a whole-layout stamp.
    private func drawLayout(_ box: CairoPainter.LayoutBox, key: CairoPainter.LayoutKey, x: Int, y: Int, _ t: QuarterTransform, clear: Bool = false, _ page: inout Bitmap) {
        if t.rotation == .none, let placements = painter.glyphPlacements(box) {
            // Through `t` like every other path: a barcode's digits are placed in the symbol's own
            // coordinates, which `t` moves to where the symbol is on the page.
            for p in placements {
                let r = t.rect(x + p.x + p.image.dx, y + p.y + p.image.dy, p.image.bits.width, p.image.bits.height)
                page.blit(p.image.bits, x: r.x, y: r.y, clear: clear)
            }
            return
        }
        let drawn = painter.forEachGlyph(box) { image, gx, gy in
            var bits = image.bits
            if t.rotation != .none {
                let k = RotatedGlyphKey(glyph: image.id, rotation: t.rotation)
                if let r = rotatedGlyphCache[k] { bits = r } else { bits = bits.rotated(t.rotation); rotatedGlyphCache[k] = bits }
            }
            let r = t.rect(x + gx + image.dx, y + gy + image.dy, image.bits.width, image.bits.height)
            page.blit(bits, x: r.x, y: r.y, clear: clear)
        }
        if drawn { return }
        if let stamp = cachedStamp(StampKey(layout: key, rotation: t.rotation), {
            let (bits, dx, dy) = painter.textStamp(box.layout)
            return Stamp(bits: bits, dx: dx, dy: dy, width: bits.width, height: bits.height)
        }) {
            place(stamp, x: x, y: y, t, clear: clear, &page)
        }
    }

    private struct RotatedGlyphKey: Hashable {
        var glyph: Int
        var rotation: LabelModel.Rotation
    }
    private var rotatedGlyphCache: [RotatedGlyphKey: Bitmap] = [:]

    private func drawBarcode(_ b: BarcodeItem, page: ComposedPage, _ pageTransform: QuarterTransform, _ bitmap: inout Bitmap) {
        let local = QuarterTransform.translation(b.x, b.y)
            .after(.turning(b.rotation, width: b.symbol.width, height: b.symbol.height))
        let t = pageTransform.after(local)
        for bar in b.symbol.bars { fill(t, bar.x, bar.y, bar.width, bar.height, &bitmap) }
        for text in b.symbol.texts {
            let placed = painter.barcodeText(text, font: b.humanReadableFont, dpi: page.dpi)
            drawLayout(placed.box, key: placed.key, x: Int(placed.x), y: Int(placed.y), t, &bitmap)
        }
    }
}
