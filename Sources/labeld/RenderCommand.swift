public import ArgumentParser
import Foundation
import LabelModel
import Rendering

extension OutputFormat: ExpressibleByArgument {}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a template with JSON data to PDF, 1-bit PNG, ZPL or PWG raster.",
        discussion: """
        --data may hold one JSON object, a JSON array of objects, or JSON Lines: one label each, one \
        output file (a multi-page PDF, one ZPL or PWG stream). PNG writes OUT-1.png, OUT-2.png, …
        """
    )

    @Argument(help: "Template file, or a template name under templates/ (e.g. generic-4x6).")
    var template: String

    @Option(name: .long, help: "JSON, JSON array or JSON Lines file with the label data ('-' for stdin).")
    var data: String

    @Option(name: .long, help: "pdf, png, zpl or pwg.")
    var format: OutputFormat = .pdf

    @Option(name: .long, help: "Printer resolution in dots per inch (default: the template's).")
    var dpi: Int?

    @Option(name: .shortAndLong, help: "Output file.")
    var output: String

    @Flag(name: .long, help: "Do not print warnings.")
    var quiet = false

    func validate() throws {
        if let dpi, !(72...1200).contains(dpi) { throw ValidationError("--dpi must be from 72 to 1200 (thermal printers: 203 or 300)") }
    }

    func run() throws {
        try reportingErrors {
            let configuration = RendererConfiguration.standard()
            let (path, display) = try resolveTemplate(template, configuration: configuration)
            let template = try TemplateParser.load(path: path, displayName: display)
            let bytes: Data
            if data == "-" { bytes = FileHandle.standardInput.readDataToEndOfFile() }
            else {
                guard let d = FileManager.default.contents(atPath: data) else { throw CLIError(description: "cannot read data file '\(data)'") }
                bytes = d
            }
            let records = try DataValue.records(from: bytes, source: data)
            let renderer = try LabelRenderer(configuration: configuration)
            let result = try renderBatch(template: template, records: records, format: format, dpi: dpi, output: output, renderer: renderer)
            if !quiet { for w in result.warnings { printError(w.description) } }
        }
    }
}

struct BatchResult {
    var pages: Int
    var warnings: [LabelWarning]
    var files: [String]
}

/// Renders `records` into `output` atomically: on any error nothing is left behind.
func renderBatch(template: Template, records: [DataValue], format: OutputFormat, dpi: Int?, output: String,
                 renderer: LabelRenderer, showProgress: Bool = true, numberPNGs: Bool = true) throws -> BatchResult {
    let composer = LabelComposer(template: template, dpi: dpi)
    var files: [AtomicFile] = []
    let pngBase = output.hasSuffix(".png") ? String(output.dropLast(4)) : output
    let main = try AtomicFile(path: format == .png && numberPNGs ? pngBase + "-1.png" : output)
    files.append(main)
    let writer = renderer.documentWriter(format: format, sink: main.sink, title: template.name) { (index: Int) throws(RenderingError) -> any ByteSink in
        if index == 0 { return main.sink }
        let file = try AtomicFile(path: "\(pngBase)-\(index + 1).png")
        files.append(file)
        return file.sink
    }
    var warnings: [LabelWarning] = []
    let progress = Progress(total: records.count, enabled: showProgress)
    do {
        for (i, record) in records.enumerated() {
            for page in try composer.compose(record, index: i) {
                warnings += try writer.add(page).map { w in
                    var w = w
                    if records.count > 1 { w.element = "record \(i + 1): \(w.element)" }
                    return w
                }
            }
            progress.update(i + 1)
        }
        try writer.finish()
        for f in files { try f.commit() }
        progress.finish()
    } catch {
        progress.finish()
        for f in files { f.discard() }
        throw error
    }
    return BatchResult(pages: writer.pageCount, warnings: warnings, files: files.map(\.path))
}

/// A one-line progress display on a terminal, shown once a batch has taken more than a second.
final class Progress {
    let total: Int
    let enabled: Bool
    let start = Date()
    var lastDraw = Date.distantPast
    var shown = false

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(STDERR_FILENO) != 0 && total > 1
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        shown = true
        let rate = Double(done) / now.timeIntervalSince(start)
        FileHandle.standardError.write(Data("\rrendered \(done)/\(total) labels (\(Int(rate))/s)   ".utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
