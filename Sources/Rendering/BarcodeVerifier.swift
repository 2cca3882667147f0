public import LabelModel
internal import CZXing
import Barcode

/// What a barcode must meet to be sent: the printer profile's (or a template check's) rules.
public struct VerificationPolicy: Sendable, Hashable, Codable {
    /// The narrowest module in printer dots: a 1-dot bar does not survive a thermal head.
    public var minXDimDots: Int
    /// The narrowest module in mils (thousandths of an inch), whatever the dpi.
    public var minXDimMils: Double
    /// The shortest bars of a linear symbol (ISO/IEC 15417 asks 6.35 mm or 15 % of its length;
    /// labels this small are common, so the default only catches a symbol cut to a sliver).
    public var minBarHeightMM: Double

    /// The printer's print gain in dots (its profile's `barWidthReduction`): the symbol is decoded
    /// as the head will print it, each bar grown back by this much.
    public var printGain: Int

    public init(minXDimDots: Int = 2, minXDimMils: Double = 5, minBarHeightMM: Double = 4, printGain: Int = 0) {
        self.minXDimDots = minXDimDots; self.minXDimMils = minXDimMils; self.minBarHeightMM = minBarHeightMM
        self.printGain = printGain
    }
    public static let standard = VerificationPolicy()
}

/// Each check a barcode goes through, with its stable code.
public enum VerificationCheck: String, Sendable, Hashable, Codable, CaseIterable {
    /// The decoder found no symbol in the symbol's region of the final raster.
    case decode = "verify.decode"
    /// It decoded, but to other text than the payload.
    case content = "verify.content"
    /// Ink other than the symbol's own over its bars, or bars missing.
    case overprint = "verify.overprint"
    /// Ink in the quiet zone beside the symbol (text, a box line, another symbol), or the quiet zone off the label.
    case quietZone = "verify.quiet-zone"
    /// Modules narrower than the minimum, in dots or mils.
    case xDimension = "verify.x-dimension"
    /// Bars outside the printable area (the label).
    case printableArea = "verify.printable-area"
    /// Bars of a linear symbol shorter than the minimum.
    case barHeight = "verify.bar-height"
}

/// One failed check of one barcode.
public struct VerificationFinding: Sendable, Hashable, Codable {
    public var check: VerificationCheck
    public var message: String
}

/// The result of verifying one barcode element on one page.
public struct BarcodeVerdict: Sendable, Hashable {
    public var element: String
    public var symbology: Symbology
    /// The payload the symbol must decode to.
    public var expected: String
    /// What the decoder read, or nil.
    public var decoded: String?
    public var findings: [VerificationFinding]
    /// Module width in dots and in mils.
    public var xDimDots: Int
    public var xDimMils: Double
    /// The symbol's bounding box (quiet zones included) on the page as printed, in dots.
    public var box: (x: Int, y: Int, width: Int, height: Int)
    public var passed: Bool { findings.isEmpty }

    public static func == (a: Self, b: Self) -> Bool {
        a.element == b.element && a.expected == b.expected && a.decoded == b.decoded && a.findings == b.findings
            && a.box == b.box && a.xDimDots == b.xDimDots
    }
    public func hash(into h: inout Hasher) { h.combine(element); h.combine(expected); h.combine(findings) }

    /// The failures as label warnings (code `verify.*`), naming element and check.
    public func warnings(page: ComposedPage) -> [LabelWarning] {
        findings.map { f in
            LabelWarning(element: element, message: f.message, page: page.pageNumber, code: f.check.rawValue, record: page.record)
        }
    }
}

/// Checks every barcode of a page on the page's final 1-bit raster — the bits that go to the
/// printer — before it is sent: the symbol's region, with its quiet zones, is cut out and
/// decoded by zxing-cpp (an independent decoder; zint draws), the decoded text must equal the
/// payload, and the region must hold exactly the symbol's bars (no text, box or other symbol over
/// the bars or in the quiet zones). Module width, bar height and printable area are checked too.
///
/// A decode is cached by the region's exact bits, so a symbol repeated on every label of a batch
/// is decoded once. Not Sendable: one per renderer.
final class BarcodeVerifier {
    let policy: VerificationPolicy
    private var cache: [CacheKey: String?] = [:]
    private(set) var decodes = 0

    /// The region's exact bits; hashed a word at a time (Hasher takes bytes one by one), compared whole.
    private struct CacheKey: Hashable {
        var symbology: Symbology
        var width: Int
        var bits: [UInt8]
        var digest: UInt64

        init(symbology: Symbology, width: Int, bits: [UInt8]) {
            self.symbology = symbology; self.width = width; self.bits = bits
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(width)
            bits.withUnsafeBytes { raw in
                let words = raw.count / 8
                for i in 0..<words { h = (h ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x100_0000_01b3; h ^= h >> 29 }
                for i in (words * 8)..<raw.count { h = (h ^ UInt64(raw[i])) &* 0x100_0000_01b3 }
            }
            digest = h
        }
        func hash(into hasher: inout Hasher) { hasher.combine(digest) }
        static func == (a: Self, b: Self) -> Bool {
            a.digest == b.digest && a.symbology == b.symbology && a.width == b.width && a.bits == b.bits
        }
    }

    init(policy: VerificationPolicy) { self.policy = policy }

    func verify(_ page: ComposedPage, bitmap: Bitmap) -> [BarcodeVerdict] {
        let pageT = QuarterTransform.turning(page.rotation, width: page.width, height: page.height)
        var verdicts: [BarcodeVerdict] = []
        for item in page.items {
            guard case .barcode(let b) = item else { continue }
            verdicts.append(verify(b, page: page, pageT, bitmap))
        }
        return verdicts
    }

    /// Quiet zones in modules (left, right; above and below for 2D symbols), by the symbology's standard.
    static func quietZone(_ s: Symbology) -> (left: Int, right: Int, vertical: Int) {
        switch s {
        case .ean13: return (11, 7, 0)
        case .ean8: return (7, 7, 0)
        case .upca: return (9, 9, 0)
        case .upce: return (9, 7, 0)
        case .code128, .code128a, .code128b, .code128c, .gs1_128, .itf14, .code39, .codabar: return (10, 10, 0)
        case .qr: return (4, 4, 4)
        case .datamatrix: return (1, 1, 1)
        case .pdf417: return (2, 2, 2)
        case .aztec: return (0, 0, 0)
        }
    }

    static func zxingFormat(_ s: Symbology) -> Int32 {
        switch s {
        case .code128, .code128a, .code128b, .code128c, .gs1_128: return Int32(CZXING_CODE128)
        case .ean13: return Int32(CZXING_EAN13)
        case .ean8: return Int32(CZXING_EAN8)
        case .upca: return Int32(CZXING_UPCA)
        case .upce: return Int32(CZXING_UPCE)
        case .itf14: return Int32(CZXING_ITF)
        case .code39: return Int32(CZXING_CODE39)
        case .codabar: return Int32(CZXING_CODABAR)
        case .qr: return Int32(CZXING_QRCODE)
        case .datamatrix: return Int32(CZXING_DATAMATRIX)
        case .pdf417: return Int32(CZXING_PDF417)
        case .aztec: return Int32(CZXING_AZTEC)
        }
    }

    /// The text a decoder reports for a symbol whose human-readable text (zint's) is `text`:
    /// digits for EAN/UPC/ITF, no start/stop characters, GS1 element strings without brackets.
    static func comparable(_ text: String, _ s: Symbology, gs1: Bool) -> String {
        switch s {
        case .ean13, .ean8, .upca, .upce, .itf14: return String(text.filter { $0.isASCII && $0.isNumber })
        case .code39: return String(text.drop { $0 == "*" }.reversed().drop { $0 == "*" }.reversed())
        case .codabar:
            let stops: Set<Character> = ["A", "B", "C", "D", "a", "b", "c", "d"]
            var t = Substring(text)
            if let f = t.first, stops.contains(f) { t = t.dropFirst() }
            if let l = t.last, stops.contains(l) { t = t.dropLast() }
            return String(t)
        default:
            if gs1 || s == .gs1_128 { return String(text.filter { !"()[]\u{1D}".contains($0) }) }
            return text
        }
    }

    private func verify(_ b: BarcodeItem, page: ComposedPage, _ pageT: QuarterTransform, _ bitmap: Bitmap) -> BarcodeVerdict {
        let t = pageT.after(.translation(b.x, b.y)).after(.turning(b.rotation, width: b.symbol.width, height: b.symbol.height))
        let m = b.symbol.dotsPerModule
        let mils = Double(m) / Double(page.dpi) * 1000
        let gs1 = b.symbology == .gs1_128 || b.encodedText.hasPrefix("[") || b.encodedText.hasPrefix("(")
        let expected = Self.comparable(b.encodedText, b.symbology, gs1: gs1)
        var verdict = BarcodeVerdict(element: b.element, symbology: b.symbology, expected: expected, decoded: nil, findings: [],
                                     xDimDots: m, xDimMils: mils, box: t.rect(0, 0, b.symbol.width, b.symbol.height))
        func fail(_ c: VerificationCheck, _ message: String) { verdict.findings.append(VerificationFinding(check: c, message: message)) }
        let bars = b.symbol.bars
        guard !bars.isEmpty else { fail(.decode, "the symbol has no bars"); return verdict }

        // The bars' extent, and for linear symbols the rows every ordinary bar covers (EAN guard
        // bars reach lower, ITF-14 bearers lie above and below: the median bar decides).
        let minX = bars.map(\.x).min()!, maxX = bars.map { $0.x + $0.width }.max()!
        let minY = bars.map(\.y).min()!, maxY = bars.map { $0.y + $0.height }.max()!
        var top = minY, bottom = maxY
        let twoD = b.symbology.isTwoDimensional
        if !twoD {
            let tops = bars.map(\.y).sorted(), bottoms = bars.map { $0.y + $0.height }.sorted()
            top = tops[tops.count / 2]; bottom = bottoms[bottoms.count / 2]
        }
        let qz = Self.quietZone(b.symbology)
        let x0 = minX - qz.left * m, x1 = maxX + qz.right * m
        let y0 = top - qz.vertical * m, y1 = bottom + qz.vertical * m
        let w = x1 - x0

        if m < policy.minXDimDots || mils + 0.005 < policy.minXDimMils {
            fail(.xDimension, "modules are \(m) dot\(m == 1 ? "" : "s") (\(Self.round(mils)) mil) wide; at least \(max(policy.minXDimDots, Int((policy.minXDimMils * Double(page.dpi) / 1000).rounded(.up)))) dots and \(Self.round(policy.minXDimMils)) mil are needed at \(page.dpi) dpi")
        }
        if !twoD {
            let mm = Double(bottom - top) * 25.4 / Double(page.dpi)
            if mm + 0.005 < policy.minBarHeightMM {
                fail(.barHeight, "bars are \(Self.round(mm)) mm high; at least \(Self.round(policy.minBarHeightMM)) mm are needed")
            }
        }
        let W = bitmap.width, H = bitmap.height
        let barsBox = t.rect(minX, minY, maxX - minX, maxY - minY)
        if barsBox.x < 0 || barsBox.y < 0 || barsBox.x + barsBox.width > W || barsBox.y + barsBox.height > H {
            fail(.printableArea, "bars run off the label (bars at \(barsBox.x),\(barsBox.y) size \(barsBox.width)×\(barsBox.height) dots on a \(W)×\(H) label)")
        }
        let zone = t.rect(x0, y0, w, y1 - y0)
        if zone.x < 0 || zone.y < 0 || zone.x + zone.width > W || zone.y + zone.height > H {
            fail(.quietZone, "the quiet zone runs off the label: \(qz.left)/\(qz.right) modules are needed beside the bars")
        }

        // The region in the page's own orientation: the final bits cut out, and the bars it must
        // hold drawn beside them; compared a byte at a time.
        let R = zone
        let actual = Self.crop(bitmap, x: R.x, y: R.y, width: R.width, height: R.height)
        var expectedBits = Bitmap(width: R.width, height: R.height)
        for r in bars {
            let ry0 = max(r.y, y0), ry1 = min(r.y + r.height, y1), rx0 = max(r.x, x0), rx1 = min(r.x + r.width, x1)
            guard ry0 < ry1, rx0 < rx1 else { continue }
            let p = t.rect(rx0, ry0, rx1 - rx0, ry1 - ry0)
            expectedBits.fill(x: p.x - R.x, y: p.y - R.y, width: p.width, height: p.height)
        }
        // The bars' own box (bitmap space, region-local): extra ink inside it is over the bars,
        // outside it in the quiet zone.
        let inner = t.rect(minX, top, maxX - minX, bottom - top)
        let bx0 = inner.x - R.x, bx1 = bx0 + inner.width, by0 = inner.y - R.y, by1 = by0 + inner.height
        let stride = actual.bytesPerRow
        var columnMask = [UInt8](repeating: 0, count: stride)
        for x in max(0, bx0)..<max(max(0, bx0), min(R.width, bx1)) { columnMask[x >> 3] |= 0x80 >> UInt8(x & 7) }
        var foreignOverBars = 0, foreignInZone = 0, missing = 0
        actual.bytes.withUnsafeBufferPointer { a in
            expectedBits.bytes.withUnsafeBufferPointer { e in
                for y in 0..<R.height {
                    let inRows = y >= by0 && y < by1
                    let base = y * stride
                    for i in 0..<stride {
                        let av = a[base + i], ev = e[base + i]
                        if av == ev { continue }
                        let extra = av & ~ev
                        missing += (ev & ~av).nonzeroBitCount
                        if inRows {
                            foreignOverBars += (extra & columnMask[i]).nonzeroBitCount
                            foreignInZone += (extra & ~columnMask[i]).nonzeroBitCount
                        } else {
                            foreignInZone += extra.nonzeroBitCount
                        }
                    }
                }
            }
        }
        if foreignInZone > 0 { fail(.quietZone, "\(foreignInZone) dots of other ink in the quiet zone (text, a box or another symbol within \(qz.left) modules of the bars)") }
        if foreignOverBars > 0 { fail(.overprint, "\(foreignOverBars) dots of other ink over the bars (text, a box or another element drawn across the symbol)") }
        if missing > 0 { fail(.overprint, "\(missing) dots of the bars are missing (something drawn in white over the symbol, or the label's edge)") }

        // Upright grey for the decoder, read from the cut-out bits through the symbol's placement.
        // A linear symbol gives rows spread over its bar height (the comparison above vouches for
        // every row in between); a 2D symbol gives all of it.
        let ox = t.tx + min(0, t.a + t.b) - R.x, oy = t.ty + min(0, t.c + t.d) - R.y
        let rows: [Int] = twoD ? Array(y0..<y1) : (1...6).map { top + (bottom - top) * $0 / 7 }
        let gh = twoD ? rows.count : rows.count * 2
        var grey = [UInt8](repeating: 255, count: w * gh)
        actual.bytes.withUnsafeBufferPointer { a in
            for (k, sy) in rows.enumerated() {
                for sx in x0..<x1 {
                    let px = t.a * sx + t.b * sy + ox, py = t.c * sx + t.d * sy + oy
                    guard px >= 0, py >= 0, px < R.width, py < R.height else { continue }
                    if a[py * stride + px >> 3] & (0x80 >> UInt8(px & 7)) != 0 {
                        if twoD { grey[k * w + sx - x0] = 0 } else { grey[2 * k * w + sx - x0] = 0; grey[(2 * k + 1) * w + sx - x0] = 0 }
                    }
                }
            }
        }
        if policy.printGain > 0 {
            // The head grows each bar (and 2D module run) by the gain: left by half, right by the rest,
            // undoing `SnappedSymbol.narrowed(by:)`. The decoder reads what will come out of the printer.
            let c = policy.printGain, right = c / 2, left = c - c / 2
            var grown = grey
            for row in 0..<gh {
                let base = row * w
                for x in 0..<w where grey[base + x] == 0 {
                    for nx in max(0, x - right)...min(w - 1, x + left) { grown[base + nx] = 0 }
                }
            }
            grey = grown
        }
        let packed = actual.bytes
        let h = gh
        let key = CacheKey(symbology: b.symbology, width: actual.width, bits: packed)
        let decoded: String?
        if let hit = cache[key] {
            decoded = hit
        } else {
            decoded = Self.decode(grey, width: w, height: h, symbology: b.symbology)
            decodes += 1
            if cache.count > 512 { cache.removeAll(keepingCapacity: true) }
            cache[key] = decoded
        }
        verdict.decoded = decoded
        if let decoded {
            let read = Self.comparable(decoded, b.symbology, gs1: gs1)
            if read != expected { fail(.content, "decodes to '\(decoded)', not '\(expected)'") }
        } else {
            fail(.decode, "zxing-cpp cannot decode the \(b.symbology.rawValue) symbol from the printed bits")
        }
        return verdict
    }

    /// zxing-cpp on an upright grey region: pure first (fast), then searching.
    static func decode(_ grey: [UInt8], width: Int, height: Int, symbology: Symbology) -> String? {
        // Pad by 2 white modules' worth of dots on each side: zxing's pure readers want a margin.
        let pad = 8
        let pw = width + 2 * pad, ph = height + 2 * pad
        var padded = [UInt8](repeating: 255, count: pw * ph)
        for y in 0..<height { for x in 0..<width { padded[(y + pad) * pw + x + pad] = grey[y * width + x] } }
        let format = zxingFormat(symbology)
        var text = [CChar](repeating: 0, count: 4096)
        var found: Int32 = 0
        for pure in [Int32(1), 0] {
            let n = padded.withUnsafeBufferPointer { g in
                czxing_read(g.baseAddress, Int32(pw), Int32(ph), Int32(pw), format, pure, &text, Int32(text.count), &found)
            }
            if n >= 0 {
                let bytes = text.prefix(Int(min(n, Int32(text.count)))).map { UInt8(bitPattern: $0) }
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return nil
    }

    /// The `width × height` bits of `bitmap` at (x, y); outside the bitmap is white.
    static func crop(_ bitmap: Bitmap, x: Int, y: Int, width: Int, height: Int) -> Bitmap {
        var out = Bitmap(width: width, height: height)
        let W = bitmap.width, H = bitmap.height, sStride = bitmap.bytesPerRow, dStride = out.bytesPerRow
        bitmap.bytes.withUnsafeBufferPointer { s in
            out.bytes.withUnsafeMutableBufferPointer { d in
                for row in 0..<height {
                    let sy = y + row
                    guard sy >= 0, sy < H else { continue }
                    let sBase = sy * sStride
                    for i in 0..<dStride {
                        let sx = x + i * 8
                        var v: UInt8
                        if sx >= 0 && sx + 15 < W {
                            let byte = sx >> 3, shift = UInt16(sx & 7)
                            let pair = UInt16(s[sBase + byte]) << 8 | UInt16(s[sBase + byte + 1])
                            v = UInt8(truncatingIfNeeded: (pair << shift) >> 8)
                        } else {
                            v = 0
                            for bit in 0..<8 {
                                let px = sx + bit
                                if px >= 0, px < W, s[sBase + px >> 3] & (0x80 >> UInt8(px & 7)) != 0 { v |= 0x80 >> UInt8(bit) }
                            }
                        }
                        // Bits past the region's width stay white.
                        let left = width - i * 8
                        if left < 8 { v &= ~(0xFF >> UInt8(left)) }
                        d[row * dStride + i] = v
                    }
                }
            }
        }
        return out
    }

    static func round(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
