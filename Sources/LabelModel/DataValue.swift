public import Foundation
import LabeldSupport

/// One record of label data: a JSON value. Sendable, so records cross threads freely.
public enum DataValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([DataValue])
    case object([String: DataValue])

    /// The value as it prints on a label: numbers without a trailing `.0`, booleans as `true`/`false`.
    public var text: String? {
        switch self {
        case .null: return nil
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return DataValue.format(n)
        case .string(let s): return s
        case .array, .object: return nil
        }
    }

    static func format(_ n: Double) -> String {
        if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// A member of an object, or nil.
    public subscript(key: String) -> DataValue? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }

    /// Follows a dotted path (`receiver.name`, `items.0.sku`) from this value.
    public func lookup<Path: Collection>(_ path: Path) -> DataValue? where Path.Element == String {
        var current = self
        for key in path {
            switch current {
            case .object(let o):
                guard let next = o[key] else { return nil }
                current = next
            case .array(let a):
                guard let i = Int(key), a.indices.contains(i) else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// Truthiness for `when:` conditions: null, false, 0, "" and empty lists are false.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object: return true
        }
    }

    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "list"
        case .object: return "object"
        }
    }
}

extension DataValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([DataValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: DataValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension DataValue {
    /// Reads label data: one JSON object, a JSON array of objects, or JSON Lines (one object a line).
    /// Errors name the line (JSON Lines) or the byte offset JSON reports.
    public static func records(from data: Data, source: String = "data") throws(LabelModelError) -> [DataValue] {
        let firstByte = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if firstByte == UInt8(ascii: "[") {
            let value: DataValue
            do { value = try DataValue.parse(json: data) } catch {
                throw LabelModelError(code: .dataSyntax, message: "\(source): \(error.message)")
            }
            guard case .array(let items) = value else { throw LabelModelError(code: .dataSyntax, message: "\(source): expected a JSON array") }
            return items
        }
        // A single object, or JSON Lines.
        if let single = try? DataValue.parse(json: data) {
            return [single]
        }
        var records: [DataValue] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if trimmed.isEmpty { continue }
            do {
                records.append(try DataValue.parse(json: trimmed))
            } catch {
                throw LabelModelError(code: .dataSyntax, message: "\(source):\(lineNumber): not a JSON value (expected one JSON object per line): \(error.message)")
            }
        }
        if records.isEmpty { throw LabelModelError(code: .dataSyntax, message: "\(source): no records (expected a JSON object, a JSON array or JSON Lines)") }
        return records
    }

}

extension DataValue {
    /// Compact JSON with sorted keys (what `JSONEncoder` with `.sortedKeys` writes, at a fraction
    /// of its cost: a scan stores its waybill record this way). Numbers that are not finite, which
    /// JSON cannot hold, are written as `null`.
    public var jsonText: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += (n.isFinite ? DataValue.format(n) : "null").utf8
        case .string(let s): JSONString.write(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            // Pairs sorted once: no second hash lookup per key.
            for (i, (key, value)) in o.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.write(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
