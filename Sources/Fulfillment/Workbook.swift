public import Foundation
import ZIPFoundation
import CDeflate

/// An Office Open XML workbook (.xlsx, what every marketplace's order export is), read as tables
/// of text: shared and inline strings, numbers (whole numbers without a decimal point), booleans
/// (`TRUE`/`FALSE`), dates (a date-formatted number, Excel's serial day count, as
/// `yyyy-MM-dd HH:mm:ss` wall-clock time — the channel's local time, as Excel shows it) and
/// empty cells. Rows keep the sheet's own row numbers, so an error can name the cell.
///
/// ```swift
/// let book = try Workbook(data: data, source: "orders.xlsx")
/// let sheet = try book.sheet(named: nil)        // the first sheet
/// for row in sheet.rows { print(row.number, row.cells) }
/// ```
public struct Workbook: Sendable {
    /// The sheets' names, in the workbook's order.
    public let sheetNames: [String]
    let source: String
    private let archive: ArchiveData
    private let sheetPaths: [String]
    private let sharedStrings: [String]
    /// For each cell style index: whether its number format shows a date.
    private let dateStyles: [Bool]

    /// One sheet's rows: `cells[i]` is column i (A = 0); missing cells are empty strings.
    public struct Sheet: Sendable {
        public var name: String
        public var rows: [(number: Int, cells: [String])]
    }

    /// Whether `data` is a workbook's container: a ZIP package, or an OLE compound file (an
    /// encrypted .xlsx, or a legacy .xls that the reader then names).
    public static func isContainer(_ data: Data) -> Bool { data.starts(with: zipMagic) || data.starts(with: oleMagic) }

    /// A ZIP local file header (an .xlsx); an OLE compound file (an encrypted .xlsx, or an .xls).
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    static let oleMagic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    /// Opens a workbook; a password-protected one (an OLE compound file with Agile Encryption) with
    /// `password`, decrypted in memory. A file that is not a workbook is refused with what it
    /// seems to be instead.
    public init(data given: Data, source: String, password: String? = nil) throws(FulfillmentError) {
        self.source = source
        var data = given
        if data.starts(with: Self.oleMagic) {
            data = try EncryptedWorkbook.decrypt(data, password: password, source: source)
        }
        guard data.starts(with: Self.zipMagic) else {
            let text = String(decoding: data.prefix(200), as: UTF8.self)
            let looksCSV = text.contains(",") && !text.contains("\u{0}")
            throw FulfillmentError(code: .spreadsheet, message: "\(source) is not an .xlsx workbook (no ZIP container)"
                                   + (looksCSV ? "; it looks like CSV text: give it a .csv name" : ""))
        }
        do {
            archive = try ArchiveData(data: data)
        } catch {
            throw FulfillmentError(code: .spreadsheet, message: "\(source) is not a readable .xlsx workbook (a truncated or damaged ZIP container: \(error))")
        }
        let book = try Self.parse(archive, "xl/workbook.xml", source: source, WorkbookParser())
        let rels = try Self.parse(archive, "xl/_rels/workbook.xml.rels", source: source, RelationshipsParser())
        sheetNames = book.sheets.map(\.name)
        sheetPaths = try book.sheets.map { sheet throws(FulfillmentError) in
            guard let target = rels.targets[sheet.relationship] else {
                throw FulfillmentError(code: .spreadsheet, message: "\(source): sheet '\(sheet.name)' has no part in the workbook")
            }
            return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        }
        sharedStrings = archive.has("xl/sharedStrings.xml") ? try Self.parse(archive, "xl/sharedStrings.xml", source: source, SharedStringsParser()).strings : []
        dateStyles = archive.has("xl/styles.xml") ? try Self.parse(archive, "xl/styles.xml", source: source, StylesParser()).dateStyles : []
    }

    /// The sheet called `name`, or the first sheet when `name` is nil.
    public func sheet(named name: String?) throws(FulfillmentError) -> Sheet {
        let index: Int
        if let name {
            guard let i = sheetNames.firstIndex(of: name) else {
                throw FulfillmentError(code: .spreadsheet, message: "\(source) has no sheet '\(name)' (sheets: \(sheetNames.joined(separator: ", ")))")
            }
            index = i
        } else {
            guard !sheetNames.isEmpty else { throw FulfillmentError(code: .spreadsheet, message: "\(source) has no sheets") }
            index = 0
        }
        let parsed = try Self.parse(archive, sheetPaths[index], source: source,
                                    SheetParser(sharedStrings: sharedStrings, dateStyles: dateStyles, source: source))
        if let problem = parsed.problem { throw FulfillmentError(code: .spreadsheet, message: problem) }
        return Sheet(name: sheetNames[index], rows: parsed.rows)
    }

    /// The column letters of a 0-based column index (0 → A, 26 → AA).
    public static func columnName(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    private static func parse<P: PartParser>(_ archive: ArchiveData, _ path: String, source: String, _ delegate: P) throws(FulfillmentError) -> P {
        // A sheet is scanned as it unpacks, a run of whole rows at a time, so its XML (150 MB for
        // 100 000 rows of 40 columns) is never in memory at once; other parts are small.
        let split: [UInt8]? = delegate is SheetParser ? Array("</row>".utf8) : nil
        guard try archive.scan(path, source: source, into: delegate, splittingAfter: split) else {
            throw FulfillmentError(code: .spreadsheet, message: "\(source) is not a complete .xlsx workbook: it has no \(path)")
        }
        return delegate
    }
}

/// The ZIP container, read-only. ZIPFoundation's `Archive` is a class that is not Sendable, so
/// none is kept: each read of a part opens the container's bytes afresh (its central directory
/// is read in microseconds), and the archive never leaves that call.
struct ArchiveData: Sendable {
    private let data: Data
    private let paths: Set<String>

    /// Opens the container once to check it and list its parts.
    init(data: Data) throws {
        self.data = data
        paths = Set(try Archive(data: data, accessMode: .read).map(\.path))
    }

    /// The most one part may unpack to: a workbook of 100 000 order rows is far below it, and a
    /// ZIP bomb stops here instead of filling the memory.
    static let partLimit: UInt64 = 512 << 20

    func has(_ path: String) -> Bool { paths.contains(path) }

    /// Scans a part's XML into `handler` as it unpacks; false when the workbook has no such part.
    /// With `boundary` (a sheet's `</row>`), each unpacked chunk is scanned up to the last boundary
    /// in it and the rest kept for the next; without, the part is scanned whole.
    func scan(_ path: String, source: String, into handler: some XMLHandler, splittingAfter boundary: [UInt8]?) throws(FulfillmentError) -> Bool {
        guard paths.contains(path), let archive = try? Archive(data: data, accessMode: .read), let entry = archive[path] else { return false }
        guard entry.uncompressedSize <= Self.partLimit else {
            throw FulfillmentError(code: .spreadsheet, message: "\(source): \(path) unpacks to \(entry.uncompressedSize) bytes, more than the \(Self.partLimit >> 20) MB labeld reads")
        }
        var pending: [UInt8] = []
        var scanned = 0, total: UInt64 = 0
        func scan(upTo end: Int) throws(FulfillmentError) {
            do { try XMLScanner.scan(Array(pending[..<end]), into: handler) } catch {
                throw FulfillmentError(code: .spreadsheet, message: "\(source): \(path) is not well-formed XML (at byte \(scanned + error.offset): \(error.reason))")
            }
            scanned += end
            pending.removeFirst(end)
        }
        // The CRC-32 is checked with libdeflate's (ZIPFoundation's own, byte by byte, took a tenth
        // of a large import).
        var crc: UInt32 = 0
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 18, skipCRC32: true) { chunk in
                total += UInt64(chunk.count)
                if total > Self.partLimit { throw CocoaError(.fileReadTooLarge) }
                crc = chunk.withUnsafeBytes { UInt32(libdeflate_crc32(crc, $0.baseAddress, $0.count)) }
                pending.append(contentsOf: chunk)
                if let boundary, let end = Self.end(ofLast: boundary, in: pending) { try scan(upTo: end) }
            }
            try scan(upTo: pending.count)
            guard crc == entry.checksum else {
                throw FulfillmentError(code: .spreadsheet, message: "\(source): \(path) is damaged (its CRC-32 does not match): download the file again")
            }
        } catch let e as FulfillmentError {
            throw e
        } catch {
            throw FulfillmentError(code: .spreadsheet, message: "\(source): \(path) cannot be unpacked (a damaged workbook: \(error))")
        }
        return true
    }

    /// The index just past the last `needle` in `bytes`.
    static func end(ofLast needle: [UInt8], in bytes: [UInt8]) -> Int? {
        var i = bytes.count - needle.count
        while i >= 0 {
            if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            i -= 1
        }
        return nil
    }
}

// MARK: Part parsers (`XMLScanner` events: a sheet is read element by element)

protocol PartParser: XMLHandler {}

extension XMLHandler {
    func start(_ element: String, _ attributes: XMLAttributes) {}
    func end(_ element: String) {}
    func text(_ string: String) {}
}

/// `xl/workbook.xml`: the sheets, in order, with their relationship ids.
final class WorkbookParser: PartParser {
    var sheets: [(name: String, relationship: String)] = []
    func start(_ element: String, _ attributes: XMLAttributes) {
        guard element == "sheet" || element.hasSuffix(":sheet") else { return }
        let rid = attributes["r:id"] ?? attributes.pairs.first { $0.key.hasSuffix(":id") }?.value ?? ""
        sheets.append((attributes["name"] ?? "", rid))
    }
}

/// `xl/_rels/workbook.xml.rels`: relationship id → part path (relative to `xl/`).
final class RelationshipsParser: PartParser {
    var targets: [String: String] = [:]
    func start(_ element: String, _ attributes: XMLAttributes) {
        guard element == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else { return }
        targets[id] = target
    }
}

/// `xl/sharedStrings.xml`: each `<si>`'s text (the runs of rich text joined; phonetic hints left out).
final class SharedStringsParser: PartParser {
    var strings: [String] = []
    private var current = "", inText = false, inPhonetic = false
    func start(_ element: String, _ attributes: XMLAttributes) {
        switch element {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }
    func text(_ string: String) { if inText { current += string } }
    func end(_ element: String) {
        switch element {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

/// `xl/styles.xml`: which cell styles (`cellXfs`, by index) show their number as a date.
final class StylesParser: PartParser {
    var dateStyles: [Bool] = []
    private var customDateFormats: Set<Int> = []
    private var inCellXfs = false
    /// Excel's built-in date and time formats (ECMA-376 §18.8.30), and the East Asian ones.
    static let builtInDates: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    func start(_ element: String, _ attributes: XMLAttributes) {
        switch element {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"], Self.isDateFormat(code) {
                customDateFormats.insert(id)
            }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs:
            let id = attributes["numFmtId"].flatMap { Int($0) } ?? 0
            dateStyles.append(Self.builtInDates.contains(id) || customDateFormats.contains(id))
        default: break
        }
    }
    func end(_ element: String) {
        if element == "cellXfs" { inCellXfs = false }
    }

    /// A format code shows a date or time when, outside quoted text, brackets and escapes, it has
    /// y, m, d, h or s (`yyyy-mm-dd hh:mm`, `[$-412]yyyy"년"`), not only digits (`0.00`, `#,##0`).
    static func isDateFormat(_ code: String) -> Bool {
        var inQuote = false, inBracket = false, escaped = false
        for c in code.lowercased() {
            if escaped { escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "\"": inQuote.toggle()
            case "[" where !inQuote: inBracket = true
            case "]" where !inQuote: inBracket = false
            case "y", "m", "d", "h", "s" where !inQuote && !inBracket: return true
            default: break
            }
        }
        return false
    }
}

/// A worksheet part: rows of cells, each cell's text by its type and style.
final class SheetParser: PartParser {
    var rows: [(number: Int, cells: [String])] = []
    var problem: String?
    private let sharedStrings: [String]
    private let dateStyles: [Bool]
    private let source: String
    private var row: [String] = [], rowNumber = 0, previous: [String] = []
    private var cellColumn = 0, cellType = "n", cellStyle = 0, cellReference = ""
    private var value = "", inValue = false, inInline = false

    init(sharedStrings: [String], dateStyles: [Bool], source: String) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.source = source
    }

    func start(_ element: String, _ attributes: XMLAttributes) {
        switch element {
        case "row":
            rowNumber = attributes["r"].flatMap { Int($0) } ?? rowNumber + 1
            row = []
        case "c":
            cellReference = attributes["r"] ?? ""
            cellColumn = cellReference.isEmpty ? row.count : Self.column(of: cellReference)
            cellType = attributes["t"] ?? "n"
            cellStyle = attributes["s"].flatMap { Int($0) } ?? 0
            value = ""
        case "v": inValue = true
        case "is": inInline = true
        case "t" where inInline: inValue = true
        default: break
        }
    }

    func text(_ string: String) { if inValue { value += string } }

    func end(_ element: String) {
        switch element {
        case "v", "t": inValue = false
        case "is": inInline = false
        case "c":
            var text = self.text()
            // A value the cell above had (a status, a date, a carrier) shares that one's storage:
            // 100 000 rows of 40 columns keep ~25 % less memory.
            if cellColumn < previous.count, text.utf8.count > 15, previous[cellColumn].utf8.elementsEqual(text.utf8) { text = previous[cellColumn] }
            while row.count < cellColumn { row.append("") }
            if row.count == cellColumn { row.append(text) } else { row[cellColumn] = text }
        case "row":
            // Trailing empty cells are dropped; a row with nothing in it is left out.
            while let last = row.last, last.isEmpty { row.removeLast() }
            if !row.isEmpty { rows.append((rowNumber, row)); previous = row }
        default: break
        }
    }

    /// The cell's value as text.
    private func text() -> String {
        switch cellType {
        case "s":
            guard let i = Int(value), sharedStrings.indices.contains(i) else {
                problem = problem ?? "\(source): cell \(cellReference) names shared string \(value), which the workbook does not have"
                return ""
            }
            return sharedStrings[i]
        case "inlineStr", "str": return value
        case "b": return value == "1" ? "TRUE" : "FALSE"
        case "e": return value   // #N/A, #VALUE! …: shown as Excel shows it
        default:
            guard !value.isEmpty, let number = Double(value) else { return value }
            // Excel's dates run from serial 0 to 2 958 465 (9999-12-31); anything else shows as a number.
            if dateStyles.indices.contains(cellStyle) && dateStyles[cellStyle], number >= 0, number < 2_958_466 { return Self.dateText(serial: number) }
            return Self.numberText(number)
        }
    }

    /// A whole number without a decimal point (`3`, not `3.0`); others as they are written.
    static func numberText(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    /// Excel's serial day count (1900 date system: day 1 is 1900-01-01, counting the 1900 leap
    /// day Excel invents, so serial 61 is 1900-03-01) as `yyyy-MM-dd HH:mm:ss`, rounded to the second.
    static func dateText(serial: Double) -> String {
        let seconds = Int64((serial * 86_400).rounded())
        // 1899-12-30 is serial 0 for every date after February 1900.
        var t = time_t(seconds - 2_209_161_600)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    /// The 0-based column of a cell reference (`C12` → 2, `AA3` → 26), at most Excel's last
    /// column (XFD, 16 384): a reference past it cannot make a row grow without bound.
    static func column(of reference: String) -> Int {
        var n = 0
        for u in reference.utf8 {
            guard u >= 65 && u <= 90 else { break }
            n = min(n * 26 + Int(u - 64), 16_384)
        }
        return max(0, n - 1)
    }
}
