public import LabelModel
public import Barcode

/// A template holding one barcode on a page exactly as large as the symbol with its quiet zones
/// and human-readable text: `labeld barcode`, and barcode previews.
public enum SingleBarcodeTemplate {
    /// Throws ``BarcodeError`` (zint's numbered message) when the data does not fit the symbology.
    public static func make(symbology: Symbology, data: String, dpi: Int, xdim: Int, barHeight: Distance,
                            humanReadable: Bool = true, gs1: Bool = false) throws(BarcodeError) -> Template {
        var request = BarcodeRequest(symbology: symbology, data: data)
        request.humanReadable = humanReadable
        request.gs1 = gs1
        let barDots = max(1, barHeight.wholeDots(at: dpi))
        request.barHeight = Double(barDots) / Double(xdim)
        let snapped = try BarcodeEncoder.encode(request).snapped(dotsPerModule: xdim)
        var element = BarcodeElement(symbology: symbology, data: .literal(data), x: .zero, y: .zero, height: .dots(Double(barDots), dpi: dpi))
        element.xdimDots = xdim
        element.humanReadable = humanReadable
        element.gs1 = gs1
        let page = PageSpec(width: .dots(Double(snapped.width), dpi: dpi), height: .dots(Double(snapped.height), dpi: dpi), dpi: dpi)
        return Template(name: "barcode-\(symbology.rawValue)", file: "<barcode>", page: page,
                        elements: [Element(name: "barcode", location: SourceLocation(file: "<barcode>", line: 1, column: 1), content: .barcode(element))])
    }
}
