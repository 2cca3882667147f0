public import LabelModel

/// The largest page and element the renderer draws. The parser keeps templates within
/// ``TemplateLimits``; these limits stop what is still too large at the chosen dpi (a 2000 mm
/// page at 1200 dpi) with a ``RenderingError`` before any bitmap is allocated.
public enum RenderLimits {
    /// Dots on one side of a page or element: Cairo's image limit.
    public static let maximumSideDots = 32_767
    /// Dots on a whole page (100 million: a 12.5 MB 1-bit page; A4 at 600 dpi is 35 million).
    public static let maximumPageDots = 100_000_000
    /// Characters of one text element laid out; longer text is cut with … and a warning.
    public static let maximumTextCharacters = 2_000

    /// Throws unless a page of `width × height` at `dpi` can be drawn.
    static func checkPage(width: Distance, height: Distance, dpi: Int, what: String, location: SourceLocation?) throws(RenderingError) {
        let w = width.dots(at: dpi).rounded(), h = height.dots(at: dpi).rounded()
        let side = Double(maximumSideDots)
        guard (72...1200).contains(dpi) else {
            throw RenderingError(code: .tooLarge, message: "\(what): dpi \(dpi) is outside 72 to 1200", location: location)
        }
        guard w >= 1, h >= 1, w <= side, h <= side, w * h <= Double(maximumPageDots) else {
            throw RenderingError(code: .tooLarge, message: "\(what) is \(describe(w)) × \(describe(h)) dots at \(dpi) dpi (\(width.roundedMillimetres) × \(height.roundedMillimetres) mm): the renderer draws pages of 1 to \(maximumSideDots) dots a side and at most \(maximumPageDots) dots in all; use a smaller page or a lower dpi", location: location)
        }
    }

    /// Throws unless every item of `page` has finite coordinates and sizes of at most ``maximumSideDots``.
    static func checkItems(_ page: ComposedPage, template: Template) throws(RenderingError) {
        for item in page.items {
            let (name, numbers, sizes) = item.geometry
            let side = Double(maximumSideDots)
            if numbers.contains(where: { !$0.isFinite || abs($0) > 64 * side }) || sizes.contains(where: { !$0.isFinite || $0 > side }) {
                let element = template.elements.first { name == $0.name || name.hasPrefix($0.name + ".") }
                throw RenderingError(code: .tooLarge, message: "element '\(name)' is larger or farther out than the renderer draws at \(page.dpi) dpi (at most \(maximumSideDots) dots a side): make it smaller", location: element?.location, element: name)
            }
        }
    }

    private static func describe(_ dots: Double) -> String {
        dots.isFinite && abs(dots) < 1e15 ? "\(Int(dots))" : "\(dots)"
    }
}

extension DrawItem {
    /// The element name, every coordinate, and the sizes in dots.
    var geometry: (name: String, numbers: [Double], sizes: [Double]) {
        switch self {
        case .text(let t): return (t.element, [t.frame.x, t.frame.y, t.frame.width, t.frame.height], [t.frame.width, t.frame.height])
        case .box(let b): return (b.element, [b.frame.x, b.frame.y, b.frame.width, b.frame.height, b.thickness, b.radius], [b.frame.width, b.frame.height, b.thickness])
        case .image(let i): return (i.element, [i.frame.x, i.frame.y, i.frame.width, i.frame.height], [i.frame.width, i.frame.height])
        case .line(let l): return (l.element, [l.x1, l.y1, l.x2, l.y2, l.thickness], [abs(l.x2 - l.x1) + 2 * l.thickness, abs(l.y2 - l.y1) + 2 * l.thickness])
        case .barcode(let b):
            let size = b.boundingSize
            return (b.element, [Double(b.x), Double(b.y)], [Double(size.width), Double(size.height)])
        }
    }
}
