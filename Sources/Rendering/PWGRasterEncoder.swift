/// PWG Raster (PWG 5102.4), the format IPP Everywhere and LPrint printers take: `RaS2`, then for
/// each page a 1796-byte big-endian header and the page's lines in the PWG run-length encoding.
/// Pages are `black_1`: 1 bit a pixel, 1 = ink, the same bits as ``Bitmap``.
public enum PWGRasterEncoder {
    public static let syncWord: [UInt8] = Array("RaS2".utf8)

    /// Header and compressed lines of one page.
    public static func page(_ bitmap: Bitmap, dpi: Int, copies: Int = 1, pageCount: Int = 0) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 1796)
        func put(_ offset: Int, _ v: UInt32) {
            h[offset] = UInt8(v >> 24); h[offset + 1] = UInt8((v >> 16) & 0xff); h[offset + 2] = UInt8((v >> 8) & 0xff); h[offset + 3] = UInt8(v & 0xff)
        }
        func putString(_ offset: Int, _ s: String) {
            for (i, b) in s.utf8.prefix(63).enumerated() { h[offset + i] = b }
        }
        putString(0, "PwgRaster")                       // MediaClass
        putString(192, "")                               // OutputType (print-content-optimize)
        put(276, UInt32(dpi)); put(280, UInt32(dpi))     // HWResolution
        put(340, UInt32(max(1, copies)))                 // NumCopies
        let widthPt = UInt32((Double(bitmap.width) * 72 / Double(dpi)).rounded())
        let heightPt = UInt32((Double(bitmap.height) * 72 / Double(dpi)).rounded())
        put(352, widthPt); put(356, heightPt)            // PageSize (points)
        put(372, UInt32(bitmap.width))                   // cupsWidth
        put(376, UInt32(bitmap.height))                  // cupsHeight
        put(384, 1)                                      // cupsBitsPerColor
        put(388, 1)                                      // cupsBitsPerPixel
        put(392, UInt32(bitmap.bytesPerRow))             // cupsBytesPerLine
        put(396, 0)                                      // cupsColorOrder: chunky
        put(400, 3)                                      // cupsColorSpace: black (CUPS_CSPACE_K)
        put(420, 1)                                      // cupsNumColors
        put(452, UInt32(pageCount))                      // cupsInteger[0]: TotalPageCount
        put(456, 1); put(460, 1)                         // CrossFeedTransform, FeedTransform
        put(480, 0xFFFFFF)                               // AlternatePrimary
        putString(1668, "")                              // cupsRenderingIntent
        let mm = { (v: Int) in Int((Double(v) * 25.4 / Double(dpi)).rounded()) }
        putString(1732, "custom_\(mm(bitmap.width))x\(mm(bitmap.height))mm_\(mm(bitmap.width))x\(mm(bitmap.height))mm") // cupsPageSizeName
        var out = h
        out.reserveCapacity(1796 + bitmap.bytes.count / 4)
        encodeLines(bitmap, into: &out)
        return out
    }

    /// PWG run-length encoding: per group of identical lines a repeat byte (count − 1), then the line
    /// as runs: 0…127 = next byte repeated n + 1 times, 129…255 = 257 − n literal bytes follow.
    static func encodeLines(_ bitmap: Bitmap, into out: inout [UInt8]) {
        let stride = bitmap.bytesPerRow
        bitmap.bytes.withUnsafeBufferPointer { b in
            var y = 0
            while y < bitmap.height {
                var repeats = 1
                while y + repeats < bitmap.height, repeats < 256,
                      memcmpRows(b, y * stride, (y + repeats) * stride, stride) { repeats += 1 }
                out.append(UInt8(repeats - 1))
                let row = y * stride
                var x = 0
                while x < stride {
                    // A run of equal bytes?
                    var run = 1
                    while x + run < stride, run < 128, b[row + x + run] == b[row + x] { run += 1 }
                    if run >= 2 {
                        out.append(UInt8(run - 1)); out.append(b[row + x]); x += run
                        continue
                    }
                    // Literal bytes until the next pair of equal bytes.
                    var count = 1
                    while x + count < stride, count < 128,
                          !(x + count + 1 < stride && b[row + x + count] == b[row + x + count + 1]) { count += 1 }
                    if count == 1 {
                        out.append(0); out.append(b[row + x])
                    } else {
                        out.append(UInt8(257 - count))
                        for i in 0..<count { out.append(b[row + x + i]) }
                    }
                    x += count
                }
                y += repeats
            }
        }
    }

    static func memcmpRows(_ b: UnsafeBufferPointer<UInt8>, _ a: Int, _ c: Int, _ n: Int) -> Bool {
        for i in 0..<n where b[a + i] != b[c + i] { return false }
        return true
    }
}
