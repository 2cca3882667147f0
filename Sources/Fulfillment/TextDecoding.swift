public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Decodes channel export files: UTF-8 (with or without BOM) or CP949/EUC-KR (Korean Windows
/// Excel's default), detected from the bytes.
public enum TextDecoding {
    public enum Encoding: String, Sendable { case utf8, utf8BOM = "utf8-bom", cp949 }

    /// The text and the encoding it was in. Throws when the bytes are neither.
    public static func decode(_ data: Data, source: String) throws(FulfillmentError) -> (text: String, encoding: Encoding) {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let s = String(data: data.dropFirst(3), encoding: .utf8) else {
                throw FulfillmentError(code: .encoding, message: "\(source): starts with a UTF-8 BOM but is not valid UTF-8")
            }
            return (s, .utf8BOM)
        }
        if let s = String(data: data, encoding: .utf8) { return (s, .utf8) }
        if let s = cp949(data) { return (s, .cp949) }
        throw FulfillmentError(code: .encoding, message: "\(source): neither UTF-8 nor CP949/EUC-KR text; save the file as CSV UTF-8")
    }

    /// CP949 (a superset of EUC-KR) to UTF-8 with glibc's iconv; nil on invalid bytes.
    static func cp949(_ data: Data) -> String? {
        let cd = iconv_open("UTF-8", "CP949")
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = [UInt8](data)
        var output = [UInt8](repeating: 0, count: data.count * 2 + 16)
        var produced = -1
        input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if r != -1 && inLeft == 0 { produced = outBuf.count - outLeft }
            }
        }
        guard produced >= 0 else { return nil }
        output.removeSubrange(produced...)
        return String(decoding: output, as: UTF8.self)
    }
}

/// A CSV reader (RFC 4180: quotes, doubled quotes, newlines inside quotes, CRLF) that keeps the
/// line number each record starts on.
public struct CSVTable: Sendable {
    public var header: [String]
    /// The line the header starts on.
    public var headerLine = 1
    /// (line number of the record in the file, fields)
    public var rows: [(line: Int, fields: [String])]

    public static func parse(_ text: String, source: String) throws(FulfillmentError) -> CSVTable {
        var records: [(Int, [String])] = []
        var field = [UInt8]()
        var fields: [String] = []
        var line = 1, recordLine = 1
        var inQuotes = false, afterQuote = false, any = false
        let bytes = Array(text.utf8)
        var i = 0
        // Fields are trimmed of spaces and tabs here, on bytes (Foundation's trimming is slow at 10⁶ fields).
        func endField() {
            var start = 0, end = field.count
            while start < end && (field[start] == 0x20 || field[start] == 0x09) { start += 1 }
            while end > start && (field[end - 1] == 0x20 || field[end - 1] == 0x09) { end -= 1 }
            fields.append(String(decoding: field[start..<end], as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 2; continue }
                    inQuotes = false; afterQuote = true
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: ","): endField(); any = true
            case 0x0D: break
            case 0x0A:
                endField()
                if any || fields.count > 1 || !(fields.first ?? "").isEmpty { records.append((recordLine, fields)) }
                fields.removeAll(keepingCapacity: true)
                any = false
                line += 1
                recordLine = line
            case UInt8(ascii: "\""):
                if field.isEmpty && !afterQuote { inQuotes = true } else {
                    throw FulfillmentError(code: .csv, message: "\(source):\(line): a quote inside an unquoted field (column \(fields.count + 1)); quote the whole field and double its quotes")
                }
            default:
                if afterQuote { throw FulfillmentError(code: .csv, message: "\(source):\(line): text after a closing quote (column \(fields.count + 1))") }
                field.append(c); any = true
            }
            i += 1
        }
        if inQuotes { throw FulfillmentError(code: .csv, message: "\(source):\(recordLine): a quoted field is never closed") }
        if any || !field.isEmpty || !fields.isEmpty { endField(); records.append((recordLine, fields)) }
        guard let first = records.first else { throw FulfillmentError(code: .csv, message: "\(source): empty file, expected a header row") }
        return CSVTable(header: first.1.map { $0.trimmingCharacters(in: .whitespaces) }, headerLine: first.0,
                        rows: Array(records.dropFirst()).map { (line: $0.0, fields: $0.1) })
    }
}
