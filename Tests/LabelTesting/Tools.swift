public import Foundation
public import LabelModel
public import Rendering
import Synchronization
public import Logging
import LabeldSupport

/// Where the project is: templates, fonts and the built `labeld`.
public enum Project {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var templates: String { root + "/templates" }
    public static var fonts: String { root + "/fonts" }
    public static var configuration: RendererConfiguration {
        RendererConfiguration(fontsDirectory: fonts, templatesDirectory: templates)
    }

    /// The shipped carrier profiles.
    public static var carriers: [String: CarrierProfile] { (try? configuration.carrierProfiles()) ?? [:] }

    /// The `labeld` built next to these tests (debug unless LABELD_BINARY says otherwise).
    public static var binary: String {
        if let b = ProcessInfo.processInfo.environment["LABELD_BINARY"] { return b }
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().path
        for candidate in [bundle + "/labeld", root + "/.build/debug/labeld"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return root + "/.build/debug/labeld"
    }
}

/// What a finished process left behind.
public struct ToolResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutData: Data
}

/// Runs a program (found on PATH unless the path has a slash) and waits for it.
@discardableResult
public func runTool(_ program: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil, cwd: String? = nil) throws -> ToolResult {
    let process = Process()
    if program.contains("/") {
        process.executableURL = URL(fileURLWithPath: program)
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program]
    }
    process.arguments = (process.arguments ?? []) + arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try? input.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty program cannot block on a full pipe.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ToolResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self), stdoutData: outData)
}

/// A fresh temporary folder.
public func temporaryDirectory(_ prefix: String = "labeld-test") -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Independent barcode decoders: zbar and ZXing-C++.
public enum Decoders {
    /// `zbarimg` results as (symbology, text), e.g. ("EAN-13", "8801234567893").
    public static func zbar(_ png: String) throws -> [(format: String, text: String)] {
        let typed = try runTool("zbarimg", ["--nodbus", "-q", png])
        var results: [(format: String, text: String)] = []
        for line in typed.stdout.components(separatedBy: "\n") {
            guard let colon = line.range(of: ":") else { continue }
            results.append((String(line[..<colon.lowerBound]), String(line[colon.upperBound...])))
        }
        return results
    }

    /// `ZXingReader -noscale` results as (format, text).
    public static func zxing(_ png: String) throws -> [(format: String, text: String)] {
        let r = try runTool("ZXingReader", ["-noscale", png])
        var results: [(String, String)] = []
        var text: String?
        for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Text:") {
                var t = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("\"") && t.hasSuffix("\"") && t.count >= 2 { t = String(t.dropFirst().dropLast()) }
                text = t
            } else if line.hasPrefix("Format:"), let t = text {
                results.append((line.dropFirst(7).trimmingCharacters(in: .whitespaces), t))
                text = nil
            }
        }
        return results
    }
}

/// Renders records with a template into files in `directory`; returns the paths.
public func renderFiles(_ template: Template, records: [DataValue], format: OutputFormat, dpi: Int? = nil,
                        directory: String, name: String = "label") throws -> (files: [String], warnings: [LabelWarning], unknownGlyphs: Int) {
    let renderer = try LabelRenderer(configuration: Project.configuration)
    let composer = LabelComposer(template: template, dpi: dpi, carriers: Project.carriers)
    var files: [String] = []
    var warnings: [LabelWarning] = []
    let ext = format.rawValue
    let mainPath = directory + "/\(name)" + (format == .png ? "-1.png" : ".\(ext)")
    let main = try FileSink(path: mainPath)
    files.append(mainPath)
    var extra: [FileSink] = []
    let writer = renderer.documentWriter(format: format, sink: main, title: name) { (index: Int) throws(RenderingError) -> any ByteSink in
        if index == 0 { return main }
        let path = directory + "/\(name)-\(index + 1).png"
        files.append(path)
        let sink = try FileSink(path: path)
        extra.append(sink)
        return sink
    }
    for (i, record) in records.enumerated() {
        for page in try composer.compose(record, index: i) { warnings += try writer.add(page) }
    }
    try writer.finish()
    try main.close()
    for s in extra { try s.close() }
    return (files, warnings, renderer.unknownGlyphCount)
}

/// A deterministic generator (SplitMix64) so random payloads can be replayed from a printed seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed for randomised tests: LABELD_TEST_SEED, else the time; tests print it.
public func testSeed() -> UInt64 {
    if let s = ProcessInfo.processInfo.environment["LABELD_TEST_SEED"], let v = UInt64(s) { return v }
    return UInt64(Date().timeIntervalSince1970 * 1000)
}

/// Loads a template from the shipped templates folder.
public func shippedTemplate(_ relativePath: String) throws -> Template {
    try TemplateParser.load(path: Project.templates + "/" + relativePath, displayName: relativePath)
}

/// Values collected from several threads, in the order they arrived.
public final class Collected<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Element] = []
    public init() {}
    public func add(_ v: Element) { lock.lock(); values.append(v); lock.unlock() }
    public var all: [Element] { lock.lock(); defer { lock.unlock() }; return values }
}

/// A clock a test moves by hand, for code that takes `now: @Sendable () -> Date`: a time-to-live
/// is tested by moving past it, not by sleeping through it.
public final class TestClock: Sendable {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_796_000_000)) { current = Mutex(start) }
    public var now: Date { current.withLock { $0 } }
    public func advance(by seconds: Double) { current.withLock { $0 += seconds } }
}

/// A `Logger` whose lines a test reads back: what a library told, with its metadata.
public final class LogCapture: Sendable {
    public struct Line: Sendable { public var level: Logger.Level; public var message: String; public var metadata: Logger.Metadata }
    private let captured = Monitor<[Line]>([])
    public init() {}
    public var lines: [Line] { captured.withLock { $0 } }
    public var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }
    fileprivate func add(_ line: Line) {
        captured.withLock { $0.append(line) }
        captured.broadcast()
    }

    /// The first line with `message`, waiting up to `seconds` for it to be logged.
    public func wait(for message: String, seconds: Double) -> Line? {
        captured.wait(until: Date().addingTimeInterval(seconds), for: { $0.contains { $0.message == message } }) { lines, _ in
            lines.first { $0.message == message }
        }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.MetadataValue? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.add(Line(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
