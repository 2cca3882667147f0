import Foundation
import Storage

/// Who is acting: the audit log records the name, operations check the role.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// 대표운영자: everything, reset included.
    case owner
    /// 부운영자: everything but reset and tokens.
    case `operator`
    /// A packing station: printing on its own printers.
    case station
}

extension FulfillmentStore {
    /// The confirmation value ``reset(role:actor:confirmation:backupDirectory:)`` requires.
    public static let resetConfirmation = "DELETE ALL ORDERS"

    /// 초기화: the owner only, with the explicit confirmation value. Writes an online backup of the
    /// whole database first and returns its path; then deletes orders, allocations, shipments and
    /// their history, keeping products, stock, settings and the audit log.
    public func reset(role: Role, actor: String, confirmation: String, backupDirectory: String) throws -> String {
        guard role == .owner else {
            throw FulfillmentError(code: .forbidden, message: "reset is for the owner (대표운영자) only; \(actor) is \(role.rawValue)")
        }
        guard confirmation == Self.resetConfirmation else {
            throw FulfillmentError(code: .invalidInput, message: "reset needs the confirmation value '\(Self.resetConfirmation)'")
        }
        try FileManager.default.createDirectory(atPath: backupDirectory, withIntermediateDirectories: true)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let path = "\(backupDirectory)/labeld-\(f.string(from: now()))-\(UUID().uuidString.prefix(6)).sqlite"
        do {
            try StoreCopy.backup(writer, toSQLite: path)
        } catch let error as SQLError {
            throw FulfillmentError(code: .database, message: "the backup before reset failed: \(error)")
        }
        try writer.write { db in
            try db.execute(sql: """
                UPDATE stockLevel SET allocated = 0;
                DELETE FROM pickup;
                DELETE FROM orderLine;
                DELETE FROM salesOrder;
                DELETE FROM shipment;
                """)
            try audit(db, actor: actor, action: "reset", subject: "orders, allocations, shipments", old: nil, new: "backup \(path)")
        }
        return path
    }
}
