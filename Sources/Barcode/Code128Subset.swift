internal import LabelModel

/// Code 128 with one forced code set (A or C), which zint 2.11 has no switch for. The patterns are
/// ISO/IEC 15417's; the result is verified like every other symbol, by decoding renders.
enum Code128Subset {
    enum Subset { case a, c }

    /// Bar/space widths of symbol values 0…106 (106 = stop, 7 elements).
    static let patterns: [String] = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
        "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
    ]

    static func encode(_ r: BarcodeRequest, subset: Subset) throws(BarcodeError) -> BarcodeSymbol {
        var values: [Int]
        switch subset {
        case .a:
            values = [103]
            for scalar in r.data.unicodeScalars {
                guard scalar.value < 0x60 else {
                    throw BarcodeError(code: .invalidData, message: "code128a (code set A) takes ASCII 0–95 (upper case, digits, punctuation, control characters), got '\(Character(scalar))' in '\(r.data)'")
                }
                let v = Int(scalar.value)
                values.append(v < 32 ? v + 64 : v - 32)
            }
        case .c:
            guard r.data.allSatisfy({ $0.isASCII && $0.isNumber }), r.data.count % 2 == 0 else {
                throw BarcodeError(code: .invalidData, message: "code128c (code set C) takes an even number of digits, got '\(r.data)' (\(r.data.count) characters)")
            }
            values = [105]
            let digits = Array(r.data.utf8).map { Int($0) - 48 }
            for i in stride(from: 0, to: digits.count, by: 2) { values.append(digits[i] * 10 + digits[i + 1]) }
        }
        if values.count > 80 {
            throw BarcodeError(code: .tooLong, message: "\(r.symbology.rawValue): '\(r.data)' needs \(values.count) symbol characters, at most 80 fit a Code 128 symbol")
        }
        var checksum = values[0]
        for (i, v) in values.enumerated().dropFirst() { checksum += i * v }
        values.append(checksum % 103)
        values.append(106)

        let quiet = r.quietZones ? 10.0 : 0
        var x = quiet
        var bars: [ModuleRect] = []
        for v in values {
            for (i, w) in patterns[v].enumerated() {
                let width = Double(w.wholeNumberValue!)
                if i % 2 == 0 { bars.append(ModuleRect(x: x, y: 0, width: width, height: r.barHeight)) }
                x += width
            }
        }
        let width = x + quiet
        var texts: [SymbolText] = []
        var height = r.barHeight
        if r.humanReadable {
            // Same placement as zint's Code 128 text: centred, baseline 7 modules under the bars.
            texts.append(SymbolText(text: r.data.filter { $0.unicodeScalars.allSatisfy { $0.value >= 32 } }, x: width / 2, y: r.barHeight + 7, size: 7, anchor: .center))
            height += 8
        }
        return BarcodeSymbol(symbology: r.symbology, encodedText: r.data, width: width, height: height, bars: bars,
                             texts: texts, rows: 1, columns: Int(width - 2 * quiet), warnings: [])
    }
}
