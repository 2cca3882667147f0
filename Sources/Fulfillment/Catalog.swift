import Foundation
import Storage

/// A product option as it comes from a mall or a file (상품연동).
public struct ProductInput: Codable, Sendable, Hashable {
    /// The mall's product code.
    public var code: String
    public var name: String
    public var brand: String?
    public var sku: String
    public var barcode: String?
    /// The mall's item code (품목코드), matched first when orders are collected.
    public var itemCode: String?
    public var option: String?
    public var location: String?
    public var tags: [String]?
    public var warningQuantity: Int?
    /// `yyyy-MM-dd`.
    public var expectedReceiptDate: String?
    /// The quantity the mall itself holds.
    public var mallStock: Int?
    /// The selling price in won, printed on product labels when given.
    public var price: Int?

    public init(code: String, name: String, sku: String, option: String? = nil) {
        self.code = code; self.name = name; self.sku = sku; self.option = option
    }
}

/// What a product sync did.
public struct ProductSyncReport: Sendable, Hashable, Codable {
    public var added: Int = 0
    public var updated: Int = 0
    /// Staged for an explicit "update product info" run (productSync = manual).
    public var staged: Int = 0
    /// Matched a productUpdateExclusions entry: never added.
    public var excluded: [String] = []
    /// Stock movements written by importMallStock.
    public var mallStockImported: Int = 0
}

/// An option in the inventory list with its stock.
public struct OptionStock: Sendable, Hashable, Codable {
    public var optionId: Int64
    public var productCode: String
    public var name: String
    public var option: String
    public var sku: String
    public var barcode: String?
    public var location: String?
    public var tags: [String]
    public var onHand: Int
    public var allocated: Int
    public var available: Int { onHand - allocated }
    public var warningQuantity: Int?
    public var expectedReceiptDate: String?
    public var mallStock: Int?
    public var price: Int?
    public var brand: String?
    /// `2023-01-23 (D+3)` when the date has passed and showOverdueExpectedDate is on.
    public var expectedReceiptDisplay: String?
    public var belowWarning: Bool { warningQuantity.map { onHand - allocated <= $0 } ?? false }
}

enum Normalize {
    /// The key product name + option are matched on: lower case, spaces and brackets dropped.
    static func matchKey(name: String, option: String) -> String {
        func clean(_ s: String) -> String {
            var out = String.UnicodeScalarView()
            for scalar in s.unicodeScalars {
                if scalar.properties.isWhitespace { continue }
                if scalar.isASCII {
                    let v = scalar.value
                    if "[](){}<>/:,._-".unicodeScalars.contains(scalar) { continue }
                    out.append(v >= 65 && v <= 90 ? Unicode.Scalar(v + 32)! : scalar)
                } else {
                    out.append(scalar)
                }
            }
            return String(out)
        }
        return clean(name) + "|" + clean(option)
    }
}

extension FulfillmentStore {
    /// 상품연동: products created or updated through the product API or a file. With productSync
    /// `auto` they enter the inventory list at once; with `manual` they are staged until
    /// ``runProductUpdate(actor:)``. Excluded codes and name patterns are never added.
    public func syncProducts(_ inputs: [ProductInput], actor: String) throws -> ProductSyncReport {
        try writer.write { db in
            let settings = try Self.settings(db)
            var report = ProductSyncReport()
            for input in inputs {
                try Self.validate(input)
                if Self.isExcluded(input, settings.productUpdateExclusions) { report.excluded.append(input.code); continue }
                if settings.productSync == .manual {
                    try db.execute(sql: "INSERT INTO productStaging (json, stagedAt) VALUES (?, ?)",
                                   arguments: [String(decoding: try JSONEncoder().encode(input), as: UTF8.self), stamp()])
                    report.staged += 1
                } else {
                    try apply(input, db, settings: settings, actor: actor, report: &report)
                }
            }
            try audit(db, actor: actor, action: "products.sync", subject: "\(inputs.count) product option(s)", old: nil,
                      new: "added \(report.added), updated \(report.updated), staged \(report.staged), excluded \(report.excluded.count)")
            return report
        }
    }

    /// 상품정보 업데이트: copies staged products into the inventory list (and, with importMallStock,
    /// the mall's stock into on-hand stock).
    public func runProductUpdate(actor: String) throws -> ProductSyncReport {
        try writer.write { db in
            let settings = try Self.settings(db)
            var report = ProductSyncReport()
            for json in try String.fetchAll(db, sql: "SELECT json FROM productStaging ORDER BY id") {
                let input = try JSONDecoder().decode(ProductInput.self, from: Data(json.utf8))
                if Self.isExcluded(input, settings.productUpdateExclusions) { report.excluded.append(input.code); continue }
                try apply(input, db, settings: settings, actor: actor, report: &report)
            }
            try db.execute(sql: "DELETE FROM productStaging")
            try audit(db, actor: actor, action: "products.update", subject: "staged products", old: nil,
                      new: "added \(report.added), updated \(report.updated), mall stock \(report.mallStockImported)")
            return report
        }
    }

    static func validate(_ p: ProductInput) throws(FulfillmentError) {
        if let price = p.price, !(0...100_000_000).contains(price) {
            throw FulfillmentError(code: .invalidInput, message: "product \(p.code) (\(p.sku)): price must be 0 to 100000000 won, not \(price)")
        }
        if p.code.isEmpty || p.sku.isEmpty || p.name.isEmpty {
            throw FulfillmentError(code: .invalidInput, message: "product '\(p.sku)': code, name and sku are required")
        }
        if let d = p.expectedReceiptDate, Self.day(d) == nil {
            throw FulfillmentError(code: .invalidInput, message: "product '\(p.sku)': expectedReceiptDate '\(d)' is not yyyy-MM-dd")
        }
        if let w = p.warningQuantity, w < 0 { throw FulfillmentError(code: .invalidInput, message: "product '\(p.sku)': warningQuantity must be ≥ 0") }
    }

    static func isExcluded(_ p: ProductInput, _ patterns: [String]) -> Bool {
        // An exact product code, or a pattern the product name contains ('*' allowed around it).
        patterns.contains { pattern in
            let words = pattern.trimmingCharacters(in: CharacterSet(charactersIn: "* "))
            return pattern == p.code || (!words.isEmpty && p.name.localizedCaseInsensitiveContains(words))
        }
    }

    private func apply(_ p: ProductInput, _ db: any SQLDatabase, settings: Settings, actor: String, report: inout ProductSyncReport) throws {
        try db.execute(sql: "INSERT INTO product (code, name, brand) VALUES (?, ?, ?) ON CONFLICT(code) DO UPDATE SET name = excluded.name, brand = excluded.brand",
                       arguments: [p.code, p.name, p.brand])
        let productId = try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE code = ?", arguments: [p.code])!
        let option = p.option ?? ""
        let existing = try Int64.fetchOne(db, sql: "SELECT id FROM productOption WHERE sku = ?", arguments: [p.sku])
        let args: SQLArguments = [productId, p.sku, p.barcode, p.itemCode, option, p.location, (p.tags ?? []).joined(separator: ","),
                                        p.warningQuantity, p.expectedReceiptDate, p.mallStock, Normalize.matchKey(name: p.name, option: option), p.price]
        let optionId: Int64
        if let existing {
            try db.execute(sql: """
                UPDATE productOption SET productId = ?, sku = ?, barcode = ?, itemCode = ?, optionText = ?, location = ?, tags = ?,
                    warningQuantity = ?, expectedReceiptDate = ?, mallStock = ?, matchKey = ?, price = ? WHERE id = ?
                """, arguments: args + [existing])
            optionId = existing
            report.updated += 1
        } else {
            optionId = try Int64.fetchOne(db, sql: """
                INSERT INTO productOption (productId, sku, barcode, itemCode, optionText, location, tags, warningQuantity,
                    expectedReceiptDate, mallStock, matchKey, price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """, arguments: args)!
            try db.execute(sql: "INSERT INTO stockLevel (optionId) VALUES (?)", arguments: [optionId])
            report.added += 1
        }
        if settings.importMallStock, let mall = p.mallStock {
            let onHand = try Int.fetchOne(db, sql: "SELECT onHand FROM stockLevel WHERE optionId = ?", arguments: [optionId]) ?? 0
            if mall != onHand {
                try move(db, optionId: optionId, type: MovementType.mallImport, quantity: mall - onHand, actor: actor, note: "mall stock \(mall)")
                report.mallStockImported += 1
            }
        }
    }

    static let dayFormat: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Seoul")
        f.dateFormat = "yyyy-MM-dd"
        return f
    }()

    static func day(_ text: String) -> Date? { dayFormat.date(from: text) }

    /// The inventory list: every option with stock, optionally filtered by a tag or SKU prefix.
    public func optionStocks(tag: String? = nil, skuPrefix: String? = nil) throws -> [OptionStock] {
        let settings = try self.settings()
        let today = Self.dayFormat.string(from: now())
        return try writer.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT o.id, p.code, p.name, o.optionText, o.sku, o.barcode, o.location, o.tags, s.onHand, s.allocated,
                       o.warningQuantity, o.expectedReceiptDate, o.mallStock, o.price, p.brand
                FROM productOption o JOIN product p ON p.id = o.productId JOIN stockLevel s ON s.optionId = o.id
                WHERE (CAST(? AS TEXT) IS NULL OR o.sku LIKE ? || '%') ORDER BY o.sku
                """, arguments: [skuPrefix, skuPrefix]).compactMap { r in
                let tags = (r[7] as String).split(separator: ",").map(String.init)
                if let tag, !tags.contains(tag) { return nil }
                let expected: String? = r[11]
                var display: String?
                if let expected { display = expected }
                if settings.showOverdueExpectedDate, let expected, expected < today, let d = Self.day(expected), let t = Self.day(today) {
                    let days = Calendar(identifier: .gregorian).dateComponents([.day], from: d, to: t).day ?? 0
                    display = "\(expected) (D+\(days))"
                }
                return OptionStock(optionId: r[0], productCode: r[1], name: r[2], option: r[3], sku: r[4], barcode: r[5], location: r[6], tags: tags,
                                   onHand: r[8], allocated: r[9], warningQuantity: r[10], expectedReceiptDate: expected, mallStock: r[12],
                                   price: r[13], brand: r[14], expectedReceiptDisplay: display)
            }
        }
    }
}
