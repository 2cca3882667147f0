public import LabelModel

/// A rectangle in module units (1 = one module, the narrowest bar).
public struct ModuleRect: Sendable, Hashable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

/// A piece of human-readable text under a barcode, in module units. `y` is the baseline.
public struct SymbolText: Sendable, Hashable {
    public enum Anchor: Sendable, Hashable { case center, left, right }
    public var text: String
    public var x: Double
    public var y: Double
    public var size: Double
    public var anchor: Anchor
}

/// An encoded symbol: geometry in module units, independent of printer and dpi. Sendable.
public struct BarcodeSymbol: Sendable, Hashable {
    public var symbology: Symbology
    /// The data as encoded (with a computed check digit where the symbology adds one).
    public var encodedText: String
    /// Size in modules, quiet zones and human-readable text included.
    public var width: Double
    public var height: Double
    public var bars: [ModuleRect]
    public var texts: [SymbolText]
    /// Rows × columns of modules for 2D symbols (rows is 1 for linear symbols).
    public var rows: Int
    public var columns: Int
    /// zint warnings (returned, not thrown).
    public var warnings: [String]

    /// The geometry in whole printer dots: every bar is `dotsPerModule` × its module width, and
    /// starts on a dot boundary.
    public func snapped(dotsPerModule m: Int) -> SnappedSymbol {
        let k = Double(m)
        func r(_ v: Double) -> Int { Int((v * k).rounded()) }
        let rects = bars.map { b in
            DotRect(x: r(b.x), y: r(b.y), width: max(1, r(b.x + b.width) - r(b.x)), height: max(1, r(b.y + b.height) - r(b.y)))
        }
        // Human-readable text sits clear of the ordinary bars (EAN's guard bars reach down beside
        // it; the median bar is an ordinary one) by at least one module, whatever its font size.
        let bottoms = rects.map { $0.y + $0.height }.sorted()
        let clear = bottoms.isEmpty ? 0 : Double(bottoms[bottoms.count / 2] + m)
        let texts = self.texts.map { t in
            SnappedText(text: t.text, x: t.x * k, baseline: t.y * k, size: t.size * k, anchor: t.anchor, topAtLeast: clear)
        }
        return SnappedSymbol(width: r(width), height: r(height), dotsPerModule: m, bars: rects, texts: texts)
    }
}

/// A rectangle in whole printer dots.
public struct DotRect: Sendable, Hashable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
}

public struct SnappedText: Sendable, Hashable {
    public var text: String
    public var x: Double
    public var baseline: Double
    /// Font size in dots (zint's suggestion, scaled).
    public var size: Double
    public var anchor: SymbolText.Anchor
    /// The text's ink starts no higher than this (dots): one module below the bars above it.
    public var topAtLeast: Double = 0
}

/// A symbol on the printer's dot grid.
public struct SnappedSymbol: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var dotsPerModule: Int
    public var bars: [DotRect]
    public var texts: [SnappedText]
}

extension SnappedSymbol {
    /// Every bar (and run of 2D modules) `dots` narrower, centred on where it was (the odd dot
    /// comes off the right), never below one dot: what a thermal head that grows bars by `dots`
    /// prints at the designed widths. Spaces widen by as much; positions stay on whole dots.
    public func narrowed(by dots: Int) -> SnappedSymbol {
        guard dots > 0 else { return self }
        var s = self
        s.bars = bars.map { b in
            let cut = min(dots, b.width - 1)
            return DotRect(x: b.x + cut / 2, y: b.y, width: b.width - cut, height: b.height)
        }
        return s
    }
}
