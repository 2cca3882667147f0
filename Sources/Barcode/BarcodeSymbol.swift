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
        let texts = self.texts.map { t in
            SnappedText(text: t.text, x: t.x * k, baseline: t.y * k, size: t.size * k, anchor: t.anchor)
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
}

/// A symbol on the printer's dot grid.
public struct SnappedSymbol: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var dotsPerModule: Int
    public var bars: [DotRect]
    public var texts: [SnappedText]
}
