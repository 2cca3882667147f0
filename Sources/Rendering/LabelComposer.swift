public import LabelModel
import Barcode

/// Binds one data record to a template at a dpi: evaluates conditions and bindings, lays out repeats
/// (summary rows or continuation pages), encodes and dot-snaps barcodes, and reports elements that
/// run off the page. Throws ``RenderingError`` naming the element, file:line:col and JSON path.
public struct LabelComposer: Sendable {
    public let template: Template
    public let dpi: Int
    /// Carrier profiles; a template naming a carrier needs its profile here.
    public let carriers: [String: CarrierProfile]
    /// The seller's limits for named repeats (the waybill's `products` box): at most `maxRows`
    /// rows (never more than the template's), and summary or continuation on overflow.
    public let repeatLimits: [String: RepeatLimit]

    public struct RepeatLimit: Sendable, Hashable {
        public enum Mode: Sendable, Hashable { case summary, continuation }
        public var maxRows: Int?
        public var overflow: Mode?
        public init(maxRows: Int? = nil, overflow: Mode? = nil) { self.maxRows = maxRows; self.overflow = overflow }
    }

    /// Print gain compensation: every bar drawn this many dots narrower (spaces wider), on whole dots.
    public var barWidthReduction = 0

    public init(template: Template, dpi: Int? = nil, carriers: [String: CarrierProfile] = [:], repeatLimits: [String: RepeatLimit] = [:],
                barWidthReduction: Int = 0) {
        self.barWidthReduction = barWidthReduction
        self.template = template
        self.dpi = dpi ?? template.page.dpi
        self.carriers = carriers
        self.repeatLimits = repeatLimits
    }

    /// A repeat with the seller's limits applied.
    func effective(_ r: RepeatElement, name: String) -> RepeatElement {
        guard let limit = repeatLimits[name] else { return r }
        var e = r
        if let m = limit.maxRows { e.maxRows = max(1, min(r.maxRows, m)) }
        switch (limit.overflow, r.overflow) {
        case (.continuation?, .summary): e.overflow = .continuation
        case (.summary?, .continuation):
            // The summary row takes the first text style of the row.
            var font = FontSpec()
            for child in r.elements { if case .text(let t) = child.content { font = t.font; break } }
            let width = template.page.width - r.x
            var summary = TextElement(frame: Frame(x: r.x, y: r.y, width: width, height: r.rowHeight),
                                      text: (try? TextTemplate.parse("… 외 {{remaining}}건")) ?? .literal("…"), font: font)
            summary.font.bold = true
            summary.wrap = false
            e.overflow = .summary(summary)
        default: break
        }
        return e
    }

    var pageWidth: Int { template.page.width.wholeDots(at: dpi) }
    var pageHeight: Int { template.page.height.wholeDots(at: dpi) }

    /// Composes the pages of one label (more than one when a repeat continues onto extra labels).
    public func compose(_ record: DataValue, index: Int = 0) throws(RenderingError) -> [ComposedPage] {
        do {
            return try composeThrowingModel(record, index: index)
        } catch let error as LabelModelError {
            throw RenderingError(error, record: index)
        } catch let error as RenderingError {
            var e = error
            e.record = index
            throw e
        } catch {
            throw RenderingError(code: .data, message: "\(error)", record: index)
        }
    }

    private func composeThrowingModel(_ record: DataValue, index: Int) throws -> [ComposedPage] {
        try RenderLimits.checkPage(width: template.page.width, height: template.page.height, dpi: dpi, what: "\(template.file): the page", location: nil)
        if let sheet = template.sheet {
            try RenderLimits.checkPage(width: sheet.width, height: sheet.height, dpi: dpi, what: "\(template.file): the sheet", location: nil)
        }
        var scope = BindingScope(record: record)
        if let named = template.carrier {
            // A generic waybill prints any carrier's shipment: it takes the profile of the carrier
            // the record names (its number rule, grouping, masking, name), when there is one.
            var id = named
            if named == "generic", let carrier = record["carrier"]?.text, carrier != named, carriers[carrier] != nil { id = carrier }
            guard let profile = carriers[id] else {
                throw LabelModelError(code: .invalidTemplate, message: "carrier '\(id)' has no profile in carriers.yaml (known: \(carriers.keys.sorted().joined(separator: ", ")))", location: SourceLocation(file: template.file, line: 1, column: 1))
            }
            let (value, path) = scope.lookup(template.waybillField)
            guard let number = value?.text, !number.isEmpty else {
                throw LabelModelError(code: .data, message: "missing waybill number '\(template.waybillField.joined(separator: "."))' for \(profile.name)", dataPath: path)
            }
            do { try profile.validate(number) } catch {
                var e = error
                e.dataPath = path
                throw e
            }
            scope = scope.binding("profile", to: profile.dataValue, path: "profile")
        }
        var copies = 1
        if let c = template.copies {
            let text = try scope.evaluate(c)
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (0...10_000).contains(n) else {
                throw LabelModelError(code: .data, message: "copies '\(c.source)' gave '\(text)': expected a whole number from 0 to 10000", location: nil)
            }
            copies = n
        }
        // How many pages: the largest continuation repeat decides.
        var pageCount = 1
        for element in template.elements {
            guard case .rows(let declared) = element.content, conditionHolds(element, scope) else { continue }
            let r = effective(declared, name: element.name)
            guard case .continuation = r.overflow else { continue }
            let count = try items(of: r, element: element, scope: scope).count
            pageCount = max(pageCount, (count + r.maxRows - 1) / r.maxRows)
        }
        var pages: [ComposedPage] = []
        for pageNumber in 1...pageCount {
            var pageScope = scope
            pageScope = pageScope.binding("page", to: .number(Double(pageNumber)), path: "page")
                .binding("pages", to: .number(Double(pageCount)), path: "pages")
            var page = ComposedPage(width: pageWidth, height: pageHeight, rotation: template.page.rotation, dpi: dpi, items: [],
                                    copies: copies, pageNumber: pageNumber, pageCount: pageCount, record: index, warnings: [],
                                    widthPoints: template.page.width.points, heightPoints: template.page.height.points,
                                    minTextSize: template.minTextSize)
            for element in template.elements where pageNumber == 1 || element.onContinuation || isContinuationRepeat(element) {
                try add(element, scope: pageScope, offset: (0, 0), page: &page, pageNumber: pageNumber, record: index)
            }
            try RenderLimits.checkItems(page, template: template)
            pages.append(page)
        }
        return pages
    }

    func isContinuationRepeat(_ e: Element) -> Bool {
        if case .rows(let r) = e.content, case .continuation = effective(r, name: e.name).overflow { return true }
        return false
    }

    func conditionHolds(_ e: Element, _ scope: BindingScope) -> Bool {
        guard let c = e.condition else { return true }
        return scope.holds(c)
    }

    func items(of r: RepeatElement, element: Element, scope: BindingScope) throws(LabelModelError) -> [(DataValue, String)] {
        let (value, path) = scope.lookup(r.items)
        switch value {
        case .array(let list)?: return list.enumerated().map { ($1, "\(path)[\($0)]") }
        case .null?, nil: throw LabelModelError(code: .data, message: "missing list '\(r.items.joined(separator: "."))' for the repeat (an empty list [] prints no rows)", dataPath: path, element: element.name)
        case let other?: throw LabelModelError(code: .data, message: "'\(r.items.joined(separator: "."))' is a \(other.typeName), expected a list", dataPath: path, element: element.name)
        }
    }

    func dots(_ d: Distance) -> Double { d.dots(at: dpi).rounded() }

    func frame(_ f: Frame, _ offset: (Double, Double)) -> DotFrame {
        DotFrame(x: dots(f.x) + offset.0, y: dots(f.y) + offset.1, width: dots(f.width), height: dots(f.height))
    }

    private func add(_ element: Element, scope outer: BindingScope, offset: (Double, Double), page: inout ComposedPage, pageNumber: Int, record: Int) throws {
        guard conditionHolds(element, outer) else { return }
        var scope = outer
        scope.element = element.name
        switch element.content {
        case .text(let t):
            let text = try scope.evaluate(t.text)
            let f = frame(t.frame, offset)
            page.items.append(.text(TextItem(element: element.name, frame: f, text: text, style: t)))
            checkBounds(element.name, f, &page)
        case .box(let b):
            let f = frame(b.frame, offset)
            page.items.append(.box(BoxItem(element: element.name, frame: f, thickness: max(1, dots(b.thickness)), radius: dots(b.radius), filled: b.filled)))
            checkBounds(element.name, f, &page)
        case .line(let l):
            let item = LineItem(element: element.name, x1: dots(l.x1) + offset.0, y1: dots(l.y1) + offset.1, x2: dots(l.x2) + offset.0, y2: dots(l.y2) + offset.1, thickness: max(1, dots(l.thickness)))
            page.items.append(.line(item))
            checkBounds(element.name, DotFrame(x: min(item.x1, item.x2), y: min(item.y1, item.y2), width: abs(item.x2 - item.x1), height: abs(item.y2 - item.y1)), &page)
        case .image(let i):
            let f = frame(i.frame, offset)
            page.items.append(.image(ImageItem(element: element.name, frame: f, path: i.file, threshold: i.threshold)))
            checkBounds(element.name, f, &page)
        case .barcode(let b):
            let item = try barcode(b, element: element, scope: scope, offset: offset, page: &page)
            page.items.append(.barcode(item))
            let size = item.boundingSize
            checkBounds(element.name, DotFrame(x: Double(item.x), y: Double(item.y), width: Double(size.width), height: Double(size.height)), &page)
        case .rows(let declared):
            let r = effective(declared, name: element.name)
            let all = try items(of: r, element: element, scope: scope)
            var shown = all
            var summary: (TextElement, Int)?
            switch r.overflow {
            case .summary(let s):
                if all.count > r.maxRows {
                    shown = Array(all.prefix(r.maxRows - 1))
                    summary = (s, all.count - shown.count)
                }
            case .continuation:
                let start = (pageNumber - 1) * r.maxRows
                shown = start < all.count ? Array(all[start..<min(all.count, start + r.maxRows)]) : []
            }
            let rowHeight = r.rowHeight.dots(at: dpi)
            let base = (dots(r.x) + offset.0, dots(r.y) + offset.1)
            for (row, (value, path)) in shown.enumerated() {
                let number: Int
                if case .continuation = r.overflow { number = (pageNumber - 1) * r.maxRows + row + 1 } else { number = row + 1 }
                let rowScope = scope.binding(r.itemName, to: value, path: path).binding("index", to: .number(Double(number)), path: "index")
                let rowOffset = (base.0, base.1 + (Double(row) * rowHeight).rounded())
                for child in r.elements {
                    try add(child, scope: rowScope, offset: rowOffset, page: &page, pageNumber: pageNumber, record: record)
                }
            }
            if let (s, remaining) = summary {
                let rowScope = scope.binding("remaining", to: .number(Double(remaining)), path: "remaining")
                    .binding("count", to: .number(Double(all.count)), path: "count")
                let text = try rowScope.evaluate(s.text)
                var f = frame(s.frame, (offset.0, offset.1))
                f.y += (Double(shown.count) * rowHeight).rounded()
                page.items.append(.text(TextItem(element: element.name + ".summary", frame: f, text: text, style: s)))
            }
        }
    }

    private func barcode(_ b: BarcodeElement, element: Element, scope: BindingScope, offset: (Double, Double), page: inout ComposedPage) throws -> BarcodeItem {
        let data = try scope.evaluate(b.data)
        var request = BarcodeRequest(symbology: b.symbology, data: data)
        request.humanReadable = b.humanReadable
        request.quietZones = b.quietZones
        request.gs1 = b.gs1
        request.errorCorrection = b.errorCorrection
        request.size = b.size
        let barDots = max(1, b.height.wholeDots(at: dpi))
        let widthDots = b.width.map { Distance.clampedInt(dots($0)) }
        do {
            var m: Int
            if let fixed = b.xdimDots {
                m = fixed
            } else if let x = b.xdim {
                m = max(1, Int(x.dots(at: dpi).rounded()))
            } else {
                let probe = try BarcodeEncoder.encode(request)
                m = probe.width > 0 ? Distance.clampedInt(Double(widthDots ?? 0) / probe.width) : 1
                if m < 1 {
                    throw BarcodeError(code: .tooWide, message: "\(b.symbology.rawValue) '\(data)' needs \(Int(probe.width)) modules, but 'width' is only \(widthDots ?? 0) dots at \(dpi) dpi: widen the element or shorten the data")
                }
            }
            request.barHeight = Double(barDots) / Double(m)
            let symbol = try BarcodeEncoder.encode(request)
            var snapped = symbol.snapped(dotsPerModule: m)
            if barWidthReduction > 0 { snapped = snapped.narrowed(by: barWidthReduction) }
            var x = Distance.clampedInt(dots(b.x) + offset.0)
            let y = Distance.clampedInt(dots(b.y) + offset.1)
            let along = b.rotation.swapsAxes ? snapped.height : snapped.width
            if let w = widthDots {
                if along > w {
                    page.warnings.append(LabelWarning(element: element.name, message: "barcode is \(along) dots wide, more than its width of \(w) dots; it may overlap its neighbours", page: page.pageNumber))
                } else {
                    switch b.align {
                    case .left: break
                    case .center: x += (w - along) / 2
                    case .right: x += w - along
                    }
                }
            }
            for w in symbol.warnings {
                page.warnings.append(LabelWarning(element: element.name, message: "zint: \(w)", page: page.pageNumber))
            }
            return BarcodeItem(element: element.name, x: x, y: y, symbol: snapped, rotation: b.rotation, humanReadableFont: b.humanReadableFont,
                               encodedText: symbol.encodedText, symbology: b.symbology)
        } catch let error as BarcodeError {
            throw RenderingError(error, element: element.name, location: element.location)
        }
    }

    private func checkBounds(_ name: String, _ f: DotFrame, _ page: inout ComposedPage) {
        let overRight = f.x + f.width - Double(page.width)
        let overBottom = f.y + f.height - Double(page.height)
        var sides: [String] = []
        if f.x < -0.5 { sides.append("left edge by \(mm(-f.x))") }
        if f.y < -0.5 { sides.append("top edge by \(mm(-f.y))") }
        if overRight > 0.5 { sides.append("right edge by \(mm(overRight))") }
        if overBottom > 0.5 { sides.append("bottom edge by \(mm(overBottom))") }
        if !sides.isEmpty {
            page.warnings.append(LabelWarning(element: name, message: "runs off the page: past the \(sides.joined(separator: ", "))", page: page.pageNumber))
        }
    }

    private func mm(_ dotsValue: Double) -> String {
        let v = (dotsValue * 25.4 / Double(dpi) * 10).rounded() / 10
        return "\(v)mm"
    }
}

import Foundation
