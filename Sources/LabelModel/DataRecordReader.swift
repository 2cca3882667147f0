import Foundation

/// Reads label data records one at a time: JSON Lines are streamed (memory stays flat however
/// long the batch); a JSON array or a single object is read whole.
public final class DataRecordReader {
    private let handle: FileHandle
    private let source: String
    private var buffer = Data()
    private var eof = false
    private var lineNumber = 0
    private var pending: [DataValue] = []
    private var streaming = true
    /// Records read so far.
    public private(set) var count = 0

    /// Opens `path` (`-` reads standard input).
    public init(path: String) throws(LabelModelError) {
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let h = FileHandle(forReadingAtPath: path) else {
                throw LabelModelError(code: .io, message: "cannot read data file '\(path)'")
            }
            handle = h
        }
        source = path
        try start()
    }

    private func fill() -> Bool {
        guard !eof else { return false }
        let chunk = handle.readData(ofLength: 1 << 16)
        if chunk.isEmpty { eof = true; return false }
        buffer.append(chunk)
        return true
    }

    private func start() throws(LabelModelError) {
        while buffer.first(where: { !Self.isSpace($0) }) == nil, fill() {}
        let first = buffer.first { !Self.isSpace($0) }
        if first == nil { throw LabelModelError(code: .dataSyntax, message: "\(source): no records (expected a JSON object, a JSON array or JSON Lines)") }
        if first == UInt8(ascii: "[") { try readWhole(); return }
        // JSON Lines if the first line is a complete JSON value; otherwise one (pretty-printed) object.
        while buffer.firstIndex(of: 0x0A) == nil, fill() {}
        let lineEnd = buffer.firstIndex(of: 0x0A) ?? buffer.endIndex
        if (try? DataValue.parse(json: buffer[buffer.startIndex..<lineEnd])) == nil {
            try readWhole()
        }
    }

    private func readWhole() throws(LabelModelError) {
        while fill() {}
        streaming = false
        pending = try DataValue.records(from: buffer, source: source).reversed()
        buffer = Data()
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    /// The next record, or nil at the end.
    public func next() throws(LabelModelError) -> DataValue? {
        if !streaming {
            guard let r = pending.popLast() else { return nil }
            count += 1
            return r
        }
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                lineNumber += 1
                buffer = buffer[buffer.index(after: newline)...]
                if let r = try decodeLine(line) { return r }
                continue
            }
            if !fill() {
                if buffer.isEmpty { return nil }
                let line = buffer
                buffer = Data()
                lineNumber += 1
                return try decodeLine(line)
            }
        }
    }

    private func decodeLine(_ line: Data) throws(LabelModelError) -> DataValue? {
        guard line.contains(where: { !Self.isSpace($0) }) else { return nil }
        do {
            let value = try DataValue.parse(json: line)
            count += 1
            return value
        } catch {
            throw LabelModelError(code: .dataSyntax, message: "\(source):\(lineNumber): not a JSON value (expected one JSON object per line)")
        }
    }
}
