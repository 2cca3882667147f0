import ArgumentParser
import Foundation
import LabeldSupport
import Barcode
import Fulfillment
import LabelModel
import Rendering
import PrintSpool

@main
struct Labeld: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labeld",
        abstract: "Label and barcode print server for Korean parcel waybills (송장) and product labels.",
        subcommands: [Render.self, BarcodeCommand.self, Templates.self, Gallery.self, Products.self, Stock.self, Orders.self, Shipments.self, Pickups.self, Reset.self, SettingsCommand.self, Printers.self, Print.self, Jobs.self, Serve.self, Tokens.self, DbCommand.self, NodesCommand.self, Bench.self]
    )
}

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A failure the user can act on: printed to stderr as is, exit code 1 (2 for usage mistakes).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32 = 1
}

/// How the CLI shows an error: a labeld error describes itself as the message the user acts on,
/// after its code — the one an HTTP client sees in problem+json.
func errorLine(_ error: any Error) -> String {
    if let error = error as? any LabeldError { return "error [\(error.codeText)]: \(error)" }
    return "error: \(error)"
}

extension ParsableCommand {
    /// Runs `body`, printing any labeld error as `error [code]: …` and exiting non-zero.
    func reportingErrors(_ body: () throws -> Void) throws {
        do { try body() } catch { throw reported(error) }
    }

    /// `reportingErrors` for async work.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do { try await body() } catch { throw reported(error) }
    }
}

/// A CLI or labeld error printed (`error [code]: …`) and turned into the exit code; others as they are.
func reported(_ error: any Error) -> any Error {
    if let error = error as? CLIError {
        printError("error: \(error.description)")
        return ExitCode(error.exitCode)
    }
    if let error = error as? any LabeldError {
        printError(errorLine(error))
        return ExitCode(1)
    }
    return error
}

/// Finds a template by path, or by name under the templates folder (`generic-4x6`,
/// `waybills/generic-4x6`, with or without `.yaml`).
func resolveTemplate(_ name: String, configuration: RendererConfiguration) throws -> (path: String, display: String) {
    let fm = FileManager.default
    if fm.fileExists(atPath: name) { return (name, name) }
    let root = configuration.templatesDirectory
    var candidates = [name, name + ".yaml", name + ".yml"].map { root + "/" + $0 }
    if let items = fm.enumerator(atPath: root) {
        for case let rel as String in items where rel.hasSuffix("/" + name + ".yaml") || rel == name + ".yaml" {
            candidates.append(root + "/" + rel)
        }
    }
    if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) {
        return (found, String(found.dropFirst(root.count + 1)))
    }
    throw CLIError(description: "template '\(name)' not found (looked for a file of that name and in \(root))")
}
