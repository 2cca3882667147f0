import ArgumentParser
import Foundation
import Fulfillment
import LabelServer
import PrintSpool
import Storage

/// `labeld db`: where labeld keeps its state, and moving it.
struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "db", abstract: "The database: move a seller's data up to PostgreSQL.",
                                                    subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every order, product, stock movement, print job and token from one database to another.",
            discussion: """
                labeld db copy --from ./var/labeld.sqlite --to postgres://labeld@db-host/labeld
                The destination is migrated to this labeld's schema first and its rows are replaced, in one \
                transaction. Afterwards every table's row count and the stock invariants (on hand = the ledger's \
                sum, allocated ≤ on hand) are checked on the destination; any difference is an error.
                """)
        @Option(name: .long, help: "The database to copy (a SQLite file, or a postgres:// URL).") var from: String
        @Option(name: .long, help: "Where to copy it (a postgres:// URL, or a SQLite file).") var to: String

        func run() throws {
            try reportingErrors {
                guard Stores.isPostgres(from) || FileManager.default.fileExists(atPath: from) else {
                    throw ValidationError("no database at '\(from)'")
                }
                let source = try Self.migrated(try Stores.open(from))
                let destination = try Self.migrated(try Stores.open(to))
                let started = Date()
                let report = try StoreCopy.copy(from: source.writer, to: destination.writer)
                let before = try StoreCopy.counts(source.writer), after = try StoreCopy.counts(destination.writer)
                let differing = before.keys.sorted().filter { before[$0] != after[$0] }
                guard differing.isEmpty else {
                    throw ValidationError("row counts differ after the copy: " + differing.map { "\($0) \(before[$0]!) → \(after[$0] ?? 0)" }.joined(separator: ", "))
                }
                let ledger = try destination.ledgerMismatches(), over = try destination.overAllocated()
                guard ledger.isEmpty, over.isEmpty else {
                    throw ValidationError("stock invariants broken after the copy: on hand ≠ ledger for \(ledger), allocated > on hand for \(over)")
                }
                let rows = report.rows.values.reduce(0, +)
                print("copied \(rows) rows in \(report.rows.count) tables from \(source.writer.location) to \(destination.writer.location) "
                      + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; counts and stock invariants checked")
                for (table, n) in report.rows.sorted(by: { $0.key < $1.key }) where n > 0 { print("  \(table)\t\(n)") }
            }
        }

        /// `store` with every schema labeld keeps in a database: the order core, the spool, the tokens.
        static func migrated(_ store: any SQLStore) throws -> FulfillmentStore {
            let fulfillment = try FulfillmentStore(writer: store)
            _ = try SpoolStore(writer: store)
            _ = try TokenStore(fulfillment: fulfillment)
            return fulfillment
        }
    }
}

/// `labeld nodes`: the labeld nodes sharing this database and the printers each drives.
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nodes", abstract: "Nodes on a shared PostgreSQL database, their printers and lease ages.")
    @OptionGroup var core: CoreOptions
    @Flag(name: .long, help: "JSON output.") var json = false

    func run() throws {
        try reportingErrors {
            let spool = try SpoolStore(writer: try core.store().writer)
            let nodes = try spool.nodes()
            if json { try printJSON(nodes); return }
            guard spool.leases.isEnabled else {
                print("one node (SQLite: \(spool.writer.location)); printer leases are used on a shared PostgreSQL database")
                return
            }
            if nodes.isEmpty { print("no node has started on \(spool.writer.location)") }
            for n in nodes {
                print("\(n.name)\t\(n.live ? "live" : "silent")\theartbeat \(String(format: "%.1f", n.heartbeatAge)) s ago\t\(n.printers.count) printer(s)")
                for p in n.printers {
                    print("  \(p.printer)\tepoch \(p.epoch)\theld \(String(format: "%.0f", p.heldFor)) s\texpires in \(String(format: "%.1f", p.expiresIn)) s")
                }
            }
        }
    }
}
