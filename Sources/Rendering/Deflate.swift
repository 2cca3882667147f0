internal import CCairoPango
internal import CDeflate

/// zlib helpers shared by the PNG and ZPL encoders.
enum Deflate {
    /// A reusable libdeflate compressor writing zlib streams (what ZPL's `:Z64:` carries): about
    /// twice as fast as zlib level 1 on label bitmaps, and smaller. Not Sendable.
    final class FastCompressor {
        private let compressor: OpaquePointer
        private var output: [UInt8] = []

        init(level: Int32 = 1) {
            compressor = libdeflate_alloc_compressor(level)
        }

        deinit { libdeflate_free_compressor(compressor) }

        /// zlib-wrapped deflate of `bytes`; `body` sees the compressed bytes.
        func compress<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
            let bound = libdeflate_zlib_compress_bound(compressor, bytes.count)
            if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
            return output.withUnsafeMutableBytes { out in
                let n = libdeflate_zlib_compress(compressor, bytes.baseAddress, bytes.count, out.baseAddress, bound)
                precondition(n > 0, "libdeflate: output bound too small")
                return body(UnsafeRawBufferPointer(start: out.baseAddress, count: n))
            }
        }
    }

    /// zlib-wrapped deflate of `bytes` (what PNG IDAT and ZPL Z64 both carry).
    static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 1) -> [UInt8] {
        var destLength = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(destLength))
        let status = out.withUnsafeMutableBytes { dst in
            compress2(dst.baseAddress!.assumingMemoryBound(to: Bytef.self), &destLength,
                      bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(bytes.count), level)
        }
        precondition(status == Z_OK, "zlib compress2 failed (\(status))")
        out.removeSubrange(Int(destLength)...)
        return out
    }

    /// Inflates a zlib stream whose inflated size is known.
    static func inflate(_ bytes: [UInt8], expectedSize: Int) -> [UInt8]? {
        var destLength = uLong(expectedSize)
        var out = [UInt8](repeating: 0, count: expectedSize)
        let status = out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                uncompress(dst.baseAddress!.assumingMemoryBound(to: Bytef.self), &destLength,
                           src.baseAddress!.assumingMemoryBound(to: Bytef.self), uLong(bytes.count))
            }
        }
        guard status == Z_OK, Int(destLength) == expectedSize else { return nil }
        return out
    }

    static func adler32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(libdeflate_adler32(1, bytes.baseAddress, bytes.count))
    }

    static func crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt = 0) -> UInt32 {
        UInt32(CCairoPango.crc32(uLong(initial), bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}
