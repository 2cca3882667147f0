/// Writes a ``Bitmap`` as a 1-bit greyscale PNG (black ink on white, pHYs at the printer's dpi).
/// Written directly with zlib: no libpng longjmp error paths under Swift, and no 8-bit detour.
public enum PNGEncoder {
    public static func encode(_ bitmap: Bitmap, dpi: Int) -> [UInt8] {
        // Filter byte 0 before each row; PNG grey 1-bit has 0 = black, so ink bits are inverted.
        let stride = bitmap.bytesPerRow
        var raw = [UInt8](repeating: 0, count: (stride + 1) * bitmap.height)
        let padBits = stride * 8 - bitmap.width
        let lastMask: UInt8 = padBits == 0 ? 0 : UInt8((1 << padBits) - 1)
        bitmap.bytes.withUnsafeBufferPointer { src in
            raw.withUnsafeMutableBufferPointer { dst in
                for y in 0..<bitmap.height {
                    let o = y * (stride + 1)
                    dst[o] = 0
                    for x in 0..<stride { dst[o + 1 + x] = ~src[y * stride + x] }
                    dst[o + stride] |= lastMask
                }
            }
        }
        let idat = raw.withUnsafeBytes { Deflate.compress($0, level: 6) }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        ihdr.appendBigEndian(UInt32(bitmap.width))
        ihdr.appendBigEndian(UInt32(bitmap.height))
        ihdr += [1, 0, 0, 0, 0] // bit depth 1, grey, deflate, filter 0, no interlace
        chunk("IHDR", ihdr, into: &out)
        let ppm = UInt32((Double(dpi) / 0.0254).rounded())
        var phys: [UInt8] = []
        phys.appendBigEndian(ppm)
        phys.appendBigEndian(ppm)
        phys.append(1)
        chunk("pHYs", phys, into: &out)
        chunk("IDAT", idat, into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        out.appendBigEndian(UInt32(data.count))
        let typeBytes = Array(type.utf8)
        let body = typeBytes + data
        out += body
        out.appendBigEndian(body.withUnsafeBytes { Deflate.crc32($0) })
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ v: UInt32) {
        append(UInt8(v >> 24)); append(UInt8((v >> 16) & 0xff)); append(UInt8((v >> 8) & 0xff)); append(UInt8(v & 0xff))
    }
    mutating func appendBigEndian(_ v: UInt16) {
        append(UInt8(v >> 8)); append(UInt8(v & 0xff))
    }
}
