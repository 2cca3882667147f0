public import Foundation
public import LabelModel

/// One print job as stored: what it prints, where, and how far it got.
public struct PrintJob: Codable, Sendable, Hashable {
    public var id: Int64
    /// `waybill`, `waybill-batch`, `barcode` …
    public var kind: String
    public var title: String
    public var printer: String
    public var language: PrinterProfile.Language
    public var dpi: Int
    public var templateName: String
    public var templateRevision: Int
    public var state: PrintJobState
    public var reason: String?
    public var attempts: Int
    public var labelCount: Int
    public var labelsSent: Int
    public var remoteJobId: Int?
    public var idempotencyKey: String?
    /// 재출력: the job this one reprints, and why.
    public var reprintOf: Int64?
    public var reprintReason: String?
    public var actor: String
    public var createdAt: String
    public var updatedAt: String
    /// Milliseconds per stage: `persist`, `render`, `send` (and `total` for the submitting call).
    public var timings: [String: Double]
    /// Where each label came from (`shipment:12`, `sku:RICE-4KG`), in print order.
    public var sources: [String]
    /// An `uncertain` job's labels that may or may not have printed (numbered from 1).
    public var uncertainLabels: LabelSpan?
    /// Barcodes that failed verification before send: why a job is held (`verify: block`), or
    /// what was sent anyway (`verify: warn`).
    public var verification: [VerificationNote]?
    /// The printer's label counter before and after the job (socket printers that report it).
    public var printerCount: PrinterCount?
}

/// One failed barcode check of a job: the label, the element and the check (`verify.decode` …).
public struct VerificationNote: Codable, Sendable, Hashable {
    public var label: Int?
    public var element: String
    public var check: String
    public var message: String
    public init(label: Int?, element: String, check: String, message: String) {
        self.label = label; self.element = element; self.check = check; self.message = message
    }
    public var description: String { "\(check): \(label.map { "label \($0), " } ?? "")element '\(element)': \(message)" }
}

/// Labels `first…last` of a job, numbered from 1.
public struct LabelSpan: Codable, Sendable, Hashable {
    public var first: Int
    public var last: Int
    public init(first: Int, last: Int) { self.first = first; self.last = last }
}

extension PrintJob {
    /// The job as JSON: what `JSONEncoder` with `.sortedKeys` writes (absent optionals left out),
    /// without its cost — every scan's answer carries its job.
    public var jsonText: String { dataValue.jsonText }

    var dataValue: DataValue {
        var o: [String: DataValue] = [
            "id": .number(Double(id)), "kind": .string(kind), "title": .string(title), "printer": .string(printer),
            "language": .string(language.rawValue), "dpi": .number(Double(dpi)), "templateName": .string(templateName),
            "templateRevision": .number(Double(templateRevision)), "state": .string(state.rawValue), "attempts": .number(Double(attempts)),
            "labelCount": .number(Double(labelCount)), "labelsSent": .number(Double(labelsSent)), "actor": .string(actor),
            "createdAt": .string(createdAt), "updatedAt": .string(updatedAt), "timings": .object(timings.mapValues { .number($0) }),
            "sources": .array(sources.map { .string($0) }),
        ]
        if let reason { o["reason"] = .string(reason) }
        if let remoteJobId { o["remoteJobId"] = .number(Double(remoteJobId)) }
        if let idempotencyKey { o["idempotencyKey"] = .string(idempotencyKey) }
        if let reprintOf { o["reprintOf"] = .number(Double(reprintOf)) }
        if let reprintReason { o["reprintReason"] = .string(reprintReason) }
        if let verification {
            o["verification"] = .array(verification.map { n in
                var e: [String: DataValue] = ["element": .string(n.element), "check": .string(n.check), "message": .string(n.message)]
                if let l = n.label { e["label"] = .number(Double(l)) }
                return .object(e)
            })
        }
        if let c = printerCount {
            o["printerCount"] = .object(["before": .number(Double(c.before)), "after": .number(Double(c.after)), "sent": .number(Double(c.sent)),
                                         "counted": .number(Double(c.counted)), "matches": .bool(c.matches)])
        }
        if let uncertainLabels { o["uncertainLabels"] = .object(["first": .number(Double(uncertainLabels.first)), "last": .number(Double(uncertainLabels.last))]) }
        return .object(o)
    }
}

/// A label to print: where it came from and the data it binds to the template.
public struct LabelInput: Sendable, Hashable {
    public var source: String
    public var data: DataValue
    public init(source: String, data: DataValue) { self.source = source; self.data = data }
}

/// A template at a revision: the text that rendered (or will render) a job, kept so a reprint is
/// the same label even after the template file changed.
public struct TemplateRevision: Sendable, Hashable {
    public var name: String
    public var revision: Int
    public var source: String
    public init(name: String, revision: Int, source: String) { self.name = name; self.revision = revision; self.source = source }
}

/// The seller's product-box limits (송장 내 상품리스트) stored with the job, so a reprint lays out the same.
public struct RepeatLimitSpec: Codable, Sendable, Hashable {
    public var maxRows: Int?
    /// `summary` or `continuation`.
    public var overflow: String?
    public init(maxRows: Int?, overflow: String?) { self.maxRows = maxRows; self.overflow = overflow }
}

/// What a caller asks to print.
public struct PrintRequest: Sendable {
    public var kind: String
    public var title: String
    public var printer: String
    /// Template name under `templates/` without `.yaml` (`waybills/cj`).
    public var templateName: String
    /// The template text now (the file's content); stored as a new revision when it changed.
    public var templateSource: String
    public var labels: [LabelInput]
    public var repeatLimits: [String: RepeatLimitSpec]
    /// A repeated request with the same key returns the existing job instead of printing again.
    /// Nil: derived from (label sources, kind, template revision).
    public var idempotencyKey: String?
    /// Also a repeat: a label of the same source already in a standing job (not failed, canceled or a
    /// reprint) of one of these kinds at the same template revision — a waybill scanned again after
    /// its batch printed returns that batch's job; printing it again is a 재출력.
    public var sameSourceKinds: [String]
    public var actor: String

    public init(kind: String, title: String, printer: String, templateName: String, templateSource: String, labels: [LabelInput],
                repeatLimits: [String: RepeatLimitSpec] = [:], idempotencyKey: String? = nil, sameSourceKinds: [String] = [], actor: String) {
        self.sameSourceKinds = sameSourceKinds
        self.kind = kind; self.title = title; self.printer = printer; self.templateName = templateName
        self.templateSource = templateSource; self.labels = labels; self.repeatLimits = repeatLimits
        self.idempotencyKey = idempotencyKey; self.actor = actor
    }
}

/// What `submit` answers: the job, and whether it was already there (an idempotent repeat).
public struct Submission: Sendable, Hashable {
    public var job: PrintJob
    public var repeated: Bool
    /// The job waits for the worker threads (see `Spooler.Goal.acceptedUnlessQueued`).
    public var leftToWorker = false

    public init(job: PrintJob, repeated: Bool, leftToWorker: Bool = false) {
        self.job = job; self.repeated = repeated; self.leftToWorker = leftToWorker
    }
}

/// One label of a job as printed: whether it reached the printer, and whether a scan of the
/// printed barcode confirmed it.
public struct PrintedLabel: Codable, Sendable, Hashable {
    public var jobId: Int64
    /// 1-based position in its job.
    public var seq: Int
    public var source: String
    public var confirmedAt: String?
    public var confirmedBy: String?
    public var jobState: PrintJobState
    /// The printer or print server has it (it is among the job's labels sent).
    public var reached: Bool
    /// It may or may not have printed (the job is `uncertain` about it).
    public var inDoubt: Bool
    /// Its job is a 재출력.
    public var reprint: Bool
    public var printer: String
    /// When its job last changed (sent or completed, for a sent label).
    public var sentAt: String
}
