import Foundation

/// Where a rendered document's bytes go: a file being written, or memory (HTTP previews).
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws(RenderingError)
}

extension ByteSink {
    public func write(_ bytes: [UInt8]) throws(RenderingError) {
        var failure: RenderingError?
        bytes.withUnsafeBytes { b in
            do throws(RenderingError) { try write(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// Collects bytes in memory.
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws(RenderingError) { self.bytes += bytes }
}

/// Writes to a file through a buffered stdio stream. Use ``AtomicFile`` to publish the file only
/// when a whole batch succeeded.
public final class FileSink: ByteSink {
    private var file: UnsafeMutablePointer<FILE>?
    public let path: String

    public init(path: String) throws(RenderingError) {
        self.path = path
        guard let f = fopen(path, "wb") else {
            throw RenderingError(code: .output, message: "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        setvbuf(f, nil, _IOFBF, 1 << 16)
        file = f
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(RenderingError) {
        guard let file, bytes.count > 0 else { return }
        if fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count {
            throw RenderingError(code: .output, message: "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    public func close() throws(RenderingError) {
        guard let f = file else { return }
        file = nil
        if fclose(f) != 0 { throw RenderingError(code: .output, message: "cannot finish '\(path)': \(String(cString: strerror(errno)))") }
    }

    deinit { if let file { fclose(file) } }
}

/// A file written under a temporary name and renamed into place on ``commit()``: a batch that
/// fails half-way leaves no half-written output behind.
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    public let sink: FileSink

    public init(path: String) throws(RenderingError) {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        temporaryPath = (dir.isEmpty ? "." : dir) + "/.\(name).\(getpid()).partial"
        sink = try FileSink(path: temporaryPath)
    }

    public func commit() throws(RenderingError) {
        try sink.close()
        if rename(temporaryPath, path) != 0 {
            throw RenderingError(code: .output, message: "cannot move output into '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    public func discard() {
        try? sink.close()
        unlink(temporaryPath)
    }
}
