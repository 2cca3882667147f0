import Foundation

/// One order line as the waybill's product box sees it.
public struct WaybillLine: Sendable, Hashable {
    public var productName: String
    public var option: String?
    public var quantity: Int
    public var sku: String?
    public var location: String?
    public var channelProductName: String?
    /// 사은품: printed after every other line.
    public var isGift: Bool
    /// Lines of one set product share this name and print as one line.
    public var setName: String?

    public init(productName: String, option: String? = nil, quantity: Int, sku: String? = nil, location: String? = nil,
                channelProductName: String? = nil, isGift: Bool = false, setName: String? = nil) {
        self.productName = productName; self.option = option; self.quantity = quantity; self.sku = sku; self.location = location
        self.channelProductName = channelProductName; self.isGift = isGift; self.setName = setName
    }
}

/// 송장 내 상품리스트: the rows of the waybill's product box, as the seller's settings say — which
/// fields, quantity emphasis from 2 up, set products on one line, gifts last, line order. Rows are
/// plain values (`name`, `option`, `qty`, `sku`, `location`, `gift`) for the templates' `products`
/// repeat; ``limits(_:)`` gives the line limit and overflow mode for the composer.
public enum WaybillProductList {
    public struct Row: Sendable, Hashable, Codable {
        public var name: String
        public var option: String?
        public var qty: String
        public var sku: String?
        public var location: String?
        public var gift: Bool
    }

    public static func rows(_ lines: [WaybillLine], settings: Settings.ProductList) -> [Row] {
        // Set products: one row per set, its components as the option.
        var merged: [WaybillLine] = []
        var setIndex: [String: Int] = [:]
        for line in lines {
            if let set = line.setName {
                if let i = setIndex[set] {
                    let part = line.productName + (line.option.map { " \($0)" } ?? "")
                    merged[i].option = [merged[i].option, part].compactMap { $0 }.joined(separator: " + ")
                    continue
                }
                var head = line
                head.option = line.productName + (line.option.map { " \($0)" } ?? "")
                head.productName = set
                setIndex[set] = merged.count
                merged.append(head)
            } else {
                merged.append(line)
            }
        }
        let ordered = merged.enumerated().sorted { a, b in
            if a.element.isGift != b.element.isGift { return !a.element.isGift }
            switch settings.order ?? .asOrdered {
            case .asOrdered: break
            case .productName: if a.element.productName != b.element.productName { return a.element.productName < b.element.productName }
            case .location: if (a.element.location ?? "") != (b.element.location ?? "") { return (a.element.location ?? "\u{10FFFF}") < (b.element.location ?? "\u{10FFFF}") }
            case .sku: if (a.element.sku ?? "") != (b.element.sku ?? "") { return (a.element.sku ?? "") < (b.element.sku ?? "") }
            }
            return a.offset < b.offset
        }.map(\.element)
        let fields = Set(settings.fields)
        return ordered.map { line in
            var name = ""
            if fields.contains(.productName) { name = line.productName }
            if fields.contains(.channelProductName), let c = line.channelProductName, c != line.productName {
                name = name.isEmpty ? c : "\(name) / \(c)"
            }
            // SKU and location, when chosen, ride along with the name so every template shows them.
            let extras = [fields.contains(.sku) ? line.sku : nil, fields.contains(.location) ? line.location.map { "@\($0)" } : nil].compactMap { $0 }
            if !extras.isEmpty { name += " (\(extras.joined(separator: " ")))" }
            if line.isGift && !name.containsBytes("사은품") { name = "[사은품] " + name }
            var qty = ""
            if fields.contains(.quantity) {
                if line.quantity >= 2, let emphasis = settings.quantityEmphasis, !emphasis.isEmpty {
                    qty = emphasis.replacingBytes("{n}", with: String(line.quantity))
                } else {
                    qty = String(line.quantity)
                }
            }
            return Row(name: name, option: fields.contains(.option) ? line.option : nil, qty: qty,
                       sku: fields.contains(.sku) ? line.sku : nil, location: fields.contains(.location) ? line.location : nil, gift: line.isGift)
        }
    }
}

// Byte-wise search and replace in UTF-8: every line of every scan goes through here, and
// Foundation's and the standard library's Character-wise searches cost more than the rest of the
// product box. (Text from the sales channels is NFC, so bytes and characters agree.)
extension String {
    func containsBytes(_ target: String) -> Bool {
        Self.offset(of: Array(target.utf8), in: Array(utf8), from: 0) != nil
    }

    /// Every `target` replaced by `replacement`.
    func replacingBytes(_ target: String, with replacement: String) -> String {
        let bytes = Array(utf8), find = Array(target.utf8)
        var out: [UInt8] = [], i = 0
        while let at = Self.offset(of: find, in: bytes, from: i) {
            out += bytes[i..<at]
            out += replacement.utf8
            i = at + find.count
        }
        if i == 0 { return self }
        out += bytes[i...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Where `target` first starts in `bytes` at or after `start`.
    private static func offset(of target: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard !target.isEmpty, bytes.count - target.count >= start else { return nil }
        for i in start...(bytes.count - target.count) where bytes[i] == target[0] && bytes[i..<(i + target.count)].elementsEqual(target) {
            return i
        }
        return nil
    }
}
