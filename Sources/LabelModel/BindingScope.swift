/// What a binding can see while one label is composed: the record, plus names bound by the layout
/// (`item` and `index` inside a repeat, `page` / `pages` on continuation labels, `remaining` in a
/// summary row).
public struct BindingScope: Sendable {
    public var record: DataValue
    /// Local names: value and the JSON path it came from (for messages).
    public var locals: [String: (value: DataValue, path: String)]
    /// The element being composed, for messages.
    public var element: String?

    public init(record: DataValue, element: String? = nil) {
        self.record = record
        self.locals = [:]
        self.element = element
    }

    public func binding(_ name: String, to value: DataValue, path: String) -> BindingScope {
        var copy = self
        copy.locals[name] = (value, path)
        return copy
    }

    /// The value at `path` and its JSON path text (`$.receiver.name`, `$.products[2].sku`).
    public func lookup(_ path: [String]) -> (value: DataValue?, jsonPath: String) {
        (value(at: path), jsonPath(of: path))
    }

    /// The value at `path`, nil when missing.
    public func value(at path: [String]) -> DataValue? {
        guard let first = path.first else { return record }
        if let local = locals[first] { return local.value.lookup(path.dropFirst()) }
        return record.lookup(path)
    }

    /// The JSON path text of `path` (for messages; built only when needed).
    public func jsonPath(of path: [String]) -> String {
        guard let first = path.first else { return "$" }
        if let local = locals[first] { return Self.join(local.path, Array(path.dropFirst())) }
        return Self.join("$", path)
    }

    static func join(_ base: String, _ rest: [String]) -> String {
        var text = base
        for key in rest {
            if Int(key) != nil { text += "[\(key)]" } else { text += ".\(key)" }
        }
        return text
    }

    /// Evaluates text with bindings. A missing or null field is an error naming its JSON path,
    /// unless the binding is optional (`path?`) or a `default` filter supplies a value.
    public func evaluate(_ template: TextTemplate) throws(LabelModelError) -> String {
        if template.parts.count == 1, case .literal(let s) = template.parts[0] { return s }
        var out = ""
        for part in template.parts {
            switch part {
            case .literal(let s): out += s
            case .binding(let b): out += try evaluate(b)
            }
        }
        return out
    }

    func evaluate(_ b: Binding) throws(LabelModelError) -> String {
        let value = self.value(at: b.path)
        var text: String
        switch value {
        case .none, .some(.null):
            let hasDefault = b.filters.contains { $0.name == .default }
            if !b.optional && !hasDefault {
                let what = value == nil ? "missing" : "null"
                throw LabelModelError(code: .data, message: "\(what) field '\(b.pathText)' needed by the template (add '| default:…' or write '\(b.pathText)?' if it may be absent)", dataPath: jsonPath(of: b.path), element: element)
            }
            text = ""
        case .some(let v):
            guard let t = v.text else {
                throw LabelModelError(code: .data, message: "field '\(b.pathText)' is a \(v.typeName), expected text or a number", dataPath: jsonPath(of: b.path), element: element)
            }
            text = t
        }
        for declared in b.filters {
            var filter = declared
            for (i, arg) in filter.arguments.enumerated() where arg.hasPrefix("@") {
                let path = arg.dropFirst().split(separator: ".").map(String.init)
                guard let resolved = self.value(at: path)?.text else {
                    // What the template needs is the field the argument names.
                    let name = path.joined(separator: ".")
                    throw LabelModelError(code: .data, message: "missing field '\(name)' needed by the template (filter '\(filter.name.rawValue)' takes it as \(arg))", dataPath: jsonPath(of: path), element: element)
                }
                if filter.name == .mask && !FilterCall.isMaskPattern(resolved) {
                    throw LabelModelError(code: .data, message: "mask pattern '\(resolved)' from \(arg): expected 'name', 'phone' or a pattern of '.' and '*'", dataPath: jsonPath(of: path), element: element)
                }
                if filter.name == .group && FilterCall.groupSizes(resolved) == nil {
                    throw LabelModelError(code: .data, message: "group pattern '\(resolved)' from \(arg): expected sizes separated by one separator character, such as '4-4-4'", dataPath: jsonPath(of: path), element: element)
                }
                filter.arguments[i] = resolved
            }
            do {
                text = try filter.apply(text)
            } catch {
                var e = error
                e.dataPath = jsonPath(of: b.path)
                e.element = element
                throw e
            }
        }
        return text
    }

    /// Whether a `when:` condition holds.
    public func holds(_ condition: Condition) -> Bool {
        condition.holds(for: value(at: condition.path))
    }
}
