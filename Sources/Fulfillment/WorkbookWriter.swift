public import Foundation
import ZIPFoundation

/// Writes a one-sheet .xlsx workbook (Office Open XML SpreadsheetML) of text and whole numbers: the
/// smallest package Excel, LibreOffice and openpyxl open without repair — content types, package
/// and workbook relationships, the workbook, one worksheet of inline strings, and a style sheet.
/// Text cells stay text (a waybill number is not turned into `6.1E+11`); the header row is bold.
public struct WorkbookWriter {
    public enum Cell: Sendable, Hashable {
        case text(String)
        case number(Int)
    }

    public var sheet: String
    public var rows: [[Cell]]

    public init(sheet: String, rows: [[Cell]]) {
        self.sheet = sheet
        self.rows = rows
    }

    /// The workbook's bytes.
    public func data() throws(FulfillmentError) -> Data {
        let parts: [(String, String)] = [
            ("[Content_Types].xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                <Default Extension="xml" ContentType="application/xml"/>\
                <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
                <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
                <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
                </Types>
                """),
            ("_rels/.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                </Relationships>
                """),
            ("xl/workbook.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
                xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                <sheets><sheet name="\(Self.escaped(Self.sheetName(sheet)))" sheetId="1" r:id="rId1"/></sheets></workbook>
                """),
            ("xl/_rels/workbook.xml.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
                <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                </Relationships>
                """),
            ("xl/styles.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
                <fonts count="2"><font><sz val="11"/><name val="맑은 고딕"/></font><font><b/><sz val="11"/><name val="맑은 고딕"/></font></fonts>\
                <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
                <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
                <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
                <cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
                <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
                <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
                <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
                </styleSheet>
                """),
            ("xl/worksheets/sheet1.xml", worksheet()),
        ]
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (path, text) in parts {
                let bytes = Data(text.utf8)
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: Self.epoch,
                                     compressionMethod: .deflate) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else { throw FulfillmentError(code: .spreadsheet, message: "the workbook was not written") }
            return data
        } catch let e as FulfillmentError {
            throw e
        } catch {
            throw FulfillmentError(code: .spreadsheet, message: "cannot write the workbook: \(error)")
        }
    }

    /// Entries carry a fixed time, so the same rows make the same bytes.
    static let epoch = Date(timeIntervalSince1970: 1_577_836_800)

    func worksheet() -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
            """
        xml.reserveCapacity(rows.count * 200)
        for (r, row) in rows.enumerated() {
            xml += "<row r=\"\(r + 1)\">"
            // Style 1: the bold header; 2: text (format @), so Excel keeps typed-in numbers as text too.
            let style = r == 0 ? 1 : 2
            for (c, cell) in row.enumerated() {
                let ref = Workbook.columnName(c) + String(r + 1)
                switch cell {
                case .text(let t) where t.isEmpty:
                    xml += "<c r=\"\(ref)\" s=\"\(style)\"/>"
                case .text(let t):
                    let space = t.first?.isWhitespace == true || t.last?.isWhitespace == true ? " xml:space=\"preserve\"" : ""
                    xml += "<c r=\"\(ref)\" s=\"\(style)\" t=\"inlineStr\"><is><t\(space)>\(Self.escaped(t))</t></is></c>"
                case .number(let n):
                    xml += "<c r=\"\(ref)\"><v>\(n)</v></c>"
                }
            }
            xml += "</row>"
        }
        return xml + "</sheetData></worksheet>"
    }

    /// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
    static func sheetName(_ name: String) -> String {
        let cleaned = String(name.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(31))
        return cleaned.isEmpty ? "Sheet1" : cleaned
    }

    /// Text as XML character data: markup escaped, and the control characters XML 1.0 cannot hold
    /// left out (a tab and a line break stay).
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for u in text.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default: if u.value >= 0x20 && u.value != 0xFFFE && u.value != 0xFFFF { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
