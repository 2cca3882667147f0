import Foundation

enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends standard base64 (with padding, no line breaks) of `bytes`.
    static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let n = bytes.count
        let start = out.count
        let produced = (n + 2) / 3 * 4
        out.append(contentsOf: repeatElement(0, count: produced))
        out.withUnsafeMutableBufferPointer { o in
            alphabet.withUnsafeBufferPointer { a in
                var i = 0, j = start
                while i + 3 <= n {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    o[j] = a[Int(v >> 18)]; o[j + 1] = a[Int((v >> 12) & 63)]; o[j + 2] = a[Int((v >> 6) & 63)]; o[j + 3] = a[Int(v & 63)]
                    i += 3; j += 4
                }
                if n - i == 1 {
                    let v = UInt32(bytes[i]) << 16
                    o[j] = a[Int(v >> 18)]; o[j + 1] = a[Int((v >> 12) & 63)]; o[j + 2] = 61; o[j + 3] = 61
                } else if n - i == 2 {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                    o[j] = a[Int(v >> 18)]; o[j + 1] = a[Int((v >> 12) & 63)]; o[j + 2] = a[Int((v >> 6) & 63)]; o[j + 3] = 61
                }
            }
        }
    }
}

/// ZPL II for raw thermal queues: one format per label, the page as one `^GFA` graphic field
/// compressed as `:Z64:` (zlib + base64) with its CRC-16 (CCITT, XModem), `^PQ` for copies.
public final class ZPLEncoder {
    private let deflater = RowDeflate()
    private var buffer: [UInt8] = []

    public init() {}

    /// One label format: `^XA ^PW ^LL ^FO0,0^GFA,… ^PQn ^XZ`.
    public static func encode(_ bitmap: Bitmap, copies: Int = 1) -> [UInt8] {
        ZPLEncoder().encode(bitmap, copies: copies) { Array($0) }
    }

    /// Encodes into a reused buffer; `body` sees the bytes of the format (valid only inside it).
    public func encode<R>(_ bitmap: Bitmap, copies: Int = 1, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let total = bitmap.bytes.count
        buffer.removeAll(keepingCapacity: true)
        buffer += Array("^XA\n^PW\(bitmap.width)\n^LL\(bitmap.height)\n^LH0,0\n^FO0,0^GFA,\(total),\(total),\(bitmap.bytesPerRow),:Z64:".utf8)
        let b64Start = buffer.count
        bitmap.bytes.withUnsafeBytes { raw in
            deflater.compress(raw, rowBytes: bitmap.bytesPerRow) { compressed in Base64.append(compressed, to: &buffer) }
        }
        let crc = buffer.withUnsafeBytes { ZPLEncoder.crc16(UnsafeRawBufferPointer(rebasing: $0[b64Start...])) }
        buffer += Array(":\(ZPLEncoder.hex4(crc))^FS\n^PQ\(max(1, copies))\n^XZ\n".utf8)
        return buffer.withUnsafeBytes(body)
    }

    static func hex4(_ v: UInt16) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(v >> 12)], digits[Int((v >> 8) & 0xf)], digits[Int((v >> 4) & 0xf)], digits[Int(v & 0xf)]])
    }

    static let crcTable: [UInt16] = (0..<256).map { i in
        var crc = UInt16(i) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    /// The contribution of a byte two steps back: T2[x] = T[x] shifted through one more byte.
    static let crcTable2: [UInt16] = crcTable.map { t in ((t & 0xff) << 8) ^ crcTable[Int(t >> 8)] }

    /// CRC-16/XMODEM (poly 0x1021, initial 0) of the base64 text, as Zebra checks `:Z64:` data.
    /// Two bytes a step with two independent table look-ups (the CRC is linear).
    public static func crc16(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        crcTable.withUnsafeBufferPointer { t1 in
            crcTable2.withUnsafeBufferPointer { t2 in
                var crc: UInt16 = 0
                var i = 0
                let n = bytes.count
                while i + 2 <= n {
                    crc = t2[Int((crc >> 8) ^ UInt16(bytes[i]))] ^ t1[Int((crc & 0xff) ^ UInt16(bytes[i + 1]))]
                    i += 2
                }
                if i < n { crc = (crc << 8) ^ t1[Int((crc >> 8) ^ UInt16(bytes[i]))] }
                return crc
            }
        }
    }

    /// Reads back the first `^GFA` graphic field of a ZPL format (Z64 or plain hex), checking the
    /// CRC: what a printer would print. Used by tests and `labeld` self-checks.
    public static func decodeGraphicField(_ zpl: [UInt8]) -> Bitmap? {
        guard let text = String(bytes: zpl, encoding: .ascii), let gf = text.range(of: "^GFA,") else { return nil }
        let rest = text[gf.upperBound...]
        let fields = rest.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, let total = Int(fields[0]), let perRow = Int(fields[2]), perRow > 0, perRow <= 1 << 20,
              total > 0, total <= 1 << 28, total % perRow == 0 else { return nil }
        var data = fields[3]
        if let end = data.range(of: "^FS") { data = data[..<end.lowerBound] }
        var bytes: [UInt8]
        if data.hasPrefix(":Z64:") {
            let body = data.dropFirst(5)
            guard let colon = body.lastIndex(of: ":") else { return nil }
            let b64 = body[..<colon]
            let crcText = body[body.index(after: colon)...]
            let computed = Array(b64.utf8).withUnsafeBytes { crc16($0) }
            guard UInt16(crcText, radix: 16) == computed, let compressed = Data(base64Encoded: String(b64)),
                  let inflated = Deflate.inflate(Array(compressed), expectedSize: total) else { return nil }
            bytes = inflated
        } else {
            bytes = []
            var chars = Array(data.utf8).makeIterator()
            while let h = chars.next(), let l = chars.next() {
                guard let v = UInt8(String(bytes: [h, l], encoding: .ascii)!, radix: 16) else { return nil }
                bytes.append(v)
            }
        }
        let height = total / perRow
        guard bytes.count == total else { return nil }
        return Bitmap(width: perRow * 8, height: height, bytes: bytes)
    }
}
