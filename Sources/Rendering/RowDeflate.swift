/// A deflate encoder made for 1-bit label pages (zlib-wrapped, one fixed-Huffman block).
///
/// A label is mostly white with rows that repeat the row above (frames, bars, blank space), so it
/// looks for two matches only: the row above (distance = bytes per row) and a run of the previous
/// byte (distance 1). That finds nearly everything a general compressor finds on such pages, in a
/// single linear pass: several times faster than zlib or libdeflate at their fastest levels, for
/// ZPL `:Z64:` where every label is compressed once. Output is standard zlib (RFC 1950/1951):
/// tests inflate it with Python's zlib. Not Sendable (reuses its buffer).
final class RowDeflate {
    private var out: [UInt8] = []

    /// Fixed Huffman codes, bit-reversed for LSB-first output: literal/length symbols 0…287.
    private static let literalCodes: [(code: UInt32, bits: UInt32)] = (0..<288).map { sym in
        let (base, bits, first): (Int, Int, Int)
        switch sym {
        case 0...143: (base, bits, first) = (0x30, 8, 0)
        case 144...255: (base, bits, first) = (0x190, 9, 144)
        case 256...279: (base, bits, first) = (0, 7, 256)
        default: (base, bits, first) = (0xC0, 8, 280)
        }
        return (reverse(UInt32(base + sym - first), bits), UInt32(bits))
    }

    /// For lengths 3…258: the length symbol's code plus its extra bits, as one LSB-first bit string.
    private static let lengthCodes: [(code: UInt32, bits: UInt32)] = {
        let bases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        let extra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        var table = [(UInt32, UInt32)](repeating: (0, 0), count: 259)
        for length in 3...258 {
            var i = bases.count - 1
            while bases[i] > length { i -= 1 }
            if length == 258 { i = 28 }
            let sym = literalCodes[257 + i]
            let value = UInt32(length - bases[i])
            table[length] = (sym.code | value << sym.bits, sym.bits + UInt32(extra[i]))
        }
        return table
    }()

    /// Fixed distance code plus extra bits for a distance, as one LSB-first bit string.
    private static func distanceCode(_ d: Int) -> (code: UInt32, bits: UInt32) {
        var base = 1, code = 0
        let bases = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
        let extra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
        for (i, b) in bases.enumerated() where b <= d { base = b; code = i }
        return (reverse(UInt32(code), 5) | UInt32(d - base) << 5, 5 + UInt32(extra[code]))
    }

    private static func reverse(_ v: UInt32, _ bits: Int) -> UInt32 {
        var r: UInt32 = 0
        for i in 0..<bits where v & (1 << i) != 0 { r |= 1 << (bits - 1 - i) }
        return r
    }

    /// How many bytes from `a` equal those from `b` (at most `limit`), eight at a time.
    @inline(__always)
    private static func matchLength(_ data: UnsafeRawBufferPointer, _ a: Int, _ b: Int, _ limit: Int) -> Int {
        var k = 0
        while k + 8 <= limit {
            let x = data.loadUnaligned(fromByteOffset: a + k, as: UInt64.self) ^ data.loadUnaligned(fromByteOffset: b + k, as: UInt64.self)
            if x != 0 { return k + x.trailingZeroBitCount >> 3 }
            k += 8
        }
        while k < limit && data[a + k] == data[b + k] { k += 1 }
        return k
    }

    /// How many bytes from `a` equal `value` (at most `limit`), eight at a time.
    @inline(__always)
    private static func runLength(_ data: UnsafeRawBufferPointer, _ a: Int, _ value: UInt8, _ limit: Int) -> Int {
        let pattern = UInt64(value) &* 0x0101_0101_0101_0101
        var k = 0
        while k + 8 <= limit {
            let x = data.loadUnaligned(fromByteOffset: a + k, as: UInt64.self) ^ pattern
            if x != 0 { return k + x.trailingZeroBitCount >> 3 }
            k += 8
        }
        while k < limit && data[a + k] == value { k += 1 }
        return k
    }

    /// LSB-first bit output into a buffer large enough for the whole stream.
    private struct BitWriter {
        let base: UnsafeMutablePointer<UInt8>
        var pos = 0
        var acc: UInt64 = 0
        var accBits: UInt32 = 0

        @inline(__always) mutating func put(_ code: UInt32, _ bits: UInt32) {
            acc |= UInt64(code) << UInt64(accBits)
            accBits += bits
            while accBits >= 8 { base[pos] = UInt8(truncatingIfNeeded: acc); pos += 1; acc >>= 8; accBits -= 8 }
        }

        mutating func flush() {
            if accBits > 0 { base[pos] = UInt8(truncatingIfNeeded: acc); pos += 1; acc = 0; accBits = 0 }
        }
    }

    /// zlib stream of `data` (rows of `rowBytes`); `body` sees the compressed bytes.
    func compress<R>(_ data: UnsafeRawBufferPointer, rowBytes: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let n = data.count
        if out.count < n + n / 8 + 64 { out = [UInt8](repeating: 0, count: n + n / 8 + 64) }
        let count = out.withUnsafeMutableBufferPointer { o in
            Self.encode(data, rowBytes: rowBytes, into: o.baseAddress!)
        }
        return out.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    private static func encode(_ data: UnsafeRawBufferPointer, rowBytes: Int, into base: UnsafeMutablePointer<UInt8>) -> Int {
        let n = data.count
        let rowDistance = distanceCode(rowBytes), oneDistance = distanceCode(1)
        var w = BitWriter(base: base)
        base[0] = 0x78; base[1] = 0x01; w.pos = 2   // zlib header: deflate, 32K window, fastest
        w.put(0b011, 3)                             // BFINAL = 1, BTYPE = 01 (fixed Huffman)
        let lit = literalCodes, len = lengthCodes
        lit.withUnsafeBufferPointer { lit in
            len.withUnsafeBufferPointer { len in
                var i = 0
                while i < n {
                    let limit = min(258, n - i)
                    let byte = data[i]
                    // Cheap first-byte checks before measuring a match.
                    let above = i >= rowBytes && data[i - rowBytes] == byte ? matchLength(data, i, i - rowBytes, limit) : 0
                    let run = i >= 1 && above < limit && data[i - 1] == byte ? runLength(data, i, byte, limit) : 0
                    if above >= 3 && above >= run {
                        w.put(len[above].code, len[above].bits); w.put(rowDistance.code, rowDistance.bits); i += above
                    } else if run >= 3 {
                        w.put(len[run].code, len[run].bits); w.put(oneDistance.code, oneDistance.bits); i += run
                    } else {
                        let c = lit[Int(byte)]; w.put(c.code, c.bits); i += 1
                    }
                }
                w.put(lit[256].code, lit[256].bits) // end of block
            }
        }
        w.flush()
        let adler = Deflate.adler32(data)
        var pos = w.pos
        for shift in [24, 16, 8, 0] as [UInt32] { base[pos] = UInt8((adler >> shift) & 0xff); pos += 1 }
        return pos
    }
}
