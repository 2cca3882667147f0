public import LabelModel
public import Barcode

/// One page of one label, laid out in printer dots with all data bound and barcodes encoded:
/// what a painter draws. Pure values, Sendable, no Cairo.
public struct ComposedPage: Sendable {
    /// Design size in dots (before `rotation`).
    public var width: Int
    public var height: Int
    public var rotation: Rotation
    public var dpi: Int
    public var items: [DrawItem]
    /// Copies of this page to print (`^PQ` in ZPL).
    public var copies: Int
    /// 1-based page number and page count of this label (continuation labels: `2/3`).
    public var pageNumber: Int
    public var pageCount: Int
    /// Index of the record in the batch.
    public var record: Int
    public var warnings: [LabelWarning]
    /// Exact design size in PostScript points (the PDF page size, before rotation).
    public var widthPoints: Double
    public var heightPoints: Double
    /// The template's `min_text_size` (pt): text drawn smaller is warned about.
    public var minTextSize: Double = 6

    /// Size of the printed medium in dots, after rotation.
    public var mediaWidth: Int { rotation.swapsAxes ? height : width }
    public var mediaHeight: Int { rotation.swapsAxes ? width : height }
}

public enum DrawItem: Sendable {
    case text(TextItem)
    case barcode(BarcodeItem)
    case box(BoxItem)
    case line(LineItem)
    case image(ImageItem)
}

/// A rectangle in dots (whole dots for positions and sizes of boxes and frames).
public struct DotFrame: Sendable, Hashable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) { self.x = x; self.y = y; self.width = width; self.height = height }
}

public struct TextItem: Sendable {
    public var element: String
    public var frame: DotFrame
    public var text: String
    public var style: TextElement
}

public struct BarcodeItem: Sendable {
    public var element: String
    /// Top-left of the symbol (quiet zones included), in whole dots.
    public var x: Int
    public var y: Int
    public var symbol: SnappedSymbol
    public var rotation: Rotation
    public var humanReadableFont: FontSpec
    public var encodedText: String
    public var symbology: Symbology

    /// The symbol's bounding box after rotation.
    public var boundingSize: (width: Int, height: Int) {
        rotation.swapsAxes ? (symbol.height, symbol.width) : (symbol.width, symbol.height)
    }
}

public struct BoxItem: Sendable {
    public var element: String
    public var frame: DotFrame
    public var thickness: Double
    public var radius: Double
    public var filled: Bool
}

public struct LineItem: Sendable {
    public var element: String
    public var x1: Double, y1: Double, x2: Double, y2: Double
    public var thickness: Double
}

public struct ImageItem: Sendable {
    public var element: String
    public var frame: DotFrame
    public var path: String
    public var threshold: Int
}
