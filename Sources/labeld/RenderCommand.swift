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

    @Option(name: .long, help: "Worker threads (default: one per core). Output is the same for any number.")
    var threads: Int?

    @Flag(name: .long, help: "Do not print warnings.")
    var quiet = false

    @Flag(name: .long, help: "Verify every barcode on the final raster (decoded by zxing-cpp; quiet zones, module width, bar height, printable area) as a printer profile's `verify: block` does; on a failure write nothing and exit 1.")
    var verify = false

    @Option(name: .customLong("bar-width-reduction"), help: "Print gain: draw every bar this many dots narrower (0…3).")
    var barWidthReduction: Int = 0

    func validate() throws {
        if let dpi, !(72...1200).contains(dpi) { throw ValidationError("--dpi must be from 72 to 1200 (thermal printers: 203 or 300)") }
        if let threads, !(1...64).contains(threads) { throw ValidationError("--threads must be from 1 to 64") }
        if !(0...3).contains(barWidthReduction) { throw ValidationError("--bar-width-reduction must be from 0 to 3 dots") }
    }

    func run() throws {
        try reportingErrors {
            let configuration = RendererConfiguration.standard()
            let (path, display) = try resolveTemplate(template, configuration: configuration)
            let template = try TemplateParser.load(path: path, displayName: display)
            let records = try DataRecordReader(path: data)
            let result = try renderBatch(template: template, next: { try records.next() }, format: format, dpi: dpi, output: output,
                                         configuration: configuration, threads: threads,
                                         verification: verify ? VerificationPolicy(printGain: barWidthReduction) : nil, barWidthReduction: barWidthReduction)
            if !quiet { for w in result.warnings { printError(w.description) } }
        }
    }
}

struct BatchResult {
    var pages: Int
    var warnings: [LabelWarning]
    var files: [String]
}

func renderBatch(template: Template, records: [DataValue], format: OutputFormat, dpi: Int?, output: String,
                 configuration: RendererConfiguration, threads: Int? = 1, showProgress: Bool = true, numberPNGs: Bool = true) throws -> BatchResult {
    var rest = records[...]
    return try renderBatch(template: template, next: { rest.popFirst() }, format: format, dpi: dpi, output: output,
                           configuration: configuration, threads: threads, showProgress: showProgress, numberPNGs: numberPNGs)
}

/// Renders records (pulled one at a time, rendered on `threads` worker threads, written in order)
/// into `output` atomically: on any error nothing is left behind.
func renderBatch(template: Template, next: () throws -> DataValue?, format: OutputFormat, dpi: Int?, output: String,
                 configuration: RendererConfiguration, threads: Int?, showProgress: Bool = true, numberPNGs: Bool = true,
                 verification: VerificationPolicy? = nil, barWidthReduction: Int = 0) throws -> BatchResult {
    var files: [AtomicFile] = []
    let pngBase = output.hasSuffix(".png") ? String(output.dropLast(4)) : output
    let main = try AtomicFile(path: format == .png && numberPNGs ? pngBase + "-1.png" : output)
    files.append(main)
    let progress = Progress(enabled: showProgress)
    let pngSink = { (index: Int) throws(RenderingError) -> any ByteSink in
        if index == 0 { return main.sink }
        let file = try AtomicFile(path: "\(pngBase)-\(index + 1).png")
        files.append(file)
        return file.sink
    }
    let carriers = try configuration.carrierProfiles()
    do {
        var result: (pages: Int, warnings: [LabelWarning])
        if let sheet = template.sheet {
            // Labels on sheets: composed one by one and placed on the grid, drawn on this thread.
            let renderer = try LabelRenderer(configuration: configuration)
            renderer.verification = verification
            let composer = LabelComposer(template: template, dpi: dpi, carriers: carriers, barWidthReduction: barWidthReduction)
            var assembler = SheetAssembler(layout: sheet, dpi: composer.dpi)
            let writer = renderer.documentWriter(format: format, sink: main.sink, title: template.name, pngSink: pngSink)
            var warnings: [LabelWarning] = []
            var index = 0
            while let record = try next() {
                for page in try composer.compose(record, index: index) {
                    for full in assembler.add(page) { warnings += try writer.add(full) }
                }
                index += 1
                progress.tick()
            }
            for last in assembler.finish() { warnings += try writer.add(last) }
            try writer.finish()
            result = (writer.pageCount, warnings)
        } else {
            let batch = ParallelBatchRenderer(configuration: configuration, template: template, dpi: dpi, format: format, workers: threads,
                                              carriers: carriers, verification: verification, barWidthReduction: barWidthReduction)
            let r = try batch.run(next: {
                let record = try next()
                progress.tick()
                return record
            }, sink: main.sink, title: template.name, pngSink: pngSink)
            result = (r.pages, r.warnings)
        }
        let failed = result.warnings.filter(\.isVerification)
        if !failed.isEmpty {
            // A barcode that does not scan is a failed label: nothing is written.
            let lines = failed.map { w in
                let at = template.location(ofElement: w.element).map(\.description) ?? template.file
                return "\(at): \(w.record.map { "record \($0 + 1): " } ?? "")\(w.element): \(w.code ?? "verify"): \(w.message)"
            }
            throw CLIError(description: "barcode verification failed; nothing written:\n" + lines.joined(separator: "\n"))
        }
        for f in files { try f.commit() }
        progress.finish()
        return BatchResult(pages: result.pages, warnings: result.warnings, files: files.map(\.path))
    } catch {
        progress.finish()
        for f in files { f.discard() }
        throw error
    }
}

/// A one-line progress display on a terminal, shown once a batch has taken more than a second.
final class Progress {
    let enabled: Bool
    let start = Date()
    var lastDraw = Date.distantPast
    var shown = false

    init(enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) != 0
    }

    private(set) var count = 0

    func tick() {
        count += 1
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        shown = true
        let rate = Double(count) / now.timeIntervalSince(start)
        FileHandle.standardError.write(Data("\rrendered \(count) labels (\(Int(rate))/s)   ".utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
