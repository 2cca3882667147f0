import Foundation
internal import Yams

/// A parcel carrier's waybill rules, read from `templates/carriers.yaml` (data, not code).
public struct CarrierProfile: Sendable, Hashable {
    public enum CheckRule: String, Sendable, Hashable, CaseIterable {
        /// The 12th digit is the first 11 digits mod 7 (Lotte; CJ unverified).
        case mod7first11 = "mod7-11"
        /// The 11th digit is the first 10 digits mod 7 (Logen, unverified).
        case mod7first10 = "mod7-10"
        case off
    }

    public var id: String
    public var name: String
    public var digits: [Int]
    public var group: String
    public var check: CheckRule
    public var servicePhone: String
    public var maskName: String
    public var maskPhone: String

    /// Checks a waybill number: digits only, a length the carrier uses, and its check digit when
    /// the rule is on. The error names the rule that failed.
    public func validate(_ number: String) throws(LabelModelError) {
        let digitsOnly = number.filter { $0 != "-" && $0 != " " }
        guard !digitsOnly.isEmpty, digitsOnly.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw LabelModelError(code: .data, message: "\(name) waybill number '\(number)': digits only")
        }
        guard digits.contains(digitsOnly.count) else {
            throw LabelModelError(code: .data, message: "\(name) waybill number '\(number)': expected \(digits.map(String.init).joined(separator: " or ")) digits, got \(digitsOnly.count)")
        }
        let expected: Int?
        let length: Int
        switch check {
        case .off: return
        case .mod7first11: length = 11
        case .mod7first10: length = 10
        }
        guard digitsOnly.count == length + 1 else {
            throw LabelModelError(code: .data, message: "\(name) waybill number '\(number)': rule \(check.rawValue) needs \(length + 1) digits")
        }
        expected = Int(digitsOnly.prefix(length)).map { $0 % 7 }
        let actual = Int(String(digitsOnly.last!))
        if expected != actual {
            throw LabelModelError(code: .data, message: "\(name) waybill number '\(number)': check digit \(actual ?? -1) breaks rule \(check.rawValue) (first \(length) digits mod 7 = \(expected ?? -1))")
        }
    }

    /// Reads every profile from a carriers file. Mistakes are reported with file:line:col.
    public static func load(path: String, displayName: String = "carriers.yaml") throws(LabelModelError) -> [String: CarrierProfile] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LabelModelError(code: .io, message: "cannot read carrier profiles '\(path)'")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw TemplateParser.syntaxError(e, file: displayName)
        } catch {
            throw LabelModelError(code: .syntax, message: "\(error)", location: SourceLocation(file: displayName, line: 1, column: 1))
        }
        func fail(_ node: Node, _ message: String) -> LabelModelError {
            LabelModelError(code: .invalidTemplate, message: message, location: SourceLocation(file: displayName, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1))
        }
        guard let root, case .mapping(let top) = root, let carriersNode = top["carriers"], case .mapping(let carriers) = carriersNode else {
            throw LabelModelError(code: .invalidTemplate, message: "expected 'carriers:' with one mapping per carrier", location: SourceLocation(file: displayName, line: 1, column: 1))
        }
        var result: [String: CarrierProfile] = [:]
        for (key, value) in carriers {
            guard let id = key.string, case .mapping(let m) = value else { throw fail(key, "expected a carrier id with a mapping") }
            let allowed = ["name", "digits", "group", "check", "service_phone", "mask_name", "mask_phone"]
            for (k, _) in m where !allowed.contains(k.string ?? "") {
                throw fail(k, "unknown key '\(k.string ?? "")' in carrier '\(id)': expected one of \(allowed.joined(separator: ", "))")
            }
            func string(_ k: String, default d: String? = nil) throws(LabelModelError) -> String {
                guard let n = m[k] else { if let d { return d }; throw fail(value, "carrier '\(id)': missing '\(k)'") }
                guard let s = n.string else { throw fail(n, "carrier '\(id)': '\(k)' must be text") }
                return s
            }
            var digits: [Int] = []
            if let d = m["digits"], case .sequence(let seq) = d {
                for item in seq {
                    guard let n = item.int, (4...30).contains(n) else { throw fail(item, "carrier '\(id)': digits must be whole numbers from 4 to 30") }
                    digits.append(n)
                }
            } else { throw fail(value, "carrier '\(id)': expected 'digits: [12]'") }
            let checkText = try string("check", default: "off")
            guard let check = CheckRule(rawValue: checkText) else {
                throw fail(m["check"]!, "carrier '\(id)': check must be one of \(CheckRule.allCases.map(\.rawValue).joined(separator: ", ")), got '\(checkText)'")
            }
            result[id] = CarrierProfile(id: id, name: try string("name"), digits: digits, group: try string("group", default: "4-4-4"), check: check,
                                        servicePhone: try string("service_phone", default: ""), maskName: try string("mask_name", default: "name"),
                                        maskPhone: try string("mask_phone", default: "phone"))
        }
        return result
    }

    /// The profile's fields as label data (`{{carrier.name}}`, `{{carrier.service_phone}}`…).
    public var dataValue: DataValue {
        .object(["id": .string(id), "name": .string(name), "service_phone": .string(servicePhone), "group": .string(group),
                 "mask_name": .string(maskName), "mask_phone": .string(maskPhone)])
    }
}
