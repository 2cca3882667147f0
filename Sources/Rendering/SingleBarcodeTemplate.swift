public import LabelModel
public import Barcode

/// A template holding one barcode on a page exactly as large as the symbol with its quiet zones
/// and human-readable text: `labeld barcode`, and barcode previews.
public enum SingleBarcodeTemplate {
    /// The tallest bar ``make(symbology:data:dpi:xdim:barHeight:humanReadable:gs1:)`` draws.
    public static let maximumBarHeight = Distance.mm(500)

    /// Throws ``BarcodeError`` (zint's numbered message) when the data does not fit the symbology.
    public static func make(symbology: Symbology, data: String, dpi: Int, xdim: Int, barHeight: Distance,
                            humanReadable: Bool = true, gs1: Bool = false) throws(BarcodeError) -> Template {
        guard (1...40).contains(xdim), (72...1200).contains(dpi),
              barHeight.millimetres.isFinite, barHeight.millimetres > 0, barHeight.millimetres <= maximumBarHeight.millimetres else {
            throw BarcodeError(code: .invalidOption, message: "barcode: expected a module width of 1 to 40 dots, 72 to 1200 dpi and a bar height above 0 and at most \(Int(maximumBarHeight.millimetres)) mm, got \(xdim) dots, \(dpi) dpi, \(barHeight.millimetres) mm")
        }
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
