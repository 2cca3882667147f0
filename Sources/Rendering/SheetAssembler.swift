public import LabelModel

/// Puts label pages onto sheets (A4 label stock): copies fill cells left to right, top to bottom;
/// a sheet is handed back when full, the last one by ``finish()``.
public struct SheetAssembler: Sendable {
    public let layout: SheetLayout
    public let dpi: Int
    private var current: ComposedPage?
    private var cell = 0
    private var sheets = 0

    public init(layout: SheetLayout, dpi: Int) {
        self.layout = layout
        self.dpi = dpi
    }

    /// Adds one label (each of its copies takes a cell); returns the sheets it completed.
    public mutating func add(_ label: ComposedPage) -> [ComposedPage] {
        var done: [ComposedPage] = []
        for _ in 0..<max(0, label.copies) {
            if current == nil {
                sheets += 1
                current = ComposedPage(width: layout.width.wholeDots(at: dpi), height: layout.height.wholeDots(at: dpi), rotation: .none, dpi: dpi,
                                       items: [], copies: 1, pageNumber: sheets, pageCount: 0, record: label.record, warnings: [],
                                       widthPoints: layout.width.points, heightPoints: layout.height.points, minTextSize: label.minTextSize)
            }
            let column = cell % layout.columns, row = cell / layout.columns
            let dx = (layout.originX + layout.pitchX * Double(column)).dots(at: dpi).rounded()
            let dy = (layout.originY + layout.pitchY * Double(row)).dots(at: dpi).rounded()
            current!.items += label.items.map { $0.offset(dx, dy) }
            current!.warnings += label.warnings
            cell += 1
            if cell == layout.columns * layout.rows {
                done.append(current!)
                current = nil
                cell = 0
            }
        }
        return done
    }

    /// The last, partly filled sheet, if any.
    public mutating func finish() -> [ComposedPage] {
        defer { current = nil; cell = 0 }
        return current.map { [$0] } ?? []
    }
}

extension DrawItem {
    /// The item moved by whole dots.
    public func offset(_ dx: Double, _ dy: Double) -> DrawItem {
        switch self {
        case .text(var t): t.frame.x += dx; t.frame.y += dy; return .text(t)
        case .box(var b): b.frame.x += dx; b.frame.y += dy; return .box(b)
        case .image(var i): i.frame.x += dx; i.frame.y += dy; return .image(i)
        case .line(var l): l.x1 += dx; l.x2 += dx; l.y1 += dy; l.y2 += dy; return .line(l)
        case .barcode(var b): b.x += Int(dx); b.y += Int(dy); return .barcode(b)
        }
    }
}
