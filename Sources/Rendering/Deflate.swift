internal import CDeflate

/// Deflate helpers (libdeflate) shared by the PNG and ZPL encoders.
enum Deflate {
    /// zlib-wrapped deflate of `bytes` at `level` (PNG IDAT).
    static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32) -> [UInt8] {
        let compressor = libdeflate_alloc_compressor(level)!
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, bytes.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { libdeflate_zlib_compress(compressor, bytes.baseAddress, bytes.count, $0.baseAddress, bound) }
        precondition(n > 0, "libdeflate: output bound too small")
        out.removeSubrange(n...)
        return out
    }

    /// Inflates a zlib stream whose inflated size is known; nil when it is not valid or not that size.
    static func inflate(_ bytes: [UInt8], expectedSize: Int) -> [UInt8]? {
        let decompressor = libdeflate_alloc_decompressor()!
        defer { libdeflate_free_decompressor(decompressor) }
        var out = [UInt8](repeating: 0, count: expectedSize)
        var actual = 0
        let status = out.withUnsafeMutableBytes { o in
            bytes.withUnsafeBytes { libdeflate_zlib_decompress(decompressor, $0.baseAddress, bytes.count, o.baseAddress, expectedSize, &actual) }
        }
        guard status == LIBDEFLATE_SUCCESS, actual == expectedSize else { return nil }
        return out
    }

    static func adler32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(libdeflate_adler32(1, bytes.baseAddress, bytes.count))
    }

    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(libdeflate_crc32(0, bytes.baseAddress, bytes.count))
    }
}
