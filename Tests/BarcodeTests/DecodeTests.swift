@testable import Barcode
import Foundation
import LabelModel
import LabelTesting
import Rendering
import Testing

/// A payload and what the independent decoders must read back.
struct Case: CustomStringConvertible {
    var symbology: Symbology
    var data: String
    /// ZXing's text (nil: ZXing cannot read this symbology).
    var zxing: String?
    /// zbar's text (nil: zbar cannot read this symbology).
    var zbar: String?
    var description: String { "\(symbology.rawValue) '\(data)'" }
}

enum Payloads {
    static func digits(_ n: Int, _ g: inout SeededGenerator) -> String { String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &g))) }) }
    static func pick(_ alphabet: String, _ n: Int, _ g: inout SeededGenerator) -> String {
        let a = Array(alphabet)
        return String((0..<n).map { _ in a[Int.random(in: 0..<a.count, using: &g)] })
    }
    static func check(_ body: String) -> String { body + String(BarcodeEncoder.gs1CheckDigit(body)) }

    /// A canonical UPC-E body: number system 0 and six digits (with last digit 3 the third digit is
    /// 3–9, with 4 the fourth is 1–9, with 5–9 the fifth is 1–9; otherwise the UPC-A it stands for
    /// has another UPC-E form).
    static func upce(_ g: inout SeededGenerator) -> String {
        var e = Array(digits(6, &g)).map { Int(String($0))! }
        switch e[5] {
        case 3: e[2] = Int.random(in: 3...9, using: &g)
        case 4: e[3] = Int.random(in: 1...9, using: &g)
        case 5...9: e[4] = Int.random(in: 1...9, using: &g)
        default: break
        }
        return "0" + e.map(String.init).joined()
    }

    static func cases(_ g: inout SeededGenerator) -> [Case] {
        var cases: [Case] = []
        let alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        for _ in 0..<2 {
            let c128 = pick(alnum + "-./+%$ ", Int.random(in: 1...20, using: &g), &g).trimmingCharacters(in: .whitespaces).ifEmpty("X")
            cases.append(Case(symbology: .code128, data: c128, zxing: c128, zbar: c128))
            let a = pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./", Int.random(in: 1...16, using: &g), &g)
            cases.append(Case(symbology: .code128a, data: a, zxing: a, zbar: a))
            let b = pick(alnum, Int.random(in: 1...16, using: &g), &g)
            cases.append(Case(symbology: .code128b, data: b, zxing: b, zbar: b))
            let c = digits(2 * Int.random(in: 1...10, using: &g), &g)
            cases.append(Case(symbology: .code128c, data: c, zxing: c, zbar: c))
            let gtin = check("880" + digits(10, &g))
            let lot = pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", Int.random(in: 1...8, using: &g), &g)
            cases.append(Case(symbology: .gs1_128, data: "[01]\(gtin)[10]\(lot)", zxing: "01\(gtin)10\(lot)", zbar: "01\(gtin)10\(lot)"))
            let ean = "880" + digits(9, &g)
            cases.append(Case(symbology: .ean13, data: ean, zxing: check(ean), zbar: check(ean)))
            let ean8 = digits(7, &g)
            cases.append(Case(symbology: .ean8, data: ean8, zxing: check(ean8), zbar: check(ean8)))
            let upca = digits(11, &g)
            cases.append(Case(symbology: .upca, data: upca, zxing: check(upca), zbar: "0" + check(upca)))
            // UPC-E: drawn and decoded here; what the decoders read is checked in `upceExpansion`,
            // against zbar's own expansion rather than a copy of labeld's.
            cases.append(Case(symbology: .upce, data: upce(&g), zxing: nil, zbar: nil))
            let itf = digits(13, &g)
            cases.append(Case(symbology: .itf14, data: itf, zxing: check(itf), zbar: check(itf)))
            // With its check digit (GS1 verified, then drawn the same).
            cases.append(Case(symbology: .itf14, data: check(itf), zxing: check(itf), zbar: check(itf)))
            let c39 = pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.$/+%", Int.random(in: 1...12, using: &g), &g)
            cases.append(Case(symbology: .code39, data: c39, zxing: c39, zbar: c39))
            // Scanners (and zbar, ZXing) ignore Codabar with fewer than 4 data characters by default.
            let cb = digits(Int.random(in: 4...12, using: &g), &g)
            cases.append(Case(symbology: .codabar, data: "A\(cb)B", zxing: cb, zbar: "A\(cb)B"))
            let hangul = String((0..<Int.random(in: 1...8, using: &g)).map { _ in Character(UnicodeScalar(UInt32.random(in: 0xAC00...0xD7A3, using: &g))!) })
            let qr = hangul + pick(alnum, Int.random(in: 0...10, using: &g), &g)
            cases.append(Case(symbology: .qr, data: qr, zxing: qr, zbar: qr))
            let dm = pick(alnum, Int.random(in: 1...40, using: &g), &g)
            cases.append(Case(symbology: .datamatrix, data: dm, zxing: dm, zbar: nil))
            let pdf = pick(alnum + " ", Int.random(in: 1...40, using: &g), &g).trimmingCharacters(in: .whitespaces).ifEmpty("P")
            cases.append(Case(symbology: .pdf417, data: pdf, zxing: pdf, zbar: nil))
            let az = pick(alnum, Int.random(in: 1...40, using: &g), &g)
            cases.append(Case(symbology: .aztec, data: az, zxing: az, zbar: nil))
        }
        return cases
    }
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}

@Suite("Barcodes decode with independent decoders")
struct DecodeTests {
    @Test("every symbology, random payloads, 203 and 300 dpi", arguments: [203, 300])
    func everySymbologyDecodes(dpi: Int) throws {
        let seed = testSeed()
        print("DecodeTests seed \(seed) (set LABELD_TEST_SEED to replay)")
        var g = SeededGenerator(seed: seed &+ UInt64(dpi))
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases = Payloads.cases(&g)
        #expect(Set(cases.map(\.symbology)) == Set(Symbology.allCases), "every symbology is covered")
        for (i, c) in cases.enumerated() {
            // x-dimension: 0.25 mm rounded to whole dots (2 at 203 dpi, 3 at 300).
            let xdim = Distance.mm(0.25).wholeDots(at: dpi)
            let template = try SingleBarcodeTemplate.make(symbology: c.symbology, data: c.data, dpi: dpi, xdim: xdim, barHeight: .mm(12))
            let (files, warnings, _) = try renderFiles(template, records: [.object([:])], format: .png, directory: dir, name: "c\(i)")
            #expect(warnings.isEmpty, "\(c): \(warnings)")
            if let expected = c.zxing {
                let read = try Decoders.zxing(files[0])
                #expect(read.map(\.text) == [expected], "ZXing read \(read) for \(c) at \(dpi) dpi (seed \(seed))")
            }
            if let expected = c.zbar {
                let read = try Decoders.zbar(files[0])
                #expect(read.map(\.text) == [expected], "zbar read \(read) for \(c) at \(dpi) dpi (seed \(seed))")
            }
        }
    }

    @Test("UPC-E: labeld's expansion (its check-digit rule) agrees with zbar's own, on symbols zint drew with its own check digit")
    func upceExpansion() throws {
        let seed = testSeed()
        var g = SeededGenerator(seed: seed &+ 7)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Every last-digit form (0–9), twice.
        for i in 0..<20 {
            var body = Payloads.upce(&g)
            while Int(String(body.last!))! != i % 10 { body = Payloads.upce(&g) }
            let template = try SingleBarcodeTemplate.make(symbology: .upce, data: body, dpi: 300, xdim: 3, barHeight: .mm(12))
            let (files, _, _) = try renderFiles(template, records: [.object([:])], format: .png, directory: dir, name: "e\(i)")
            // ZXing reads the 8 digits as drawn (zint's check digit); zbar expands them itself to the UPC-A (as EAN-13).
            let eight = try #require(try Decoders.zxing(files[0]).first?.text, "ZXing read nothing for \(body) (seed \(seed))")
            let thirteen = try #require(try Decoders.zbar(files[0]).first?.text, "zbar read nothing for \(body) (seed \(seed))")
            #expect(eight.count == 8 && eight.hasPrefix(body), "\(eight) for \(body)")
            #expect(BarcodeEncoder.expandUPCE(eight).map { "0" + $0 } == thirteen, "\(body): labeld expands to \(BarcodeEncoder.expandUPCE(eight) ?? "nil"), zbar to \(thirteen) (seed \(seed))")
            // labeld accepts the 8-digit form with that check digit, and refuses every other one.
            _ = try BarcodeEncoder.encode(BarcodeRequest(symbology: .upce, data: eight))
            let wrong = eight.dropLast() + String((Int(String(eight.last!))! + 1 + i % 9) % 10)
            #expect(throws: BarcodeError.self, "\(wrong)") { try BarcodeEncoder.encode(BarcodeRequest(symbology: .upce, data: String(wrong))) }
        }
    }

    @Test("every bar is a whole multiple of the module width, starting after the quiet zone", arguments: [203, 300])
    func barsAreWholeModules(dpi: Int) throws {
        let renderer = try LabelRenderer(configuration: Project.configuration)
        let linear: [(Symbology, String)] = [(.code128, "CJ-4W44-4g"), (.code128c, "646249802726"), (.ean13, "880123456789"), (.itf14, "1880123456789"),
                                             (.code39, "SKU-12"), (.codabar, "A1234B"), (.gs1_128, "[01]08801234567893"), (.upca, "01234567890")]
        for (symbology, data) in linear {
            for m in 1...4 {
                let template = try SingleBarcodeTemplate.make(symbology: symbology, data: data, dpi: dpi, xdim: m, barHeight: .mm(10), humanReadable: false)
                let page = try LabelComposer(template: template).compose(.object([:]))[0]
                guard case .barcode(let item) = page.items[0] else { Issue.record("no barcode"); continue }
                let bitmap = renderer.bitmap(of: page).bitmap
                let y = item.symbol.bars.map(\.y).min()! + 2
                var runs: [Int] = []
                var x = 0
                while x < bitmap.width {
                    let ink = bitmap.isInk(x: x, y: y)
                    var n = 0
                    while x < bitmap.width && bitmap.isInk(x: x, y: y) == ink { n += 1; x += 1 }
                    runs.append(n)
                }
                // Runs: quiet zone, bar, space, …, bar, quiet zone.
                #expect(runs.count >= 3, "\(symbology) m=\(m)")
                let inner = runs.dropFirst().dropLast()
                #expect(inner.allSatisfy { $0 % m == 0 }, "\(symbology) at \(m) dots/module, \(dpi) dpi: runs \(Array(inner))")
                #expect(runs.first! % m == 0 && runs.first! >= m, "\(symbology): the quiet zone is whole modules, got \(runs.first!) dots")
                #expect(bitmap.width == item.symbol.width, "page is the symbol's width")
            }
        }
    }
}

@Suite("Barcode data errors")
struct BarcodeErrorTests {
    struct Row: Sendable, CustomStringConvertible {
        var symbology: Symbology
        var data: String
        var code: BarcodeError.Code
        var message: String
        var description: String { "\(symbology.rawValue) \(data.prefix(20))" }
    }

    static let rows: [Row] = [
        Row(symbology: .ean13, data: "8801234567890", code: .invalidCheckDigit, message: "ean13 '8801234567890': wrong check digit '0', expected '3' (GS1 mod 10)"),
        Row(symbology: .ean13, data: "88012345678A", code: .invalidData, message: "ean13 takes digits only, got '88012345678A'"),
        Row(symbology: .ean13, data: "12345", code: .invalidData, message: "ean13 takes 12 digits (check digit added) or 13 digits (check digit verified), got 5 digit(s) '12345'"),
        Row(symbology: .ean8, data: "88012345", code: .invalidCheckDigit, message: "ean8 '88012345': wrong check digit '5', expected '6' (GS1 mod 10)"),
        Row(symbology: .itf14, data: "18801234567891", code: .invalidCheckDigit, message: "itf14 '18801234567891': wrong check digit '1', expected '0' (GS1 mod 10)"),
        Row(symbology: .upca, data: "012345678901", code: .invalidCheckDigit, message: "upca '012345678901': wrong check digit '1', expected '5' (GS1 mod 10)"),
        Row(symbology: .upce, data: "2123456", code: .invalidData, message: "upce '2123456': the first digit (number system) must be 0 or 1"),
        Row(symbology: .code128c, data: "12345", code: .invalidData, message: "code128c (code set C) takes an even number of digits, got '12345' (5 characters)"),
        Row(symbology: .code128a, data: "abc", code: .invalidData, message: "code128a (code set A) takes ASCII 0–95 (upper case, digits, punctuation, control characters), got 'a' in 'abc'"),
        Row(symbology: .code39, data: "abc", code: .invalidData, message: "code39 takes upper-case A–Z, digits, space and - . $ / + %, got 'a' in 'abc'"),
        Row(symbology: .codabar, data: "123", code: .invalidData, message: "codabar cannot encode '123': Error 358: Does not begin with \"A\", \"B\", \"C\" or \"D\""),
        Row(symbology: .gs1_128, data: "[01]123", code: .invalidData, message: "gs1-128 cannot encode '[01]123': Error 259: Invalid data length for AI (01)"),
        Row(symbology: .qr, data: String(repeating: "A", count: 8000), code: .tooLong, message: "qr cannot encode 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…' (8000 characters): Error 561: Input too long for selected error correction level"),
    ]

    @Test("data a symbology cannot encode is refused with a clear message", arguments: rows)
    func refused(_ row: Row) {
        #expect(throws: BarcodeError(code: row.code, message: row.message, detail: row.message.contains("Error ") ? String(row.message[row.message.range(of: "Error ")!.lowerBound...]) : nil)) {
            _ = try BarcodeEncoder.encode(BarcodeRequest(symbology: row.symbology, data: row.data))
        }
    }
}
