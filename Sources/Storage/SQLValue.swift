public import Foundation

/// One SQL value as both backends hold it: SQLite's five storage classes, which PostgreSQL's types
/// labeld uses map onto (bigint → integer, double precision → real, text, bytea → blob; numeric,
/// as SUM answers, → integer when whole).
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var isNull: Bool { if case .null = self { true } else { false } }
}

extension SQLValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let i): String(i)
        case .real(let d): String(d)
        case .text(let s): "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob(let b): "<\(b.count) bytes>"
        }
    }
}

/// A Swift value that is stored as one SQL value and read back from one.
public protocol SQLValueConvertible {
    var sqlValue: SQLValue { get }
    /// The value `v` holds, or nil when it cannot be read as this type.
    static func fromSQL(_ v: SQLValue) -> Self?
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public static func fromSQL(_ v: SQLValue) -> Int64? {
        switch v {
        case .integer(let i): i
        case .real(let d): Int64(exactly: d.rounded(.towardZero))
        case .text(let s): Int64(s) ?? Double(s).flatMap { Int64(exactly: $0.rounded(.towardZero)) }
        default: nil
        }
    }
}
extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ v: SQLValue) -> Int? { Int64.fromSQL(v).map { Int($0) } }
}
extension Int32: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ v: SQLValue) -> Int32? { Int64.fromSQL(v).flatMap { Int32(exactly: $0) } }
}
extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public static func fromSQL(_ v: SQLValue) -> Double? {
        switch v {
        case .integer(let i): Double(i)
        case .real(let d): d
        case .text(let s): Double(s)
        default: nil
        }
    }
}
extension Bool: SQLValueConvertible {
    /// Stored as 0 and 1, as SQLite has no booleans (the schemas' flags are integers on both).
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func fromSQL(_ v: SQLValue) -> Bool? { Int64.fromSQL(v).map { $0 != 0 } }
}
extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public static func fromSQL(_ v: SQLValue) -> String? {
        switch v {
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let d): String(d)
        case .blob(let b): String(decoding: b, as: UTF8.self)
        case .null: nil
        }
    }
}
extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .blob([UInt8](self)) }
    public static func fromSQL(_ v: SQLValue) -> Data? {
        switch v {
        case .blob(let b): Data(b)
        case .text(let s): Data(s.utf8)
        default: nil
        }
    }
}
extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public static func fromSQL(_ v: SQLValue) -> SQLValue? { v }
}
extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    /// NULL reads as nil; a value of another type as nil too (as GRDB's optional decoding).
    public static func fromSQL(_ v: SQLValue) -> Wrapped?? {
        if case .null = v { return .some(nil) }
        return .some(Wrapped.fromSQL(v))
    }
}

/// The values bound to a statement's `?` placeholders, in order.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    public var values: [SQLValue]
    public init(arrayLiteral elements: (any SQLValueConvertible)?...) { values = elements.map { $0?.sqlValue ?? .null } }
    public init(_ elements: [(any SQLValueConvertible)?]) { values = elements.map { $0?.sqlValue ?? .null } }
    public init(values: [SQLValue]) { self.values = values }
    public var isEmpty: Bool { values.isEmpty }
    public mutating func append(_ value: (any SQLValueConvertible)?) { values.append(value?.sqlValue ?? .null) }
}

/// One result row: its columns' names and values, read by position or by name (case-insensitively,
/// as PostgreSQL folds unquoted names to lower case).
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public var count: Int { values.count }

    public func index(of name: String) -> Int? {
        if let i = columns.firstIndex(of: name) { return i }
        let lower = name.lowercased()
        return columns.firstIndex { $0.lowercased() == lower }
    }

    public subscript<T: SQLValueConvertible>(_ i: Int) -> T {
        guard let v = T.fromSQL(values[i]) else {
            fatalError("column \(i) (\(columns[i])) holds \(values[i]), not a \(T.self)")
        }
        return v
    }

    public subscript<T: SQLValueConvertible>(_ name: String) -> T {
        guard let i = index(of: name) else { fatalError("no column '\(name)' in \(columns)") }
        return self[i]
    }

    /// The raw value of column `name`, nil when there is no such column.
    public func value(named name: String) -> SQLValue? { index(of: name).map { values[$0] } }
}

extension SQLArguments {
    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments { SQLArguments(values: lhs.values + rhs.values) }
}
