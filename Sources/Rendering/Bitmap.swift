/// A 1-bit page as the thermal head prints it: rows of bytes, leftmost pixel in the most
/// significant bit, 1 = ink (black). The shared form behind PNG, ZPL and PWG raster output.
public struct Bitmap: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public let bytesPerRow: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, bytes: [UInt8]? = nil) {
        self.width = width
        self.height = height
        self.bytesPerRow = (width + 7) / 8
        self.bytes = bytes ?? [UInt8](repeating: 0, count: self.bytesPerRow * height)
        precondition(self.bytes.count == self.bytesPerRow * height, "bitmap size mismatch")
    }

    /// True where the pixel at (x, y) is ink.
    public func isInk(x: Int, y: Int) -> Bool {
        bytes[y * bytesPerRow + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
    }

    public mutating func setInk(x: Int, y: Int) {
        bytes[y * bytesPerRow + x >> 3] |= 0x80 >> UInt8(x & 7)
    }

    /// Number of ink pixels.
    public var inkCount: Int { bytes.reduce(0) { $0 + $1.nonzeroBitCount } }
}

/// Byte bit-reversal table: cairo's A1 format keeps the leftmost pixel in the lowest bit.
let bitReversed: [UInt8] = (0..<256).map { v in
    var r: UInt8 = 0
    for i in 0..<8 where v & (1 << i) != 0 { r |= UInt8(0x80 >> i) }
    return r
}
