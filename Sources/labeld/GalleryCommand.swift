import ArgumentParser
import Foundation
import LabelModel
import Rendering

struct Gallery: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render every template with its sample data to PDF and 1-bit PNG, with an index.html.")

    @Option(name: .shortAndLong, help: "Output folder.") var output: String
    @Option(name: .long, help: "Printer resolution.") var dpi: Int = 203

    func run() throws {
        try reportingErrors {
            let configuration = RendererConfiguration.standard()
            let root = configuration.templatesDirectory
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            var cards: [String] = []
            var problems = 0
            for rel in TemplateFiles.list(root) {
                let template = try TemplateParser.load(path: root + "/" + rel, displayName: rel)
                guard let sample = TemplateFiles.sample(for: template.name, in: root) else { continue }
                let records = try DataValue.records(from: sample.data, source: sample.path)
                let pdf = try renderBatch(template: template, records: records, format: .pdf, dpi: dpi, output: "\(output)/\(template.name).pdf",
                                          configuration: configuration, threads: 1, showProgress: false)
                let png = try renderBatch(template: template, records: records, format: .png, dpi: dpi, output: "\(output)/\(template.name).png",
                                          configuration: configuration, threads: 1, showProgress: false)
                for w in pdf.warnings { printError("\(rel): \(w)"); problems += 1 }
                let images = png.files.map { "<img src=\"\(($0 as NSString).lastPathComponent)\" alt=\"\(template.name)\">" }.joined()
                let media = template.page.mediaSize
                cards.append("""
                    <figure><figcaption><b>\(escape(template.name))</b> — \(escape(template.description ?? "")) · \(media.width) × \(media.height)\
                     · <a href="\(template.name).pdf">PDF</a></figcaption>\(images)</figure>
                    """)
                print("\(rel): \(template.name).pdf, \(png.files.count) PNG page(s)")
            }
            let html = """
                <!doctype html><html lang="ko"><meta charset="utf-8"><title>labeld gallery</title>
                <style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;margin:1em;vertical-align:top}
                img{border:1px solid #ccc;margin:4px;max-width:420px;image-rendering:pixelated}</style>
                <h1>labeld templates at \(dpi) dpi (1-bit, as printed)</h1>
                \(cards.joined(separator: "\n"))
                </html>
                """
            try html.write(toFile: output + "/index.html", atomically: true, encoding: .utf8)
            print("wrote \(output)/index.html (\(cards.count) template(s))")
            if problems > 0 { throw ExitCode(1) }
        }
    }

    func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
