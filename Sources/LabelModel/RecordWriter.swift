import LabeldSupport

/// Where a record is written field by field: into a `DataValue` (`DataValueWriter`), or straight
/// into compact JSON text (`JSONTextWriter`), so one function says what a record holds and each
/// caller gets the form it needs. Write each object's keys in ascending order: the JSON writer
/// writes them as they come, and then its text is the `DataValue`'s `jsonText`.
public protocol RecordWriter {
    mutating func string(_ key: String, _ value: String)
    mutating func number(_ key: String, _ value: Double)
    mutating func bool(_ key: String, _ value: Bool)
    /// An object under `key`, its fields written by `body`.
    mutating func object(_ key: String, _ body: (inout Self) -> Void)
    /// An array of objects under `key`, one per item, each written by `body`.
    mutating func objects<Items: Sequence>(_ key: String, _ items: Items, _ body: (inout Self, Items.Element) -> Void)
}

/// A record as a `DataValue` object.
public struct DataValueWriter: RecordWriter {
    public private(set) var fields: [String: DataValue] = [:]
    public init() {}
    public var value: DataValue { .object(fields) }

    public mutating func string(_ key: String, _ value: String) { fields[key] = .string(value) }
    public mutating func number(_ key: String, _ value: Double) { fields[key] = .number(value) }
    public mutating func bool(_ key: String, _ value: Bool) { fields[key] = .bool(value) }
    public mutating func object(_ key: String, _ body: (inout DataValueWriter) -> Void) {
        var inner = DataValueWriter()
        body(&inner)
        fields[key] = inner.value
    }
    public mutating func objects<Items: Sequence>(_ key: String, _ items: Items, _ body: (inout DataValueWriter, Items.Element) -> Void) {
        fields[key] = .array(items.map { item in
            var inner = DataValueWriter()
            body(&inner, item)
            return inner.value
        })
    }
}

/// A record as compact JSON text, written as the fields come: no dictionaries to build, hash and
/// sort (for a waybill record, a third of what the scan intake's profile could attribute per scan).
public struct JSONTextWriter: RecordWriter {
    private var out: [UInt8] = [UInt8(ascii: "{")]
    /// No field written yet in the object being written.
    private var first = true

    public init(capacity: Int = 512) { out.reserveCapacity(capacity) }

    /// The record's JSON text.
    public var text: String {
        var done = out
        done.append(UInt8(ascii: "}"))
        return String(decoding: done, as: UTF8.self)
    }

    private mutating func key(_ key: String) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSONString.write(key, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    public mutating func string(_ key: String, _ value: String) {
        self.key(key)
        JSONString.write(value, into: &out)
    }
    public mutating func number(_ key: String, _ value: Double) {
        self.key(key)
        out += (value.isFinite ? DataValue.format(value) : "null").utf8
    }
    public mutating func bool(_ key: String, _ value: Bool) {
        self.key(key)
        out += (value ? "true" : "false").utf8
    }
    public mutating func object(_ key: String, _ body: (inout JSONTextWriter) -> Void) {
        self.key(key)
        out.append(UInt8(ascii: "{"))
        first = true
        body(&self)
        out.append(UInt8(ascii: "}"))
        first = false
    }
    public mutating func objects<Items: Sequence>(_ key: String, _ items: Items, _ body: (inout JSONTextWriter, Items.Element) -> Void) {
        self.key(key)
        out.append(UInt8(ascii: "["))
        var firstItem = true
        for item in items {
            if !firstItem { out.append(UInt8(ascii: ",")) }
            firstItem = false
            out.append(UInt8(ascii: "{"))
            first = true
            body(&self, item)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        first = false
    }
}
