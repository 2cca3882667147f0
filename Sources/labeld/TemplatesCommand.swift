import ArgumentParser
import Foundation
import LabelModel
import Rendering

struct Templates: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with label templates.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every template in a folder; render each with its sample data when it has one.",
            discussion: "Sample data for templates/X/NAME.yaml is templates/samples/NAME.json. Exits 1 on any error."
        )

        @Argument(help: "Templates folder (default: the shipped templates/).")
        var directory: String?

        @Option(name: .long, parsing: .upToNextOption,
                help: "Check the samples at these printer resolutions (default: each template's own dpi).")
        var dpi: [Int] = []

        func run() throws {
            let configuration = RendererConfiguration.standard()
            let root = directory ?? configuration.templatesDirectory
            let files = TemplateFiles.list(root)
            if files.isEmpty {
                printError("error: no templates (*.yaml) in \(root)")
                throw ExitCode(1)
            }
            var failures = 0, warnings = 0
            let local = RendererConfiguration(fontsDirectory: configuration.fontsDirectory, templatesDirectory: root, fontsOrigin: configuration.fontsOrigin)
            let renderer: LabelRenderer
            do { renderer = try LabelRenderer(configuration: local) } catch {
                printError(errorLine(error))
                throw ExitCode(1)
            }
            var carriers: [String: CarrierProfile] = [:]
            do { carriers = try local.carrierProfiles() } catch {
                failures += 1
                print("error \(error)")
            }
            for rel in files {
                do {
                    let template = try TemplateParser.load(path: root + "/" + rel, displayName: rel)
                    var note = ""
                    if let sample = TemplateFiles.sample(for: template.name, in: root) {
                        let records = try DataValue.records(from: sample.data, source: sample.path)
                        var pages = 0, symbols = 0
                        var failed: [String] = []
                        for resolution in dpi.isEmpty ? [nil] : dpi.map(Optional.some) {
                            let composer = LabelComposer(template: template, dpi: resolution, carriers: carriers)
                            for (i, record) in records.enumerated() {
                                for page in try composer.compose(record, index: i) {
                                    pages += 1
                                    // The same checks a printer profile's `verify` runs before sending.
                                    let checked = renderer.verdicts(of: page)
                                    for w in checked.warnings {
                                        warnings += 1
                                        print("\(rel): \(w)")
                                    }
                                    symbols += checked.verdicts.count
                                    for v in checked.verdicts {
                                        for f in v.findings {
                                            let at = template.location(ofElement: v.element).map(\.description) ?? rel
                                            failed.append("error \(at): element '\(v.element)' (label \(i + 1), \(page.dpi) dpi): \(f.check.rawValue): \(f.message)")
                                        }
                                    }
                                }
                            }
                        }
                        note = " (sample: \(records.count) record(s), \(pages) page(s), \(symbols) barcode(s) verified)"
                        if !failed.isEmpty {
                            failures += 1
                            for line in failed { print(line) }
                            continue
                        }
                    }
                    print("ok    \(rel)\(note)")
                } catch let error as LabelModelError {
                    failures += 1
                    print("error \(error)")
                } catch let error as RenderingError {
                    failures += 1
                    print("error \(rel): \(error)")
                }
            }
            print("\(files.count) template(s), \(failures) with errors, \(warnings) warning(s)")
            if failures > 0 { throw ExitCode(1) }
        }
    }
}

enum TemplateFiles {
    /// Template files below `root`, relative, sorted; `samples/` is data, not templates.
    static func list(_ root: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        for case let rel as String in e where (rel.hasSuffix(".yaml") || rel.hasSuffix(".yml")) && !rel.hasPrefix("samples/") && rel != "carriers.yaml" {
            files.append(rel)
        }
        return files.sorted()
    }

    static func sample(for name: String, in root: String) -> (path: String, data: Data)? {
        for candidate in ["\(root)/samples/\(name).json", "\(root)/samples/\(name).jsonl"] {
            if let d = FileManager.default.contents(atPath: candidate) { return (candidate, d) }
        }
        return nil
    }
}
