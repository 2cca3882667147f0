public import LabelModel
import Foundation

/// Renders a batch of records on several threads and writes the pages in order into one output.
///
/// Each worker thread owns its own renderer (Cairo, Pango and font map are not shared); workers
/// compose, lay out, draw and encode whole pages (ZPL formats, PNG and PWG pages, PDF content
/// streams with their glyph use); the calling thread reads the records and writes the results
/// in record order, so the output is byte-identical to a single-threaded run.
public final class ParallelBatchRenderer {
    public struct Result: Sendable {
        public var pages: Int
        public var records: Int
        public var warnings: [LabelWarning]
        public var unknownGlyphs: Int
    }

    let configuration: RendererConfiguration
    let template: Template
    let dpi: Int?
    let format: OutputFormat
    let workers: Int
    let carriers: [String: CarrierProfile]
    let repeatLimits: [String: LabelComposer.RepeatLimit]
    /// When set, each page is verified on its final raster (see `LabelRenderer.verification`).
    let verification: VerificationPolicy?
    let barWidthReduction: Int

    public init(configuration: RendererConfiguration, template: Template, dpi: Int?, format: OutputFormat,
                workers: Int? = nil, carriers: [String: CarrierProfile] = [:], repeatLimits: [String: LabelComposer.RepeatLimit] = [:],
                verification: VerificationPolicy? = nil, barWidthReduction: Int = 0) {
        self.verification = verification
        self.barWidthReduction = barWidthReduction
        self.carriers = carriers
        self.repeatLimits = repeatLimits
        self.configuration = configuration
        self.template = template
        self.dpi = dpi
        self.format = format
        self.workers = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    enum PageOutput: Sendable {
        case bytes([UInt8])
        case pdf(PDFPageFragment)
    }

    struct RecordOutput: Sendable {
        var pages: [PageOutput] = []
        var warnings: [LabelWarning] = []
        var error: RenderingError?
    }

    /// The queue between the reading thread and the workers, and the results coming back.
    /// Unchecked: every mutable field is touched only with `condition` locked (Mutex has no wait).
    final class Pipeline: @unchecked Sendable {
        let condition = NSCondition()
        var jobs: [(Int, DataValue)] = []
        var head = 0
        var closed = false
        var results: [Int: RecordOutput] = [:]
        var unknownGlyphs = 0
        var startError: RenderingError?
        var running = 0
        /// The record the writing thread waits for (workers wake it only for that one).
        var waitingFor = -1
    }

    /// Renders every record `next()` returns. `sink` receives the document (ZPL, PWG, PDF) or the
    /// first PNG; `pngSink(i)` the i-th PNG page. `recordWritten(i)` is called after record i's
    /// pages are in `sink` (the print spool records where each label starts). Throws the first
    /// error in record order.
    public func run(next: () throws -> DataValue?, sink: any ByteSink, title: String,
                    pngSink: ((Int) throws(RenderingError) -> any ByteSink)? = nil,
                    recordWritten: ((Int) throws -> Void)? = nil) throws -> Result {
        let pipeline = Pipeline()
        let configuration = configuration, template = template, dpi = dpi, format = format, carriers = carriers
        let repeatLimits = repeatLimits, verification = verification, reduction = barWidthReduction
        for _ in 0..<workers {
            let thread = Thread {
                Self.work(pipeline: pipeline, configuration: configuration, template: template, dpi: dpi, format: format,
                          carriers: carriers, repeatLimits: repeatLimits, verification: verification, barWidthReduction: reduction)
            }
            thread.stackSize = 8 << 20
            pipeline.condition.lock(); pipeline.running += 1; pipeline.condition.unlock()
            thread.start()
        }
        defer {
            pipeline.condition.lock()
            pipeline.closed = true
            pipeline.jobs.removeAll()
            pipeline.condition.broadcast()
            while pipeline.running > 0 { pipeline.condition.wait() }
            pipeline.condition.unlock()
        }

        let renderer = try LabelRenderer(configuration: configuration)
        let assembler = format == .pdf ? renderer.makePDFAssembler(sink: sink, title: title) : nil
        var result = Result(pages: 0, records: 0, warnings: [], unknownGlyphs: 0)
        var read = 0, written = 0, inputDone = false
        let window = 8 * workers
        while true {
            while !inputDone && read - written < window {
                guard let record = try next() else { inputDone = true; break }
                pipeline.condition.lock()
                pipeline.jobs.append((read, record))
                pipeline.condition.signal()
                pipeline.condition.unlock()
                read += 1
            }
            if inputDone && written == read { break }
            pipeline.condition.lock()
            if inputDone { pipeline.closed = true; pipeline.condition.broadcast() }
            pipeline.waitingFor = written
            while pipeline.results[written] == nil && pipeline.startError == nil { pipeline.condition.wait() }
            if let error = pipeline.startError { pipeline.condition.unlock(); throw error }
            let output = pipeline.results.removeValue(forKey: written)!
            pipeline.condition.unlock()
            if let error = output.error { throw error }
            for page in output.pages {
                switch page {
                case .pdf(let fragment):
                    try assembler!.add(fragment)
                    result.pages += fragment.copies - 1
                case .bytes(let bytes):
                    if format == .pwg && result.pages == 0 { try sink.write(PWGRasterEncoder.syncWord) }
                    let target = format == .png ? (try pngSink?(result.pages) ?? sink) : sink
                    try target.write(bytes)
                }
                result.pages += 1
            }
            result.warnings += output.warnings.map { w in
                var w = w
                w.record = written
                return w
            }
            try recordWritten?(written)
            written += 1
            result.records = written
        }
        if let assembler { try assembler.finish() }
        if format == .pwg && result.pages == 0 { try sink.write(PWGRasterEncoder.syncWord) }
        pipeline.condition.lock()
        pipeline.closed = true
        pipeline.condition.broadcast()
        while pipeline.running > 0 { pipeline.condition.wait() }
        result.unknownGlyphs = pipeline.unknownGlyphs
        pipeline.condition.unlock()
        return result
    }

    private static func work(pipeline: Pipeline, configuration: RendererConfiguration, template: Template, dpi: Int?, format: OutputFormat,
                             carriers: [String: CarrierProfile], repeatLimits: [String: LabelComposer.RepeatLimit],
                             verification: VerificationPolicy?, barWidthReduction: Int) {
        defer {
            pipeline.condition.lock()
            pipeline.running -= 1
            pipeline.condition.broadcast()
            pipeline.condition.unlock()
        }
        let renderer: LabelRenderer
        do { renderer = try LabelRenderer(configuration: configuration) } catch {
            pipeline.condition.lock(); pipeline.startError = error; pipeline.condition.broadcast(); pipeline.condition.unlock()
            return
        }
        renderer.verification = verification
        let composer = LabelComposer(template: template, dpi: dpi, carriers: carriers, repeatLimits: repeatLimits, barWidthReduction: barWidthReduction)
        let raster = RasterPageEncoder(renderer: renderer, format: format)
        let pdf = format == .pdf ? renderer.makePDFBuilder() : nil
        while true {
            pipeline.condition.lock()
            while pipeline.head >= pipeline.jobs.count && !pipeline.closed { pipeline.condition.wait() }
            if pipeline.head >= pipeline.jobs.count {
                pipeline.unknownGlyphs += renderer.unknownGlyphCount
                pipeline.condition.unlock()
                return
            }
            let (index, record) = pipeline.jobs[pipeline.head]
            pipeline.head += 1
            if pipeline.head > 1024 && pipeline.head * 2 > pipeline.jobs.count {
                pipeline.jobs.removeFirst(pipeline.head)
                pipeline.head = 0
            }
            pipeline.condition.unlock()

            var output = RecordOutput()
            do {
                for page in try composer.compose(record, index: index) {
                    switch format {
                    case .pdf:
                        let (fragment, warnings) = pdf!.build(page)
                        output.pages.append(.pdf(fragment))
                        output.warnings += warnings
                        if verification != nil { output.warnings += renderer.rasterTwinFailures(of: page) }
                    case .zpl, .png, .pwg:
                        var bytes: [UInt8] = []
                        output.warnings += raster.encode(page) { bytes = Array($0) }
                        // PNG: one image per copy (ZPL carries ^PQ, PWG repeats the page itself).
                        for _ in 0..<(format == .png ? max(0, page.copies) : 1) { output.pages.append(.bytes(bytes)) }
                    }
                }
            } catch {
                output.error = error
            }
            pipeline.condition.lock()
            pipeline.results[index] = output
            if pipeline.waitingFor == index { pipeline.condition.broadcast() }
            pipeline.condition.unlock()
        }
    }
}
