internal import CZint
internal import LabelModel

/// Encodes data into a ``BarcodeSymbol`` with libzint's vector API (and a small Code 128 encoder of
/// its own for the forced subsets A and C, which zint 2.11 cannot force).
///
/// Data is checked before zint sees it where zint would silently "fix" it: EAN/UPC with too few
/// digits are refused instead of zero-padded.
public enum BarcodeEncoder {
    /// Encodes `request`. Throws ``BarcodeError`` with zint's numbered message when the data does
    /// not fit the symbology.
    public static func encode(_ request: BarcodeRequest) throws(BarcodeError) -> BarcodeSymbol {
        try validate(request)
        switch request.symbology {
        case .code128a: return try Code128Subset.encode(request, subset: .a)
        case .code128c: return try Code128Subset.encode(request, subset: .c)
        default: return try encodeWithZint(request)
        }
    }

    static func validate(_ r: BarcodeRequest) throws(BarcodeError) {
        let d = r.data
        func digits(_ counts: Set<Int>, _ what: String) throws(BarcodeError) {
            guard d.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw BarcodeError(code: .invalidData, message: "\(r.symbology.rawValue) takes digits only, got '\(d)'")
            }
            guard counts.contains(d.count) else {
                throw BarcodeError(code: .invalidData, message: "\(r.symbology.rawValue) takes \(what), got \(d.count) digit(s) '\(d)'")
            }
        }
        if d.isEmpty { throw BarcodeError(code: .invalidData, message: "\(r.symbology.rawValue): no data to encode") }
        switch r.symbology {
        case .ean13: try digits([12, 13], "12 digits (check digit added) or 13 digits (check digit verified)")
        case .ean8: try digits([7, 8], "7 digits (check digit added) or 8 digits (check digit verified)")
        case .upca: try digits([11, 12], "11 digits (check digit added) or 12 digits (check digit verified)")
        case .upce:
            try digits([7, 8], "7 digits (number system 0 or 1 + 6 digits) or 8 with the check digit")
            if d.first != "0" && d.first != "1" {
                throw BarcodeError(code: .invalidData, message: "upce '\(d)': the first digit (number system) must be 0 or 1")
            }
        case .itf14: try digits([13, 14], "13 digits (check digit added) or 14 digits (check digit verified)")
        case .code39:
            if let bad = d.first(where: { !code39Characters.contains($0) }) {
                throw BarcodeError(code: .invalidData, message: "code39 takes upper-case A–Z, digits, space and - . $ / + %, got '\(bad)' in \(quoted(d))")
            }
        default: break
        }
        if [.ean13, .ean8, .upca, .upce, .itf14].contains(r.symbology) && [8, 13, 12, 14].contains(d.count) {
            let full = r.symbology == .upce ? expandUPCE(d) : d
            if let full, [.ean13, .ean8, .upca, .itf14, .upce].contains(r.symbology), isFull(r.symbology, d.count) {
                let body = full.dropLast()
                let expected = gs1CheckDigit(String(body))
                if full.last.flatMap({ Int(String($0)) }) != expected {
                    throw BarcodeError(code: .invalidCheckDigit, message: "\(r.symbology.rawValue) '\(d)': wrong check digit '\(d.last!)', expected '\(expected)' (GS1 mod 10)")
                }
            }
        }
    }

    /// The data in quotes, shortened when long: messages stay readable.
    static func quoted(_ data: String) -> String {
        data.count > 48 ? "'\(data.prefix(40))…' (\(data.count) characters)" : "'\(data)'"
    }

    static let code39Characters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-. $/+%")

    static func isFull(_ s: Symbology, _ count: Int) -> Bool {
        switch s {
        case .ean13: return count == 13
        case .ean8: return count == 8
        case .upca: return count == 12
        case .upce: return count == 8
        case .itf14: return count == 14
        default: return false
        }
    }

    /// GS1 mod-10 check digit of `body` (digits).
    public static func gs1CheckDigit(_ body: String) -> Int {
        var sum = 0
        for (i, c) in body.reversed().enumerated() {
            let v = Int(String(c)) ?? 0
            sum += i % 2 == 0 ? v * 3 : v
        }
        return (10 - sum % 10) % 10
    }

    /// UPC-E (8 digits) → UPC-A (12 digits), for check-digit verification.
    static func expandUPCE(_ e: String) -> String? {
        let c = Array(e)
        guard c.count == 8, c[0] == "0" || c[0] == "1" else { return nil }
        let d = c[1...6].map { String($0) }
        let body: String
        switch d[5] {
        case "0", "1", "2": body = d[0] + d[1] + d[5] + "0000" + d[2] + d[3] + d[4]
        case "3": body = d[0] + d[1] + d[2] + "00000" + d[3] + d[4]
        case "4": body = d[0] + d[1] + d[2] + d[3] + "00000" + d[4]
        default: body = d[0] + d[1] + d[2] + d[3] + d[4] + "0000" + d[5]
        }
        return String(c[0]) + body + String(c[7])
    }

    static func zintSymbology(_ r: BarcodeRequest) -> Int32 {
        switch r.symbology {
        case .code128: return r.gs1 ? BARCODE_GS1_128 : BARCODE_CODE128
        case .code128b: return BARCODE_CODE128B
        case .gs1_128: return BARCODE_GS1_128
        case .ean13: return r.data.count == 13 ? BARCODE_EANX_CHK : BARCODE_EANX
        case .ean8: return r.data.count == 8 ? BARCODE_EANX_CHK : BARCODE_EANX
        case .upca: return r.data.count == 12 ? BARCODE_UPCA_CHK : BARCODE_UPCA
        case .upce: return r.data.count == 8 ? BARCODE_UPCE_CHK : BARCODE_UPCE
        case .itf14: return BARCODE_ITF14
        case .code39: return BARCODE_CODE39
        case .codabar: return BARCODE_CODABAR
        case .qr: return BARCODE_QRCODE
        case .datamatrix: return BARCODE_DATAMATRIX
        case .pdf417: return BARCODE_PDF417
        case .aztec: return BARCODE_AZTEC
        case .code128a, .code128c: return BARCODE_CODE128
        }
    }

    static func encodeWithZint(_ r: BarcodeRequest) throws(BarcodeError) -> BarcodeSymbol {
        guard let symbol = ZBarcode_Create() else { throw BarcodeError(code: .internalError, message: "zint could not allocate a symbol") }
        defer { ZBarcode_Delete(symbol) }
        symbol.pointee.symbology = zintSymbology(r)
        symbol.pointee.scale = 0.5 // 1 vector unit = 1 module
        symbol.pointee.show_hrt = r.humanReadable && !r.symbology.isTwoDimensional ? 1 : 0
        symbol.pointee.output_options = r.quietZones ? BARCODE_QUIET_ZONES : BARCODE_NO_QUIET_ZONES
        if r.symbology == .itf14 { symbol.pointee.output_options |= BARCODE_BIND } // ITF-14 bearer bars
        if !r.symbology.isTwoDimensional { symbol.pointee.height = Float(r.barHeight) }
        if r.gs1 || r.symbology == .gs1_128 { symbol.pointee.input_mode = GS1_MODE }
        else if [.qr, .datamatrix, .pdf417, .aztec].contains(r.symbology) { symbol.pointee.input_mode = UNICODE_MODE }
        switch r.symbology {
        case .qr:
            if let e = r.errorCorrection { symbol.pointee.option_1 = Int32(["L": 1, "M": 2, "Q": 3, "H": 4][e] ?? 2) }
            if let s = r.size { symbol.pointee.option_2 = Int32(s) }
        case .datamatrix:
            if let s = r.size { symbol.pointee.option_2 = Int32(s) }
            symbol.pointee.option_3 = DM_SQUARE
        case .pdf417:
            if let e = r.errorCorrection, let n = Int32(e) { symbol.pointee.option_1 = n }
            if let s = r.size { symbol.pointee.option_2 = Int32(s) }
        case .aztec:
            if let e = r.errorCorrection, let n = Int32(e) { symbol.pointee.option_1 = n }
            if let s = r.size { symbol.pointee.option_2 = Int32(s) }
        default: break
        }
        // zint adds ITF-14's check digit and refuses 14 digits (error 311): the digit was verified
        // above, so zint gets the 13 it adds it to, and draws the same symbol.
        var bytes = Array((r.symbology == .itf14 && r.data.count == 14 ? String(r.data.dropLast()) : r.data).utf8)
        let status = bytes.withUnsafeMutableBufferPointer { buf in
            ZBarcode_Encode_and_Buffer_Vector(symbol, buf.baseAddress, Int32(buf.count), 0)
        }
        let errtxt = withUnsafeBytes(of: &symbol.pointee.errtxt) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if status >= ZINT_ERROR {
            let code: BarcodeError.Code
            switch status {
            case ZINT_ERROR_TOO_LONG: code = .tooLong
            case ZINT_ERROR_INVALID_CHECK: code = .invalidCheckDigit
            case ZINT_ERROR_INVALID_OPTION: code = .invalidOption
            default: code = .invalidData
            }
            throw BarcodeError(code: code, message: "\(r.symbology.rawValue) cannot encode \(quoted(r.data)): \(errtxt)", detail: errtxt)
        }
        var warnings: [String] = []
        // ECI 26 (UTF-8) is how Korean text is meant to go into QR/DataMatrix: not worth a warning.
        if status != 0 && status != ZINT_WARN_USES_ECI && !errtxt.isEmpty { warnings.append(errtxt) }
        guard let vector = symbol.pointee.vector else { throw BarcodeError(code: .internalError, message: "zint returned no vector output") }

        var bars: [ModuleRect] = []
        var rect = vector.pointee.rectangles
        while let r = rect {
            bars.append(ModuleRect(x: Double(r.pointee.x), y: Double(r.pointee.y), width: Double(r.pointee.width), height: Double(r.pointee.height)))
            rect = r.pointee.next
        }
        var texts: [SymbolText] = []
        var string = vector.pointee.strings
        while let s = string {
            let text = String(decoding: UnsafeBufferPointer(start: s.pointee.text, count: Int(s.pointee.length)), as: UTF8.self)
            let anchor: SymbolText.Anchor = s.pointee.halign == 1 ? .left : s.pointee.halign == 2 ? .right : .center
            texts.append(SymbolText(text: text, x: Double(s.pointee.x), y: Double(s.pointee.y), size: Double(s.pointee.fsize), anchor: anchor))
            string = s.pointee.next
        }
        let hrt = withUnsafeBytes(of: &symbol.pointee.text) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        return BarcodeSymbol(symbology: r.symbology, encodedText: hrt.isEmpty ? r.data : hrt,
                             width: Double(vector.pointee.width), height: Double(vector.pointee.height),
                             bars: bars, texts: texts, rows: Int(symbol.pointee.rows), columns: Int(symbol.pointee.width),
                             warnings: warnings)
    }
}
