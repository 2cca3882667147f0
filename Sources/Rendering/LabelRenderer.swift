public import LabelModel
import Foundation

/// The output formats labeld renders.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Vector PDF, fonts embedded, exact page size: previews and office printers.
    case pdf
    /// 1-bit PNG at the printer's dpi: what the thermal head prints (the preview is the print).
    case png
    /// ZPL II with `^GFA` Z64 graphics: raw thermal queues (Zebra and compatibles).
    case zpl
    /// PWG Raster black_1: IPP Everywhere and LPrint printers.
    case pwg

    public var mediaType: String {
        switch self {
        case .pdf: return "application/pdf"
        case .png: return "image/png"
        case .zpl: return "application/vnd.zebra-zpl"
        case .pwg: return "image/pwg-raster"
        }
    }
}

/// Renders composed label pages to bitmaps and documents. Owns Cairo/Pango state, so it is not
/// Sendable: make one per thread (they are cheap after the first, which scans `fonts/`).
///
/// ```swift
/// let renderer = try LabelRenderer(configuration: .standard())
/// let composer = LabelComposer(template: template, dpi: 203)
/// let writer = try renderer.documentWriter(format: .zpl, sink: sink)
/// for (i, record) in records.enumerated() {
///     for page in try composer.compose(record, index: i) { _ = try writer.add(page) }
/// }
/// try writer.finish()
/// ```
public final class LabelRenderer {
    public let configuration: RendererConfiguration
    let fonts: FontSystem
    private lazy var rasterPainter = CairoPainter(mode: .raster, fonts: fonts, assetsDirectory: configuration.templatesDirectory)
    private lazy var canvas = RasterCanvas(painter: rasterPainter)

    public init(configuration: RendererConfiguration) throws(RenderingError) {
        self.configuration = configuration
        fonts = try FontSystem(fontsDirectory: configuration.fontsDirectory, origin: configuration.fontsOrigin)
    }

    /// The page as the thermal head prints it, and the warnings drawing it raised.
    public func bitmap(of page: ComposedPage) -> (bitmap: Bitmap, warnings: [LabelWarning]) {
        canvas.render(page)
    }

    /// When set, every page written through a document writer is verified on its final raster
    /// (for PDF, its raster twin at the page's dpi) and failures come back as `verify.*` warnings.
    public var verification: VerificationPolicy? {
        didSet { verifier = verification.map(BarcodeVerifier.init) }
    }
    private var verifier: BarcodeVerifier?
    /// Symbols decoded so far (a repeated symbol is decoded once).
    public var decodeCount: Int { verifier?.decodes ?? 0 }

    /// A test seam: changes the raster after drawing, before it is verified and encoded (a
    /// sabotage test flips bits inside a symbol to prove verification reads the final bits).
    var rasterTap: ((inout Bitmap, ComposedPage) -> Void)?

    /// The page's final raster (the bits that are encoded) with drawing warnings and, when
    /// `verification` is set, its barcodes' failed checks.
    func checkedBitmap(of page: ComposedPage) -> (bitmap: Bitmap, warnings: [LabelWarning]) {
        var (bitmap, warnings) = canvas.render(page)
        rasterTap?(&bitmap, page)
        if let verifier {
            for verdict in verifier.verify(page, bitmap: bitmap) { warnings += verdict.warnings(page: page) }
        }
        return (bitmap, warnings)
    }

    /// A PDF page's barcode failures, checked on its raster twin at the page's dpi (what a CUPS PDF
    /// queue's rasterizer makes of it: the PDF's bars sit on the same whole dots).
    func rasterTwinFailures(of page: ComposedPage) -> [LabelWarning] {
        checkedBitmap(of: page).warnings.filter(\.isVerification)
    }

    /// Every barcode of `page` checked on its raster under `policy`, passes included (previews, `templates check`).
    public func verdicts(of page: ComposedPage, policy: VerificationPolicy = .standard) -> (bitmap: Bitmap, verdicts: [BarcodeVerdict], warnings: [LabelWarning]) {
        var (bitmap, warnings) = canvas.render(page)
        rasterTap?(&bitmap, page)
        return (bitmap, verify(page, bitmap: bitmap, policy: policy), warnings)
    }

    private var checkers: [VerificationPolicy: BarcodeVerifier] = [:]

    /// Every barcode of `page` checked on `bitmap` (the page's raster) under `policy`.
    public func verify(_ page: ComposedPage, bitmap: Bitmap, policy: VerificationPolicy = .standard) -> [BarcodeVerdict] {
        if let verifier, verifier.policy == policy { return verifier.verify(page, bitmap: bitmap) }
        if checkers[policy] == nil { checkers[policy] = BarcodeVerifier(policy: policy) }
        return checkers[policy]!.verify(page, bitmap: bitmap)
    }

    /// Characters drawn so far that had no glyph in `fonts/` (0 when every glyph was found).
    public var unknownGlyphCount: Int { rasterPainter.unknownGlyphs + (pdfPainter?.unknownGlyphs ?? 0) }

    private var pdfPainter: CairoPainter?

    private func vectorPainter() -> CairoPainter {
        if pdfPainter == nil { pdfPainter = CairoPainter(mode: .vector, fonts: fonts, assetsDirectory: configuration.templatesDirectory) }
        return pdfPainter!
    }

    func makePDFBuilder() -> PDFPageBuilder { PDFPageBuilder(painter: vectorPainter()) }
    func makePDFAssembler(sink: any ByteSink, title: String) -> PDFAssembler { PDFAssembler(painter: vectorPainter(), sink: sink, title: title) }

    /// A writer that streams pages of `format` into `sink`. PNG writes one image per page through
    /// `pngSink(pageIndex)`; the other formats write one stream.
    public func documentWriter(format: OutputFormat, sink: any ByteSink, title: String = "labels",
                               pngSink: ((Int) throws(RenderingError) -> any ByteSink)? = nil) -> any DocumentWriter {
        switch format {
        case .pdf:
            let writer = PDFDocumentWriter(painter: vectorPainter(), sink: sink, title: title)
            return verifier == nil ? writer : RasterTwinVerifyingWriter(inner: writer, renderer: self)
        case .png: return RasterWriter(renderer: self, format: .png, sink: sink, pngSink: pngSink)
        case .zpl: return RasterWriter(renderer: self, format: .zpl, sink: sink, pngSink: nil)
        case .pwg: return RasterWriter(renderer: self, format: .pwg, sink: sink, pngSink: nil)
        }
    }
}

/// Streams pages into one output: pages are drawn and written one at a time, so memory stays flat
/// however long the batch.
public protocol DocumentWriter: AnyObject {
    /// Draws and writes one page; returns the warnings drawing it raised.
    func add(_ page: ComposedPage) throws(RenderingError) -> [LabelWarning]
    /// Ends the document (PDF trailer); the sink is complete afterwards.
    func finish() throws(RenderingError)
    /// Pages written so far.
    var pageCount: Int { get }
}

/// Draws pages and encodes them in a raster format: ZPL (one format with `^PQ` copies), PNG, or
/// PWG (the page once per copy, without the stream's sync word). Not Sendable.
final class RasterPageEncoder {
    let renderer: LabelRenderer
    let format: OutputFormat
    private lazy var zpl = ZPLEncoder()

    init(renderer: LabelRenderer, format: OutputFormat) {
        self.renderer = renderer
        self.format = format
    }

    /// Hands the page's bytes to `body` (valid only inside it); returns the drawing's warnings.
    func encode(_ page: ComposedPage, into body: (UnsafeRawBufferPointer) -> Void) -> [LabelWarning] {
        let (bitmap, warnings) = renderer.checkedBitmap(of: page)
        switch format {
        case .zpl:
            if page.copies > 0 { zpl.encode(bitmap, copies: page.copies, body) }
        case .png:
            PNGEncoder.encode(bitmap, dpi: page.dpi).withUnsafeBytes(body)
        case .pwg:
            var bytes: [UInt8] = []
            for _ in 0..<max(0, page.copies) { bytes += PWGRasterEncoder.page(bitmap, dpi: page.dpi) }
            bytes.withUnsafeBytes(body)
        case .pdf:
            break
        }
        return warnings
    }
}

final class RasterWriter: DocumentWriter {
    let encoder: RasterPageEncoder
    let sink: any ByteSink
    let pngSink: ((Int) throws(RenderingError) -> any ByteSink)?
    private(set) var pageCount = 0

    init(renderer: LabelRenderer, format: OutputFormat, sink: any ByteSink, pngSink: ((Int) throws(RenderingError) -> any ByteSink)?) {
        encoder = RasterPageEncoder(renderer: renderer, format: format)
        self.sink = sink
        self.pngSink = pngSink
    }

    func add(_ page: ComposedPage) throws(RenderingError) -> [LabelWarning] {
        if encoder.format == .pwg && pageCount == 0 { try sink.write(PWGRasterEncoder.syncWord) }
        if encoder.format == .png {
            // One image per copy, as PDF has one page and PWG one page per copy.
            var image: [UInt8] = []
            let warnings = encoder.encode(page) { image = Array($0) }
            for _ in 0..<max(0, page.copies) {
                try (try pngSink?(pageCount) ?? sink).write(image)
                pageCount += 1
            }
            return warnings
        }
        var failure: RenderingError?
        let warnings = encoder.encode(page) { bytes in
            do throws(RenderingError) { try sink.write(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
        pageCount += 1
        return warnings
    }

    func finish() throws(RenderingError) {
        if encoder.format == .pwg && pageCount == 0 { try sink.write(PWGRasterEncoder.syncWord) }
    }
}

/// A PDF writer whose pages are verified on their raster twin (`LabelRenderer.rasterTwinFailures`).
final class RasterTwinVerifyingWriter: DocumentWriter {
    let inner: any DocumentWriter
    let renderer: LabelRenderer
    init(inner: any DocumentWriter, renderer: LabelRenderer) { self.inner = inner; self.renderer = renderer }

    func add(_ page: ComposedPage) throws(RenderingError) -> [LabelWarning] {
        let failures = renderer.rasterTwinFailures(of: page)
        return try inner.add(page) + failures
    }
    func finish() throws(RenderingError) { try inner.finish() }
    var pageCount: Int { inner.pageCount }
}
