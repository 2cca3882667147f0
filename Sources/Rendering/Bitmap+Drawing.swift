import Foundation

extension Bitmap {
    /// Copies a cairo A1 surface's bits (leftmost pixel in the lowest bit, rows `stride` bytes apart).
    init(a1 data: UnsafeMutablePointer<UInt8>, stride: Int, width: Int, height: Int) {
        self.init(width: width, height: height)
        let perRow = bytesPerRow
        let padBits = perRow * 8 - width
        let lastMask: UInt8 = padBits == 0 ? 0xff : ~UInt8((1 << padBits) - 1)
        bitReversed.withUnsafeBufferPointer { table in
            bytes.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    let src = data + y * stride
                    let dst = y * perRow
                    for x in 0..<perRow { out[dst + x] = table[Int(src[x])] }
                    out[dst + perRow - 1] &= lastMask
                }
            }
        }
    }

    /// Sets (or clears) every pixel of a rectangle, clipped to the bitmap.
    mutating func fill(x: Int, y: Int, width: Int, height: Int, ink: Bool = true) {
        let x0 = max(0, x), x1 = min(self.width, x + width)
        let y0 = max(0, y), y1 = min(self.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        let firstByte = x0 >> 3, lastByte = (x1 - 1) >> 3
        let firstMask = UInt8(0xff) >> UInt8(x0 & 7)
        let lastMask = UInt8(0xff) << UInt8(7 - ((x1 - 1) & 7))
        let perRow = bytesPerRow
        bytes.withUnsafeMutableBufferPointer { b in
            for row in y0..<y1 {
                let base = row * perRow
                if firstByte == lastByte {
                    let m = firstMask & lastMask
                    if ink { b[base + firstByte] |= m } else { b[base + firstByte] &= ~m }
                    continue
                }
                if ink { b[base + firstByte] |= firstMask } else { b[base + firstByte] &= ~firstMask }
                if lastByte - firstByte > 1 {
                    memset(b.baseAddress! + base + firstByte + 1, ink ? 0xff : 0, lastByte - firstByte - 1)
                }
                if ink { b[base + lastByte] |= lastMask } else { b[base + lastByte] &= ~lastMask }
            }
        }
    }

    /// ORs the ink of `stamp` in at (x, y) (or clears it: white text on black).
    mutating func blit(_ stamp: Bitmap, x: Int, y: Int, clear: Bool = false) {
        let inside = x >= 0 && y >= 0 && x + stamp.width <= width && y + stamp.height <= height
        guard inside else {
            for sy in 0..<stamp.height where y + sy >= 0 && y + sy < height {
                for sx in 0..<stamp.width where x + sx >= 0 && x + sx < width && stamp.isInk(x: sx, y: sy) {
                    let i = (y + sy) * bytesPerRow + (x + sx) >> 3
                    let m = UInt8(0x80) >> UInt8((x + sx) & 7)
                    if clear { bytes[i] &= ~m } else { bytes[i] |= m }
                }
            }
            return
        }
        let shift = UInt64(x & 7)
        let perRow = bytesPerRow, stampRow = stamp.bytesPerRow
        let firstByte = x >> 3
        // Up to 7 stamp bytes (glyphs are narrow) go in with one 64-bit read-modify-write when the
        // destination row has 8 bytes from `firstByte`; wider stamps or the right edge go bytewise.
        let wide = stampRow > 7 || firstByte + 8 > perRow
        let lastDestByte = (x + stamp.width - 1) >> 3
        stamp.bytes.withUnsafeBufferPointer { s in
            bytes.withUnsafeMutableBufferPointer { d in
                let dBytes = UnsafeMutableRawPointer(d.baseAddress!)
                for sy in 0..<stamp.height {
                    let dBase = (y + sy) * perRow + firstByte
                    let sBase = sy * stampRow
                    if !wide {
                        // Big-endian order: the first stamp byte is the most significant.
                        var v: UInt64 = 0
                        for i in 0..<stampRow { v |= UInt64(s[sBase + i]) << UInt64(56 - 8 * i) }
                        if v == 0 { continue }
                        v >>= shift
                        let current = UInt64(bigEndian: dBytes.loadUnaligned(fromByteOffset: dBase, as: UInt64.self))
                        let updated = clear ? current & ~v : current | v
                        dBytes.storeBytes(of: updated.bigEndian, toByteOffset: dBase, as: UInt64.self)
                        continue
                    }
                    for i in 0..<stampRow {
                        let v = s[sBase + i]
                        if v == 0 { continue }
                        let hi = v >> UInt8(shift)
                        if clear { d[dBase + i] &= ~hi } else { d[dBase + i] |= hi }
                        if shift != 0, firstByte + i + 1 <= lastDestByte {
                            let lo = v << (8 - UInt8(shift))
                            if clear { d[dBase + i + 1] &= ~lo } else { d[dBase + i + 1] |= lo }
                        }
                    }
                }
            }
        }
    }

    /// The bitmap turned clockwise by `rotation`.
    func rotated(_ rotation: LabelModel.Rotation) -> Bitmap {
        switch rotation {
        case .none: return self
        case .half:
            var out = Bitmap(width: width, height: height)
            for y in 0..<height { for x in 0..<width where isInk(x: x, y: y) { out.setInk(x: width - 1 - x, y: height - 1 - y) } }
            return out
        case .quarter:
            var out = Bitmap(width: height, height: width)
            for y in 0..<height { for x in 0..<width where isInk(x: x, y: y) { out.setInk(x: height - 1 - y, y: x) } }
            return out
        case .threeQuarters:
            var out = Bitmap(width: height, height: width)
            for y in 0..<height { for x in 0..<width where isInk(x: x, y: y) { out.setInk(x: y, y: width - 1 - x) } }
            return out
        }
    }
}

import LabelModel

/// A quarter-turn placement: maps design dots to media dots (x' = a·x + b·y + tx, y' = c·x + d·y + ty).
struct QuarterTransform {
    var a = 1, b = 0, c = 0, d = 1, tx = 0, ty = 0
    /// The rotation stamps must be turned by.
    var rotation: LabelModel.Rotation = .none

    static let identity = QuarterTransform()

    /// Content of a `width × height` area turned clockwise by `rotation`, the turned area's top-left at the origin.
    static func turning(_ rotation: LabelModel.Rotation, width: Int, height: Int) -> QuarterTransform {
        switch rotation {
        case .none: return .identity
        case .quarter: return QuarterTransform(a: 0, b: -1, c: 1, d: 0, tx: height, ty: 0, rotation: .quarter)
        case .half: return QuarterTransform(a: -1, b: 0, c: 0, d: -1, tx: width, ty: height, rotation: .half)
        case .threeQuarters: return QuarterTransform(a: 0, b: 1, c: -1, d: 0, tx: 0, ty: width, rotation: .threeQuarters)
        }
    }

    static func translation(_ x: Int, _ y: Int) -> QuarterTransform { QuarterTransform(tx: x, ty: y) }

    /// `inner` first, then self.
    func after(_ inner: QuarterTransform) -> QuarterTransform {
        var t = QuarterTransform()
        t.a = a * inner.a + b * inner.c
        t.b = a * inner.b + b * inner.d
        t.c = c * inner.a + d * inner.c
        t.d = c * inner.b + d * inner.d
        t.tx = a * inner.tx + b * inner.ty + tx
        t.ty = c * inner.tx + d * inner.ty + ty
        t.rotation = LabelModel.Rotation(rawValue: (rotation.rawValue + inner.rotation.rawValue) % 360)!
        return t
    }

    /// The image of the rectangle (whole dots).
    func rect(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        let x1 = a * x + b * y + tx, y1 = c * x + d * y + ty
        let x2 = a * (x + w) + b * (y + h) + tx, y2 = c * (x + w) + d * (y + h) + ty
        return (min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))
    }
}
