public import ArgumentParser
import Foundation
import LabelModel
import Rendering

extension Symbology: ExpressibleByArgument {}

struct BarcodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "barcode",
        abstract: "Draw one barcode on a page just large enough for it and its quiet zones.",
        discussion: "Symbologies: \(Symbology.allCases.map(\.rawValue).joined(separator: ", "))."
    )

    @Argument(help: "Symbology.")
    var symbology: Symbology

    @Argument(help: "Data to encode (GS1: [01]08801234567891[10]LOT1).")
    var data: String

    @Option(name: .long, help: "png, pdf or zpl.")
    var format: OutputFormat = .png

    @Option(name: .long, help: "Printer resolution in dots per inch.")
    var dpi: Int = 203

    @Option(name: .long, help: "Module width in whole printer dots.")
    var xdim: Int = 3

    @Option(name: .long, help: "Bar height of linear symbols in mm (above 0, at most 500).")
    var height: Double = 15

    @Flag(name: .long, help: "Hide the human-readable text.")
    var noText = false

    @Option(name: .shortAndLong, help: "Output file.")
    var output: String

    func validate() throws {
        let tallest = SingleBarcodeTemplate.maximumBarHeight.millimetres
        if !(height.isFinite && height > 0 && height <= tallest) {
            throw ValidationError("--height must be a bar height in mm above 0 and at most \(Int(tallest)), got '\(height)'")
        }
        if !(1...40).contains(xdim) { throw ValidationError("--xdim must be a whole number of dots from 1 to 40") }
        if !(72...1200).contains(dpi) { throw ValidationError("--dpi must be from 72 to 1200") }
        if format == .pwg { throw ValidationError("--format must be png, pdf or zpl") }
    }

    func run() throws {
        try reportingErrors {
            let template = try SingleBarcodeTemplate.make(symbology: symbology, data: data, dpi: dpi, xdim: xdim, barHeight: .mm(height), humanReadable: !noText)
            let result = try renderBatch(template: template, records: [.object([:])], format: format, dpi: dpi, output: output,
                                         configuration: .standard(), showProgress: false, numberPNGs: false)
            for w in result.warnings { printError(w.description) }
        }
    }
}

